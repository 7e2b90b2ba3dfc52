/**
 * Hidden processes: a pid whose /proc/<pid> answers but which the /proc listing does not return (a rootkit
 * filtering getdents). Threads are also reachable as /proc/<tid> without being listed, so only thread-group
 * leaders count; a process that started after the listing is caught by listing again before reporting.
 */

/** What a probe of one pid found. */
export interface PidProbe {
  /** Thread group id from status (equal to the pid for a process). */
  tgid: number;
  startTicks: number;
}

/** Access to /proc, injectable for tests. */
export interface HiddenProbeIo {
  /** Cheap existence test of /proc/<pid>. */
  exists(pid: number): boolean;
  /** Reads tgid and start time, or undefined when the pid is gone. */
  probe(pid: number): PidProbe | undefined;
  /** Lists /proc again. */
  relist(): Set<number> | undefined;
}

/** The probed pid range and what was found. */
export interface HiddenResult {
  hidden: number[];
  from: number;
  to: number;
  /**
   * True when low pids were left out (the highest listed pid is above MAX_PROBES). Pids above the highest
   * listed one + 4096 are never probed: pids are handed out in increasing order, so none live there.
   */
  partial: boolean;
}

/** The thread total from /proc/loadavg ("1.0 0.5 0.2 1/83 30074" → 83), or undefined when unparsable. */
export function loadavgThreads(text: string): number | undefined {
  const m = text.match(/^\S+ \S+ \S+ \d+\/(\d+) \d+\s*$/);
  return m ? Number(m[1]) : undefined;
}

/**
 * The cheap pre-check: the kernel's thread total (read before and after) equals the threads of the listed
 * processes, so no thread group is missing from the listing and the brute-force probe can be skipped.
 */
export function threadCountsMatch(
  before: number | undefined,
  listedThreads: number,
  after: number | undefined,
): boolean {
  return before !== undefined && before === after && before === listedThreads;
}

/** Pre-check attempts before the probe: processes and threads that start or exit meanwhile cause a mismatch. */
export const PRECHECK_ATTEMPTS = 3;

/**
 * Runs the pre-check until it matches, at most `attempts` times with `pause` in between. A hidden thread
 * group mismatches every time; churn (a program starting, this scan's own worker threads) does not last.
 */
export async function precheckSettles(
  check: () => boolean,
  pause: () => Promise<void>,
  attempts = PRECHECK_ATTEMPTS,
): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await pause();
    if (check()) return true;
  }
  return false;
}

/** Most pids probed in one scan (about a second of stat calls). */
export const MAX_PROBES = 131_072;

/** The pid range to probe: the top MAX_PROBES pids below max(highest listed + 4096, 32768), within pid_max. */
export function probeRange(
  pidMax: number,
  listed: ReadonlySet<number>,
  maxProbes = MAX_PROBES,
): [number, number] {
  let highest = 0;
  for (const p of listed) if (p > highest) highest = p;
  const to = Math.min(pidMax, Math.max(highest + 4096, 32768));
  return [Math.max(1, to - maxProbes + 1), to];
}

/**
 * Finds pids that exist but are not listed, re-checked against a fresh listing and the same start time.
 * `tick` is awaited every 4096 probes (the scanner's checkpoint, so budgets can stop it).
 */
export async function findHidden(
  io: HiddenProbeIo,
  listed: ReadonlySet<number>,
  pidMax: number,
  maxProbes = MAX_PROBES,
  tick: () => Promise<void> = () => Promise.resolve(),
): Promise<HiddenResult> {
  const [from, to] = probeRange(pidMax, listed, maxProbes);
  const candidates = new Map<number, PidProbe>();
  for (let pid = from; pid <= to; pid++) {
    if ((pid & 4095) === 0) await tick();
    if (listed.has(pid) || !io.exists(pid)) continue;
    const probe = io.probe(pid);
    if (probe && probe.tgid === pid) candidates.set(pid, probe);
  }
  const hidden: number[] = [];
  if (candidates.size > 0) {
    const again = io.relist();
    for (const [pid, first] of candidates) {
      if (again === undefined || again.has(pid)) continue;
      const second = io.probe(pid);
      if (second && second.tgid === pid && second.startTicks === first.startTicks) hidden.push(pid);
    }
  }
  return { hidden, from, to, partial: from > 1 };
}
