/**
 * The few system calls the self-test needs that Deno has no API for, through glibc: memfd_create(2) and
 * mount(2). Errors are read with errno() from ffi/libc.ts straight after the failing call.
 */
import { errno, strerror } from "../../ffi/libc.ts";

const symbols = {
  memfd_create: { parameters: ["buffer", "u32"], result: "i32" },
  mount: { parameters: ["buffer", "buffer", "buffer", "u64", "buffer"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

let lib: Deno.DynamicLibrary<typeof symbols> | undefined;

function libc(): Deno.DynamicLibrary<typeof symbols> {
  lib ??= Deno.dlopen("libc.so.6", symbols);
  return lib;
}

function cstr(s: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(s + "\0");
}

/** A failed system call: its name, errno and libc's text. */
export class SyscallError extends Error {
  constructor(readonly call: string, readonly code: number) {
    super(`${call}: ${strerror(code)} (errno ${code})`);
    this.name = "SyscallError";
  }
}

/** memfd_create(name, 0): an anonymous memory file, inherited by children (no close-on-exec). */
export function memfdCreate(name: string): number {
  const fd = libc().symbols.memfd_create(cstr(name), 0);
  if (fd < 0) throw new SyscallError("memfd_create", errno());
  return fd;
}

/** close(2). */
export function closeFd(fd: number): void {
  libc().symbols.close(fd);
}

/** Mounts a fresh tmpfs on `target` with the mount `options` (e.g. "mode=1777,size=16m"). */
export function mountTmpfs(target: string, options: string): void {
  const rc = libc().symbols.mount(cstr("tmpfs"), cstr(target), cstr("tmpfs"), 0n, cstr(options));
  if (rc !== 0) throw new SyscallError(`mount tmpfs on ${target}`, errno());
}
