/**
 * Package ownership for the persistence sources: each source asks about the files it needs judged (a hook in a
 * directory only packages write, a script in /usr/bin, a web file that matched), and after every source has
 * run the package database is asked once for all of them (one pass over dpkg's lists for exactly those paths,
 * or the rpm database; the lists are read once per scan, see ../package_db.ts) and each source's judgement runs
 * with the answers.
 */
import type { ScanContext } from "../../core/context.ts";
import type { PackageDigest, PackageFileInfo } from "../../host/dpkg_db.ts";
import { packageDb, readsPackageDb, warnFastScanSkipped } from "../package_db.ts";
import { SYSTEM_DIRS, under } from "../../host/location.ts";

/** What the package database says about the files asked about. */
export interface Ownership {
  /** The database read, or undefined when the host has none (then every answer is undefined). */
  readonly tool: "dpkg" | "rpm" | undefined;
  /** The package that installed `path`, or undefined. */
  ownerOf(path: string): string | undefined;
  /** The digest the package recorded for `path` (undefined when not recorded or diverted). */
  digestOf(path: string): PackageDigest | undefined;
  /** Size and mode the package recorded for `path` (rpm records them; dpkg does not). */
  fileInfoOf(path: string): PackageFileInfo | undefined;
}

/**
 * What a judgement does with the answers: `find` reports files no package installed, or that differ from what
 * their package installed; `clear` spares a match that a package explains (a web-shell pattern in a packaged
 * file), so without answers it reports more, never less.
 */
export type OwnershipUse = "find" | "clear";

/** A judgement waiting for ownership answers. */
interface Job {
  paths: readonly string[];
  use: OwnershipUse;
  run(o: Ownership): void;
}

const NONE: Ownership = {
  tool: undefined,
  ownerOf: () => undefined,
  digestOf: () => undefined,
  fileInfoOf: () => undefined,
};

/**
 * Directories whose files only packages put there: a code-running file in one of them that no package owns
 * was put there by hand. /usr/local and /opt are the administrator's, /etc is configuration.
 */
export function packageOwnedLocation(path: string): boolean {
  if (under(path, "/usr/local") || under(path, "/etc") || under(path, "/opt") || under(path, "/boot")) {
    return false;
  }
  return SYSTEM_DIRS.some((d) => under(path, d));
}

/** Ownership questions of one scan, answered together by `resolve`. */
export class OwnerQueries {
  readonly #jobs: Job[] = [];

  /**
   * Asks about `paths`; `run` is called once with the answers after every source has run. A host without a
   * package database gets a warning naming the files `find` judgements could not check. Under --fast-scan (see `readsPackageDb`) `find`
   * judgements are not run and a warning says how many files were not checked; `clear` ones still are.
   */
  ask(paths: readonly string[], run: (o: Ownership) => void, use: OwnershipUse = "find"): void {
    if (paths.length > 0) this.#jobs.push({ paths, use, run });
  }

  /** Reads the package database once for every path asked about and runs the waiting judgements. */
  async resolve(ctx: ScanContext): Promise<void> {
    let jobs = this.#jobs;
    if (!readsPackageDb(ctx)) {
      const skipped = new Set(jobs.filter((j) => j.use === "find").flatMap((j) => j.paths));
      if (skipped.size > 0) {
        warnFastScanSkipped(
          ctx,
          `package ownership of ${skipped.size} file(s) (programs replaced in place, set-id bits added, units, ` +
            `hooks, generators and programs no package installed)`,
        );
      }
      jobs = jobs.filter((j) => j.use === "clear");
    }
    if (jobs.length === 0) return;
    const wanted = new Set(jobs.flatMap((j) => j.paths));
    const loaded = await packageDb(ctx).owners(wanted, () => ctx.checkpoint());
    for (const p of loaded.problems) ctx.warn("package_db_unreadable", p);
    let o = NONE;
    if (loaded.tool !== undefined) {
      const owners = loaded.owners;
      o = {
        tool: loaded.tool,
        ownerOf: (p) => owners.ownerOf(p),
        digestOf: (p) => owners.digestOf(p),
        fileInfoOf: (p) => owners.fileInfoOf?.(p),
      };
    } else {
      const unjudged = [...new Set(jobs.filter((j) => j.use === "find").flatMap((j) => j.paths))].sort();
      if (unjudged.length > 0) {
        ctx.warn(
          "no_package_db",
          `no dpkg or rpm (sqlite) database: package ownership of ${unjudged.length} file(s) not checked ` +
            `(e.g. ${unjudged.slice(0, 3).join(", ")})`,
        );
      }
    }
    for (const j of jobs) {
      j.run(o);
      await ctx.checkpoint();
    }
  }
}
