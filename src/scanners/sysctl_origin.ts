/**
 * Whether each sysctl configuration file is what the distribution shipped (a package installed it and it is
 * unchanged) or local (no package owns it, or its package's copy was edited, or it is the kernel command
 * line). Only the files that touch the parameters in question, and those sharing a name with one (a file of
 * the same name hides it), are judged; a file in a packages' directory that hides nothing and sets nothing below
 * the recommended values is taken as shipped without a pass over the package database (whoever wrote it, it
 * cannot hide a weakening), so a stock Debian host needs none.
 */
import type { ScanContext } from "../core/context.ts";
import { fileProvenance } from "./file_provenance.ts";
import { packageDb } from "./package_db.ts";
import { globMatcher, type SysctlFile, type SysctlLine, VENDOR_DIRS } from "./sysctl_files.ts";

/** Where a configuration file comes from. */
export interface Origin {
  /** Shipped by a package (unchanged), so its settings are the distribution's. */
  vendor: boolean;
  /** Why, in words ("shipped by procps", "no package installed it", …). */
  why: string;
  pkg?: string;
  /** A package's file that was changed since it was installed (so what it shipped is not known). */
  modified?: boolean;
}

const MAX_FILE_BYTES = 1 << 20;

function inVendorDir(path: string): boolean {
  return VENDOR_DIRS.some((d) => path.startsWith(d + "/"));
}

/** True when the file sets, or keeps globs off, one of `keys` (slash form). */
function touches(f: SysctlFile, keys: ReadonlySet<string>): boolean {
  return f.lines.some((l) => l.glob ? [...keys].some(globMatcher(l.key)) : keys.has(l.key));
}

/**
 * The origin of every file that matters for `keys`, by the path the file is listed under. `weakens` says
 * whether a line could put a parameter below its recommended value (or keeps a glob off one).
 */
export async function fileOrigins(
  ctx: ScanContext,
  files: readonly SysctlFile[],
  keys: ReadonlySet<string>,
  weakens: (line: SysctlLine) => boolean,
): Promise<Map<string, Origin>> {
  const out = new Map<string, Origin>();
  const relevant = files.filter((f) => f.rank >= 0 && touches(f, keys));
  const names = new Set(relevant.map((f) => f.name));
  const shared = new Set(
    files.filter((f) => f.rank >= 0 && files.some((g) => g !== f && g.rank >= 0 && g.name === f.name))
      .map((f) => f.name),
  );
  const judged: SysctlFile[] = [];
  for (const f of files) {
    if (f.rank < 0) out.set(f.path, { vendor: false, why: "set on the kernel command line" });
    else if (!names.has(f.name) && !relevant.includes(f)) continue;
    else if (inVendorDir(f.path) && !shared.has(f.name) && f.source === f.path && !f.lines.some(weakens)) {
      out.set(f.path, {
        vendor: true,
        why: "in a directory only packages install into, and it sets nothing below the recommended values",
      });
    } else judged.push(f);
  }
  if (judged.length === 0) return out;
  const contentOf = (f: SysctlFile) => f.source ?? f.path;
  const prov = await fileProvenance(ctx.host, new Set(judged.map(contentOf)), MAX_FILE_BYTES, packageDb(ctx));
  for (const p of prov.problems.slice(0, 5)) ctx.warn("package_db_unreadable", p);
  if (prov.verdicts === undefined) {
    ctx.warn(
      "no_package_db",
      "no dpkg or rpm (sqlite) database: sysctl files under /usr/lib/sysctl.d and /lib/sysctl.d are taken " +
        "as shipped, the others as local, without checking their owner",
    );
  }
  for (const f of judged) {
    const shown = f.source && f.source !== f.path ? `${f.source} (linked from ${f.path})` : f.path;
    const v = prov.verdicts?.get(contentOf(f));
    let origin: Origin;
    if (v === undefined) {
      origin = inVendorDir(f.path)
        ? { vendor: true, why: "in a directory only packages install into (no package database)" }
        : { vendor: false, why: "outside the packages' directories (no package database)" };
    } else if (v.kind === "ok") origin = { vendor: true, why: `shipped by ${v.pkg}`, pkg: v.pkg };
    else if (v.kind === "modified") {
      origin = {
        vendor: false,
        why: `${shown} belongs to ${v.pkg} but was changed since it was installed`,
        pkg: v.pkg,
        modified: true,
      };
    } else if (v.kind === "unowned") {
      origin = {
        vendor: false,
        why: f.source === undefined ? "a link to /dev/null no package installed" : "no package installed it",
      };
    } else {
      origin = inVendorDir(f.path)
        ? { vendor: true, why: `owned by ${v.pkg} (content not verified: ${v.reason})`, pkg: v.pkg }
        : {
          vendor: false,
          why: `owned by ${v.pkg}, but its content could not be checked against the package (${v.reason})`,
          pkg: v.pkg,
        };
    }
    out.set(f.path, origin);
  }
  return out;
}
