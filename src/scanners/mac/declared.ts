/**
 * Whether a profile's loaded mode (complain, unconfined) is what its profile files ask for. A profile name can
 * be declared by several files of /etc/apparmor.d, and whichever apparmor_parser loads last wins; so every
 * declaration counts, and where a package installed one of them, the package's declaration decides: a second
 * file, or a file no package installed, that declares the profile again in a weaker mode does not make the
 * weaker mode stock.
 */
import type { ScanContext } from "../../core/context.ts";
import { type FileProvenance, fileProvenance } from "../file_provenance.ts";
import { packageDb } from "../package_db.ts";
import type { DeclaredProfile } from "./apparmor.ts";

/** A profile as one file declares it. */
export interface Declaration extends DeclaredProfile {
  file: string;
}

/** Verdicts of the package database per profile file; undefined when the host has none. */
export type Provenance = Map<string, FileProvenance> | undefined;

/** The provenance of every file declaring one of `names` (problems reading the database are warnings). */
export async function declarationProvenance(
  ctx: ScanContext,
  declared: ReadonlyMap<string, Declaration[]>,
  names: Iterable<string>,
): Promise<Provenance> {
  const files = new Set<string>();
  for (const n of names) for (const d of declared.get(n) ?? []) files.add(d.file);
  if (files.size === 0) return undefined;
  const prov = await fileProvenance(ctx.host, files, 1 << 20, packageDb(ctx));
  for (const p of prov.problems.slice(0, 5)) ctx.warn("package_db_unreadable", p);
  return prov.verdicts;
}

const packaged = (prov: Provenance, d: Declaration) => {
  const v = prov?.get(d.file);
  return v !== undefined && v.kind !== "unowned";
};

/** Why a profile runs in a mode its package did not ask for: a declaration asks otherwise, or a file changed. */
export interface Weakened {
  kind: "not_asked" | "modified";
  why: string;
}

/**
 * Why a profile loaded in `mode` was put there by someone, or undefined when its files ask for that mode.
 * The declarations judged are those a package installed, or all of them when no package installed any (or
 * the host has no package database): one that does not ask for the mode, or a package's file changed since it
 * was installed, is the reason; the other files that ask for it are named.
 */
export function weakenedMode(
  decls: readonly Declaration[],
  mode: "complain" | "unconfined",
  prov: Provenance,
): Weakened | undefined {
  if (decls.length === 0) return undefined;
  const fromPackages = decls.filter((d) => packaged(prov, d));
  const judged = fromPackages.length > 0 ? fromPackages : decls;
  const notAsking = judged.find((d) => !d.flags.includes(mode));
  if (notAsking) {
    const others = decls.filter((d) => d.flags.includes(mode) && d.file !== notAsking.file);
    const unowned = others.filter((d) => prov?.get(d.file)?.kind === "unowned");
    const why = `${notAsking.file} does not ask for ${mode} mode` +
      (others.length > 0
        ? `; ${others.map((d) => d.file).join(", ")} declares it again in ${mode} mode` +
          (unowned.length > 0 ? ` (no package installed ${unowned.map((d) => d.file).join(", ")})` : "")
        : "");
    return { kind: "not_asked", why };
  }
  for (const d of judged) {
    const v = prov?.get(d.file);
    if (v?.kind === "modified") {
      return { kind: "modified", why: `${d.file} was changed since ${v.pkg} installed it` };
    }
  }
  return undefined;
}
