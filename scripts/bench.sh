#!/usr/bin/env bash
# Runs every benchmark in bench/; each prints one JSON line of figures.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
for bench in bench/*.bench.ts; do
  echo "== $bench" >&2
  # The joiner runs with its Deployment's V8 flags (deploy/kubernetes/joiner-deployment.yaml):
  # a 64 MiB young generation, garbage collection on the main thread. The bench's bare loop runs
  # in the same process, so it gets the same.
  case "$bench" in
    *joiner*) NODE_OPTIONS="--max-semi-space-size=64" node --single-threaded-gc --import tsx "$bench" ;;
    *) node --import tsx "$bench" ;;
  esac
done
