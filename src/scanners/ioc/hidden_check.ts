/** The hidden-process finding: the sweep of ./hidden.ts on the live host, its coverage in `meta.hidden_pid_sweep`. */
import type { ScanContext } from "../../core/context.ts";
import type { Host } from "../../host/host.ts";
import { type PidSweep, sweepPids } from "../../host/pid_sweep.ts";
import { parseStat, parseStatus } from "../../host/proc_stat.ts";
import { listPids, readProcess } from "../../host/procfs.ts";
import type { Findings } from "./collect.ts";
import { processAt, processMeta, programSubject } from "./common.ts";
import { findHidden, type HiddenProbeIo, sweepOrder } from "./hidden.ts";

/**
 * Time the sweep may take. A system call costs 0.3 to 4 µs (bare metal to a busy VM, measured), so a pid_max
 * of 4,194,304 (systemd's default) takes about 1 to 16 s; 32,768 takes 10 to 170 ms (120-170 ms measured here
 * in a CLI scan at load 6-8 on 2 cores).
 */
export const SWEEP_BUDGET_MS = 10_000;
/**
 * The sweep's budget under --fast-scan: the range in use first, then as much of the rest as fits (the 32,768 pids
 * of a kernel-default pid_max on an idle host; under load the cut is a warning that says what was covered).
 */
export const FAST_SWEEP_BUDGET_MS = 150;
/** The pid_max assumed when /proc/sys/kernel/pid_max cannot be read (the kernel's upper limit). */
const PID_MAX_LIMIT = 4_194_304;

/** The live host's /proc probe: Tgid from /proc/<pid>/status, start time from stat (through `host`). */
export function liveHiddenIo(host: Host): HiddenProbeIo {
  return {
    probe: (pid) => {
      const status = host.readText(`/proc/${pid}/status`, 16 << 10);
      const tgid = status.ok ? parseStatus(status.value).tgid : undefined;
      // A thread: no need to read its stat.
      if (tgid !== pid) return tgid === undefined ? undefined : { tgid, startTicks: 0 };
      const st = host.readText(`/proc/${pid}/stat`, 4096);
      const s = st.ok ? parseStat(st.value) : undefined;
      return s ? { tgid, startTicks: s.startTicks } : undefined;
    },
    relist: () => {
      const l = listPids(host);
      return typeof l === "string" ? undefined : new Set(l);
    },
  };
}

/** Reads pid_max (the sweep's upper bound). */
export function readPidMax(ctx: ScanContext): number {
  const t = ctx.host.readText("/proc/sys/kernel/pid_max", 64);
  const n = t.ok && /^\d+\s*$/.test(t.value) ? Number(t.value) : NaN;
  return Number.isInteger(n) && n > 0 && n <= PID_MAX_LIMIT ? n : PID_MAX_LIMIT;
}

/** A started sweep of the live host's pids, and its bounds. */
export interface StartedSweep {
  pidMax: number;
  budgetMs: number;
  result: Promise<PidSweep>;
}

/** Starts the sweep so that it runs while the scanner checks the listed processes (see sweepPids). */
export function startSweep(ctx: ScanContext, listed: ReadonlySet<number>): StartedSweep {
  const pidMax = readPidMax(ctx);
  const budgetMs = ctx.config.fastScan ? FAST_SWEEP_BUDGET_MS : SWEEP_BUDGET_MS;
  const result = sweepPids(sweepOrder(pidMax, listed), budgetMs, {
    signal: ctx.signal,
    tick: () => ctx.checkpoint(),
  });
  return { pidMax, budgetMs, result };
}

/**
 * Reports each hidden pid the sweep found. The coverage (pid_max, ranges swept, complete or not, how long,
 * which system call, on which thread) goes to `meta.hidden_pid_sweep`, and an incomplete sweep is also a
 * `truncated` warning. `io` is a parameter for tests.
 */
export async function checkHidden(
  ctx: ScanContext,
  listed: ReadonlySet<number>,
  out: Findings,
  started: StartedSweep,
  io: HiddenProbeIo = liveHiddenIo(ctx.host),
): Promise<void> {
  const sweep = await started.result;
  const result = await findHidden(io, listed, started.pidMax, sweep, () => ctx.checkpoint());
  const ranges = result.ranges.map(([a, b]) => `${a}-${b}`);
  ctx.setMeta("hidden_pid_sweep", {
    pid_max: result.pidMax,
    swept: result.swept,
    ranges,
    complete: result.complete,
    elapsed_ms: Math.round(result.elapsedMs),
    budget_ms: started.budgetMs,
    method: result.method,
    thread: result.where,
  });
  if (!result.complete) {
    ctx.warn(
      "truncated",
      `hidden-process sweep covered ${result.swept} of ${result.pidMax} pids (${ranges.join(",")}) in its ` +
        `${started.budgetMs} ms budget${ctx.config.fastScan ? " (--fast-scan)" : ""}`,
    );
  }
  for (const pid of result.hidden) {
    const r = readProcess(ctx.host, pid);
    if (!r.ok) continue;
    const p = r.info;
    out.add({
      check_id: "ioc.process.hidden",
      subject: programSubject(p),
      description:
        `pid ${pid} (${p.comm}) answers to ${result.method} and at /proc/${pid}, but the /proc listing ` +
        "does not return it, twice.",
      metadata: { ...processMeta(p), sweep_method: result.method },
      ...processAt(p),
    }, p);
  }
}
