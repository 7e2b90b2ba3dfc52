/**
 * Where a PAM module is loaded from, and whether that file is the one a package installed: module paths are
 * resolved like libpam does (a relative name under the module directory, an absolute path as is), paths outside
 * the system module directories (absolute, or escaping with `..`) are untrusted, and existing module files are
 * checked against the dpkg or rpm database (owner, and the recorded digest).
 */
import { type Host, pathComponents } from "../../host/host.ts";
import { under } from "../../host/location.ts";
import type { PackageDb } from "../../host/package_owners.ts";
import { type FileProvenance, fileProvenance } from "../file_provenance.ts";
import { PAM_DIRS, type PamRule } from "./pam_config.ts";

/** Module directories without an architecture triplet, in libpam's usual order. */
const PLAIN_DIRS = ["/lib/security", "/lib64/security", "/usr/lib/security", "/usr/lib64/security"];

const MAX_MODULE_BYTES = 64 << 20;

function normal(path: string): string {
  return "/" + pathComponents(path).join("/");
}

/** The module directories of the host: the plain ones and /lib/<triplet>/security, /usr/lib/<triplet>/security. */
export function moduleDirs(host: Host): string[] {
  const out: string[] = [];
  for (const base of ["/lib", "/usr/lib"]) {
    const r = host.readDir(base, 20_000);
    if (!r.ok) continue;
    for (
      const e of r.value.map((e) => e.name).filter((n) => /^[a-z0-9_]+-linux-[a-z0-9_]+$/.test(n)).sort()
    ) {
      out.push(`${base}/${e}/security`);
    }
  }
  return [...out, ...PLAIN_DIRS];
}

/** Where a rule's module comes from. */
export interface ModuleLocation {
  /** The existing file libpam loads, when found. */
  file?: string;
  /** Why the path is outside the system module directories, when it is. */
  untrusted?: string;
}

/** Resolves a rule's module path against the module directories. */
export function locateModule(host: Host, rule: PamRule, dirs: readonly string[]): ModuleLocation {
  const m = rule.module;
  if (m.startsWith("/")) {
    const path = normal(m);
    const inside = dirs.some((d) => under(path, d));
    const exists = host.stat(path);
    return {
      ...(exists.ok && exists.value.isFile ? { file: path } : {}),
      ...(inside ? {} : { untrusted: `absolute path ${m} outside the system module directories` }),
    };
  }
  for (const dir of dirs) {
    const path = normal(`${dir}/${m}`);
    if (!under(path, dir)) return { untrusted: `relative path ${m} leaves the module directory ${dir}` };
    const st = host.stat(path);
    if (st.ok && st.value.isFile) return { file: path };
  }
  return {};
}

/** Why an include target is untrusted: an absolute path outside /etc/pam.d and /usr/lib/pam.d. */
export function untrustedInclude(target: string): string | undefined {
  if (!target.startsWith("/")) return undefined;
  const path = normal(target);
  return under(path, PAM_DIRS.etc) || under(path, PAM_DIRS.vendor)
    ? undefined
    : `includes ${target}, outside ${PAM_DIRS.etc} and ${PAM_DIRS.vendor}`;
}

/** What the package database says about one module file. */
export type ModuleProvenance = FileProvenance;

/**
 * Checks module files against the package database (`db`: the scan's): owner, and the digest the package recorded. undefined when
 * the host has no package database (nothing can be judged), with the problems met.
 */
export function moduleProvenance(
  host: Host,
  files: ReadonlySet<string>,
  db?: PackageDb,
): Promise<{ verdicts?: Map<string, ModuleProvenance>; tool?: string; problems: string[] }> {
  return fileProvenance(host, files, MAX_MODULE_BYTES, db);
}
