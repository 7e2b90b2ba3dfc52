/**
 * Runs the scanners of the self-test against its evidence, in-process: first the static scanners
 * (world_writable, suid_sgid, ioc, network), then a short trace during which the temporary program is run
 * and 127.0.0.1 and ::1 are connected to. No rules or enrichment: the raw detections are what is tested.
 */
import { type Config, configFrom } from "../core/config.ts";
import { ScanShared } from "../core/context.ts";
import { fail, ok, type Result } from "../core/result.ts";
import { type RunOutcome, runScanners } from "../core/runner.ts";
import { type Capabilities, probeCapabilities } from "../host/capabilities.ts";
import { Host } from "../host/host.ts";
import { fullCatalogue } from "../scanners/index.ts";
import { loadScanners } from "../scanners/loaders.ts";
import { DEFAULT_WW_ROOTS } from "../scanners/fs_census.ts";
import { connectOnce, type EvidenceSet, type Piece, WORK_DIR } from "./evidence.ts";

/** The scanners of the static phase. */
export const STATIC_SCANNERS = ["world_writable", "suid_sgid", "ioc", "network"] as const;
/** The trace scanner. */
export const TRACE_SCANNER = "ebpf_exec_trace";

/** A streamed record seen during the scan (trace exec and connect events). */
export interface StreamedEvent {
  type: string;
  record: Record<string, unknown>;
}

/** What the driver did during the trace. */
export interface TraceActions {
  /** The trace reported its hooks attached before the driver acted. */
  attached: boolean;
  /** The run of the temporary program (null: not attempted). */
  tempRun: Piece<{ pid: number }> | null;
  /** Each connect: undefined when not attempted, null when it succeeded, else its error. */
  connectV4: string | null | undefined;
  connectV6: string | null | undefined;
}

/** Everything the verdicts are computed from. */
export interface SelfTestScan {
  caps: Capabilities;
  static: RunOutcome;
  trace: RunOutcome | null;
  events: StreamedEvent[];
  actions: TraceActions | null;
}

async function runPhase(
  names: readonly string[],
  settings: Partial<Config>,
  caps: Capabilities,
  shared: ScanShared,
): Promise<Result<RunOutcome>> {
  const scanners = await loadScanners(names);
  const built = configFrom({ enable: [...names], minSeverity: "info", ...settings });
  if (!built.ok) return built;
  const catalogue = fullCatalogue();
  return ok(
    await runScanners({
      scanners,
      config: built.value,
      host: new Host("/"),
      caps,
      shared,
      pipeline: { catalogue, stages: [], minSeverity: "info", includePassed: false },
    }),
  );
}

async function waitAttached(shared: ScanShared, done: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end && !done()) {
    const trace = shared.meta.get("trace") as { attach?: unknown } | undefined;
    if (trace?.attach) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/**
 * The `--world-writable-exclude` substrings that keep the self-test's world-writable walk to the tree holding
 * the planted file (each other default root, with a trailing slash so the root itself is still listed).
 */
export function worldWritableSkips(systemDir: string | null): string[] {
  return DEFAULT_WW_ROOTS
    .filter((r) => systemDir === null || !(systemDir === r || systemDir.startsWith(`${r}/`)))
    .map((r) => `${r}/`);
}

/** How the scan is run. */
export interface ScanOptions {
  /** Trace length in seconds; 0 leaves the trace out. */
  traceSeconds: number;
  /** Walk every world-writable root as a real scan does, instead of only the planted directory's tree. */
  fullWalk: boolean;
}

/** Runs both phases. */
export async function scanEvidence(evidence: EvidenceSet, opts: ScanOptions): Promise<Result<SelfTestScan>> {
  const caps = probeCapabilities(new Host("/"));
  const f = evidence.facts;
  const traceSeconds = opts.traceSeconds;
  const skips = opts.fullWalk ? [] : worldWritableSkips(f.systemDir);
  const stat = await runPhase(
    STATIC_SCANNERS,
    { suidDirs: [WORK_DIR], ...(skips.length ? { worldWritableExclude: skips } : {}) },
    caps,
    new ScanShared(),
  );
  if (!stat.ok) return stat;
  if (traceSeconds <= 0) return ok({ caps, static: stat.value, trace: null, events: [], actions: null });

  const events: StreamedEvent[] = [];
  const shared = new ScanShared();
  shared.onEvent = (type, record) => events.push({ type, record });
  let finished = false;
  const actions: TraceActions = {
    attached: false,
    tempRun: null,
    connectV4: undefined,
    connectV6: undefined,
  };
  const driver = (async () => {
    actions.attached = await waitAttached(shared, () => finished, traceSeconds * 1000);
    if (!actions.attached) return;
    actions.tempRun = await evidence.runTempProgram();
    if (f.listenerV4.ok) actions.connectV4 = await connectOnce("127.0.0.1", f.listenerV4.value.port);
    if (f.listenerV6.ok) actions.connectV6 = await connectOnce("::1", f.listenerV6.value.port);
  })();
  const trace = await runPhase(
    [TRACE_SCANNER],
    { iocExecTrace: traceSeconds, scannerTimeout: traceSeconds + 10 },
    caps,
    shared,
  );
  finished = true;
  await driver;
  if (!trace.ok) return fail(trace.error.exit, trace.error.message);
  return ok({ caps, static: stat.value, trace: trace.value, events, actions });
}
