/** The scan command: config → scanners → pipeline → report → output → exit code. */
import { Catalogue } from "../core/catalogue.ts";
import { buildReport } from "../core/build.ts";
import { ScanShared } from "../core/context.ts";
import type { Stage } from "../core/pipeline.ts";
import type { Report } from "../core/report.ts";
import { ExitCode, type ExitCodeValue, fail, ok, type Result } from "../core/result.ts";
import { runScanners } from "../core/runner.ts";
import type { Scanner } from "../core/scanner.ts";
import { type Capabilities, probeCapabilities } from "../host/capabilities.ts";
import { Host } from "../host/host.ts";
import { readIdentity } from "../host/identity.ts";
import { renderCanonical } from "../output/canonical.ts";
import { renderJson } from "../output/json.ts";
import { NdjsonStream } from "../output/ndjson.ts";
import { renderSarif } from "../output/sarif.ts";
import { openOutput, type ReportOutput } from "../output/writer.ts";
import { SCANNERS } from "../scanners/index.ts";
import { prepareEnrichment } from "../rules/enrichment.ts";
import { provenance } from "../version.ts";
import { buildConfig } from "./args.ts";
import type { Config } from "./flags/index.ts";
import { selectScanners } from "./select.ts";
import { thresholdTripped } from "./threshold.ts";

/** The output format a config asks for. */
export function formatOf(c: Config): "json" | "ndjson" | "sarif" | "html" | "factpack" {
  return c.format ?? (c.ndjson ? "ndjson" : c.sarif ? "sarif" : "json");
}

/** The catalogue of every registered scanner. */
export function fullCatalogue(scanners: readonly Scanner[] = SCANNERS): Catalogue {
  return new Catalogue(scanners.flatMap((s) => s.checks));
}

/** Lists, for each missing capability, the scanners it degrades (recorded in meta.capabilities.missing). */
export function missingCapabilities(
  caps: Capabilities,
  scanners: readonly Scanner[],
): Capabilities["missing"] {
  const present: Record<string, boolean> = {
    root: caps.euid === 0 || caps.effective_caps.includes("CAP_DAC_READ_SEARCH"),
    btf: caps.btf,
    tracefs: caps.tracefs,
    kallsyms: caps.kallsyms_readable,
    libbpf: caps.libbpf !== null,
  };
  const needs = new Map<string, string[]>();
  for (const s of scanners) {
    for (const need of s.needs ?? []) {
      const have = need.startsWith("CAP_")
        ? caps.effective_caps.includes(need) || caps.euid === 0
        : present[need];
      if (have === false) needs.set(need, [...(needs.get(need) ?? []), s.name]);
    }
  }
  return [...needs.entries()].map(([item, disables]) => ({ item, disables }));
}

function render(report: Report, config: Config, catalogue: Catalogue): string {
  const format = formatOf(config);
  if (format === "sarif") return renderSarif(report, catalogue, config.pretty);
  if (config.canonical) return renderCanonical(report);
  return renderJson(report, config.pretty);
}

/** Everything the scan needs besides argv; injectable for tests. */
export interface ScanDeps {
  scanners?: readonly Scanner[];
  env?: (key: string) => string | undefined;
  stderr?: (line: string) => void;
  stages?: Stage[];
}

/** Runs a scan from argv and returns the exit code, or an error for the CLI to print. */
export async function scanCommand(
  argv: readonly string[],
  deps: ScanDeps = {},
): Promise<Result<ExitCodeValue>> {
  const scanners = deps.scanners ?? SCANNERS;
  const env = deps.env ?? ((k: string) => Deno.env.get(k));
  const stderr = deps.stderr ?? ((line: string) => console.error(line));
  const built = buildConfig(argv, scanners.map((s) => s.name));
  if (!built.ok) return built;
  const config = built.value;
  const format = formatOf(config);
  if (format === "html" || format === "factpack") {
    return fail(
      ExitCode.Usage,
      `--format ${format} is not available in this build yet (see README, "Output formats")`,
    );
  }
  const rootInfo = (() => {
    try {
      return Deno.statSync(config.root);
    } catch {
      return null;
    }
  })();
  if (!rootInfo?.isDirectory) return fail(ExitCode.Usage, `--root ${config.root}: not a directory`);
  const host = new Host(config.root);
  const enrich = prepareEnrichment(config);
  if (!enrich.ok) return enrich;
  const plugins = enrich.value.plugins;
  const selected = [...selectScanners(scanners, config), ...plugins];
  const catalogue = fullCatalogue([...scanners, ...plugins]);

  const opened = openOutput(config.output);
  if (!opened.ok) return opened;
  const output: ReportOutput = opened.value;

  const caps = probeCapabilities(host);
  caps.missing = missingCapabilities(caps, selected);
  if (config.verbose) {
    stderr(`sys-scan: euid ${caps.euid}, capabilities: ${caps.effective_caps.join(",") || "none"}`);
    for (const m of caps.missing) stderr(`sys-scan: missing ${m.item}: degrades ${m.disables.join(", ")}`);
    stderr(`sys-scan: running ${selected.map((s) => s.name).join(", ") || "no scanners"}`);
  }
  const identity = readIdentity(host, new Host("/"));
  const prov = await provenance(config.slsaLevel, env);
  const shared = new ScanShared();
  const stream = format === "ndjson" ? new NdjsonStream(output) : undefined;
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error("interrupted by signal"));
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  const startedAt = Date.now();
  const cmdline = ["sys-scan", ...argv].join(" ");
  try {
    if (stream) {
      const preview = buildReport({
        config,
        identity,
        caps,
        provenance: prov,
        outcome: { results: [], warnings: [], errors: [], deadlineHit: false, cutShort: [], meta: {} },
        startedAt,
        finishedAt: startedAt,
        cmdline,
        env,
      });
      await stream.meta(preview.meta);
      shared.onEvent = (type, record) => void stream.event(type, record);
    }
    const outcome = await runScanners({
      scanners: selected,
      config,
      host,
      caps,
      shared,
      signal: abort.signal,
      pipeline: {
        catalogue,
        stages: [...enrich.value.stages(catalogue), ...(deps.stages ?? [])],
        minSeverity: config.minSeverity,
        includePassed: config.includePassed,
      },
      onFinding: stream ? (f) => stream.finding(f) : undefined,
    });
    const report = enrich.value.finish(
      buildReport({
        config,
        identity,
        caps,
        provenance: prov,
        outcome,
        startedAt,
        finishedAt: Date.now(),
        cmdline,
        env,
      }),
      catalogue,
    );
    if (stream) {
      const { deadline_hit, cut_short, timings, ...rest } = report.meta;
      const late = Object.fromEntries(Object.entries(rest).filter(([k]) => k in outcome.meta));
      await stream.event("meta_update", {
        deadline_hit,
        cut_short,
        ...(timings ? { timings } : {}),
        ...late,
      });
      await stream.finish(report, config.timings);
    } else {
      await output.write(render(report, config, catalogue));
    }
    const committed = await output.commit();
    if (!committed.ok) return committed;
    if (abort.signal.aborted) stderr("sys-scan: interrupted; the report holds what was collected so far");
    const tripped = thresholdTripped(report, config);
    if (tripped) {
      if (config.verbose) stderr(`sys-scan: fail threshold met: ${tripped}`);
      return ok(ExitCode.Threshold);
    }
    return ok(ExitCode.Ok);
  } catch (e) {
    output.abort();
    throw e;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
}
