/** Who made a process's user namespace (ioctl NS_GET_OWNER_UID on /proc/<pid>/ns/user), live host only. */
import { AT, closeFd, O, openAt } from "../../ffi/fd.ts";
import { cString, tryLibc } from "../../ffi/libc.ts";

/** ioctl NS_GET_OWNER_UID (_IO(0xb7, 0x4)): the uid that created a user namespace, in the caller's namespace. */
const NS_GET_OWNER_UID = 0xb704n;

/**
 * The uid that created the user namespace of `pid` on the live host, as the scanner's namespace sees it; undefined
 * when it cannot be told (no FFI, the process is gone, an old kernel without the ioctl).
 */
export function userNsOwner(pid: number): number | undefined {
  const c = tryLibc();
  if (c === null) return undefined;
  const fd = openAt(AT.FDCWD, cString(`/proc/${pid}/ns/user`), O.RDONLY | O.CLOEXEC);
  if (fd < 0) return undefined;
  try {
    const uid = new Uint32Array(1);
    const ptr = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(uid)));
    return c.symbols.ioctl(fd, NS_GET_OWNER_UID, ptr) === 0 ? uid[0] : undefined;
  } finally {
    closeFd(fd);
  }
}
