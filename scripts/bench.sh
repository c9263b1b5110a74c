#!/usr/bin/env bash
# Runs every benchmark in bench/; each prints one JSON line of figures.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
for bench in bench/*.bench.ts; do
  echo "== $bench" >&2
  node --import tsx "$bench"
done
