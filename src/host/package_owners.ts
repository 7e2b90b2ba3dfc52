/**
 * Which package owns a path, whatever the host's package manager: the dpkg database when there is one, else
 * the rpm sqlite database. One call for scanners that only need owners and recorded digests of a few paths; a
 * `PackageDb` shared by the scanners of one scan reads the database once for all of them.
 */
import { DpkgCache, loadDpkgOwners, type PackageOwners } from "./dpkg_db.ts";
import type { Host, ReadOutcome } from "./host.ts";
import { loadRpmOwners } from "./rpm_db.ts";

/** The owners found, with the database they came from and what went wrong on the way. */
export interface HostPackageOwners {
  tool: "dpkg" | "rpm";
  owners: PackageOwners;
  /** Unreadable lists or headers, and caps hit (for collection warnings). */
  problems: string[];
}

/** The answer of `PackageDb.owners`: owners, or no database (with the problems of one that exists but failed). */
export type PackageOwnersOutcome = HostPackageOwners | { tool: undefined; problems: string[] };

/**
 * The host's package database as one scan reads it: dpkg's file lists are read once however many scanners ask
 * (each question is then a search of the kept lists), the rpm database is loaded once.
 */
export class PackageDb {
  readonly #dpkg = new DpkgCache();
  #rpm: (ReadOutcome<PackageOwners> & { problems?: string[] }) | undefined;

  constructor(readonly host: Host) {}

  /**
   * Owners from dpkg (only the `paths` given, when given) or rpm (the whole database). `pause` is awaited now and
   * then during a read of dpkg's lists, so it can share the thread with other work.
   */
  async owners(paths?: ReadonlySet<string>, pause?: () => Promise<void>): Promise<PackageOwnersOutcome> {
    const problems: string[] = [];
    const loaders = [
      ["dpkg", () => loadDpkgOwners(this.host, paths, pause, this.#dpkg)],
      ["rpm", () => Promise.resolve(this.#rpm ??= loadRpmOwners(this.host))],
    ] as const;
    for (const [tool, load] of loaders) {
      const r = await load();
      if (!r.ok) {
        if (r.reason !== "missing") problems.push(r.message);
        continue;
      }
      if (r.truncated) {
        problems.push(`${tool} database larger than the read caps: some owners may be missing`);
      }
      problems.push(...(r.problems ?? []).slice(0, 10));
      return { tool, owners: r.value, problems };
    }
    return { tool: undefined, problems };
  }
}

/**
 * Loads package owners from dpkg (only the `paths` given, when given: one pass over the file lists) or rpm.
 * undefined when the host has neither database; problems of a database that exists but failed are returned.
 */
export function loadPackageOwners(host: Host, paths?: ReadonlySet<string>): Promise<PackageOwnersOutcome> {
  return new PackageDb(host).owners(paths);
}
