/**
 * The /proc snapshot: one bounded walk of /proc through a `Host` (so `--root` fixture trees work). Processes
 * that vanish during the walk are counted, never an error. Scanners share one per scan through
 * `procSnapshot` (src/scanners/proc_snapshot.ts).
 */
import { readExeLink } from "./exe_link.ts";
import type { Host } from "./host.ts";
import { releaseBytes } from "./release.ts";
import {
  containerIdFromCgroup,
  isPtmx,
  parseStat,
  parseStatus,
  PF_KTHREAD,
  pipeInode,
  socketInode,
  splitNul,
} from "./proc_stat.ts";
import type { ProcessInfo, ProcSnapshot } from "./proc_types.ts";
import { ownPids } from "./self.ts";

/** Limits of one snapshot. */
export interface ProcLimits {
  /** PIDs read at most; hitting it sets `truncated` and warns. */
  maxPids: number;
  /** Bytes of /proc/<pid>/cmdline read and kept. */
  maxCmdlineBytes: number;
  /** Arguments kept per process (a command line of NULs is one empty argument per byte). */
  maxCmdlineArgs: number;
  /**
   * Command-line memory kept for the whole snapshot (characters plus 8 bytes an argument): once spent, each
   * further process keeps only `cmdlineAfterBudgetBytes` and one argument per 16 of them, so a crowd of
   * processes with long command lines (or thousands of empty arguments) cannot exhaust memory.
   */
  cmdlineBudgetBytes: number;
  /** Bytes of cmdline read per process once the budget is spent. */
  cmdlineAfterBudgetBytes: number;
  /** Bytes of /proc/<pid>/cgroup kept. */
  maxCgroupBytes: number;
  /** fd links read per process. */
  maxFds: number;
}

/** Default limits. */
export const PROC_LIMITS: ProcLimits = {
  maxPids: 32768,
  maxCmdlineBytes: 32 << 10,
  maxCmdlineArgs: 1024,
  cmdlineBudgetBytes: 4 << 20,
  cmdlineAfterBudgetBytes: 1 << 10,
  maxCgroupBytes: 16 << 10,
  maxFds: 4096,
};

/** A warning raised while taking the snapshot (reported by the scanner that took it). */
export interface ProcWarning {
  code: string;
  detail: string;
}

/** The snapshot plus what happened while taking it. */
export interface ProcWalk extends ProcSnapshot {
  /** PIDs listed but gone (or unparsable) before their stat could be read. */
  vanished: number;
  warnings: ProcWarning[];
}

const NUMERIC = /^[1-9]\d*$/;

/** Most /proc entries listed (pid_max cannot exceed 2^22). */
const MAX_LISTING = (1 << 22) + 1024;

/** Every numeric entry of /proc, sorted, or a failure message. */
export function listPids(host: Host): number[] | string {
  const dir = host.readDir("/proc", MAX_LISTING);
  if (!dir.ok) return `/proc: ${dir.message}`;
  return dir.value.filter((e) => NUMERIC.test(e.name)).map((e) => Number(e.name)).sort((a, b) => a - b);
}

function readLinkOrNull(host: Host, path: string): string | null {
  const r = host.readLink(path);
  return r.ok ? r.value : null;
}

function readNamespaces(host: Host, pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  const dir = host.readDir(`/proc/${pid}/ns`, 64);
  if (!dir.ok) return out;
  for (const name of dir.value.map((e) => e.name).sort()) {
    const link = readLinkOrNull(host, `/proc/${pid}/ns/${name}`);
    if (link !== null) out[name] = link;
  }
  return out;
}

/** What the fd links of one process say. */
interface Fds {
  sockets: number[];
  pipes: number[];
  ptmx: number[];
  bpf: number[];
  stdio: (string | null)[];
  truncated: boolean;
}

const sortedUnique = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);

function readFds(host: Host, pid: number, maxFds: number): Fds {
  const stdio: (string | null)[] = [null, null, null];
  const sockets: number[] = [];
  const pipes: number[] = [];
  const ptmx: number[] = [];
  const bpf: number[] = [];
  const dir = host.readDir(`/proc/${pid}/fd`, maxFds);
  if (!dir.ok) return { sockets, pipes, ptmx, bpf, stdio, truncated: false };
  for (const entry of dir.value) {
    if (!/^\d+$/.test(entry.name)) continue;
    const link = readLinkOrNull(host, `/proc/${pid}/fd/${entry.name}`);
    if (link === null) continue;
    const fd = Number(entry.name);
    if (fd <= 2) stdio[fd] = link;
    const inode = socketInode(link);
    if (inode !== undefined) sockets.push(inode);
    const pipe = pipeInode(link);
    if (pipe !== undefined) pipes.push(pipe);
    if (isPtmx(link)) ptmx.push(fd);
    if (link === "anon_inode:bpf-prog" || link === "anon_inode:bpf_link") bpf.push(fd);
  }
  return {
    sockets: sortedUnique(sockets),
    pipes: sortedUnique(pipes),
    ptmx: sortedUnique(ptmx),
    bpf: sortedUnique(bpf),
    stdio,
    truncated: dir.truncated,
  };
}

/** Outcome of reading one process. */
export type ReadProcess =
  | { ok: true; info: ProcessInfo; fdTruncated: boolean }
  | { ok: false; vanished: true };

/** What is read and kept of one command line. */
export interface CmdlineCap {
  bytes: number;
  args: number;
}

/** Memory an argument costs besides its characters (its slot in the array), as the budget counts it. */
const ARG_OVERHEAD = 8;

/**
 * Reads one process. A process whose stat is missing or unparsable (it exited, or the pid is being reused)
 * is reported as vanished; every other file is optional (permission denied, zombie, kernel thread). Its
 * command line is read and kept up to `cmdline` (the limits' own unless the snapshot's budget is spent).
 */
export function readProcess(
  host: Host,
  pid: number,
  limits: ProcLimits = PROC_LIMITS,
  cmdline: CmdlineCap = { bytes: limits.maxCmdlineBytes, args: limits.maxCmdlineArgs },
): ReadProcess {
  const statText = host.readText(`/proc/${pid}/stat`, 4096);
  const stat = statText.ok ? parseStat(statText.value) : undefined;
  if (!stat || stat.pid !== pid) return { ok: false, vanished: true };
  const statusText = host.readText(`/proc/${pid}/status`, 16 << 10);
  const status = statusText.ok ? parseStatus(statusText.value) : {};
  const cmd = host.readBytes(`/proc/${pid}/cmdline`, cmdline.bytes);
  const args = cmd.ok ? splitNul(cmd.value, cmdline.args + 1) : [];
  const tooMany = args.length > cmdline.args;
  if (tooMany) args.length = cmdline.args;
  if (cmd.ok) releaseBytes(cmd.value);
  const exe = readExeLink(host, pid);
  const cgroup = host.readText(`/proc/${pid}/cgroup`, limits.maxCgroupBytes);
  const cgroupText = cgroup.ok ? cgroup.value : "";
  const fds = readFds(host, pid, limits.maxFds);
  const info: ProcessInfo = {
    pid,
    ppid: stat.ppid,
    comm: stat.comm,
    state: stat.state,
    startTicks: stat.startTicks,
    flags: stat.flags,
    uid: status.uid ?? -1,
    euid: status.euid ?? status.uid ?? -1,
    gid: status.gid ?? -1,
    cmdline: args,
    cmdlineTruncated: (cmd.ok && cmd.truncated) || tooMany,
    exe: exe?.path ?? null,
    exeDeleted: exe?.deleted ?? false,
    exeMemfd: exe?.memfd ?? false,
    cwd: readLinkOrNull(host, `/proc/${pid}/cwd`),
    kernelThread: (stat.flags & PF_KTHREAD) !== 0,
    cgroup: cgroupText,
    containerId: containerIdFromCgroup(cgroupText),
    namespaces: readNamespaces(host, pid),
    socketInodes: fds.sockets,
    pipeInodes: fds.pipes,
    ptmxFds: fds.ptmx,
    bpfFds: fds.bpf,
    stdio: fds.stdio,
  };
  return { ok: true, info, fdTruncated: fds.truncated };
}

/** Walks /proc once with the given limits (scanners use `procSnapshot`: it is memoized per scan). */
export function takeSnapshot(host: Host, limits: ProcLimits = PROC_LIMITS): ProcWalk {
  const warnings: ProcWarning[] = [];
  const listing = listPids(host);
  if (typeof listing === "string") {
    return {
      processes: [],
      own: [],
      listed: new Set(),
      truncated: false,
      vanished: 0,
      warnings: [{ code: "proc_unreadable", detail: listing }],
    };
  }
  const truncated = listing.length > limits.maxPids;
  if (truncated) {
    warnings.push({
      code: "truncated",
      detail: `${listing.length} PIDs in /proc: only the first ${limits.maxPids} read`,
    });
  }
  const processes: ProcessInfo[] = [];
  let vanished = 0;
  const fdTruncated: number[] = [];
  const cmdTruncated: number[] = [];
  const overBudget: number[] = [];
  let cmdlineKept = 0;
  const full: CmdlineCap = { bytes: limits.maxCmdlineBytes, args: limits.maxCmdlineArgs };
  const after = Math.min(limits.maxCmdlineBytes, limits.cmdlineAfterBudgetBytes);
  const short: CmdlineCap = { bytes: after, args: Math.min(limits.maxCmdlineArgs, Math.max(1, after >> 4)) };
  for (const pid of listing.slice(0, limits.maxPids)) {
    const spent = cmdlineKept >= limits.cmdlineBudgetBytes;
    const r = readProcess(host, pid, limits, spent ? short : full);
    if (!r.ok) {
      vanished++;
      continue;
    }
    if (r.fdTruncated) fdTruncated.push(pid);
    if (r.info.cmdlineTruncated) (spent ? overBudget : cmdTruncated).push(pid);
    cmdlineKept += r.info.cmdline.reduce((n, a) => n + a.length + ARG_OVERHEAD, 0);
    processes.push(r.info);
  }
  const pids = (list: number[]) => `${list.length} process(es) (pids ${list.slice(0, 10).join(", ")})`;
  if (cmdTruncated.length > 0) {
    warnings.push({
      code: "truncated",
      detail: `command line longer than ${limits.maxCmdlineBytes} bytes or of more than ` +
        `${limits.maxCmdlineArgs} arguments in ${pids(cmdTruncated)}: only its beginning is kept`,
    });
  }
  if (overBudget.length > 0) {
    warnings.push({
      code: "truncated",
      detail:
        `command lines kept to ${short.bytes} bytes and ${short.args} arguments in ${pids(overBudget)}: ` +
        `the ${limits.cmdlineBudgetBytes >> 10} KiB kept for the command lines of all processes was spent`,
    });
  }
  if (fdTruncated.length > 0) {
    warnings.push({
      code: "truncated",
      detail: `more than ${limits.maxFds} open fds in ${pids(fdTruncated)}: their socket list is partial`,
    });
  }
  // On the live host the scanner's own process and helpers are set apart (./self.ts); under --root the /proc
  // read is an image's or a fixture's, and no pid in it is ours.
  const own = host.isLive ? ownPids(processes) : new Set<number>();
  return {
    processes: processes.filter((p) => !own.has(p.pid)),
    own: processes.filter((p) => own.has(p.pid)),
    listed: new Set(listing),
    truncated,
    vanished,
    warnings,
  };
}

/** True when the process belongs to the container whose id starts with `prefix` (case-insensitive). */
export function inContainer(p: ProcessInfo, prefix: string): boolean {
  return p.containerId !== null && p.containerId.startsWith(prefix.toLowerCase());
}
