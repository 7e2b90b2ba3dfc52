/**
 * The few system calls the self-test needs that Deno has no API for, through glibc: memfd_create(2), mount(2)
 * (a tmpfs, a bind mount) and an O_PATH open(2). Errors are read with errno() from ffi/libc.ts straight after
 * the failing call.
 */
import { AT, O, openAt } from "../../ffi/fd.ts";
import { cString as cstr, errno, libc, strerror } from "../../ffi/libc.ts";

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

/** Mounts a fresh tmpfs on `target` with the mount `options` (e.g. "mode=1777,size=16m"). */
export function mountTmpfs(target: string, options: string): void {
  const rc = libc().symbols.mount(cstr("tmpfs"), cstr(target), cstr("tmpfs"), 0n, cstr(options));
  if (rc !== 0) throw new SyscallError(`mount tmpfs on ${target}`, errno());
}

const MS_BIND = 0x1000n;
const MS_REC = 0x4000n;

/**
 * Binds `source` (with the mounts below it) onto `target`, which must exist and be of the same kind (a
 * directory on a directory, a file on a file). `source` may be `/proc/self/fd/N` of an O_PATH descriptor.
 */
export function bindMount(source: string, target: string): void {
  const rc = libc().symbols.mount(cstr(source), cstr(target), null, MS_BIND | MS_REC, null);
  if (rc !== 0) throw new SyscallError(`bind ${source} on ${target}`, errno());
}

/** An O_PATH descriptor of `path` (symlinks followed, close-on-exec): a handle that outlives hiding the path. */
export function openPath(path: string): number {
  const fd = openAt(AT.FDCWD, cstr(path), O.PATH | O.CLOEXEC);
  if (fd < 0) throw new SyscallError(`open ${path}`, errno());
  return fd;
}
