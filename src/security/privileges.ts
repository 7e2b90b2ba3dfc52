/**
 * Capability drop through capget/capset and prctl: the bounding set (inherited by every child), the ambient
 * set, then the main thread's effective/permitted/inheritable sets. Threads Deno started before the drop keep
 * their own sets (Linux capabilities are per thread); `threadsStillPrivileged` reports them honestly.
 */
import { syscall as libcSyscall } from "../../ffi/libc.ts";
import { CAPABILITY_NAMES, decodeCapMask } from "../host/capabilities.ts";
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import type { SyscallFn } from "./seccomp.ts";
import { type Arch, currentArch } from "./syscall_table.ts";

const LINUX_CAPABILITY_VERSION_3 = 0x20080522;
const PR_CAPBSET_DROP = 24;
const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;
const NR: Record<Arch, { capget: number; capset: number; prctl: number }> = {
  x86_64: { capget: 125, capset: 126, prctl: 157 },
  aarch64: { capget: 90, capset: 91, prctl: 167 },
};

/** The three per-thread capability sets as 64-bit masks. */
export interface CapSets {
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
}

/** Capability names → a mask. Unknown names are an error (a typo must not silently keep nothing). */
export function capMask(names: Iterable<string>): Result<bigint> {
  let m = 0n;
  for (const n of names) {
    const bit = (CAPABILITY_NAMES as readonly string[]).indexOf(n);
    if (bit < 0) return fail(ExitCode.Usage, `unknown capability ${n}`);
    m |= 1n << BigInt(bit);
  }
  return ok(m);
}

/** A mask → capability names, lowest bit first. */
export function capNames(mask: bigint): string[] {
  return decodeCapMask(mask.toString(16));
}

function header(): Uint8Array {
  const h = new Uint8Array(8);
  new DataView(h.buffer).setUint32(0, LINUX_CAPABILITY_VERSION_3, true);
  return h;
}

/** capget(2) for the calling thread. */
export function getCaps(sys: SyscallFn = libcSyscall, arch: Arch | null = currentArch()): Result<CapSets> {
  if (arch === null) return fail(ExitCode.Hardening, "capabilities: unsupported platform");
  const data = new Uint8Array(24);
  const r = sys(NR[arch].capget, header(), data);
  if (r.result !== 0n) return fail(ExitCode.Hardening, `capget failed (errno ${r.errno})`);
  const v = new DataView(data.buffer);
  const word = (off: number) => BigInt(v.getUint32(off, true)) | (BigInt(v.getUint32(off + 12, true)) << 32n);
  return ok({ effective: word(0), permitted: word(4), inheritable: word(8) });
}

/** What the drop did, for meta.security.privileges. */
export interface DropState {
  before: string[];
  after: string[];
  kept: string[];
  bounding_set_reduced: boolean;
  /** Threads (tids are left out: they vary) that still hold capabilities outside the kept set. */
  threads_still_privileged: number;
}

function lastCap(): number {
  try {
    const n = Number(Deno.readTextFileSync("/proc/sys/kernel/cap_last_cap").trim());
    return Number.isInteger(n) && n > 0 && n < 64 ? n : CAPABILITY_NAMES.length - 1;
  } catch {
    return CAPABILITY_NAMES.length - 1;
  }
}

/** Counts this process's threads whose effective set has bits outside `keep`. */
export function threadsStillPrivileged(keep: bigint, procSelf = "/proc/self"): number {
  let n = 0;
  try {
    for (const t of Deno.readDirSync(`${procSelf}/task`)) {
      try {
        const status = Deno.readTextFileSync(`${procSelf}/task/${t.name}/status`);
        const hex = status.match(/^CapEff:\s*([0-9a-f]+)$/m)?.[1];
        if (hex && (BigInt("0x" + hex) & ~keep) !== 0n) n++;
      } catch {
        // the thread exited meanwhile
      }
    }
  } catch {
    return 0;
  }
  return n;
}

/**
 * Drops every capability outside `keep`: bounding set (needs CAP_SETPCAP; children then cannot regain more),
 * ambient set, then capset on the calling thread. Never raises a capability that was not permitted.
 */
export function dropCapabilities(
  keep: bigint,
  sys: SyscallFn = libcSyscall,
  arch: Arch | null = currentArch(),
): Result<DropState> {
  if (arch === null) return fail(ExitCode.Hardening, "capabilities: unsupported platform");
  const before = getCaps(sys, arch);
  if (!before.ok) return before;
  let bounding = true;
  for (let bit = 0; bit <= lastCap(); bit++) {
    if ((keep >> BigInt(bit)) & 1n) continue;
    const r = sys(NR[arch].prctl, PR_CAPBSET_DROP, bit, 0, 0, 0);
    if (r.result !== 0n && r.errno !== 22) bounding = false;
  }
  sys(NR[arch].prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  const target = keep & before.value.permitted;
  const data = new Uint8Array(24);
  const v = new DataView(data.buffer);
  for (const [i, mask] of [target, target, 0n].entries()) {
    v.setUint32(i * 4, Number(mask & 0xffffffffn), true);
    v.setUint32(12 + i * 4, Number(mask >> 32n), true);
  }
  const set = sys(NR[arch].capset, header(), data);
  if (set.result !== 0n) return fail(ExitCode.Hardening, `capset failed (errno ${set.errno})`);
  const after = getCaps(sys, arch);
  if (!after.ok) return after;
  if ((after.value.effective & ~keep) !== 0n || (after.value.permitted & ~keep) !== 0n) {
    return fail(ExitCode.Hardening, "capabilities: the kernel kept capabilities outside the requested set");
  }
  return ok({
    before: capNames(before.value.effective),
    after: capNames(after.value.effective),
    kept: capNames(keep),
    bounding_set_reduced: bounding,
    threads_still_privileged: threadsStillPrivileged(keep),
  });
}
