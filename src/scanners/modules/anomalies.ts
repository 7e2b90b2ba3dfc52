/**
 * What is wrong with one module: its origin (out of tree, not in the index, named like a built-in, file gone),
 * its file (unsigned on a signing kernel, not a module, W+X, huge or odd sections), and modules that one of the
 * kernel's views hides.
 */
import type { Metadata } from "../../core/finding.ts";
import type { Severity } from "../../core/severity.ts";
import type { FileAnalysis } from "./analyze.ts";
import { isOutOfTreePath } from "./modules_dep.ts";
import type { LoadedModule } from "./proc_modules.ts";
import type { SysfsModule } from "./views.ts";

/** One anomaly of one module, before it becomes a finding. */
export interface Anomaly {
  check: string;
  subject: string;
  severity?: Severity;
  description: string;
  metadata: Metadata;
}

/** Everything known about one module. */
export interface ModuleRecord {
  name: string;
  loaded?: LoadedModule;
  relPath?: string;
  taint: string[];
  fileMissing: boolean;
  file?: FileAnalysis;
}

/** Metadata every finding about this module carries: name, path, load state, taint, file facts. */
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
export function signingInUse(records: ModuleRecord[], sigEnforce: "Y" | "N" | undefined): boolean {
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

/** The anomalies of one module (origin and file), with `release` to name its path. */
export function moduleAnomalies(
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
export function hiddenAnomalies(
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
