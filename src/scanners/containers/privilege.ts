/**
 * What the processes of a container may do: the capability bounding set of every one of them (a process
 * `docker exec --privileged` started shares the container's cgroup and namespaces but not its first process's
 * capabilities), and the processes that run in namespaces of their own without any container cgroup.
 */
import type { ScanContext } from "../../core/context.ts";
import { CAPABILITY_NAMES, decodeCapMask } from "../../host/capabilities.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";

/** Escape-prone capabilities (beyond Docker's default set). */
export const DANGEROUS_CAPS: readonly string[] = [
  "CAP_SYS_ADMIN",
  "CAP_SYS_MODULE",
  "CAP_SYS_PTRACE",
  "CAP_SYS_RAWIO",
  "CAP_DAC_READ_SEARCH",
  "CAP_BPF",
];

/** The full capability mask of this kernel (from cap_last_cap), as a bigint. */
export function fullMask(ctx: ScanContext): bigint {
  const r = ctx.host.readText("/proc/sys/kernel/cap_last_cap", 64);
  const last = r.ok && /^\d+$/.test(r.value.trim()) ? Number(r.value.trim()) : CAPABILITY_NAMES.length - 1;
  return (1n << BigInt(last + 1)) - 1n;
}

/** A process's bounding set; "gone" when it exited since the snapshot, undefined when unreadable. */
function capBnd(ctx: ScanContext, pid: number): bigint | "gone" | undefined {
  const r = ctx.host.readText(`/proc/${pid}/status`, 16 << 10);
  if (!r.ok) return r.reason === "missing" ? "gone" : undefined;
  const m = /^CapBnd:\s*([0-9a-fA-F]{1,16})\s*$/m.exec(r.value);
  return m ? BigInt("0x" + m[1]) : undefined;
}

/** One process and its bounding set. */
export interface ProcCaps {
  proc: ProcessInfo;
  bnd: bigint;
  /** The whole bounding set of this kernel: what `--privileged` gives. */
  full: boolean;
  /** The escape-prone capabilities it keeps. */
  risky: string[];
}

/** The bounding sets of a group of processes; `unreadable` lists those whose status could not be read. */
export interface GroupCaps {
  caps: ProcCaps[];
  unreadable: ProcessInfo[];
}

/** Reads the bounding set of every process given (those that exited since the snapshot are left out). */
export function groupCaps(ctx: ScanContext, processes: readonly ProcessInfo[], full: bigint): GroupCaps {
  const caps: ProcCaps[] = [];
  const unreadable: ProcessInfo[] = [];
  for (const proc of processes) {
    const bnd = capBnd(ctx, proc.pid);
    if (bnd === "gone") continue;
    if (bnd === undefined) {
      unreadable.push(proc);
      continue;
    }
    const names = decodeCapMask(bnd.toString(16));
    caps.push({
      proc,
      bnd,
      full: (bnd & full) === full,
      risky: DANGEROUS_CAPS.filter((c) => names.includes(c)),
    });
  }
  return { caps, unreadable };
}

/** "pid 120 (/bin/sh)" */
export function who(p: ProcessInfo): string {
  return `pid ${p.pid} (${p.exe ?? p.comm})`;
}

/** Processes that share one pid namespace of their own, outside every container the cgroups name. */
export interface NamespacedGroup {
  /** The pid namespace link ("pid:[4026532001]"). */
  pidNs: string;
  processes: ProcessInfo[];
  /** The namespaces (of pid, mnt, net, ipc, uts, cgroup) its first process does not share with pid 1. */
  own: string[];
}

const COMPARED = ["pid", "mnt", "net", "ipc", "uts", "cgroup"];

/**
 * Processes whose pid and mount namespaces both differ from pid 1's and whose user namespace is pid 1's, not in
 * a cgroup that names a container: a container started without a runtime's cgroup (`unshare`, a runtime told
 * to use another cgroup parent, a process moved into a service's cgroup). Grouped by pid namespace.
 * Left out as the real look-alikes are: systemd services with PrivateNetwork=, PrivateMounts=, ProtectSystem=
 * and the like get a mount (and network) namespace but keep the host's pid namespace; browser and Flatpak
 * sandboxes (bubblewrap, Chromium's zygote) create a user namespace with their pid namespace, so their
 * capabilities count only inside it.
 */
export function namespacedGroups(
  processes: readonly ProcessInfo[],
  host: ProcessInfo,
  inContainer: ReadonlySet<number>,
): NamespacedGroup[] {
  const hn = host.namespaces;
  if (!hn.pid || !hn.mnt) return [];
  const byNs = new Map<string, ProcessInfo[]>();
  for (const p of [...processes].sort((a, b) => a.pid - b.pid)) {
    const ns = p.namespaces;
    if (p.kernelThread || inContainer.has(p.pid) || !ns.pid || !ns.mnt) continue;
    if (ns.pid === hn.pid || ns.mnt === hn.mnt) continue;
    if (ns.user && hn.user && ns.user !== hn.user) continue;
    const g = byNs.get(ns.pid);
    if (g) g.push(p);
    else byNs.set(ns.pid, [p]);
  }
  return [...byNs.entries()].map(([pidNs, ps]) => ({
    pidNs,
    processes: ps,
    own: COMPARED.filter((k) => ps[0].namespaces[k] && hn[k] && ps[0].namespaces[k] !== hn[k]),
  }));
}
