#!/usr/bin/env bash
# The main job for a newcomer: builds the `gitops` CLI and runs the flux-compatible
# `create … --export` journey, printing the manifests flux would print.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/gitops-target}"
cargo build -q -p gitops
gitops="$CARGO_TARGET_DIR/debug/gitops"
"$gitops" create source git microservices-demo -n microservices-demo --url=https://gitlab.com/RimiX2/microservices-demo --branch=master --interval=30s --export
"$gitops" create kustomization microservices-demo --target-namespace=microservices-demo --source=GitRepository/microservices-demo --path="./release/kubernetes-manifests.yaml" --prune=true --interval=1m --export
"$gitops" create hr redis-cart -n microservices-demo-charts --target-namespace=microservices-demo-charts --interval=1m --source=GitRepository/microservices-demo --chart=./helm-charts/redis-cart --export
