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

# Profiles one build: every `helm template` line of the corpus under callgrind, the
# outputs named $work/$1.N.
profile() {
  local name=$1 bin=$2 n=0
  for cmd in "$corpus"/helm/*/CMD "$corpus"/scale/helm-2k/CMD; do
    dir=$(dirname "$cmd")
    while IFS= read -r line; do
      args=${line#*: helm template }
      n=$((n + 1))
      # shellcheck disable=SC2086 # the CMD lines are word lists
      (cd "$dir" && valgrind --tool=callgrind --callgrind-out-file="$work/$name.$n" \
        --compress-strings=no --demangle=no "$bin" helm template $args >/dev/null 2>&1) || true
    done < <(grep 'helm template' "$cmd")
  done
  echo "$name: ran $n renders under callgrind" >&2
}

# Both release builds, without the current order so that nothing depends on it: the
# shipped static one (scripts/build-release.sh) and plain `cargo build --release`. Their
# symbol names differ (the target and flags are part of each crate's hash), so the list
# holds both; lld skips the names a build does not have.
export GITOPS_NO_LINK_ORDER=1 CARGO_TARGET_DIR=$target
profile static "$("$root/scripts/build-release.sh")"
cargo build --release -p gitops --bin gitops
profile dynamic "$target/release/gitops"

python3 - "$work" "$out" <<'PY'
import collections, glob, re, sys
work, out = sys.argv[1], sys.argv[2]

def hottest_first(name):
    """The functions of one build's profiles, by instructions executed, most first."""
    cost = collections.Counter()
    for path in glob.glob(f"{work}/{name}.*"):
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
    return [n for n, _ in cost.most_common()]

names = hottest_first("static")
seen = set(names)
names += [n for n in hottest_first("dynamic") if n not in seen]
with open(out, "w") as f:
    f.write("".join(n + "\n" for n in names))
print(f"{len(names)} functions written to {out}", file=sys.stderr)
PY
