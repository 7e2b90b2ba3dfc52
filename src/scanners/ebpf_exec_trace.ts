/**
 * ebpf_exec_trace: watches process executions and outbound connects for `--ioc-exec-trace S` seconds through
 * the bundled BPF object (src/trace), and falls back to /proc polling, labelled lower fidelity, when eBPF cannot
 * run here (the reason is a `ebpf_unavailable` warning and `meta.trace.unavailable`). Opt-in: without the flag
 * it does not run and costs nothing.
 */
import type { ScanContext } from "../core/context.ts";
import type { FindingDraft } from "../core/finding.ts";
import type { Scanner } from "../core/scanner.ts";
import { findLibbpf } from "../host/capabilities.ts";
import { procSnapshot } from "./proc_snapshot.ts";
import { homeDirs, LocationJudge } from "../host/location.ts";
import { loadUsers } from "../host/proc_users.ts";
import { OwnTree } from "../host/self.ts";
import { Aggregator, MAX_SUBJECTS } from "../trace/aggregate.ts";
import { EBPF_EXEC_TRACE_INFO } from "./info/ebpf_exec_trace.ts";
import { TraceUnavailable } from "../trace/diagnose.ts";
import { runFallback } from "../trace/fallback.ts";
import { ProcessTable } from "../trace/lineage.ts";
import { type LoaderOptions, openTracer } from "../trace/loader.ts";
import { sha256HexAsync } from "../host/hash.ts";
import { BUNDLED_OBJECT_URL, readBundledObject } from "../trace/object.ts";
import { runSession } from "../trace/session.ts";

/** Trace length when `--ioc-exec-trace` is given without seconds. */
export const DEFAULT_TRACE_SECONDS = 3;

/** Options of the scanner, for tests (a different object, no canary). */
export interface TraceScannerOptions {
  objectUrl?: URL;
  /** Executable run once after attach to prove events flow; undefined = /bin/true or /usr/bin/true. */
  canary?: string | null;
  /** Loader overrides (hook candidates, rate limits). */
  loader?: Partial<Pick<LoaderOptions, "execPrograms" | "connectPrograms" | "rate" | "libbpfPath">>;
}

function defaultCanary(): string | null {
  for (const p of ["/bin/true", "/usr/bin/true"]) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // next
    }
  }
  return null;
}

function traceDuration(ctx: ScanContext): number {
  const wanted = (ctx.config.iocExecTrace ?? DEFAULT_TRACE_SECONDS) * 1000;
  const budget = Math.max(1000, (ctx.budgetSeconds - 2) * 1000);
  if (wanted > budget) {
    ctx.warn(
      "truncated",
      `--ioc-exec-trace ${
        wanted / 1000
      } exceeds the scanner budget (--scanner-timeout ${ctx.budgetSeconds}): tracing for ${
        budget / 1000
      } s; raise --scanner-timeout to trace longer`,
    );
    return budget;
  }
  return wanted;
}

/** Builds the scanner (tests pass options; the registry uses the defaults). */
export function makeEbpfExecTrace(options: TraceScannerOptions = {}): Scanner {
  async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
    if (!ctx.host.isLive) {
      ctx.skip("exec tracing watches the running kernel; it cannot trace an image given with --root");
      return;
    }
    const durationMs = traceDuration(ctx);
    const snap = procSnapshot(ctx);
    const table = new ProcessTable();
    const initial = new Map<number, number>();
    // The scanner's own processes name the parents of what it starts (lineage), though they are never subjects.
    for (const p of [...snap.processes, ...snap.own]) {
      table.set({ pid: p.pid, ppid: p.ppid, comm: p.comm, exe: p.exe, argv: p.cmdline, source: "snapshot" });
      initial.set(p.pid, p.startTicks);
    }
    const aggregator = new Aggregator(new LocationJudge(ctx.host, homeDirs(loadUsers(ctx.host).entries)));
    const emit = (type: string, rec: object) => ctx.event(type, rec as Record<string, unknown>);
    // What the scan itself starts during the trace (dpkg, gpg, plugins) is not the host's activity.
    using own = new OwnTree();
    const objectUrl = options.objectUrl ?? BUNDLED_OBJECT_URL;
    const objectName = decodeURIComponent(objectUrl.pathname.slice(objectUrl.pathname.lastIndexOf("/") + 1));
    let object: LoaderOptions["object"];
    let objectSha256: string | null = null;
    try {
      const bytes = await readBundledObject(objectUrl);
      objectSha256 = await sha256HexAsync(bytes);
      object = { bytes, name: objectName };
    } catch (error) {
      object = { error, name: objectName };
    }
    const facts = {
      euid: ctx.caps.euid,
      caps: ctx.caps.effective_caps,
      btf: ctx.caps.btf,
      tracefs: ctx.caps.tracefs,
    };
    try {
      const r = await runSession({
        durationMs,
        maxEvents: ctx.config.traceMaxEvents,
        hash: ctx.config.traceHash,
        signal: ctx.signal,
        table,
        aggregator,
        emit,
        own,
        canary: options.canary === undefined ? defaultCanary() : options.canary,
        open: (onSample) =>
          openTracer({
            libbpfPath: options.loader?.libbpfPath !== undefined ? options.loader.libbpfPath : findLibbpf(),
            object,
            facts,
            onSample,
            ...(options.loader?.execPrograms ? { execPrograms: options.loader.execPrograms } : {}),
            ...(options.loader?.connectPrograms ? { connectPrograms: options.loader.connectPrograms } : {}),
            ...(options.loader?.rate ? { rate: options.loader.rate } : {}),
          }),
        onProgress: (m) => ctx.setMeta("trace", { ...m, object_sha256: objectSha256 }),
      });
      for (const w of r.warnings) ctx.warn(w.code, w.detail);
      ctx.setMeta("trace", {
        ...r.metrics,
        object_sha256: objectSha256,
        quiet_connects: aggregator.quietConnects,
      });
    } catch (e) {
      if (!(e instanceof TraceUnavailable)) throw e;
      ctx.warn(
        "ebpf_unavailable",
        `${e.message} Falling back to /proc polling (lower fidelity: no connects, short-lived processes missed).`,
      );
      const r = await runFallback({
        host: ctx.host,
        durationMs,
        maxEvents: ctx.config.traceMaxEvents,
        signal: ctx.signal,
        table,
        aggregator,
        emit,
        initial,
        own,
        onProgress: (m) => ctx.setMeta("trace", { ...m, object_sha256: objectSha256 }),
      });
      for (const w of r.warnings) ctx.warn("truncated", w);
      ctx.setMeta("trace", {
        ...r.metrics,
        object_sha256: objectSha256,
        unavailable: { code: e.code, reason: e.message, libbpf_log: e.log },
      });
    }
    if (aggregator.overflow > 0) {
      ctx.warn(
        "truncated",
        `${aggregator.overflow} trace record(s) beyond ${MAX_SUBJECTS} distinct subjects were not turned into findings`,
      );
    }
    yield* aggregator.findings();
  }

  return { ...EBPF_EXEC_TRACE_INFO, run };
}

/** The exec/connect trace scanner. */
export const ebpfExecTrace: Scanner = makeEbpfExecTrace();
