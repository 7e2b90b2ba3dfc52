#!/usr/bin/env bash
# Sets up what is missing (scripts/bootstrap.sh), then runs a real scan of this host with the given flags.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deno="$(bash "$top/scripts/bootstrap.sh" | tail -n 1)"
exec "$deno" run -A "$top/main.ts" "$@"
