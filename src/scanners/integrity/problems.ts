/**
 * What is wrong with one package file, from a native verdict or a dpkg/rpm verify line: the check, severity,
 * description and metadata of its finding, and the counters of the summary.
 */
import type { ScanContext } from "../../core/context.ts";
import type { Metadata } from "../../core/finding.ts";
import type { Severity } from "../../core/severity.ts";
import { CHECK } from "./checks.ts";
import { conffileSeverity, fileKind, missingSeverity, modifiedSeverity } from "./classify.ts";
import { isCriticalPackage } from "./critical.ts";
import type { FileVerdict, PlannedFile } from "./native.ts";
import type { VerifyLine } from "./pkg_verify.ts";

/** The package tool of the scanned host. */
export type Tool = "dpkg" | "rpm";

/** One thing wrong with one file, before the cap and sort. */
export interface Problem {
  check: string;
  path: string;
  severity: Severity;
  description: string;
  metadata: Metadata;
  /** A regular file whose content differs (eligible for --integrity-pkg-rehash). */
  rehash: boolean;
}

/** Counters reported in the summary. */
export interface Counts {
  packages_selected: number;
  packages_verified: number;
  files_checked: number;
  files_modified: number;
  files_missing: number;
  conffiles_modified: number;
  conffiles_missing: number;
  attributes_changed: number;
  files_too_large: number;
  files_unreadable: number;
  files_filtered: number;
  files_name_not_utf8: number;
  conffiles_not_verifiable: number;
  packages_without_md5sums: number;
}

/** All counters at zero. */
export function newCounts(): Counts {
  return {
    packages_selected: 0,
    packages_verified: 0,
    files_checked: 0,
    files_modified: 0,
    files_missing: 0,
    conffiles_modified: 0,
    conffiles_missing: 0,
    attributes_changed: 0,
    files_too_large: 0,
    files_unreadable: 0,
    files_filtered: 0,
    files_name_not_utf8: 0,
    conffiles_not_verifiable: 0,
    packages_without_md5sums: 0,
  };
}

/** Problems kept in memory at most (the report is capped much lower by --integrity-pkg-limit). */
const HARD_CAP = 100_000;

/** State shared by one run. */
export interface RunState {
  counts: Counts;
  problems: Problem[];
  /** Mismatches per package name. */
  withProblems: Map<string, number>;
  earlyExit: boolean;
  complete: boolean;
}

/** Records a problem; returns false when --integrity-max-mismatches (or the memory cap) says stop. */
export function record(ctx: ScanContext, s: RunState, p: Problem, pkg?: string): boolean {
  s.problems.push(p);
  if (pkg !== undefined) s.withProblems.set(pkg, (s.withProblems.get(pkg) ?? 0) + 1);
  const max = ctx.config.integrityMaxMismatches;
  if ((max > 0 && s.problems.length >= max) || s.problems.length >= HARD_CAP) {
    s.earlyExit = true;
    return false;
  }
  return true;
}

function fileMeta(path: string, pkg: string | undefined, method: string): Metadata {
  return { path, ...(pkg !== undefined ? { package: pkg } : {}), method };
}

function octal(mode: number): string {
  return "0" + (mode & 0o7777).toString(8).padStart(3, "0");
}

/** Turns a native verdict into a problem (undefined when the file is fine or could not be checked). */
export function nativeProblem(f: PlannedFile, v: FileVerdict, counts: Counts): Problem | undefined {
  const meta = fileMeta(f.path, f.pkg, "native");
  if (f.diskPath !== f.path) meta.diverted_to = f.diskPath;
  if (f.md5 !== "") meta.expected_md5 = f.md5;
  switch (v.kind) {
    case "ok":
      return undefined;
    case "too_large":
      counts.files_too_large++;
      return undefined;
    case "unreadable":
      counts.files_unreadable++;
      return undefined;
    case "missing":
      if (f.conffile) {
        counts.conffiles_missing++;
        return {
          check: CHECK.confMissing,
          path: f.path,
          severity: "info",
          description: `Conffile ${f.path} of package ${f.pkg} is missing.`,
          metadata: { ...meta, conffile: true },
          rehash: false,
        };
      }
      counts.files_missing++;
      return {
        check: CHECK.missing,
        path: f.path,
        severity: missingSeverity(fileKind(f.path), isCriticalPackage(f.pkg)),
        description: `${f.path} of package ${f.pkg} is missing.`,
        metadata: { ...meta, conffile: false, kind: fileKind(f.path) },
        rehash: false,
      };
    case "replaced":
    case "modified": {
      const kind = fileKind(f.path, v.kind === "modified" ? v.mode : undefined);
      if (v.kind === "modified") {
        meta.actual_md5 = v.actual;
        meta.size = v.size;
        meta.mode = octal(v.mode);
        if (v.uid !== null) meta.uid = v.uid;
        if (v.mtime) meta.mtime = v.mtime.toISOString();
        if (v.symlinkTarget !== undefined) meta.symlink_target = v.symlinkTarget;
      } else meta.detail = v.message;
      const what = v.kind === "modified"
        ? `differs from the packaged file (MD5 ${v.actual}, package says ${f.md5})`
        : `was replaced: ${v.message}`;
      if (f.conffile) {
        counts.conffiles_modified++;
        return {
          check: CHECK.confModified,
          path: f.path,
          severity: conffileSeverity(f.path),
          description: `Conffile ${f.path} of package ${f.pkg} ${what}.`,
          metadata: { ...meta, conffile: true },
          rehash: v.kind === "modified",
        };
      }
      counts.files_modified++;
      return {
        check: CHECK.modified,
        path: f.path,
        severity: v.kind === "replaced" ? "high" : modifiedSeverity(kind, isCriticalPackage(f.pkg)),
        description: `${f.path} of package ${f.pkg} ${what}.`,
        metadata: { ...meta, conffile: false, kind },
        rehash: v.kind === "modified",
      };
    }
  }
}

/**
 * Turns a dpkg/rpm verify line into a problem. The tools do not name the package per line: `pkg` comes from
 * the package database when it could be read; a critical-only run rates every file as a critical package's.
 * `mode` is the file's current mode, when it exists.
 */
export function verifyProblem(
  line: VerifyLine,
  tool: Tool,
  pkg: string | undefined,
  mode: number | undefined,
  allCritical: boolean,
  counts: Counts,
): Problem | undefined {
  const method = tool === "dpkg" ? "dpkg --verify" : "rpm -V";
  const critical = allCritical || (pkg !== undefined && isCriticalPackage(pkg));
  const meta: Metadata = {
    ...fileMeta(line.path, pkg, method),
    flags: line.flags,
    raw: line.raw,
    conffile: line.conffile,
  };
  const kind = fileKind(line.path, mode);
  switch (line.problem) {
    case "unverifiable":
      counts.files_unreadable++;
      return undefined;
    case "missing":
      if (line.conffile) counts.conffiles_missing++;
      else counts.files_missing++;
      return {
        check: line.conffile ? CHECK.confMissing : CHECK.missing,
        path: line.path,
        severity: line.conffile ? "info" : missingSeverity(kind, critical),
        description: `${line.path} is missing (${method}).`,
        metadata: { ...meta, kind },
        rehash: false,
      };
    case "attributes":
      counts.attributes_changed++;
      return {
        check: CHECK.attributes,
        path: line.path,
        severity: kind === "executable" && line.flags.includes("M") ? "medium" : "low",
        description: `${line.path}: ${method} reports changed attributes (${line.flags}).`,
        metadata: { ...meta, kind },
        rehash: false,
      };
    case "content":
      if (line.conffile) counts.conffiles_modified++;
      else counts.files_modified++;
      return {
        check: line.conffile ? CHECK.confModified : CHECK.modified,
        path: line.path,
        severity: line.conffile ? conffileSeverity(line.path) : modifiedSeverity(kind, critical),
        description: `${line.path} differs from the packaged file (${method}: ${line.flags}).`,
        metadata: { ...meta, kind },
        rehash: true,
      };
  }
}
