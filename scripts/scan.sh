#!/usr/bin/env bash
# Sets up what is missing (scripts/bootstrap.sh), then runs a real scan of this host with the given flags.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deno="$(bash "$top/scripts/bootstrap.sh" | tail -n 1)"
# Deno's own update check would make a DNS lookup; sys-scan never touches the network.
export DENO_NO_UPDATE_CHECK=1
exec "$deno" run -A "$top/main.ts" "$@"
