#!/usr/bin/env bash
# Installs what sys-scan needs on a fresh Debian 12 machine, only where it is missing:
# Deno 2.9.6 from npm (into .tools/), and from Debian: clang, llvm, libbpf-dev, libbpf1, bpftool (BPF build
# and tests), chromium (HTML report test), gnupg (signing test), rpm (a real rpm database for the rpm verification
# test), libyara9 (the yara scanner), yara (the test and benchmark that compare with the yara command) and
# libyara-dev (the test that checks the binding's struct offsets against yara.h). With --test (what
# scripts/test.sh passes) also ansible-core and openssh-server for the Ansible fan-out test (its second host is
# an sshd started per connection with `sshd -i` in a network namespace; the ssh service itself is never used),
# xz-utils, zstd and time for the memory-bound test (it compresses bombs with the real tools and reads the
# peak RSS from GNU time), and socat, netcat-openbsd and tmux for the live relay-shell tests (the reverse shells
# responders meet are made with these tools). Prints the deno path on its last line.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DENO_VERSION=2.9.6
deno_bin="$top/.tools/node_modules/.bin/deno"

if [ ! -x "$deno_bin" ] || ! "$deno_bin" --version 2>/dev/null | grep -q "deno $DENO_VERSION"; then
  mkdir -p "$top/.tools"
  echo "bootstrap: installing deno@$DENO_VERSION from npm into .tools/" >&2
  (cd "$top/.tools" && npm install --no-audit --no-fund --silent "deno@$DENO_VERSION" >&2)
fi

packages=(clang llvm libbpf-dev libbpf1 bpftool chromium gnupg rpm libyara9 yara libyara-dev)
if [ "${1:-}" = "--test" ]; then packages+=(ansible-core openssh-server xz-utils zstd time socat netcat-openbsd tmux); fi
need=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing Debian packages (${need[*]}); run as root or install them with apt-get" >&2
  else
    echo "bootstrap: installing ${need[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  fi
fi
echo "$deno_bin"
