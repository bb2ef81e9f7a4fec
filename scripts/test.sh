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

need_apt=()
command -v kubectl >/dev/null 2>&1 || need_apt+=(kubectl)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}" >&2
  if command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null || {
      echo "could not install ${need_apt[*]}: the emitter and CLI tests compare with kubectl kustomize" >&2
      exit 1
    }
  else
    echo "missing ${need_apt[*]} and no apt-get to install them" >&2
    exit 1
  fi
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "installing cargo-nextest" >&2
  cargo install --locked cargo-nextest
fi

# Everything compiles, benches and examples included (dev profile, shared with the tests).
cargo build --workspace --all-targets --locked
# Doc tests (nextest does not run them) first, so that nextest's summary closes the run.
cargo test --workspace --doc --locked
cargo nextest run --workspace --lib --bins --tests --examples --locked --no-fail-fast
