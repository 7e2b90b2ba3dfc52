/**
 * Findings about files no package installed, for the boot, package-manager and module sources: a generator, unit,
 * hook or program in a directory packages own that no package installed is how an intruder blends in with the
 * distribution's files. The questions go through the collector's `OwnerQueries` (../owners.ts), answered in one
 * pass over the package database after every source has run.
 */
import type { FindingDraft } from "../../../core/finding.ts";
import { type Collector, normalisePath } from "../collect.ts";
import { entryDigest } from "../assess.ts";
import { packageOwnedLocation } from "../owners.ts";
import { linkTarget } from "./shared.ts";

/** True when `path` lies where only packages put files (see `packageOwnedLocation`). */
export function inPackageDir(path: string): boolean {
  return packageOwnedLocation(normalisePath(path));
}

/** The regular file `path` ends at, its links followed inside the root (at most 16), or undefined. */
function finalFile(c: Collector, path: string): string | undefined {
  const p = linkTarget(c, normalisePath(path), 16);
  const st = c.ctx.host.lstat(p);
  return st.ok && st.value.isFile ? p : undefined;
}

/** Keys of the drafts already emitted per scan, so two sources asking about one program give one finding. */
const emitted = new WeakMap<Collector, Set<string>>();

/**
 * Emits `draft` once the sources have run, if the package database knows no owner for `path` (asked through the
 * collector's `owners`, answered in one pass with every other source's questions). Without a database nothing is
 * emitted and `owners` warns once for all unjudged files.
 */
export function unlessOwned(c: Collector, path: string, draft: FindingDraft): void {
  const p = normalisePath(path);
  c.owners.ask([p], (o) => {
    if (o.tool === undefined || o.ownerOf(p) !== undefined) return;
    const seen = emitted.get(c) ?? new Set<string>();
    emitted.set(c, seen);
    const key = `${draft.check_id}:${draft.subject}`;
    if (seen.has(key)) return;
    seen.add(key);
    c.finding({ ...draft, metadata: { ...draft.metadata, package_db: o.tool } });
  });
}

/**
 * Asks, for every absolute program `command` runs that exists and lies in a package directory, whether a package
 * installed it; an unowned one becomes a `persistence.command.unowned_program` finding about `where` (the file
 * and line, or the hook key, that runs it). `where.self` is the file itself when the entry is a program that
 * runs (a generator): its own ownership is its source's finding.
 */
export function unlessProgramsOwned(
  c: Collector,
  command: string,
  where: { path: string; line: number; kind: string; meta?: Record<string, string>; self?: string },
): void {
  for (const program of c.paths.share(where.path, where.line, command).executed) {
    if (!inPackageDir(program) || normalisePath(program) === where.self) continue;
    // A link (update-alternatives' /usr/bin/which -> /etc/alternatives/which -> which.debianutils) is no
    // package's file itself: the file it ends at is asked about, when that too lies where packages put files.
    const file = finalFile(c, program);
    if (file === undefined || !inPackageDir(file)) continue;
    unlessOwned(c, file, {
      check_id: "persistence.command.unowned_program",
      subject: `${where.path}:${entryDigest(normalisePath(program))}`,
      description: `${where.path}${where.line > 0 ? `:${where.line}` : ""} (${
        where.kind.replaceAll("_", " ")
      }) runs ${program}${
        file !== normalisePath(program) ? ` (${file})` : ""
      }, which no installed package provides: ${command.slice(0, 300)}`,
      metadata: {
        kind: where.kind,
        path: where.path,
        line: where.line,
        program,
        ...(file !== normalisePath(program) ? { resolved: file } : {}),
        command: command.slice(0, 1000),
        ...where.meta,
      },
      location: { path: where.path },
    });
  }
}
