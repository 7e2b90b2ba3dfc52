/**
 * Which package owns a path, whatever the host's package manager: the dpkg database when there is one, else
 * the rpm sqlite database. One call for scanners that only need owners and recorded digests of a few paths.
 */
import { loadDpkgOwners, type PackageOwners } from "./dpkg_db.ts";
import type { Host } from "./host.ts";
import { loadRpmOwners } from "./rpm_db.ts";

/** The owners found, with the database they came from and what went wrong on the way. */
export interface HostPackageOwners {
  tool: "dpkg" | "rpm";
  owners: PackageOwners;
  /** Unreadable lists or headers, and caps hit (for collection warnings). */
  problems: string[];
}

/**
 * Loads package owners from dpkg (only the `paths` given, when given: one pass over the file lists) or rpm.
 * undefined when the host has neither database; problems of a database that exists but failed are returned.
 */
export async function loadPackageOwners(
  host: Host,
  paths?: ReadonlySet<string>,
): Promise<HostPackageOwners | { tool: undefined; problems: string[] }> {
  const problems: string[] = [];
  const loaders = [
    ["dpkg", () => loadDpkgOwners(host, paths)],
    ["rpm", () => Promise.resolve(loadRpmOwners(host))],
  ] as const;
  for (const [tool, load] of loaders) {
    const r = await load();
    if (!r.ok) {
      if (r.reason !== "missing") problems.push(r.message);
      continue;
    }
    if (r.truncated) problems.push(`${tool} database larger than the read caps: some owners may be missing`);
    problems.push(...(r.problems ?? []).slice(0, 10));
    return { tool, owners: r.value, problems };
  }
  return { tool: undefined, problems };
}
