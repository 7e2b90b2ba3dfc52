/** Parsers for the module indexes: modules.dep, modules.builtin, and the module name rules shared by them. */

/** Compression suffixes kmod installs modules with. */
export const MODULE_SUFFIXES = [".ko", ".ko.gz", ".ko.xz", ".ko.zst"] as const;

/** The kernel treats "-" and "_" in module names as the same character; this is the canonical form. */
export function canonicalModuleName(name: string): string {
  return name.replaceAll("-", "_");
}

/** The module name of a module file path ("kernel/fs/fuse/cuse.ko.xz" → "cuse"), or undefined if not a module. */
export function moduleNameFromPath(path: string): string | undefined {
  const base = path.slice(path.lastIndexOf("/") + 1);
  for (const suffix of MODULE_SUFFIXES) {
    if (base.endsWith(suffix) && base.length > suffix.length) return base.slice(0, -suffix.length);
  }
  return undefined;
}

/**
 * Parses modules.dep ("relpath: dep dep…" per line) into canonical module name → path relative to
 * /lib/modules/<release>. Lines that are not a module path are ignored; the first entry for a name wins,
 * as in kmod.
 */
export function parseModulesDep(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const path = line.slice(0, colon).trim();
    const name = moduleNameFromPath(path);
    if (name === undefined || path.includes("\0")) continue;
    const key = canonicalModuleName(name);
    if (!out.has(key)) out.set(key, path);
  }
  return out;
}

/** Parses modules.builtin (one "kernel/…/name.ko" per line) into the set of canonical built-in module names. */
export function parseModulesBuiltin(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const name = moduleNameFromPath(line.trim());
    if (name !== undefined) out.add(canonicalModuleName(name));
  }
  return out;
}

/** Where a module file sits relative to the module tree, which says whether it was built with the kernel. */
export function isOutOfTreePath(relPath: string): boolean {
  return /^(extra|updates)\//.test(relPath) || /(^|\/)dkms\//.test(relPath);
}
