#!/usr/bin/env bash
# Sets up what is missing (scripts/bootstrap.sh), then runs every check: deno fmt --check, deno lint,
# deno check, and the whole test suite. Lists the ignored tests with their reasons, then ends with the line
# "N passed, N failed, N skipped" (failed: failed tests plus failed fmt/lint/check; skipped: the tests Deno
# reports as ignored, because this host lacks their precondition). Exit status: 0 only if everything passed and every ignored test printed its reason.
set -uo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
deno="$(bash scripts/bootstrap.sh --test | tail -n 1)" || { echo "bootstrap failed" >&2; exit 1; }
export PATH="$(dirname "$deno"):$PATH"
export NO_COLOR=1
export DENO_NO_UPDATE_CHECK=1

status=0
static_failed=0 # fmt, lint and check each count as one failure in the last line
echo "== deno fmt --check"; deno fmt --check || static_failed=$((static_failed + 1))
echo "== deno lint"; deno lint || static_failed=$((static_failed + 1))
echo "== deno check"
deno check main.ts 'src/**/*.ts' 'ffi/**/*.ts' 'tests/**/*.ts' 'scripts/**/*.ts' || static_failed=$((static_failed + 1))
[ "$static_failed" -eq 0 ] || status=1
echo "== deno test"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# A crash of the runner itself (a signal) is a failure like any other; so that it can be diagnosed from the log
# alone, the runner may leave a core (where the host's core_pattern writes one to the working directory), of
# which every thread's stack is printed when gdb is present, and the core is removed.
started_mark="$(mktemp)"
(ulimit -c unlimited 2>/dev/null; exec deno test -A --parallel "$@") 2>&1 | tee "$log"
test_status=${PIPESTATUS[0]}
[ "$test_status" -eq 0 ] || status=1
if [ "$test_status" -gt 128 ]; then
  echo "== deno test was ended by signal $((test_status - 128)) (exit status $test_status)"
  core="$(find "$top" -maxdepth 1 -name 'core*' -type f -newer "$started_mark" 2>/dev/null | head -n 1)"
  if [ -n "$core" ] && command -v gdb >/dev/null; then
    gdb -batch -ex 'info threads' -ex 'thread apply all bt 20' "$(command -v deno)" "$core" 2>/dev/null | tail -n 400
  else
    echo "   no core to show (core_pattern: $(cat /proc/sys/kernel/core_pattern 2>/dev/null); gdb: $(command -v gdb || echo absent))"
  fi
  [ -z "$core" ] || rm -f "$core"
fi
rm -f "$started_mark"

summary="$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)"
passed="$(echo "$summary" | sed -nE 's/.* ([0-9]+) passed.*/\1/p')"
failed="$(echo "$summary" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')"
ignored="$(echo "$summary" | sed -nE 's/.* ([0-9]+) ignored.*/\1/p')"
if [ -z "$passed" ]; then
  echo "no test summary found" >&2
  echo "0 passed, $((static_failed + 1)) failed, 0 skipped"
  exit 1
fi

# Every ignored test must have said why (tests/host_caps.ts `needs` prints "[ignored] NAME -- REASON").
reasons="$(grep -oE '\[ignored\] .* -- .*' "$log" | sort -u)"
names="$(grep -oE '=> .* \.\.\. ignored \(' "$log" | sed -E 's/^=> (.*) \.\.\. ignored \($/\1/' | sort -u)"
echo
echo "== ${ignored:-0} ignored (this host lacks what they need)"
unexplained_count=0
while IFS= read -r name; do
  [ -n "$name" ] || continue
  reason="$(grep -F "[ignored] $name -- " <<<"$reasons" | head -n 1)"
  if [ -n "$reason" ]; then
    echo "  ${reason#\[ignored\] }"
  else
    echo "  $name -- NO REASON PRINTED: declare it with needs() from tests/host_caps.ts" >&2
    unexplained_count=$((unexplained_count + 1))
    status=1
  fi
done <<<"$names"
[ "$static_failed" -eq 0 ] || echo "${static_failed} of deno fmt --check, deno lint, deno check failed (see above)" >&2
# Failures: failed tests, failed static checks, and ignored tests that did not say why.
echo "${passed} passed, $((${failed:-0} + static_failed + unexplained_count)) failed, ${ignored:-0} skipped"
exit "$status"
