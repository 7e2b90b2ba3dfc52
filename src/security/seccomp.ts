/** Installs the seccomp filter on every thread of the process (no_new_privs + seccomp(TSYNC)). */
import { syscall as libcSyscall, type SyscallArg, type SyscallResult } from "../../ffi/libc.ts";
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import { buildFilter, deniedSyscalls, encodeFilter, type FilterOptions } from "./seccomp_filter.ts";
import { type Arch, currentArch } from "./syscall_table.ts";

/** The raw system call entry point; tests inject a failing one to exercise the error paths. */
export type SyscallFn = (nr: number, ...args: SyscallArg[]) => SyscallResult;

const PR_SET_NO_NEW_PRIVS = 38;
const SECCOMP_SET_MODE_FILTER = 1;
const SECCOMP_FILTER_FLAG_TSYNC = 1;
const PRCTL: Record<Arch, number> = { x86_64: 157, aarch64: 167 };
const SECCOMP: Record<Arch, number> = { x86_64: 317, aarch64: 277 };

/** What was installed, for meta.security.seccomp. */
export interface SeccompState {
  installed: boolean;
  arch: string;
  /** Length of the BPF program. */
  instructions: number;
  denied: string[];
  socket_families_allowed: string[];
}

/** The errno names the messages use. */
function errnoName(e: number): string {
  return ({ 1: "EPERM", 14: "EFAULT", 22: "EINVAL", 38: "ENOSYS", 12: "ENOMEM" } as Record<number, string>)[
    e
  ] ??
    `errno ${e}`;
}

/**
 * Sets no_new_privs and installs the filter with SECCOMP_FILTER_FLAG_TSYNC, so Deno's worker threads get it too.
 * Fails with exit 4 (Hardening) and a reason; the caller decides whether that is fatal (`--seccomp-strict`).
 */
export function installSeccomp(
  opts: Omit<FilterOptions, "arch">,
  sys: SyscallFn = libcSyscall,
  arch: Arch | null = currentArch(),
): Result<SeccompState> {
  if (arch === null) {
    return fail(ExitCode.Hardening, `seccomp: unsupported platform ${Deno.build.os}/${Deno.build.arch}`);
  }
  const prog = encodeFilter(buildFilter({ ...opts, arch }));
  const fprog = new Uint8Array(16);
  const v = new DataView(fprog.buffer);
  v.setUint16(0, prog.length / 8, true);
  v.setBigUint64(8, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(prog))), true);
  const nnp = sys(PRCTL[arch], PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  if (nnp.result !== 0n) {
    return fail(ExitCode.Hardening, `seccomp: prctl(PR_SET_NO_NEW_PRIVS) failed: ${errnoName(nnp.errno)}`);
  }
  const r = sys(SECCOMP[arch], SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, fprog);
  if (r.result < 0n) {
    return fail(ExitCode.Hardening, `seccomp: installing the filter failed: ${errnoName(r.errno)}`);
  }
  if (r.result > 0n) {
    return fail(ExitCode.Hardening, `seccomp: thread ${r.result} could not be synchronised to the filter`);
  }
  return ok({
    installed: true,
    arch,
    instructions: prog.length / 8,
    denied: deniedSyscalls({ ...opts, arch }).map((d) => d.name),
    socket_families_allowed: ["AF_UNIX", "AF_NETLINK"],
  });
}
