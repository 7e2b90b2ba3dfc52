/** The scan command: config → scanners → pipeline → report → output → exit code. */
import type { Catalogue } from "../core/catalogue.ts";
import { buildReport } from "../core/build.ts";
import { ScanShared } from "../core/context.ts";
import { assemblePipeline, type Stage } from "../core/pipeline.ts";
import type { Report } from "../core/report.ts";
import { ExitCode, type ExitCodeValue, fail, ok, type Result } from "../core/result.ts";
import { runScanners } from "../core/runner.ts";
import { missingCapabilities, type Scanner } from "../core/scanner.ts";
import { probeCapabilities } from "../host/capabilities.ts";
import { Host } from "../host/host.ts";
import { readIdentity } from "../host/identity.ts";
import { renderCanonical } from "../output/canonical.ts";
import { renderJson } from "../output/json.ts";
import { NdjsonStream } from "../output/ndjson.ts";
import { toSarif } from "../output/sarif.ts";
import { TaxonomyIndex } from "../compliance/taxonomy.ts";
import { STANDARDS } from "../compliance/standards/index.ts";
import { complianceStep } from "../compliance/step.ts";
import { renderFactPack } from "../output/factpack.ts";
import { renderHtml } from "../output/html.ts";
import { openOutput, RecordingOutput, type ReportOutput, writeFileAtomic } from "../output/writer.ts";
import { fullCatalogue, SCANNERS } from "../scanners/index.ts";
import { yaraRuleErrors } from "../scanners/yara/scanner.ts";
import { rulesStep } from "../rules/step.ts";
import { riskStep } from "../risk/step.ts";
import { loadPlugins } from "../plugins/load.ts";
import { provenance } from "./provenance.ts";
import { BaselineStore } from "../baseline/store.ts";
import {
  type BaselineSummary,
  compareWithBaseline,
  defaultBaselinePath,
  hostKey,
  knownStateAfter,
} from "../baseline/compare.ts";
import {
  finishEvidence,
  harden,
  keepsReportBytes,
  prepareSecurity,
  type SecurityDeps,
} from "../security/lifecycle.ts";
import { buildRedactor } from "../security/redaction_seed.ts";
import { redactionStages, redactReport } from "../security/redaction_stage.ts";
import { buildConfig } from "./args.ts";
import type { Config } from "../core/config.ts";
import { selectScanners } from "./select.ts";
import { checkInputFiles } from "./inputs.ts";
import { thresholdTripped } from "./threshold.ts";

/** The output format a config asks for. */
export function formatOf(c: Config): "json" | "ndjson" | "sarif" | "html" | "factpack" {
  return c.format ?? (c.ndjson ? "ndjson" : c.sarif ? "sarif" : "json");
}

function render(report: Report, config: Config, catalogue: Catalogue, taxonomies: TaxonomyIndex): string {
  const format = formatOf(config);
  if (format === "sarif") {
    return JSON.stringify(toSarif(report, catalogue, taxonomies), null, config.pretty ? 2 : undefined) + "\n";
  }
  if (format === "factpack") return renderFactPack(report, catalogue, config.pretty);
  if (format === "html") return renderHtml(report, catalogue);
  if (config.canonical) return renderCanonical(report);
  return renderJson(report, config.pretty);
}

/** Everything the scan needs besides argv; injectable for tests. */
export interface ScanDeps {
  scanners?: readonly Scanner[];
  env?: (key: string) => string | undefined;
  stderr?: (line: string) => void;
  stages?: Stage[];
  /** Self-protection injection points (tests only). */
  security?: SecurityDeps;
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
  const inputs = checkInputFiles(config);
  if (!inputs.ok) return inputs;
  const format = formatOf(config);
  const sec = await prepareSecurity(config, env, stderr, deps.security);
  if (!sec.ok) return sec;
  const rootInfo = (() => {
    try {
      return Deno.statSync(config.root);
    } catch {
      return null;
    }
  })();
  if (!rootInfo?.isDirectory) return fail(ExitCode.Usage, `--root ${config.root}: not a directory`);
  const host = new Host(Deno.realPathSync(config.root));
  const rules = rulesStep(config);
  if (!rules.ok) return rules;
  const risk = riskStep(config);
  if (!risk.ok) return risk;
  const pluginSet = loadPlugins(config);
  if (!pluginSet.ok) return pluginSet;
  const plugins = pluginSet.value.scanners;
  const pipeline = assemblePipeline({
    rules: rules.value,
    risk: risk.value,
    compliance: complianceStep(config),
  });
  const selected = [...selectScanners(scanners, config), ...plugins];
  if (selected.some((s) => s.name === "yara")) {
    const errors = await yaraRuleErrors(config);
    if (errors.length > 0) {
      const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
      return fail(ExitCode.Rules, `YARA rules cannot be used: ${errors[0]}${more}`);
    }
  }
  const catalogue = fullCatalogue([...scanners, ...plugins]);

  const opened = openOutput(config.output);
  if (!opened.ok) return opened;
  const output: ReportOutput = keepsReportBytes(config) ? new RecordingOutput(opened.value) : opened.value;
  let htmlOutput: ReportOutput | undefined;
  if (config.html) {
    const h = openOutput(config.html);
    if (!h.ok) {
      output.abort();
      return h;
    }
    htmlOutput = h.value;
  }

  const caps = probeCapabilities(host);
  caps.missing = missingCapabilities(caps, selected);
  let store: BaselineStore | undefined;
  const baselinePath = config.baselineDb ?? defaultBaselinePath(caps.euid, env);
  const release = () => {
    output.abort();
    htmlOutput?.abort();
    store?.close();
  };
  if (config.baseline) {
    const opened = BaselineStore.open(baselinePath, config.baselineUpdate);
    if (!opened.ok) {
      release();
      return opened;
    }
    store = opened.value;
  }
  const identity = readIdentity(host, new Host("/"));
  const redactor = buildRedactor(config, host, [identity.hostname, env("SYS_SCAN_META_HOSTNAME") ?? ""], env);
  const hardened = harden(config, selected, stderr, deps.security);
  if (!hardened.ok) {
    release();
    return hardened;
  }
  if (config.dropPriv) {
    Object.assign(caps, probeCapabilities(host));
    caps.missing = missingCapabilities(caps, selected);
  }
  const security = { ...sec.value.meta, ...hardened.value };
  if (config.verbose) {
    stderr(`sys-scan: euid ${caps.euid}, capabilities: ${caps.effective_caps.join(",") || "none"}`);
    for (const m of caps.missing) stderr(`sys-scan: missing ${m.item}: degrades ${m.disables.join(", ")}`);
    stderr(`sys-scan: running ${selected.map((s) => s.name).join(", ") || "no scanners"}`);
  }
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
        meta: { security },
      });
      await stream.meta(redactReport(redactor, preview).meta);
      shared.onEvent = (type, record) => void stream.event(type, redactor.deep(record));
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
        stages: pipeline.stages(catalogue, deps.stages, redactionStages(redactor)),
        minSeverity: config.minSeverity,
        includePassed: config.includePassed,
      },
      onFinding: stream ? (f) => stream.finding(f) : undefined,
    });
    let baseline: BaselineSummary | undefined;
    if (config.baseline) {
      const machineId = host.readText("/etc/machine-id", 128);
      const key = hostKey(machineId.ok ? machineId.value : undefined, identity.hostname);
      const known = store?.hasHost(key) ? store.known(key) : undefined;
      baseline = compareWithBaseline(outcome.results, known, baselinePath, key);
      if (config.baselineUpdate && store) {
        store.record(
          key,
          {
            scannedAt: new Date(startedAt).toISOString(),
            hostname: identity.hostname,
            scanRoot: config.root,
          },
          knownStateAfter(outcome.results, known),
        );
        baseline.updated = true;
      }
    }
    const report = redactReport(
      redactor,
      pipeline.finish(
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
          meta: {
            scan_root: host.root,
            ...(baseline ? { baseline: { status: baseline.status, db: baseline.db } } : {}),
            security,
            ...pluginSet.value.meta,
          },
          warnings: pluginSet.value.warnings,
          ...(baseline ? { summaryExtension: { baseline } } : {}),
        }),
        catalogue,
      ),
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
      await output.write(
        render(report, config, catalogue, new TaxonomyIndex(catalogue, STANDARDS, pipeline.staticMitre)),
      );
    }
    const committed = await output.commit();
    if (!committed.ok) return committed;
    const written = {
      path: output.path,
      bytes: output instanceof RecordingOutput ? output.bytes() : undefined,
    };
    const evidence = await finishEvidence(config, sec.value, written, env, prov, writeFileAtomic);
    if (!evidence.ok) return evidence;
    if (htmlOutput) {
      await htmlOutput.write(renderHtml(report, catalogue));
      const h = await htmlOutput.commit();
      if (!h.ok) return h;
    }
    if (abort.signal.aborted) stderr("sys-scan: interrupted; the report holds what was collected so far");
    const tripped = thresholdTripped(report, config);
    if (tripped) {
      if (config.verbose) stderr(`sys-scan: fail threshold met: ${tripped}`);
      return ok(ExitCode.Threshold);
    }
    return ok(ExitCode.Ok);
  } catch (e) {
    release();
    throw e;
  } finally {
    store?.close();
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
}
