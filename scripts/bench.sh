#!/usr/bin/env bash
# Runs every benchmark in bench/; each prints one JSON line of figures.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
for bench in bench/*.bench.ts; do
  echo "== $bench" >&2
  # The joiner runs with its Deployment's young-generation size (deploy/kubernetes/joiner-deployment.yaml);
  # the bench's bare loop runs in the same process, so it gets the same.
  case "$bench" in
    *joiner*) NODE_OPTIONS="--max-semi-space-size=64" node --import tsx "$bench" ;;
    *) node --import tsx "$bench" ;;
  esac
done
