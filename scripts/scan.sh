#!/usr/bin/env bash
# Sets up what is missing (scripts/bootstrap.sh), then runs a real scan of this host with the given flags.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deno="$(bash "$top/scripts/bootstrap.sh" | tail -n 1)"
# Deno's own update check would make a DNS lookup; sys-scan never touches the network.
export DENO_NO_UPDATE_CHECK=1
# The V8 options of the executable (scripts/compile.ts V8_FLAGS): a smaller young generation per isolate.
exec "$deno" run -A --v8-flags=--max-semi-space-size=1,--optimize-for-size,--no-short-builtin-calls "$top/main.ts" "$@"
