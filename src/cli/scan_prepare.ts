/**
 * The prepare stage of a scan: everything that can fail before anything is scanned, in the order errors are
 * reported — flags, input files, evidence flags and signing key, scan root, rules, risk model, plugins,
 * scanner selection, YARA rules, outputs, baseline database — and the scan every later stage works on.
 */
import { STANDARDS } from "../compliance/standards/index.ts";
import { complianceStep } from "../compliance/step.ts";
import { TaxonomyIndex } from "../compliance/taxonomy.ts";
import { ScanShared } from "../core/context.ts";
import { ScanInterrupt } from "../core/interrupt.ts";
import { assemblePipeline, type Stage } from "../core/pipeline.ts";
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import type { EnrichInput, RunInput } from "../core/scan_stages.ts";
import { missingCapabilities, type Scanner, type ScannerInfo } from "../core/scanner.ts";
import { probeCapabilities } from "../host/capabilities.ts";
import { Host } from "../host/host.ts";
import { readIdentity } from "../host/identity.ts";
import { type CompareInput, ScanBaseline } from "../baseline/stage.ts";
import { ScanOutputs, type WriteInput } from "../output/scan_output.ts";
import { writeFileAtomic } from "../output/writer.ts";
import { loadPlugins } from "../plugins/load.ts";
import { riskStep } from "../risk/step.ts";
import { rulesStep } from "../rules/step.ts";
import { fullCatalogue, SCANNERS } from "../scanners/index.ts";
import {
  type HardenInput,
  keepsReportBytes,
  prepareSecurity,
  type SecurityDeps,
  type SignInput,
} from "../security/lifecycle.ts";
import { buildRedactor } from "../security/redaction_seed.ts";
import { redactingSink, redactionStages, redactReport } from "../security/redaction_stage.ts";
import { buildConfig } from "./args.ts";
import { checkInputFiles } from "./inputs.ts";
import { provenance } from "./provenance.ts";
import { selectScanners } from "./select.ts";
import { startScanWorker } from "./scan_worker_start.ts";

/** Everything the scan needs besides argv; injectable for tests. */
export interface ScanDeps {
  /** The scanners to choose from, run in this thread (tests with scanners made on the spot). */
  scanners?: readonly Scanner[];
  /**
   * Modules (URLs) exporting `scanners: Scanner[]` added to the built-in ones and run, like them, in the scan
   * worker (tests of isolation).
   */
  scannerModules?: readonly string[];
  env?: (key: string) => string | undefined;
  stderr?: (line: string) => void;
  stages?: Stage[];
  /**
   * A scan worker the CLI started before loading the scan's code (`scan_worker.ts`), so that its start-up and
   * the loading of the scanners' modules overlap this thread's. Used for the first scan worker unless
   * `--drop-priv` is given (a thread started before the drop keeps the capabilities); the caller terminates it
   * when the scan ends. `failed` says whether it reported an error before the scan took it (it is then not used).
   */
  earlyWorker?: { worker: Worker; failed: () => boolean };
  /** Self-protection injection points (tests only). */
  security?: SecurityDeps;
  /**
   * Keep the scan off the network with a seccomp filter on this whole process (the CLI passes true; a test that
   * scans in its own process must not, or its later tests lose the network).
   */
  networkGuard?: boolean;
}

/**
 * One scan as it passes through its stages: what prepare found and opened, and what each stage adds
 * (`startedAt` and `outcome` by run, `report` by enrich and the stages after it). It is every stage's input
 * at once, so the type checker proves each stage gets what it reads. Disposing it aborts unwritten outputs,
 * closes the baseline database and stops catching SIGINT/SIGTERM.
 */
export interface Scan
  extends HardenInput, RunInput, EnrichInput, CompareInput, WriteInput, SignInput, Disposable {
  readonly stderr: (line: string) => void;
  readonly taxonomies: TaxonomyIndex;
}

/**
 * The YARA scanner's module, for checking the rules before the scan. Its URL is made at run time so that a scan
 * without YARA does not parse its graph (the module is embedded through the scan worker's graph).
 */
function yaraModule(): Promise<typeof import("../scanners/yara/scanner.ts")> {
  return import(new URL("../scanners/yara/scanner.ts", import.meta.url).href);
}

/** The scanners' code, for a scan whose worker cannot start (a URL made at run time, as yaraModule's). */
function codeModule(): Promise<typeof import("./scanner_code.ts")> {
  return import(new URL("./scanner_code.ts", import.meta.url).href);
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** Checks and loads everything a scan needs, and opens its outputs and baseline database. */
export async function prepareScan(argv: readonly string[], deps: ScanDeps): Promise<Result<Scan>> {
  const modules = deps.scannerModules ?? [];
  const extra: Scanner[] = [];
  for (const url of modules) extra.push(...((await import(url)) as { scanners: Scanner[] }).scanners);
  const scanners: readonly ScannerInfo[] = deps.scanners ?? [...SCANNERS, ...extra];
  const env = deps.env ?? ((k: string) => Deno.env.get(k));
  const stderr = deps.stderr ?? ((line: string) => console.error(line));
  const built = await buildConfig(argv, scanners.map((s) => s.name));
  if (!built.ok) return built;
  const config = built.value;
  let early = deps.scanners === undefined && !config.dropPriv ? deps.earlyWorker : undefined;
  if (early === undefined) deps.earlyWorker?.worker.terminate();
  early?.worker.postMessage({ t: "preload", names: selectScanners(scanners, config).map((s) => s.name) });
  const inputs = checkInputFiles(config, env);
  if (!inputs.ok) return inputs;
  const sec = await prepareSecurity(config, env, stderr, deps.security);
  if (!sec.ok) return sec;
  if (!isDirectory(config.root)) return fail(ExitCode.Usage, `--root ${config.root}: not a directory`);
  const host = new Host(Deno.realPathSync(config.root), { allowRemote: config.remoteFs });
  const rules = await rulesStep(config);
  if (!rules.ok) return rules;
  const risk = await riskStep(config, inputs.value.riskWeights);
  if (!risk.ok) return risk;
  const plugins = loadPlugins(config);
  if (!plugins.ok) return plugins;
  const pipeline = assemblePipeline({
    rules: rules.value,
    risk: risk.value,
    compliance: complianceStep(config),
  });
  const selected = [...selectScanners(scanners, config), ...plugins.value.scanners];
  if (selected.some((s) => s.name === "yara")) {
    const errors = await (await yaraModule()).yaraRuleErrors(config);
    if (errors.length > 0) {
      const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
      return fail(ExitCode.Rules, `YARA rules cannot be used: ${errors[0]}${more}`);
    }
  }
  const catalogue = fullCatalogue([...scanners, ...plugins.value.scanners]);

  using opened = new DisposableStack();
  const outputs = ScanOutputs.open(config, keepsReportBytes(config));
  if (!outputs.ok) return outputs;
  opened.use(outputs.value);
  const caps = probeCapabilities(host);
  caps.missing = missingCapabilities(caps, selected);
  const baseline = ScanBaseline.open(config, caps.euid, env);
  if (!baseline.ok) return baseline;
  opened.use(baseline.value);
  const interrupt = opened.use(new ScanInterrupt());
  const identityProblems: string[] = [];
  const identity = readIdentity(host, new Host("/"), identityProblems);
  const redactor = await buildRedactor(
    config,
    host,
    [identity.hostname, env("SYS_SCAN_META_HOSTNAME") ?? ""],
    env,
  );
  const live = outputs.value.live();
  const prov = await provenance(config.slsaLevel, env);
  const resources = opened.move();
  return ok({
    config,
    env,
    stderr,
    cmdline: ["sys-scan", ...argv].join(" "),
    host,
    identity,
    caps,
    provenance: prov,
    selected,
    catalogue,
    pipeline,
    extraStages: deps.stages ?? [],
    lastStages: redactionStages(redactor),
    taxonomies: new TaxonomyIndex(catalogue, STANDARDS, pipeline.staticMitre),
    preparedMeta: plugins.value.meta,
    preparedWarnings: [
      ...plugins.value.warnings,
      ...identityProblems.map((detail) => ({ scanner: "identity", code: "os_release_unreadable", detail })),
    ],
    shared: new ScanShared(),
    interrupt,
    live: live ? redactingSink(live, redactor) : undefined,
    outputs: outputs.value,
    baseline: baseline.value,
    securityPrep: sec.value,
    securityDeps: deps.security,
    networkGuard: deps.networkGuard ?? false,
    security: { ...sec.value.meta },
    writeSidecar: writeFileAtomic,
    finalize: (report) => redactReport(redactor, report),
    writtenReport: () => outputs.value.written(),
    execution: deps.scanners === undefined
      ? {
        isolated: {
          spawn: () => {
            const w = early && !early.failed() ? early.worker : startScanWorker();
            early = undefined;
            return w;
          },
          allowRemote: config.remoteFs,
          modules,
          loadInThread: async (
            names,
          ) => [...(await (await codeModule()).loadScannerCode(names, config, modules)).values()],
        },
      }
      : { inThread: [...selectScanners(deps.scanners, config), ...plugins.value.scanners] },
    startedAt: 0,
    outcome: undefined,
    report: undefined,
    [Symbol.dispose]: () => resources.dispose(),
  });
}
