/**
 * Loads systemd units from every unit directory the way systemd resolves them: directories de-duplicated by
 * identity (merged /usr makes /lib and /usr/lib one directory), the first directory in precedence order wins,
 * masked units (a link to /dev/null or an empty file) and alias links are skipped, drop-ins applied.
 */
import type { ScanContext } from "../../core/context.ts";
import { mergeSections, parseUnitFile, type UnitSections } from "./unit_file.ts";

/** System unit directories, highest precedence first. */
export const UNIT_DIRS = [
  "/etc/systemd/system",
  "/run/systemd/system",
  "/usr/local/lib/systemd/system",
  "/usr/lib/systemd/system",
  "/lib/systemd/system",
] as const;

/** Directories whose units come from distribution packages. */
export const VENDOR_DIRS: readonly string[] = ["/usr/lib/systemd/system", "/lib/systemd/system"];

/** Caps applied while loading. */
export const UNIT_LIMITS = { entriesPerDir: 10_000, dropInsPerUnit: 64, unitBytes: 1 << 20 } as const;

/** A unit with its drop-ins applied. */
export interface LoadedUnit {
  name: string;
  /** The unit file that was read (the first in precedence order). */
  path: string;
  /** True when that file lives in a vendor (package) directory. */
  vendor: boolean;
  /** Where the unit file really lives when `path` is a link to it (`systemctl link`), as an absolute host path. */
  linkTarget?: string;
  dropIns: string[];
  sections: UnitSections;
}

/** The outcome of loading. */
export interface LoadedUnits {
  units: LoadedUnit[];
  masked: string[];
  aliases: string[];
  /** Unit directories that exist, after de-duplication. */
  dirs: string[];
  /**
   * Unit name → the `.wants`/`.requires`/`.upholds` directories that pull it in (enabled or statically wanted);
   * an instance also counts for its template (`getty@tty1.service` → `getty@.service`).
   */
  pulledInBy: Map<string, string[]>;
}

function existingDirs(ctx: ScanContext, dirs: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const d of dirs) {
    const st = ctx.host.stat(d);
    if (!st.ok || !st.value.isDirectory) continue;
    const key = `${st.value.dev}:${st.value.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

function listDir(ctx: ScanContext, dir: string): Deno.DirEntry[] {
  const r = ctx.host.readDir(dir, UNIT_LIMITS.entriesPerDir);
  if (!r.ok) {
    if (r.reason !== "missing") ctx.warn("unit_dir_unreadable", `${dir}: ${r.message}`);
    return [];
  }
  if (r.truncated) ctx.warn("truncated", `${dir}: more than ${UNIT_LIMITS.entriesPerDir} entries`);
  for (const e of r.value.filter((e) => e.name.includes("\uFFFD"))) {
    ctx.warn("unit_unreadable", `${dir}/${e.name}: the name is not valid UTF-8 and cannot be opened`);
  }
  return r.value.filter((e) => !e.name.includes("\uFFFD"))
    .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Drop-in directory names for a unit, most specific first: the unit, its template, its prefixes, its type. */
export function dropInDirNames(name: string): string[] {
  const dot = name.lastIndexOf(".");
  const stem = name.slice(0, dot);
  const type = name.slice(dot + 1);
  const out = [`${name}.d`];
  const at = stem.indexOf("@");
  if (at >= 0 && at < stem.length - 1) out.push(`${stem.slice(0, at + 1)}.${type}.d`);
  const parts = stem.split("-");
  for (let i = parts.length - 1; i >= 1; i--) out.push(`${parts.slice(0, i).join("-")}-.${type}.d`);
  out.push(`${type}.d`);
  return out;
}

function readUnitText(ctx: ScanContext, path: string): string | undefined {
  const r = ctx.host.readText(path, UNIT_LIMITS.unitBytes);
  if (!r.ok) {
    ctx.warn("unit_unreadable", `${path}: ${r.message}`);
    return undefined;
  }
  if (r.truncated) ctx.warn("truncated", `${path} larger than ${UNIT_LIMITS.unitBytes} bytes`);
  return r.value;
}

function parseWarn(ctx: ScanContext, path: string, text: string): UnitSections {
  const { sections, bad } = parseUnitFile(text);
  if (bad > 0) ctx.warn("unit_malformed", `${path}: ${bad} line(s) outside a section or without '='`);
  return sections;
}

/**
 * Loads every unit whose name ends with one of `suffixes` (e.g. ".service", ".timer") from `dirs`
 * (system directories by default; user unit directories can be passed).
 */
export function loadUnits(
  ctx: ScanContext,
  suffixes: readonly string[],
  dirs: readonly string[] = UNIT_DIRS,
): LoadedUnits {
  const present = existingDirs(ctx, dirs);
  const listings = new Map(present.map((d) => [d, listDir(ctx, d)]));
  const first = new Map<string, string>();
  for (const d of present) {
    for (const e of listings.get(d)!) {
      if (e.name.startsWith(".") || !suffixes.some((s) => e.name.endsWith(s))) continue;
      if (e.isDirectory) continue;
      if (!first.has(e.name)) first.set(e.name, d);
    }
  }
  const units: LoadedUnit[] = [];
  const masked: string[] = [];
  const aliases: string[] = [];
  for (const [name, dir] of [...first].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
    const path = `${dir}/${name}`;
    const lst = ctx.host.lstat(path);
    if (!lst.ok) continue;
    let vendor = VENDOR_DIRS.includes(dir);
    let linkTarget: string | undefined;
    if (lst.value.isSymlink) {
      const target = ctx.host.readLink(path);
      if (!target.ok) continue;
      if (target.value === "/dev/null") {
        masked.push(name);
        continue;
      }
      const targetName = target.value.slice(target.value.lastIndexOf("/") + 1);
      if (targetName !== name && first.has(targetName)) {
        aliases.push(name);
        continue;
      }
      const resolvedDir = target.value.startsWith("/")
        ? target.value.slice(0, target.value.lastIndexOf("/"))
        : dir;
      vendor = VENDOR_DIRS.includes(resolvedDir);
      linkTarget = target.value.startsWith("/") ? target.value : `${dir}/${target.value}`;
    }
    const st = ctx.host.stat(path);
    if (!st.ok) {
      if (st.reason !== "missing") ctx.warn("unit_unreadable", `${path}: ${st.message}`);
      continue;
    }
    if (!st.value.isFile) continue;
    if (st.value.size === 0) {
      masked.push(name);
      continue;
    }
    const text = readUnitText(ctx, path);
    if (text === undefined) continue;
    let sections = parseWarn(ctx, path, text);
    const dropIns = collectDropIns(ctx, present, listings, name);
    for (const p of dropIns) {
      const t = readUnitText(ctx, p);
      if (t !== undefined) sections = mergeSections(sections, parseWarn(ctx, p, t));
    }
    units.push({ name, path, vendor, dropIns, sections, ...(linkTarget ? { linkTarget } : {}) });
  }
  return { units, masked, aliases, dirs: present, pulledInBy: pulledIn(ctx, present, listings) };
}

/** Template name of an instance (`a@b.service` → `a@.service`), or undefined. */
export function templateOf(name: string): string | undefined {
  const m = name.match(/^([^@]+@)[^@]+(\.[a-z]+)$/);
  return m ? m[1] + m[2] : undefined;
}

function pulledIn(
  ctx: ScanContext,
  dirs: string[],
  listings: Map<string, Deno.DirEntry[]>,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (name: string, via: string) => {
    const list = out.get(name) ?? [];
    if (!list.includes(via)) list.push(via);
    out.set(name, list);
  };
  for (const d of dirs) {
    for (const e of listings.get(d)!) {
      if (!/\.(?:wants|requires|upholds)$/.test(e.name)) continue;
      for (const link of listDir(ctx, `${d}/${e.name}`)) {
        add(link.name, `${d}/${e.name}`);
        const template = templateOf(link.name);
        if (template) add(template, `${d}/${e.name}`);
      }
    }
  }
  return out;
}

function collectDropIns(
  ctx: ScanContext,
  dirs: string[],
  listings: Map<string, Deno.DirEntry[]>,
  name: string,
): string[] {
  const byBase = new Map<string, string>();
  for (const dn of dropInDirNames(name)) {
    for (const d of dirs) {
      if (!listings.get(d)!.some((e) => e.name === dn)) continue;
      for (const e of listDir(ctx, `${d}/${dn}`)) {
        if (!e.name.endsWith(".conf") || e.name.startsWith(".") || byBase.has(e.name)) continue;
        if (byBase.size >= UNIT_LIMITS.dropInsPerUnit) {
          ctx.warn("truncated", `${name}: more than ${UNIT_LIMITS.dropInsPerUnit} drop-ins`);
          break;
        }
        byBase.set(e.name, `${d}/${dn}/${e.name}`);
      }
    }
  }
  return [...byBase.keys()].sort().map((b) => byBase.get(b)!);
}
