#!/usr/bin/env bash
# Builds generated/process_exec.bpf.o from bpf/ (build time only; the scanner needs no clang or bpftool):
#   vmlinux.h from this machine's /sys/kernel/btf/vmlinux via bpftool (into build/, not committed),
#   clang -O2 -g -target bpf, then llvm-strip -g (keeps .BTF/.BTF.ext for CO-RE).
# Also writes generated/process_exec.bpf.sha256: the SHA-256 of bpf/*.c and bpf/*.h (sorted by name,
# each as "<sha256>  <name>\n"), which tests/trace/object_test.ts recomputes to prove the object is current.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
for tool in bpftool clang llvm-strip; do
  command -v "$tool" >/dev/null || { echo "build-bpf: $tool not found (apt-get install clang llvm bpftool)" >&2; exit 1; }
done
[ -s /sys/kernel/btf/vmlinux ] || { echo "build-bpf: /sys/kernel/btf/vmlinux missing: this kernel has no BTF" >&2; exit 1; }
mkdir -p build generated
bpftool btf dump file /sys/kernel/btf/vmlinux format c > build/vmlinux.h.tmp
mv build/vmlinux.h.tmp build/vmlinux.h
clang -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_x86 -Ibuild -Ibpf \
  -c bpf/process_exec.bpf.c -o build/process_exec.bpf.o
llvm-strip -g build/process_exec.bpf.o -o generated/process_exec.bpf.o
(cd bpf && LC_ALL=C ls -1 -- *.c *.h | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -d' ' -f1 \
  > generated/process_exec.bpf.sha256
echo "build-bpf: generated/process_exec.bpf.o ($(stat -c %s generated/process_exec.bpf.o) bytes)" >&2
