/**
 * The one binding of glibc through Deno FFI. The library is opened once per thread (isolate), on first use, with
 * every symbol sys-scan calls; the other modules of `ffi/` (file descriptors, directory reading, the self-test's
 * mounts) call through `libc()` rather than opening it again. Each wrapper does one thing; nothing here knows
 * about sys-scan.
 */

const LIBC_PATHS = ["libc.so.6"];

const symbols = {
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
  vsnprintf: { parameters: ["buffer", "usize", "pointer", "pointer"], result: "i32" },
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  getppid: { parameters: [], result: "i32" },
  getpgid: { parameters: ["i32"], result: "i32" },
  syscall: { parameters: ["i64", "u64", "u64", "u64", "u64", "u64", "u64"], result: "i64" },
  /** syscall(2) typed for openat2(dirfd, path, how, size): no BigInt per call (the result is a descriptor or -1). */
  syscall_openat2: {
    name: "syscall",
    parameters: ["i64", "i32", "buffer", "buffer", "usize"],
    result: "i32",
  },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  openat: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  /** close(2) on a blocking-task thread: for a descriptor whose close may wait (a lingering socket's last one). */
  close_nb: { name: "close", parameters: ["i32"], result: "i32", nonblocking: true },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
  readlinkat: { parameters: ["i32", "buffer", "buffer", "usize"], result: "isize" },
  getdents64: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  lgetxattr: { parameters: ["buffer", "buffer", "buffer", "usize"], result: "isize" },
  memfd_create: { parameters: ["buffer", "u32"], result: "i32" },
  mount: { parameters: ["buffer", "buffer", "buffer", "u64", "buffer"], result: "i32" },
  umount2: { parameters: ["buffer", "i32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getpeername: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  /** ioctl(2) with an integer argument (or none). */
  ioctl: { parameters: ["i32", "u64", "u64"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The C library as loaded: call its functions through `.symbols`. */
export type Libc = Deno.DynamicLibrary<typeof symbols>;

let lib: Libc | undefined;
let loadError: string | undefined;
let errnoView: Deno.UnsafePointerView | undefined;

/**
 * The C library, loaded on first use. Throws an Error saying why when it cannot be loaded (no FFI permission, no
 * glibc, a symbol missing from an old glibc).
 */
export function libc(): Libc {
  if (lib) return lib;
  if (loadError !== undefined) throw new Error(loadError);
  let last: unknown;
  for (const path of LIBC_PATHS) {
    try {
      lib = Deno.dlopen(path, symbols);
      return lib;
    } catch (e) {
      last = e;
    }
  }
  loadError = `cannot load the C library: ${last instanceof Error ? last.message : String(last)}`;
  throw new Error(loadError);
}

/** The C library, or null where it cannot be loaded (callers then use a slower path through Deno's API). */
export function tryLibc(): Libc | null {
  try {
    return libc();
  } catch {
    return null;
  }
}

/** The calling thread's errno. Read it straight after the failing FFI call, before any other call. */
export function errno(): number {
  if (!errnoView) {
    const p = libc().symbols.__errno_location();
    if (p === null) return 0;
    errnoView = new Deno.UnsafePointerView(p);
  }
  return errnoView.getInt32(0);
}

/** libc's message for an errno value ("No such file or directory"). */
export function strerror(code: number): string {
  const p = libc().symbols.strerror(code);
  return p === null ? `errno ${code}` : Deno.UnsafePointerView.getCString(p);
}

/** Clock ids for clockGettimeNs. */
export const CLOCK_REALTIME = 0;
/** CLOCK_MONOTONIC: the clock of bpf_ktime_get_ns. */
export const CLOCK_MONOTONIC = 1;

/** clock_gettime(clock) in nanoseconds, as a bigint. Throws on failure (an invalid clock id). */
export function clockGettimeNs(clock: number): bigint {
  const ts = new Uint8Array(16);
  if (libc().symbols.clock_gettime(clock, ts) !== 0) {
    throw new Error(`clock_gettime(${clock}): ${strerror(errno())}`);
  }
  const v = new DataView(ts.buffer);
  return v.getBigInt64(0, true) * 1_000_000_000n + v.getBigInt64(8, true);
}

/**
 * Formats a C `printf` format with a `va_list` (as received by a C callback) into a string of at most
 * `max - 1` bytes. On x86-64 a va_list arrives as a pointer, which is what this takes.
 */
export function vsnprintf(format: Deno.PointerValue, vaList: Deno.PointerValue, max = 4096): string {
  const buf = new Uint8Array(max);
  const n = libc().symbols.vsnprintf(buf, BigInt(max), format, vaList);
  if (n < 0) return "";
  return new TextDecoder().decode(buf.subarray(0, Math.min(n, max - 1)));
}

/** getppid(2) through FFI: one cheap system call (used to measure per-syscall overhead). */
export function getppid(): number {
  return libc().symbols.getppid();
}

/**
 * getpgid(2) through FFI: the process group of `pid`, or -1 when no task has that id (ESRCH). It answers for
 * any task the kernel knows, threads included, whatever their owner, and needs no permission; one system call
 * and no allocation, which is what a sweep of every pid needs.
 */
export function getpgid(pid: number): number {
  return libc().symbols.getpgid(pid);
}

/** One argument of a raw system call: an integer, or a buffer passed by its address. */
export type SyscallArg = number | bigint | Uint8Array;

/** What a raw system call returned, with errno read straight after it (0 on success). */
export interface SyscallResult {
  readonly result: bigint;
  readonly errno: number;
}

/**
 * syscall(2): the raw system call `nr` with up to six arguments, on the calling thread.
 * Buffers must stay referenced by the caller until this returns.
 */
export function syscall(nr: number, ...args: SyscallArg[]): SyscallResult {
  if (args.length > 6) throw new Error("syscall takes at most six arguments");
  const raw = [0, 1, 2, 3, 4, 5].map((i) => {
    const a = args[i] ?? 0;
    if (a instanceof Uint8Array) return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(a)));
    return BigInt.asUintN(64, BigInt(a));
  });
  const result = BigInt(libc().symbols.syscall(BigInt(nr), raw[0], raw[1], raw[2], raw[3], raw[4], raw[5]));
  return { result, errno: result < 0n ? errno() : 0 };
}

const encoder = new TextEncoder();

/** A NUL-terminated copy of a string, for a `buffer` parameter. */
export function cString(s: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(s + "\0");
}
