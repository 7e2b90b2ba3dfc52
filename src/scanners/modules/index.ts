/**
 * modules: loaded kernel modules compared across the kernel's views (/proc/modules, /sys/module, kallsyms) and
 * the module tree (modules.dep, modules.builtin), with the kernel's taint, and — unless --fast-scan — each
 * module file decompressed in-process for its signature trailer and ELF section headers.
 */
import type { CheckInput } from "../../core/catalogue.ts";
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft, Metadata } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { atLeast, type Severity } from "../../core/severity.ts";
import { analyzeModuleFile, type FileAnalysis } from "./analyze.ts";
import { isOutOfTreePath } from "./modules_dep.ts";
import type { LoadedModule } from "./proc_modules.ts";
import { decodeTaint, parseTaintValue, SECURITY_TAINT_LETTERS } from "./taint.ts";
import {
  findRelease,
  readKallsymsModules,
  readModuleIndex,
  readProcModules,
  readSysModule,
  type SysfsModule,
  type ViewWarning,
} from "./views.ts";

const NAME = "modules";
/** Names kept in each summary list. */
const LIST_CAP = 20;
/** Out-of-tree files analysed when scanning an image without a running kernel. */
const OFFLINE_CAP = 500;

const mk = (
  id: string,
  title: string,
  severity: Severity,
  rationale: string,
  remediation: string,
  extra: Partial<CheckInput> = {},
): CheckInput => ({
  id,
  scanner: NAME,
  title,
  severity,
  category: "kernel_module",
  rationale,
  remediation,
  mitre: ["T1547.006"],
  ...extra,
});

const checks: CheckInput[] = [
  mk(
    "module.summary",
    "Kernel module summary",
    "info",
    "Counts of loaded modules and of each anomaly, with the decoded kernel taint.",
    "Review the per-module findings (run without --modules-summary to see them).",
    { mitre: [] },
  ),
  mk(
    "module.unsigned",
    "Loaded kernel module is not signed",
    "high",
    "This kernel signs its modules, so an unsigned one was built elsewhere or altered: a classic rootkit path.",
    "Identify the package that owns the file (dpkg -S / rpm -qf); rebuild and sign it (DKMS with a MOK key) or remove it. " +
      "Enable module.sig_enforce=1 or lockdown to refuse unsigned modules.",
  ),
  mk(
    "module.out_of_tree",
    "Out-of-tree kernel module loaded",
    "low",
    "The module was not built with the kernel (taint O or an extra/, updates/ or dkms/ path); it has not had the kernel's review.",
    "Confirm it belongs to expected software (DKMS: dkms status) and keep it updated; remove it otherwise.",
  ),
  mk(
    "module.file_missing",
    "Loaded module's file is gone",
    "medium",
    "modules.dep names a file for this module but it no longer exists: deleted after loading, or the module tree was replaced.",
    "Check package state (dpkg -V linux-image-$(uname -r)); if nothing explains it, treat the module as untrusted and reboot into a known-good kernel.",
  ),
  mk(
    "module.unknown_origin",
    "Loaded module is not in the module index",
    "medium",
    "The module is not listed in modules.dep: it was loaded with insmod from an arbitrary path, or the index is stale.",
    "Find where it came from (journalctl -k, shell history); run depmod -a if a package installed it; otherwise rmmod it and investigate.",
  ),
  mk(
    "module.builtin_shadow",
    "Loaded module has the name of a built-in module",
    "high",
    "A loadable module named like a driver built into this kernel cannot come from the kernel's own build; it blends in under a trusted name.",
    "Find the module's file and origin; remove it and investigate.",
  ),
  mk(
    "module.hidden",
    "Kernel module hidden from one of the kernel's views",
    "critical",
    "A module seen in one kernel view (/proc/modules, /sys/module, kallsyms) but not another is how rootkits hide themselves.",
    "Treat the host as compromised: capture memory if possible, then rebuild it from known-good media.",
    { mitre: ["T1547.006", "T1014"] },
  ),
  mk(
    "module.elf.wx_section",
    "Module has a writable and executable section",
    "high",
    "Compilers never emit sections that are both writable and executable in a kernel module; injected or packed code does.",
    "Inspect the file (readelf -S) and treat the module as malicious unless its vendor explains it.",
    { confidence: "heuristic" },
  ),
  mk(
    "module.elf.huge_text",
    "Module has an unusually large .text section",
    "low",
    "A very large .text can hide an embedded payload; some large vendor drivers are legitimately big.",
    "Check that the module belongs to known vendor software.",
    { confidence: "heuristic" },
  ),
  mk(
    "module.elf.suspicious_section",
    "Module has a suspicious section name",
    "high",
    "Section names no toolchain produces (.rootkit, .hide, single characters, control characters) mark hand-made modules.",
    "Inspect the file (readelf -S) and treat the module as malicious unless its vendor explains it.",
    { confidence: "heuristic" },
  ),
  mk(
    "module.elf.malformed",
    "Module file is not a valid kernel module",
    "medium",
    "The file modules.dep points to is not an ELF kernel module: replaced, corrupted or truncated after installation.",
    "Reinstall the owning package and compare; investigate if the file was changed deliberately.",
  ),
  mk(
    "module.kernel_tainted",
    "Kernel is tainted by loaded code",
    "low",
    "The kernel's taint records what was ever loaded since boot (proprietary, forced, out-of-tree, unsigned, staging, test modules), even after unloading.",
    "Match each taint flag to a module (per-module taint in /sys/module/*/taint); a forced or unsigned load needs an explanation.",
  ),
];

/** One anomaly of one module, before it becomes a finding. */
interface Anomaly {
  check: string;
  subject: string;
  severity?: Severity;
  description: string;
  metadata: Metadata;
}

/** Everything known about one module. */
interface ModuleRecord {
  name: string;
  loaded?: LoadedModule;
  relPath?: string;
  taint: string[];
  fileMissing: boolean;
  file?: FileAnalysis;
}

function flushWarnings(ctx: ScanContext, warnings: ViewWarning[]): void {
  for (const w of warnings.splice(0)) ctx.warn(w.code, w.detail);
}

function readSigEnforce(ctx: ScanContext): "Y" | "N" | undefined {
  const r = ctx.host.readText("/sys/module/module/parameters/sig_enforce", 16);
  if (!r.ok) return undefined;
  const v = r.value.trim();
  return v === "Y" || v === "1" ? "Y" : "N";
}

function baseMetadata(rec: ModuleRecord, release: string): Metadata {
  const m: Metadata = { module: rec.name };
  if (rec.relPath) m.path = `/lib/modules/${release}/${rec.relPath}`;
  if (rec.loaded) {
    m.size = rec.loaded.size;
    m.state = rec.loaded.state;
    if (rec.loaded.refcount !== undefined) m.refcount = rec.loaded.refcount;
  }
  if (rec.taint.length > 0) m.taint = rec.taint.join("");
  if (rec.file?.ok) {
    m.compression = rec.file.compression;
    m.signature = rec.file.signature.status;
    if (rec.file.sha256) m.sha256 = rec.file.sha256;
  }
  return m;
}

/** Whether this kernel signs its modules, judged from sig_enforce and the in-tree modules actually loaded. */
function signingInUse(records: ModuleRecord[], sigEnforce: "Y" | "N" | undefined): boolean {
  if (sigEnforce === undefined) return false;
  if (sigEnforce === "Y") return true;
  return records.some((r) =>
    r.relPath !== undefined && !isOutOfTreePath(r.relPath) && !r.taint.includes("O") &&
    (r.file?.ok ? r.file.signature.status === "signed" : r.loaded !== undefined && !r.taint.includes("E"))
  );
}

function fileAnomalies(rec: ModuleRecord, meta: Metadata, signing: boolean, outOfTree: boolean): Anomaly[] {
  const out: Anomaly[] = [];
  const f = rec.file;
  const kernelSaysUnsigned = rec.loaded !== undefined && rec.taint.includes("E");
  const fileUnsigned = f?.ok === true && f.signature.status !== "signed";
  if (signing && (kernelSaysUnsigned || fileUnsigned)) {
    const evidence: string[] = [];
    if (kernelSaysUnsigned) evidence.push("the kernel marked it unsigned at load (taint E)");
    if (f?.ok && f.signature.status === "malformed") {
      evidence.push(`its signature trailer is malformed (${f.signature.reason})`);
    } else if (fileUnsigned) evidence.push("its file has no signature");
    if (fileUnsigned && rec.loaded && !kernelSaysUnsigned) {
      evidence.push(
        "yet the kernel verified a signature at load: the file changed since, or a different copy was loaded",
      );
    }
    out.push({
      check: "module.unsigned",
      subject: rec.name,
      severity: outOfTree ? "medium" : "high",
      description:
        `Module ${rec.name} is unsigned on a kernel that signs its modules: ${evidence.join("; ")}.` +
        (outOfTree ? " Out-of-tree (DKMS) modules are often unsigned when no MOK key is enrolled." : ""),
      metadata: { ...meta, evidence },
    });
  }
  if (!f?.ok) return out;
  if (!f.elf.ok || !f.elf.anomalies.isModule) {
    out.push({
      check: "module.elf.malformed",
      subject: rec.name,
      description: `${meta.path ?? rec.name} is not a kernel module: ${
        f.elf.ok ? "it has no .gnu.linkonce.this_module section" : f.elf.error
      }.`,
      metadata: meta,
    });
  }
  if (!f.elf.ok) return out;
  const a = f.elf.anomalies;
  if (a.wxSections.length > 0) {
    out.push({
      check: "module.elf.wx_section",
      subject: rec.name,
      description: `Module ${rec.name} has writable and executable sections: ${a.wxSections.join(", ")}.`,
      metadata: { ...meta, sections: a.wxSections },
    });
  }
  if (a.hugeText !== undefined) {
    out.push({
      check: "module.elf.huge_text",
      subject: rec.name,
      description: `Module ${rec.name} has a .text section of ${a.hugeText} bytes.`,
      metadata: { ...meta, text_bytes: a.hugeText },
    });
  }
  if (a.suspiciousNames.length > 0) {
    out.push({
      check: "module.elf.suspicious_section",
      subject: rec.name,
      description: `Module ${rec.name} has suspicious section names: ${
        a.suspiciousNames.map((n) => JSON.stringify(n)).join(", ")
      }.`,
      metadata: { ...meta, sections: a.suspiciousNames },
    });
  }
  return out;
}

function moduleAnomalies(
  rec: ModuleRecord,
  release: string,
  signing: boolean,
  builtin: Set<string> | undefined,
  depKnown: boolean,
): Anomaly[] {
  const meta = baseMetadata(rec, release);
  const out: Anomaly[] = [];
  const oot = rec.taint.includes("O") || (rec.relPath !== undefined && isOutOfTreePath(rec.relPath));
  if (oot) {
    const why = rec.taint.includes("O")
      ? "the kernel marked it out-of-tree (taint O)"
      : `it is installed under ${rec.relPath}`;
    out.push({
      check: "module.out_of_tree",
      subject: rec.name,
      description: `Module ${rec.name} was not built with the kernel: ${why}.`,
      metadata: meta,
    });
  }
  if (rec.loaded && depKnown && rec.relPath === undefined) {
    out.push({
      check: "module.unknown_origin",
      subject: rec.name,
      severity: rec.taint.includes("E") || rec.taint.includes("O") ? "high" : undefined,
      description: `Module ${rec.name} is loaded but /lib/modules/${release}/modules.dep does not list it.`,
      metadata: meta,
    });
  }
  if (rec.loaded && builtin?.has(rec.name)) {
    out.push({
      check: "module.builtin_shadow",
      subject: rec.name,
      description:
        `Module ${rec.name} is loaded, but modules.builtin says ${rec.name} is built into this kernel.`,
      metadata: meta,
    });
  }
  if (rec.loaded && rec.fileMissing) {
    out.push({
      check: "module.file_missing",
      subject: rec.name,
      description: `Module ${rec.name} is loaded but ${meta.path} does not exist.`,
      metadata: meta,
    });
  }
  out.push(...fileAnomalies(rec, meta, signing, oot));
  return out;
}

/** Modules seen in one kernel view and missing from another. */
function hiddenAnomalies(
  loaded: readonly LoadedModule[],
  sysfs: Map<string, SysfsModule> | undefined,
  kallsyms: Set<string> | undefined,
): Anomaly[] {
  const proc = new Set(loaded.map((m) => m.name));
  const seen = new Map<string, { proc_modules: boolean; sysfs: boolean | null; kallsyms: boolean | null }>();
  const note = (name: string) => {
    if (!seen.has(name)) {
      seen.set(name, {
        proc_modules: proc.has(name),
        sysfs: sysfs ? sysfs.get(name)?.loadable === true : null,
        kallsyms: kallsyms ? kallsyms.has(name) : null,
      });
    }
  };
  for (const [name, e] of sysfs ?? []) {
    if (e.loadable && e.initstate === "live" && !proc.has(name)) note(name);
  }
  for (const name of kallsyms ?? []) if (!proc.has(name)) note(name);
  // Modules still loading or already unloading may lack their sysfs entry for a moment.
  const live = loaded.filter((m) => m.state === "Live").map((m) => m.name);
  if (sysfs) { for (const name of live) if (!sysfs.get(name)?.loadable) note(name); }
  return [...seen.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([name, views]) => {
    const present = Object.entries(views).filter(([, v]) => v === true).map(([k]) => k);
    const absent = Object.entries(views).filter(([, v]) => v === false).map(([k]) => k);
    return {
      check: "module.hidden",
      subject: name,
      description: `Module ${name} is visible in ${present.join(" and ")} but absent from ${
        absent.join(" and ")
      }.`,
      metadata: { module: name, ...views, present_in: present, absent_from: absent },
    };
  });
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
  for (const c of checks) {
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

/** Whether module files are read (not under --fast-scan); warns when --modules-hash cannot be honoured. */
function deepAnalysis(ctx: ScanContext): boolean {
  if (!ctx.config.fastScan) return true;
  if (ctx.config.modulesHash) {
    ctx.warn("modules_hash_skipped", "--fast-scan reads no module files, so none was hashed");
  }
  return false;
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
    const sev = new Map(checks.map((c) => [c.id, c.severity]));
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
  const kallsyms = readKallsymsModules(ctx.host, warnings);
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
  yield* emit(ctx, anomalies, {
    mode: "live",
    release,
    release_source: rel.source,
    loaded_count: loaded.length,
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
export const modulesScanner: Scanner = {
  name: NAME,
  summary:
    "Loaded kernel modules: hidden, unsigned, out-of-tree, missing or odd ELF files, and kernel taint. " +
    "--fast-scan keeps the view comparison and taint but skips reading and decompressing module files.",
  slow: false,
  enabledByDefault: () => true,
  checks,
  run,
};
