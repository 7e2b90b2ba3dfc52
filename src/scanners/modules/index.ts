/**
 * modules: loaded kernel modules compared across the kernel's views (/proc/modules, /sys/module, kallsyms) and
 * the module tree (modules.dep, modules.builtin), with the kernel's taint, and — unless --fast-scan — each
 * module file decompressed in-process for its signature trailer and ELF section headers.
 *
 * This file is the flow (read the views, build one record per module, analyse the files, emit); what counts
 * as an anomaly is `anomalies.ts`, the catalogue `checks.ts`, the kernel's views `views.ts`.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft, Metadata } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { atLeast, type Severity } from "../../core/severity.ts";
import { analyzeModuleFile } from "./analyze.ts";
import {
  type Anomaly,
  hiddenAnomalies,
  moduleAnomalies,
  type ModuleRecord,
  signingInUse,
} from "./anomalies.ts";
import { MODULES_CHECKS } from "./checks.ts";
import { kallsymsModuleNames } from "./proc_modules.ts";
import { isOutOfTreePath } from "./modules_dep.ts";
import { decodeTaint, parseTaintValue, SECURITY_TAINT_LETTERS } from "./taint.ts";
import {
  findRelease,
  readKallsyms,
  readModuleIndex,
  readProcModules,
  readSysModule,
  type ViewWarning,
} from "./views.ts";
import { MODULES_INFO } from "../info/modules.ts";

/** Names kept in each summary list. */
const LIST_CAP = 20;
/** Loaded module names listed in the summary (`loaded_names`, what `sys-scan fleet` stacks); more is a warning. */
const LOADED_NAMES_CAP = 2000;
/** Out-of-tree files analysed when scanning an image without a running kernel. */
const OFFLINE_CAP = 500;

function flushWarnings(ctx: ScanContext, warnings: ViewWarning[]): void {
  for (const w of warnings.splice(0)) ctx.warn(w.code, w.detail);
}

function readSigEnforce(ctx: ScanContext): "Y" | "N" | undefined {
  const r = ctx.host.readText("/sys/module/module/parameters/sig_enforce", 16);
  if (!r.ok) return undefined;
  const v = r.value.trim();
  return v === "Y" || v === "1" ? "Y" : "N";
}

function taintDraft(ctx: ScanContext): { draft?: FindingDraft; meta: Metadata } {
  const r = ctx.host.readText("/proc/sys/kernel/tainted", 64);
  if (!r.ok) {
    if (r.reason !== "missing") ctx.warn("taint_unreadable", `/proc/sys/kernel/tainted: ${r.message}`);
    return { meta: {} };
  }
  const value = parseTaintValue(r.value);
  if (value === undefined) {
    ctx.warn("taint_unparsable", `/proc/sys/kernel/tainted: ${JSON.stringify(r.value.slice(0, 32))}`);
    return { meta: {} };
  }
  const { flags, unknownBits } = decodeTaint(value);
  const meta: Metadata = {
    taint_value: value.toString(),
    taint_flags: flags.map((f) => f.letter).join(""),
    taint_names: flags.map((f) => f.name),
  };
  if (unknownBits.length > 0) meta.taint_unknown_bits = unknownBits.map(String);
  const relevant = flags.filter((f) => SECURITY_TAINT_LETTERS.has(f.letter));
  const severe = relevant.some((f) => f.letter === "F" || f.letter === "R" || f.letter === "E");
  return {
    meta,
    draft: {
      check_id: "module.kernel_tainted",
      subject: "",
      passed: relevant.length === 0,
      severity: severe ? "medium" : "low",
      description: relevant.length === 0
        ? "The kernel carries no taint from loaded code."
        : `The kernel is tainted: ${relevant.map((f) => `${f.letter} (${f.meaning})`).join("; ")}.`,
      metadata: { ...meta, relevant_flags: relevant.map((f) => f.letter).join("") },
    },
  };
}

function toDraft(a: Anomaly): FindingDraft {
  return {
    check_id: a.check,
    subject: a.subject,
    description: a.description,
    metadata: a.metadata,
    ...(a.severity ? { severity: a.severity } : {}),
    ...(typeof a.metadata.path === "string" ? { location: { path: a.metadata.path } } : {}),
  };
}

function summaryDraft(
  anomalies: Anomaly[],
  base: Metadata,
  summaryOnly: boolean,
  catalogue: Map<string, Severity>,
): FindingDraft {
  const meta: Metadata = { ...base };
  let worst: Severity = "info";
  for (const c of MODULES_CHECKS) {
    if (c.id === "module.summary" || c.id === "module.kernel_tainted") continue;
    const names = [...new Set(anomalies.filter((a) => a.check === c.id).map((a) => a.subject))].sort();
    const key = c.id.replace(/^module\./, "").replaceAll(".", "_");
    meta[`${key}_count`] = names.length;
    if (names.length > 0) meta[`${key}_list`] = names.slice(0, LIST_CAP);
  }
  for (const a of anomalies) {
    const s = a.severity ?? catalogue.get(a.check) ?? "info";
    if (atLeast(s, worst)) worst = s;
  }
  const anomalous = new Set(anomalies.map((a) => a.subject)).size;
  return {
    check_id: "module.summary",
    subject: "",
    severity: summaryOnly ? worst : "info",
    description: anomalous === 0
      ? `No anomalies among ${meta.loaded_count ?? 0} loaded modules.`
      : `${anomalous} module(s) with anomalies among ${meta.loaded_count ?? 0} loaded.`,
    metadata: meta,
  };
}

/**
 * Whether module files are read: not under --fast-scan, unless --modules-hash asks for them (an explicit request
 * wins over the preset).
 */
function deepAnalysis(ctx: ScanContext): boolean {
  return !ctx.config.fastScan || ctx.config.modulesHash;
}

async function analyzeRecords(ctx: ScanContext, records: ModuleRecord[], release: string): Promise<number> {
  let analysed = 0;
  for (const rec of records) {
    await ctx.checkpoint();
    if (!rec.relPath || rec.fileMissing) continue;
    const path = `/lib/modules/${release}/${rec.relPath}`;
    rec.file = await analyzeModuleFile(ctx.host, path, { hash: ctx.config.modulesHash });
    if (rec.file.ok) analysed++;
    else if (rec.file.kind === "cap") {
      ctx.warn("module_too_large", `${path}: ${rec.file.message}; signature not checked`);
    } else ctx.warn("module_unreadable", `${path}: ${rec.file.message}`);
  }
  return analysed;
}

async function* emit(
  ctx: ScanContext,
  anomalies: Anomaly[],
  summaryMeta: Metadata,
): AsyncGenerator<FindingDraft> {
  const summaryOnly = ctx.config.modulesSummary && !ctx.config.modulesAnomaliesOnly;
  if (!summaryOnly) {
    const sorted = [...anomalies].sort((a, b) =>
      a.subject < b.subject
        ? -1
        : a.subject > b.subject
        ? 1
        : a.check < b.check
        ? -1
        : a.check > b.check
        ? 1
        : 0
    );
    for (const a of sorted) yield toDraft(a);
  }
  if (!ctx.config.modulesAnomaliesOnly) {
    const sev = new Map(MODULES_CHECKS.map((c) => [c.id, c.severity]));
    yield summaryDraft(anomalies, summaryMeta, summaryOnly, sev);
  }
}

/** An image without a running kernel: only the out-of-tree files of the module tree can be judged. */
async function* runOffline(ctx: ScanContext, release: string, source: string): AsyncGenerator<FindingDraft> {
  const warnings: ViewWarning[] = [];
  const { dep, builtin } = readModuleIndex(ctx.host, release, warnings);
  flushWarnings(ctx, warnings);
  if (!dep) {
    return ctx.skip(
      `no /proc/modules and no readable /lib/modules/${release}/modules.dep: nothing to compare`,
    );
  }
  const oot = [...dep.entries()].filter(([, p]) => isOutOfTreePath(p)).sort(([a], [b]) => a < b ? -1 : 1);
  if (oot.length > OFFLINE_CAP) {
    ctx.warn("truncated", `${oot.length} out-of-tree modules; analysing ${OFFLINE_CAP}`);
  }
  const records: ModuleRecord[] = oot.slice(0, OFFLINE_CAP).map(([name, relPath]) => ({
    name,
    relPath,
    taint: [],
    fileMissing: !ctx.host.exists(`/lib/modules/${release}/${relPath}`),
  }));
  const deep = deepAnalysis(ctx);
  const analysed = deep ? await analyzeRecords(ctx, records, release) : 0;
  const anomalies = records.flatMap((r) =>
    moduleAnomalies(r, release, false, builtin, true)
      .map((a) => ({ ...a, metadata: { ...a.metadata, loaded: false } }))
  );
  yield* emit(ctx, anomalies, {
    mode: "offline",
    release,
    release_source: source,
    indexed_count: dep.size,
    out_of_tree_files: oot.length,
    deep_analysis: deep,
    files_analysed: analysed,
  });
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const warnings: ViewWarning[] = [];
  const rel = findRelease(ctx.host);
  const loaded = readProcModules(ctx.host, warnings);
  flushWarnings(ctx, warnings);
  if (loaded === undefined) {
    if (ctx.host.isLive || ctx.host.exists("/proc/sys/kernel")) {
      return ctx.skip("the running kernel has no loadable module support (no /proc/modules)");
    }
    if ("reason" in rel) return ctx.skip(rel.reason);
    yield* runOffline(ctx, rel.release, rel.source);
    return;
  }
  if ("reason" in rel) return ctx.skip(rel.reason);
  const release = rel.release;
  const sysfs = readSysModule(ctx.host, warnings);
  const kallsymsText = readKallsyms(ctx.host, warnings);
  const kallsyms = kallsymsText === undefined ? undefined : kallsymsModuleNames(kallsymsText);
  const { dep, builtin } = readModuleIndex(ctx.host, release, warnings);
  flushWarnings(ctx, warnings);
  const sigEnforce = readSigEnforce(ctx);

  const records: ModuleRecord[] = [...loaded].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    .map(
      (m) => {
        const relPath = dep?.get(m.name);
        const sysTaint = sysfs?.get(m.name)?.taint ?? [];
        return {
          name: m.name,
          loaded: m,
          relPath,
          taint: [...new Set([...m.taint, ...sysTaint])].sort(),
          fileMissing: relPath !== undefined && !ctx.host.exists(`/lib/modules/${release}/${relPath}`),
        };
      },
    );
  const deep = deepAnalysis(ctx);
  const analysed = deep ? await analyzeRecords(ctx, records, release) : 0;
  const signing = signingInUse(records, sigEnforce);

  const anomalies = records.flatMap((r) => moduleAnomalies(r, release, signing, builtin, dep !== undefined));
  let hidden = hiddenAnomalies(loaded, sysfs, kallsyms);
  if (hidden.length > 0) {
    // A module loading or unloading between two reads is not hiding: confirm against a fresh /proc/modules.
    const again = readProcModules(ctx.host, warnings) ?? [];
    const procNow = new Set(again.map((m) => m.name));
    hidden = hidden.filter((h) => (h.metadata.proc_modules === true) === procNow.has(h.subject));
  }
  anomalies.push(...hidden);

  const taint = taintDraft(ctx);
  if (taint.draft) yield taint.draft;
  const names = [...new Set(loaded.map((m) => m.name))].sort();
  if (names.length > LOADED_NAMES_CAP) {
    ctx.warn(
      "truncated",
      `${names.length} loaded modules; the summary lists the first ${LOADED_NAMES_CAP} names`,
    );
  }
  yield* emit(ctx, anomalies, {
    mode: "live",
    release,
    release_source: rel.source,
    loaded_count: loaded.length,
    loaded_names: names.slice(0, LOADED_NAMES_CAP),
    compressed_count: records.filter((r) => r.relPath !== undefined && !r.relPath.endsWith(".ko")).length,
    deep_analysis: deep,
    files_analysed: analysed,
    sig_enforce: sigEnforce === undefined ? "unsupported" : sigEnforce,
    signing_in_use: signing,
    sysfs_checked: sysfs !== undefined,
    kallsyms_checked: kallsyms !== undefined,
    index_checked: dep !== undefined,
    ...taint.meta,
  });
}

/** The modules scanner. */
export const modulesScanner: Scanner = { ...MODULES_INFO, run };
