#!/usr/bin/env bash
# Regenerates bins/gitops/link/helm-template.order: the functions `gitops helm template`
# executes, hottest first, which the release link places together at the start of .text
# (bins/gitops/build.rs passes it to lld as --symbol-ordering-file).
#
# Why: with fat LTO the render code is spread through a 30 MB text section, and every page
# fault maps 64 KiB around it; grouped, `helm template` touches about 4 MiB less of the
# binary. Symbols missing from the file (new code, another toolchain) are simply laid out
# after the listed ones, so a stale file costs memory, never correctness. Rerun after a
# toolchain update or large changes to the Helm engine.
#
# Needs: valgrind, python3, the corpus in ../shared/corpus (every `helm template` line of
# helm/*/CMD and scale/helm-2k/CMD is run under callgrind).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${CORPUS:-$root/../shared/corpus}
target=${CARGO_TARGET_DIR:-/var/tmp/gitops-release}
out=$root/bins/gitops/link/helm-template.order
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Built without the current order, so that every executed function is seen by name.
GITOPS_NO_LINK_ORDER=1 CARGO_TARGET_DIR=$target cargo build --release -p gitops --bin gitops
bin=$target/release/gitops

n=0
for cmd in "$corpus"/helm/*/CMD "$corpus"/scale/helm-2k/CMD; do
  dir=$(dirname "$cmd")
  while IFS= read -r line; do
    args=${line#*: helm template }
    n=$((n + 1))
    # shellcheck disable=SC2086 # the CMD lines are word lists
    (cd "$dir" && valgrind --tool=callgrind --callgrind-out-file="$work/out.$n" \
      --compress-strings=no --demangle=no "$bin" helm template $args >/dev/null 2>&1) || true
  done < <(grep 'helm template' "$cmd")
done
echo "ran $n renders under callgrind" >&2

python3 - "$work" "$out" <<'PY'
import collections, glob, re, sys
work, out = sys.argv[1], sys.argv[2]
cost = collections.Counter()
for path in glob.glob(work + "/out.*"):
    ob = fn = None
    for line in open(path):
        if line.startswith("ob="):
            ob = line[3:].strip()
        elif line.startswith("fn="):
            fn = line[3:].strip() if ob and ob.endswith("/gitops") else None
            if fn:
                fn = re.sub(r"'\d+$", "", fn)
                if fn.startswith("0x") or fn.startswith("("):
                    fn = None
                else:
                    cost[fn] += 0
        elif fn and line[:1].isdigit():
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                cost[fn] += int(parts[1])
with open(out, "w") as f:
    for name, _ in cost.most_common():
        f.write(name + "\n")
print(f"{len(cost)} functions written to {out}", file=sys.stderr)
PY
