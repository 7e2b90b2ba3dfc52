/** The shape of the per-scan /proc snapshot shared by processes, network, containers, mac and ioc. */

/** One process, as read once per scan. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** The kernel's comm (may contain spaces and parentheses). */
  comm: string;
  /** State letter from /proc/<pid>/stat (R, S, D, Z, …). */
  state: string;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22): (pid, startTicks) identifies a process. */
  startTicks: number;
  /** The `flags` field of /proc/<pid>/stat (field 9; PF_KTHREAD = 0x00200000 marks a kernel thread). */
  flags: number;
  /** Real and effective uid and real gid from /proc/<pid>/status; -1 when unreadable. */
  uid: number;
  euid: number;
  gid: number;
  /** Full argv, capped; `cmdlineTruncated` says when the cap was hit. */
  cmdline: string[];
  cmdlineTruncated: boolean;
  /** Target of /proc/<pid>/exe without the " (deleted)" suffix; null when unreadable (kernel threads). */
  exe: string | null;
  exeDeleted: boolean;
  exeMemfd: boolean;
  cwd: string | null;
  kernelThread: boolean;
  /** Raw /proc/<pid>/cgroup text (capped). */
  cgroup: string;
  /** Container id (64 hex chars, or the longest id found) when the cgroup names one. */
  containerId: string | null;
  /** Namespace links by name ("net" → "net:[4026531840]"). */
  namespaces: Record<string, string>;
  /** Inodes of the sockets this process holds open (from /proc/<pid>/fd). */
  socketInodes: number[];
  /** Inodes of the pipes this process holds open (`pipe:[N]` fd links), sorted, without repeats. */
  pipeInodes: number[];
  /** Descriptors open on the pseudo-terminal multiplexer (/dev/ptmx, /dev/pts/ptmx): pty masters it holds. */
  ptmxFds: number[];
  /** Descriptors of BPF programs and links it holds (`anon_inode:bpf-prog`, `anon_inode:bpf_link`). */
  bpfFds: number[];
  /** Link targets of fds 0, 1 and 2 ("socket:[N]", "/dev/pts/0", "pipe:[N]"…); null when closed or unreadable. */
  stdio: (string | null)[];
}

/** All processes of one scan. */
export interface ProcSnapshot {
  /** Every process read, except the scanner's own (see `own`). */
  processes: ProcessInfo[];
  /**
   * The scanner's own process and its helpers (live host only; see ./self.ts): left out of `processes` so that
   * no scanner reports the scan itself, and kept here so that what they hold (sockets) is not mistaken for
   * something no process owns.
   */
  own: ProcessInfo[];
  /** PIDs that the /proc directory listing returned. */
  listed: Set<number>;
  /** True when a cap stopped the walk. */
  truncated: boolean;
}
