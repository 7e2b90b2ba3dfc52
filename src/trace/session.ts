/**
 * One eBPF trace session: attach (through `open`), then poll the ring buffer synchronously on the JS thread
 * (~100 ms per call) until the duration passes, the user-space event cap is reached, SIGINT/SIGTERM arrive or
 * the scan is aborted. Each record is decoded and enriched in the callback (the exe link is read while the
 * process lives); records are emitted, aggregated and hashed after each poll. A canary exec right after attach
 * proves the pipeline works: if nothing at all (not even the canary) is decoded in time, the session stops
 * early with a warning (fast fail); a busy host whose canary was rate-limited away is not mistaken for that.
 */
import { EINTR } from "../../ffi/libbpf.ts";
import { CLOCK_MONOTONIC, clockGettimeNs } from "../../ffi/libc.ts";
import { readExeLink } from "../host/exe_link.ts";
import { Host } from "../host/host.ts";
import type { OwnTree } from "../host/self.ts";
import type { Aggregator } from "./aggregate.ts";
import { addressScope } from "./classify.ts";
import { type ConnectEvent, Decoder, type ExecEvent } from "./decode.ts";
import { ExecHasher, type HashStats } from "./hash.ts";
import { Stat } from "./layout.ts";
import type { ProcessTable } from "./lineage.ts";
import type { AttachInfo, Tracer } from "./loader.ts";
import type { ConnectRecord, ExecRecord } from "./records.ts";

/** Why a session stopped. */
export type StopReason = "duration" | "signal" | "max_events" | "no_events" | "aborted" | "poll_errors";

/** What a session needs. */
export interface SessionOptions {
  durationMs: number;
  /** User-space cap on events handled; later ones are counted as dropped. */
  maxEvents: number;
  hash: boolean;
  signal: AbortSignal;
  table: ProcessTable;
  aggregator: Aggregator;
  emit: (type: "exec.trace" | "net.connect", record: ExecRecord | ConnectRecord) => void;
  /** An executable run once after attach to prove events flow (null: no canary). */
  canary: string | null;
  /** How long to wait for the canary (default 2000 ms). */
  canaryTimeoutMs?: number;
  /** Stop on SIGINT/SIGTERM (default true). */
  listenSignals?: boolean;
  /** Loads and attaches; throws TraceUnavailable. */
  open: (onSample: (data: Uint8Array) => void) => Tracer;
  /** Called after each poll with the metrics so far (to keep meta current if the scan is cut). */
  onProgress?: (metrics: TraceMetrics) => void;
  /**
   * The scanner's own processes (its helpers and what they start): their execs and connects are left out of the
   * records and findings, as the /proc snapshot leaves them out (src/host/self.ts).
   */
  own?: OwnTree;
}

/** The metrics recorded in `meta.trace`. */
export interface TraceMetrics {
  mode: "ebpf";
  attach: AttachInfo | null;
  time_to_attach_ms: number | null;
  requested_ms: number;
  elapsed_ms: number;
  stopped_by: StopReason | null;
  events: { exec: number; connect: number };
  decoded: number;
  malformed: number;
  malformed_by_reason: Record<string, number>;
  first_malformed: string | null;
  kernel_drops: { ringbuf_full: number; rate_limited_exec: number; rate_limited_connect: number };
  user_drops: { max_events: number };
  poll: { calls: number; errors: number; eintr: number; last_error: number | null };
  callback_errors: number;
  first_callback_error: string | null;
  canary: { path: string | null; pid: number | null; seen: boolean };
  hashes: HashStats | null;
}

/** A warning raised by the session. */
export interface SessionWarning {
  code: string;
  detail: string;
}

type Pending =
  | {
    ev: ExecEvent;
    exe: string | null;
    exeDeleted: boolean;
    hash: { key: string; via: "proc_exe" | "path" } | null;
  }
  | { ev: ConnectEvent; exe: string | null };

/** The trace watches the running kernel: its processes are read on the live host. */
const LIVE = new Host("/");

function readExe(pid: number): { exe: string | null; deleted: boolean } {
  const link = readExeLink(LIVE, pid);
  return { exe: link?.path ?? null, deleted: link?.deleted ?? false };
}

/** Runs a session. Throws TraceUnavailable when the tracer cannot be opened. */
export async function runSession(
  opts: SessionOptions,
): Promise<{ metrics: TraceMetrics; warnings: SessionWarning[] }> {
  const t0 = performance.now();
  const warnings: SessionWarning[] = [];
  const decoder = new Decoder();
  const hasher = opts.hash ? new ExecHasher() : null;
  const m: TraceMetrics = {
    mode: "ebpf",
    attach: null,
    time_to_attach_ms: null,
    requested_ms: opts.durationMs,
    elapsed_ms: 0,
    stopped_by: null,
    events: { exec: 0, connect: 0 },
    decoded: 0,
    malformed: 0,
    malformed_by_reason: decoder.stats.malformedByReason,
    first_malformed: null,
    kernel_drops: { ringbuf_full: 0, rate_limited_exec: 0, rate_limited_connect: 0 },
    user_drops: { max_events: 0 },
    poll: { calls: 0, errors: 0, eintr: 0, last_error: null },
    callback_errors: 0,
    first_callback_error: null,
    canary: { path: opts.canary, pid: null, seen: false },
    hashes: hasher?.stats ?? null,
  };
  let handled = 0;
  let batch: Pending[] = [];
  let canaryPid: number | null = null;
  // The executable of each (pid, comm) seen, so a connect flood from one process costs one readlink, not one per event.
  const exeByPid = new Map<string, string | null>();

  const onSample = (data: Uint8Array) => {
    if (handled >= opts.maxEvents) {
      m.user_drops.max_events++;
      return;
    }
    const ev = decoder.decode(data);
    if (ev === null) return;
    if (ev.type === "exec" && canaryPid !== null && ev.pid === canaryPid) {
      m.canary.seen = true;
      return;
    }
    handled++;
    if (ev.type === "exec") {
      m.events.exec++;
      const { exe, deleted } = readExe(ev.pid);
      exeByPid.set(`${ev.pid}/${ev.comm}`, exe);
      batch.push({ ev, exe, exeDeleted: deleted, hash: hasher ? hasher.capture(ev.pid, ev.filename) : null });
    } else {
      m.events.connect++;
      const key = `${ev.pid}/${ev.comm}`;
      let exe = exeByPid.get(key);
      if (exe === undefined) {
        // The table may be stale (the process exec'd between the snapshot and the attach): trust it only when
        // its comm matches the event's, else read the executable now.
        const node = opts.table.get(ev.pid);
        exe = node && node.comm === ev.comm && node.exe !== null
          ? node.exe
          : readExe(ev.pid).exe ?? node?.exe ?? null;
        if (exeByPid.size > 65536) exeByPid.clear();
        exeByPid.set(key, exe);
      }
      batch.push({ ev, exe });
    }
  };

  // Monotonic (bpf_ktime_get_ns) to wall clock.
  const offsetNs = BigInt(Date.now()) * 1_000_000n - clockGettimeNs(CLOCK_MONOTONIC);
  const iso = (tsNs: bigint) => new Date(Number((tsNs + offsetNs) / 1_000_000n)).toISOString();

  const flush = () => {
    const items = batch;
    batch = [];
    hasher?.flush();
    for (const item of items) {
      if (item.ev.type === "exec") {
        const ev = item.ev;
        const it = item as Extract<Pending, { exeDeleted: boolean }>;
        const parent = opts.table.get(ev.ppid);
        const rec: ExecRecord = {
          source: "ebpf",
          fidelity: "full",
          ts: iso(ev.tsNs),
          pid: ev.pid,
          ppid: ev.ppid,
          comm: ev.comm,
          filename: ev.filename,
          exe: it.exe,
          exe_deleted: it.exeDeleted,
          interp: ev.interp !== "" && ev.interp !== ev.filename ? ev.interp : null,
          argv: ev.argv,
          args_truncated: ev.argsTruncated,
          uid: ev.uid,
          gid: ev.gid,
          loginuid: ev.loginuid,
          cgroup_id: ev.cgroupId.toString(),
          parent_comm: parent?.comm ?? null,
          lineage: opts.table.lineage(ev.ppid),
          sha256: hasher && it.hash ? hasher.get(it.hash.key) : null,
          sha256_source: it.hash?.via ?? null,
          start_ticks: null,
        };
        opts.table.set({
          pid: ev.pid,
          ppid: ev.ppid,
          comm: ev.comm,
          exe: it.exe ?? ev.filename,
          argv: ev.argv,
          source: "exec",
        });
        if (opts.own?.isOwn(ev.pid, ev.ppid)) continue;
        opts.emit("exec.trace", rec);
        opts.aggregator.addExec(rec);
      } else {
        const ev = item.ev;
        const node = opts.table.get(ev.pid);
        const exe = item.exe ?? (node && node.comm === ev.comm ? node.exe : null);
        const sameImage = node !== undefined && exe !== null && node.exe === exe;
        const rec: ConnectRecord = {
          source: "ebpf",
          ts: iso(ev.tsNs),
          pid: ev.pid,
          ppid: ev.ppid,
          uid: ev.uid,
          comm: ev.comm,
          family: ev.family === 2 ? "ipv4" : "ipv6",
          dst_ip: ev.daddr,
          dst_port: ev.dport,
          v4mapped: ev.v4mapped,
          scope: addressScope(ev.daddr),
          result: ev.ret,
          exe,
          exec_argv: sameImage ? node.argv : [],
          exec_traced: sameImage && node.source === "exec",
          lineage: opts.table.lineage(ev.ppid),
        };
        if (opts.own?.has(ev.pid)) continue;
        opts.emit("net.connect", rec);
        opts.aggregator.addConnect(rec);
      }
    }
  };

  let signalled = false;
  const onSignal = () => {
    signalled = true;
  };
  const listen = opts.listenSignals ?? true;
  const sigs: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  using tracer = opts.open(onSample);
  m.attach = tracer.info;
  if (tracer.info.connect === null) {
    const why = tracer.info.rejected.filter((r) => r.program.startsWith("connect_"));
    warnings.push({
      code: "trace_connect_unavailable",
      detail: `no connect hook could be used, only execs are traced (${
        why.map((r) => `${r.program}: ${r.reason}`).join("; ") || "none requested"
      })`,
    });
  }
  m.time_to_attach_ms = Math.round((performance.now() - t0) * 10) / 10;
  if (listen) { for (const s of sigs) Deno.addSignalListener(s, onSignal); }
  let canaryDeadline = Infinity;
  if (opts.canary) {
    try {
      const child = new Deno.Command(opts.canary, { args: [], stdin: "null", stdout: "null", stderr: "null" })
        .spawn();
      canaryPid = child.pid;
      m.canary.pid = child.pid;
      child.status.catch(() => {});
      canaryDeadline = performance.now() + (opts.canaryTimeoutMs ?? 2000);
    } catch (e) {
      warnings.push({ code: "trace_canary", detail: `cannot run the canary ${opts.canary}: ${String(e)}` });
    }
  }
  const deadline = t0 + opts.durationMs;
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
      if (handled >= opts.maxEvents) {
        m.stopped_by = "max_events";
        warnings.push({
          code: "truncated",
          detail: `trace stopped after ${opts.maxEvents} events (--trace-max-events)`,
        });
        break;
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        m.stopped_by = "duration";
        break;
      }
      if (
        decoder.stats.decoded === 0 && performance.now() > canaryDeadline && tracer.drain() >= 0 &&
        decoder.stats.decoded === 0
      ) {
        m.stopped_by = "no_events";
        warnings.push({
          code: "trace_no_events",
          detail:
            `the hooks are attached but no event, not even the canary exec of ${opts.canary}, was decoded within ${
              opts.canaryTimeoutMs ?? 2000
            } ms (${m.malformed} malformed): events are not reaching sys-scan, so the trace was stopped early`,
        });
        break;
      }
      m.poll.calls++;
      const rc = tracer.poll(Math.max(1, Math.min(100, Math.ceil(left))));
      if (rc === -EINTR) m.poll.eintr++;
      else if (rc < 0) {
        m.poll.errors++;
        m.poll.last_error = rc;
        if (m.poll.errors >= 20) {
          m.stopped_by = "poll_errors";
          warnings.push({
            code: "trace_poll_error",
            detail: `ring_buffer__poll failed ${m.poll.errors} times (last ${rc})`,
          });
          break;
        }
      }
      flush();
      update();
      await new Promise((r) => setTimeout(r, 0));
    }
    const rc = tracer.drain();
    if (rc < 0 && rc !== -EINTR) {
      m.poll.errors++;
      m.poll.last_error = rc;
    }
    flush();
  } finally {
    if (listen) { for (const s of sigs) Deno.removeSignalListener(s, onSignal); }
    update();
    hasher?.close();
  }
  if (m.callback_errors > 0) {
    warnings.push({
      code: "trace_callback_error",
      detail:
        `${m.callback_errors} ring-buffer record(s) could not be handled; first: ${m.first_callback_error}`,
    });
  }
  if (m.malformed > 0) {
    warnings.push({
      code: "trace_malformed",
      detail: `${m.malformed} malformed record(s); first: ${m.first_malformed}`,
    });
  }
  const drops = m.kernel_drops.ringbuf_full + m.kernel_drops.rate_limited_exec +
    m.kernel_drops.rate_limited_connect;
  if (drops > 0) {
    warnings.push({
      code: "truncated",
      detail: `the kernel dropped ${drops} event(s) (ring full ${m.kernel_drops.ringbuf_full}, rate limit ${
        m.kernel_drops.rate_limited_exec + m.kernel_drops.rate_limited_connect
      })`,
    });
  }
  return { metrics: m, warnings };

  function update() {
    m.elapsed_ms = Math.round(performance.now() - t0);
    m.decoded = decoder.stats.decoded;
    m.malformed = decoder.stats.malformed;
    m.first_malformed = decoder.stats.firstMalformed;
    m.callback_errors = tracer.ring.callbackErrors;
    m.first_callback_error = tracer.ring.firstCallbackError === undefined
      ? null
      : String(tracer.ring.firstCallbackError);
    try {
      const s = tracer.readStats();
      m.kernel_drops = {
        ringbuf_full: Number(s[Stat.ringbufFull]),
        rate_limited_exec: Number(s[Stat.rateLimitedExec]),
        rate_limited_connect: Number(s[Stat.rateLimitedConnect]),
      };
    } catch {
      // The stats map stays readable while the object is open; a failure here leaves the last values.
    }
    opts.onProgress?.(m);
  }
}
