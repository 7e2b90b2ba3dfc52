#!/usr/bin/env bash
# Sets up what is missing (scripts/bootstrap.sh), then runs every check: deno fmt --check, deno lint,
# deno check, and the whole test suite. Ends with a "N passed, N failed" line. Exit status: 0 only if all pass.
set -uo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
deno="$(bash scripts/bootstrap.sh --test | tail -n 1)" || { echo "bootstrap failed" >&2; exit 1; }
export PATH="$(dirname "$deno"):$PATH"
export NO_COLOR=1
export DENO_NO_UPDATE_CHECK=1

status=0
echo "== deno fmt --check"; deno fmt --check || status=1
echo "== deno lint"; deno lint || status=1
echo "== deno check"; deno check main.ts 'src/**/*.ts' 'ffi/**/*.ts' 'tests/**/*.ts' 'scripts/**/*.ts' || status=1
echo "== deno test"
log="$(mktemp)"
deno test -A --parallel "$@" 2>&1 | tee "$log"
test_status=${PIPESTATUS[0]}
[ "$test_status" -eq 0 ] || status=1
summary="$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)"
rm -f "$log"
passed="$(echo "$summary" | sed -nE 's/.* ([0-9]+) passed.*/\1/p')"
failed="$(echo "$summary" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')"
if [ -z "$passed" ]; then
  echo "no test summary found" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then
  echo "tests passed but fmt/lint/check did not" >&2
fi
echo "${passed} passed, ${failed:-0} failed"
exit "$status"
