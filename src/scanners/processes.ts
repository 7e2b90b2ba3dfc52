/**
 * processes: the process inventory (`--process-inventory`), from the shared /proc snapshot. Judgements about
 * processes (deleted or fileless executables, preloads, masquerading, reverse shells, hidden pids) live in the
 * `ioc` scanner; this one only describes what runs, so it emits nothing unless the inventory is asked for.
 */
import type { ScanContext } from "../core/context.ts";
import type { FindingDraft, Metadata } from "../core/finding.ts";
import type { Scanner } from "../core/scanner.ts";
import { sha256Hex } from "../host/hash.ts";
import { type ExeHash, ExeHasher } from "../host/proc_exe_hash.ts";
import { inContainer } from "../host/procfs.ts";
import { procSnapshot } from "./proc_snapshot.ts";
import type { ProcessInfo } from "../host/proc_types.ts";
import { loadUsers } from "../host/proc_users.ts";
import { PROCESSES_INFO } from "./info/processes.ts";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on every Linux architecture in use). */
export const USER_HZ = 100;
/** argv items kept in metadata, and characters kept per item. */
const MAX_ARGV_ITEMS = 256;
const MAX_ARG_CHARS = 4096;

/**
 * The stable subject of a process: its executable (or `[comm]` when it has none) and a short hash of its argv,
 * so the same program with the same arguments keeps its id across runs and reboots.
 */
export function processSubject(p: ProcessInfo): string {
  const argvHash = sha256Hex(p.cmdline.join("\0")).slice(0, 12);
  return `${p.exe ?? `[${p.comm}]`}#${argvHash}`;
}

/** Boot time (seconds since the epoch) from /proc/stat `btime`, or undefined. */
export function parseBootTime(procStat: string): number | undefined {
  const m = /^btime\s+(\d+)\s*$/m.exec(procStat);
  return m ? Number(m[1]) : undefined;
}

function hashMeta(h: ExeHash, cap: number): Metadata {
  if (h.status === "ok") return { sha256: h.sha256, exe_size: h.size };
  if (h.status === "too_large") {
    return {
      sha256: null,
      exe_size: h.size,
      hash_status: `not hashed: larger than the ${cap >> 20} MiB cap`,
    };
  }
  return { sha256: null, hash_status: `not hashed: ${h.message}` };
}

function describe(p: ProcessInfo): string {
  const argv = p.cmdline.length > 0 ? p.cmdline.join(" ") : `[${p.comm}]`;
  const shown = argv.length > 200 ? argv.slice(0, 200) + "…" : argv;
  return `${shown} (exe ${p.exe ?? "unknown"}, uid ${p.uid})`;
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const c = ctx.config;
  if (!c.processInventory) return;
  const snap = procSnapshot(ctx);
  if (snap.listed.size === 0) {
    ctx.skip(`no readable /proc under ${ctx.host.root}: mount procfs or scan the live host`);
    return;
  }
  const users = loadUsers(ctx.host);
  const stat = ctx.host.readText("/proc/stat", 1 << 20);
  const boot = stat.ok ? parseBootTime(stat.value) : undefined;
  const hasher = c.processHash ? new ExeHasher(ctx.host) : undefined;
  const groups = new Map<string, ProcessInfo[]>();
  for (const p of snap.processes) {
    if (p.kernelThread && !c.allProcesses) continue;
    if (c.containerId !== undefined && !inContainer(p, c.containerId)) continue;
    const key = processSubject(p);
    const list = groups.get(key);
    if (list) list.push(p);
    else groups.set(key, [p]);
  }
  let emitted = 0;
  for (const [subject, procs] of groups) {
    if (c.maxProcesses > 0 && emitted >= c.maxProcesses) {
      ctx.warn(
        "truncated",
        `--max-processes ${c.maxProcesses} reached: ${groups.size - emitted} process(es) left out`,
      );
      return;
    }
    await ctx.checkpoint();
    const p = procs.reduce((a, b) => b.startTicks < a.startTicks ? b : a);
    const metadata: Metadata = {
      pid: p.pid,
      pids: procs.map((x) => String(x.pid)),
      process_count: procs.length,
      ppid: p.ppid,
      comm: p.comm,
      state: p.state,
      uid: p.uid < 0 ? null : p.uid,
      euid: p.euid < 0 ? null : p.euid,
      gid: p.gid < 0 ? null : p.gid,
      user: users.names.get(p.uid) ?? null,
      euser: users.names.get(p.euid) ?? null,
      start_ticks: p.startTicks,
      start_time: boot === undefined ? null : new Date((boot + p.startTicks / USER_HZ) * 1000).toISOString(),
      exe: p.exe,
      exe_deleted: p.exeDeleted,
      exe_memfd: p.exeMemfd,
      argv: p.cmdline.slice(0, MAX_ARGV_ITEMS).map((a) => a.slice(0, MAX_ARG_CHARS)),
      argv_truncated: p.cmdlineTruncated || p.cmdline.length > MAX_ARGV_ITEMS ||
        p.cmdline.some((a) => a.length > MAX_ARG_CHARS),
      cwd: p.cwd,
      container_id: p.containerId,
      namespaces: Object.values(p.namespaces),
      kernel_thread: p.kernelThread,
      socket_count: p.socketInodes.length,
    };
    if (hasher && p.exe !== null) {
      Object.assign(metadata, hashMeta(await hasher.hash(p.pid), hasher.maxBytes));
    }
    emitted++;
    yield {
      check_id: "process.inventory.entry",
      subject,
      title: `Process ${p.exe ?? `[${p.comm}]`}`,
      description: describe(p),
      metadata,
      location: { ...(p.exe !== null ? { path: p.exe } : {}), pid: p.pid },
    };
  }
}

/** The processes scanner. */
export const processes: Scanner = { ...PROCESSES_INFO, run };
