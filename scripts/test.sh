#!/usr/bin/env bash
# Type-checks, then runs every test file with node's test runner (TypeScript through tsx).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck" >&2
npx --no-install tsc -p tsconfig.json --noEmit
shopt -s nullglob
# The runner starts files in this order: the long end-to-end and CLI files first, so the short
# ones fill the gaps at the end instead of one long file running alone.
files=(test/e2e/*.test.ts cli/test/*.test.ts services/*/test/*.test.ts test/*.test.ts lib/test/*.test.ts)
echo "== ${#files[@]} test files" >&2
# Test files wait on brokers and group joins far more than on CPU: run a few at once.
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-3}" --test-reporter=spec "$@" "${files[@]}"
