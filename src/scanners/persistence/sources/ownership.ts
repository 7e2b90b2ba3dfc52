/**
 * Package ownership, asked while the sources run and answered after them in one pass over the package database
 * (dpkg's file lists or the rpm database): a generator, unit, hook or program in a directory packages own that no
 * package installed is how an intruder blends in with the distribution's files.
 */
import type { CheckInput } from "../../../core/catalogue.ts";
import type { FindingDraft } from "../../../core/finding.ts";
import { type HostPackageOwners, loadPackageOwners } from "../../../host/package_owners.ts";
import { inside } from "../../../host/location.ts";
import { type Collector, normalisePath } from "../collect.ts";
import { entryDigest } from "../assess.ts";
import { executedPaths } from "../shell_words.ts";

/** The checks of this file (the scanner name is added in checks.ts). */
export const OWNERSHIP_CHECKS: Omit<CheckInput, "scanner">[] = [{
  id: "persistence.command.unowned_program",
  title: "Persistence entry runs a program no package installed, from a package directory",
  severity: "medium",
  category: "ioc",
  rationale:
    "A hook or boot-time command runs a program that sits among the distribution's own programs (/usr/bin, " +
    "/usr/lib, /sbin…) but that no installed package put there: a planted binary given a plausible name.",
  remediation:
    "Find where the program came from (dpkg -S / rpm -qf, its timestamps, the authentication logs); if nobody " +
    "installed it on purpose, keep a copy for analysis and remove it together with the entry that runs it.",
  mitre: ["T1036.005", "T1546.016"],
  confidence: "heuristic",
}];

/** Directories whose files come from packages (not /usr/local, /opt or /etc, where people add their own). */
export const PACKAGE_DIRS: readonly string[] = [
  "/usr/bin",
  "/usr/sbin",
  "/usr/lib",
  "/usr/lib32",
  "/usr/lib64",
  "/usr/libexec",
  "/usr/share",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
];

/** True when `path` lies in one of `PACKAGE_DIRS`. */
export function inPackageDir(path: string): boolean {
  const p = normalisePath(path);
  return PACKAGE_DIRS.some((d) => inside(p, d));
}

interface Question {
  path: string;
  draft: FindingDraft;
}

const pending = new WeakMap<Collector, Question[]>();

/** Emits `draft` once the sources have run, if the package database knows no owner for `path`. */
export function unlessOwned(c: Collector, path: string, draft: FindingDraft): void {
  const list = pending.get(c) ?? [];
  list.push({ path: normalisePath(path), draft });
  pending.set(c, list);
}

/**
 * Asks, for every absolute program `command` runs that exists and lies in a package directory, whether a package
 * installed it; an unowned one becomes a `persistence.command.unowned_program` finding about `where` (the file
 * and line, or the hook key, that runs it).
 */
export function unlessProgramsOwned(
  c: Collector,
  command: string,
  where: { path: string; line: number; kind: string; meta?: Record<string, string> },
): void {
  for (const program of executedPaths(command)) {
    if (!inPackageDir(program)) continue;
    const st = c.ctx.host.lstat(program);
    if (!st.ok || st.value.isDirectory) continue;
    unlessOwned(c, program, {
      check_id: "persistence.command.unowned_program",
      subject: `${where.path}:${entryDigest(normalisePath(program))}`,
      description: `${where.path}${where.line > 0 ? `:${where.line}` : ""} (${
        where.kind.replaceAll("_", " ")
      }) runs ${program}, which no installed package provides: ${command.slice(0, 300)}`,
      metadata: {
        kind: where.kind,
        path: where.path,
        line: where.line,
        program,
        command: command.slice(0, 1000),
        ...where.meta,
      },
      location: { path: where.path },
    });
  }
}

/**
 * Answers every pending question with one pass over the package database and records the findings of unowned
 * paths. A host without a package database cannot be judged: one warning says how many paths were not checked.
 */
export async function settleOwnership(c: Collector): Promise<void> {
  const questions = pending.get(c) ?? [];
  pending.delete(c);
  if (questions.length === 0) return;
  const loaded = await loadPackageOwners(c.ctx.host, new Set(questions.map((q) => q.path)));
  for (const p of loaded.problems.slice(0, 10)) c.ctx.warn("package_db_unreadable", p);
  if (loaded.tool === undefined) {
    c.ctx.warn(
      "no_package_db",
      `no dpkg or rpm database: ${questions.length} persistence file(s) in package directories were not ` +
        "checked against their packages",
    );
    return;
  }
  const { owners, tool } = loaded as HostPackageOwners;
  const seen = new Set<string>();
  for (const q of questions) {
    if (owners.ownerOf(q.path) !== undefined) continue;
    const key = `${q.draft.check_id}:${q.draft.subject}`;
    if (seen.has(key)) continue;
    seen.add(key);
    c.finding({ ...q.draft, metadata: { ...q.draft.metadata, package_db: tool } });
  }
}
