/**
 * Hidden processes: a pid the kernel answers for but which the /proc listing does not return (a rootkit
 * filtering getdents). Like `unhide brute`, every pid from 1 to pid_max is asked about with a system call that
 * does not read /proc (src/host/pid_sweep.ts), within a time budget, and compared with the listing; pids that
 * answer but were not listed are re-checked against a fresh listing and the same start time (a process that
 * started after the listing, or a reused pid, is not hidden). Threads answer too but are not thread-group leaders
 * (their Tgid differs from their id), so they never count.
 *
 * Nothing here trusts what a rootkit could adjust to skip the sweep (/proc/loadavg's thread count, the highest
 * listed pid): the whole range is swept, the range in use first (1 up to a little above the highest listed pid),
 * then the rest up to pid_max. What the budget allowed is returned, so the report can say how much was covered.
 */
import type { PidSweep } from "../../host/pid_sweep.ts";

/** What a probe of one pid found. */
export interface PidProbe {
  /** Thread group id from status (equal to the pid for a process). */
  tgid: number;
  startTicks: number;
}

/** Reading /proc about the pids the sweep found, injectable for tests. */
export interface HiddenProbeIo {
  /** Reads tgid and start time from /proc/<pid>, or undefined when the pid is gone. */
  probe(pid: number): PidProbe | undefined;
  /** Lists /proc again. */
  relist(): Set<number> | undefined;
}

/** The outcome: the hidden pids and what the sweep covered. */
export interface HiddenResult extends Omit<PidSweep, "alive"> {
  hidden: number[];
  pidMax: number;
}

/** Pids above the highest listed one swept in the first pass (pids are handed out in increasing order). */
export const IN_USE_MARGIN = 4096;

/**
 * The sweep order: the range in use, [1, highest listed + IN_USE_MARGIN], then the rest up to pid_max (where only
 * a counter that wrapped, or a process started in the meantime, can have put a pid).
 */
export function sweepOrder(pidMax: number, listed: ReadonlySet<number>): [number, number][] {
  let highest = 0;
  for (const p of listed) if (p > highest) highest = p;
  const firstEnd = Math.min(pidMax, highest + IN_USE_MARGIN);
  return firstEnd < pidMax ? [[1, firstEnd], [firstEnd + 1, pidMax]] : [[1, pidMax]];
}

/**
 * The pids of `sweep` that answered but are not in `listed`, are thread-group leaders, and are still missing from
 * a fresh listing with the same start time. `tick` is awaited every 256 probes (the scanner's checkpoint).
 */
export async function findHidden(
  io: HiddenProbeIo,
  listed: ReadonlySet<number>,
  pidMax: number,
  sweep: PidSweep,
  tick: () => Promise<void> = () => Promise.resolve(),
): Promise<HiddenResult> {
  const candidates = new Map<number, PidProbe>();
  let probed = 0;
  for (const pid of sweep.alive) {
    if (listed.has(pid)) continue;
    if ((++probed & 255) === 0) await tick();
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
  const { alive: _alive, ...coverage } = sweep;
  return { ...coverage, hidden, pidMax };
}
