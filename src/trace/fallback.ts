/**
 * The lower-fidelity fallback when eBPF cannot run: poll /proc every 100 ms and report processes that appeared
 * (a new pid + start-time pair, so a reused pid is not confused with the old process) or changed image (same
 * process, new exe or comm: an exec). Processes that live less than a poll interval are missed and connects are
 * not seen; every record says so (`source: "proc_polling"`, `fidelity: "low"`).
 */
import { readExeLink } from "../host/exe_link.ts";
import type { Host } from "../host/host.ts";
import type { OwnTree } from "../host/self.ts";
import { parseStat, splitNul } from "../host/proc_stat.ts";
import type { Aggregator } from "./aggregate.ts";
import type { ProcessTable } from "./lineage.ts";
import type { ExecRecord } from "./records.ts";

/** What the fallback needs. */
export interface FallbackOptions {
  host: Host;
  durationMs: number;
  maxEvents: number;
  intervalMs?: number;
  signal: AbortSignal;
  table: ProcessTable;
  aggregator: Aggregator;
  emit: (type: "exec.trace", record: ExecRecord) => void;
  /** Pids and start times of processes running at start: (pid → startTicks). */
  initial: Map<number, number>;
  /** The scanner's own processes: left out of the records and findings (see SessionOptions.own). */
  own?: OwnTree;
  /** Called after each poll with the metrics so far (meta.trace while the trace runs). */
  onProgress?: (metrics: FallbackMetrics) => void;
}

/** Counters for meta.trace in fallback mode. */
export interface FallbackMetrics {
  mode: "proc_polling";
  fidelity: "low";
  polls: number;
  events: { exec: number };
  user_drops: { max_events: number };
  elapsed_ms: number;
  stopped_by: "duration" | "max_events" | "aborted" | "signal" | "proc_unreadable";
}

interface Known {
  start: number;
  exe: string | null;
  comm: string;
}

/** Polls /proc until the duration passes. */
export async function runFallback(
  opts: FallbackOptions,
): Promise<{ metrics: FallbackMetrics; warnings: string[] }> {
  const t0 = performance.now();
  const interval = opts.intervalMs ?? 100;
  const warnings: string[] = [];
  const known = new Map<number, Known>();
  for (const [pid, start] of opts.initial) {
    const n = opts.table.get(pid);
    known.set(pid, { start, exe: n?.exe ?? null, comm: n?.comm ?? "" });
  }
  const m: FallbackMetrics = {
    mode: "proc_polling",
    fidelity: "low",
    polls: 0,
    events: { exec: 0 },
    user_drops: { max_events: 0 },
    elapsed_ms: 0,
    stopped_by: "duration",
  };
  let signalled = false;
  const onSignal = () => {
    signalled = true;
  };
  const sigs: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of sigs) Deno.addSignalListener(s, onSignal);
  try {
    while (true) {
      if (signalled) {
        m.stopped_by = "signal";
        break;
      }
      if (opts.signal.aborted) {
        m.stopped_by = "aborted";
        break;
      }
      // When the duration is over, one last poll, so what started during the last interval (or while a slow
      // poll on a loaded host ran past the end) is still seen.
      const last = performance.now() - t0 >= opts.durationMs;
      m.polls++;
      const dir = opts.host.readDir("/proc", 1 << 20);
      if (!dir.ok) {
        warnings.push(`/proc: ${dir.message}`);
        m.stopped_by = "proc_unreadable";
        break;
      }
      const seen = new Set<number>();
      for (const e of dir.value) {
        if (!/^[1-9]\d*$/.test(e.name)) continue;
        const pid = Number(e.name);
        seen.add(pid);
        const st = opts.host.readText(`/proc/${pid}/stat`, 4096);
        const stat = st.ok ? parseStat(st.value) : undefined;
        if (!stat) continue;
        const prev = known.get(pid);
        if (prev && prev.start === stat.startTicks && prev.comm === stat.comm) continue;
        const link = readExeLink(opts.host, pid);
        const exe = link?.path ?? null;
        const deleted = link?.deleted ?? false;
        known.set(pid, { start: stat.startTicks, exe, comm: stat.comm });
        if (prev && prev.start === stat.startTicks && prev.exe === exe) continue;
        if (exe === null && stat.ppid === 2) continue; // kernel thread
        if (m.events.exec >= opts.maxEvents) {
          m.user_drops.max_events++;
          continue;
        }
        const cmd = opts.host.readBytes(`/proc/${pid}/cmdline`, 4096);
        const argv = cmd.ok ? splitNul(cmd.value) : [];
        const parent = opts.table.get(stat.ppid);
        const rec: ExecRecord = {
          source: "proc_polling",
          fidelity: "low",
          ts: new Date().toISOString(),
          pid,
          ppid: stat.ppid,
          comm: stat.comm,
          filename: exe ?? stat.comm,
          exe,
          exe_deleted: deleted,
          interp: null,
          argv,
          args_truncated: cmd.ok && cmd.truncated,
          uid: null,
          gid: null,
          loginuid: null,
          cgroup_id: null,
          parent_comm: parent?.comm ?? null,
          lineage: opts.table.lineage(stat.ppid),
          sha256: null,
          sha256_source: null,
          start_ticks: stat.startTicks,
        };
        opts.table.set({ pid, ppid: stat.ppid, comm: stat.comm, exe, argv, source: "exec" });
        m.events.exec++;
        if (opts.own?.isOwn(pid, stat.ppid)) continue;
        opts.emit("exec.trace", rec);
        opts.aggregator.addExec(rec);
      }
      for (const pid of known.keys()) if (!seen.has(pid)) known.delete(pid);
      if (m.events.exec >= opts.maxEvents) {
        m.stopped_by = "max_events";
        warnings.push(`trace stopped after ${opts.maxEvents} events (--trace-max-events)`);
        break;
      }
      m.elapsed_ms = Math.round(performance.now() - t0);
      opts.onProgress?.(m);
      if (last) break;
      await new Promise((r) => setTimeout(r, interval));
    }
  } finally {
    for (const s of sigs) Deno.removeSignalListener(s, onSignal);
  }
  m.elapsed_ms = Math.round(performance.now() - t0);
  return { metrics: m, warnings };
}
