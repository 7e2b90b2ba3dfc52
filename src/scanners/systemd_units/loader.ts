/**
 * Loads systemd units from every unit directory the way systemd resolves them: directories de-duplicated by
 * identity (merged /usr makes /lib and /usr/lib one directory), the first directory in precedence order wins,
 * masked units (a link to /dev/null or an empty file) and alias links are skipped, drop-ins applied.
 */
import type { ScanContext } from "../../core/context.ts";
import { fromFileInfo, isNullDevice } from "../../host/open.ts";
import { mergeSections, parseUnitFile, type UnitSections } from "./unit_file.ts";

/**
 * System unit directories, highest precedence first: `systemctl set-property`'s control directories, transient
 * units (`systemd-run`), the administrator's, portable services' attached units, the runtime and vendor ones.
 * Generator output (/run/systemd/generator*) is the generators' (judged as programs by the persistence scanner).
 */
export const UNIT_DIRS = [
  "/etc/systemd/system.control",
  "/run/systemd/system.control",
  "/run/systemd/transient",
  "/etc/systemd/system",
  "/etc/systemd/system.attached",
  "/run/systemd/system",
  "/run/systemd/system.attached",
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

/** A read of a unit directory or file, with the warnings it raised. */
interface Read<T> {
  value: T;
  warnings: [code: string, detail: string][];
}

/**
 * The directories listed, unit files parsed and stats taken for one scanner, by path: a scanner that loads units
 * more than once (persistence: timers and services, then every unit type) reads each once. A reuse raises the warnings of
 * the first read again, so each load reports what it met as if it had read the file itself.
 */
const reads = new WeakMap<ScanContext, Map<string, Read<unknown>>>();

function once<T>(
  ctx: ScanContext,
  key: string,
  read: (warn: (code: string, detail: string) => void) => T,
): T {
  let byKey = reads.get(ctx);
  if (!byKey) reads.set(ctx, byKey = new Map());
  let r = byKey.get(key) as Read<T> | undefined;
  if (!r) {
    const warnings: [string, string][] = [];
    r = { value: read((code, detail) => warnings.push([code, detail])), warnings };
    byKey.set(key, r);
  }
  for (const [code, detail] of r.warnings) ctx.warn(code, detail);
  return r.value;
}

function listDir(ctx: ScanContext, dir: string): Deno.DirEntry[] {
  return once(ctx, `dir:${dir}`, (warn) => {
    const r = ctx.host.readDir(dir, UNIT_LIMITS.entriesPerDir);
    if (!r.ok) {
      if (r.reason !== "missing") warn("unit_dir_unreadable", `${dir}: ${r.message}`);
      return [];
    }
    if (r.truncated) warn("truncated", `${dir}: more than ${UNIT_LIMITS.entriesPerDir} entries`);
    for (const e of r.value.filter((e) => e.name.includes("\uFFFD"))) {
      warn("unit_unreadable", `${dir}/${e.name}: the name is not valid UTF-8 and cannot be opened`);
    }
    return r.value.filter((e) => !e.name.includes("\uFFFD"))
      .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  });
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

/** The sections of one unit file or drop-in (never changed by callers: merging copies), or undefined. */
function unitSections(ctx: ScanContext, path: string): UnitSections | undefined {
  return once(ctx, `unit:${path}`, (warn) => {
    const r = ctx.host.readText(path, UNIT_LIMITS.unitBytes);
    if (!r.ok) {
      warn("unit_unreadable", `${path}: ${r.message}`);
      return undefined;
    }
    if (r.truncated) warn("truncated", `${path} larger than ${UNIT_LIMITS.unitBytes} bytes`);
    const { sections, bad } = parseUnitFile(r.value);
    if (bad > 0) warn("unit_malformed", `${path}: ${bad} line(s) outside a section or without '='`);
    return sections;
  });
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
    const lst = once(ctx, `lstat:${path}`, () => ctx.host.lstat(path));
    if (!lst.ok) continue;
    let vendor = VENDOR_DIRS.includes(dir);
    let linkTarget: string | undefined;
    if (lst.value.isSymlink) {
      const target = once(ctx, `link:${path}`, () => ctx.host.readLink(path));
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
    const st = once(ctx, `stat:${path}`, (warn) => {
      const st = ctx.host.stat(path);
      if (!st.ok && st.reason !== "missing") warn("unit_unreadable", `${path}: ${st.message}`);
      return st;
    });
    if (!st.ok) continue;
    if (!st.value.isFile) {
      // A link to /dev/null masks the unit; anything else that is not a file (a FIFO, a socket, a device, a
      // directory) where a unit is expected is never opened, and said: systemd cannot load it either.
      if (isNullDevice(st.value)) masked.push(name);
      else {
        once(ctx, `not_file:${path}`, (warn) => {
          warn("unit_unreadable", `${path}: not a regular file (${fromFileInfo(st.value).kind}); not read`);
        });
      }
      continue;
    }
    if (st.value.size === 0) {
      masked.push(name);
      continue;
    }
    let sections = unitSections(ctx, path);
    if (sections === undefined) continue;
    const dropIns = collectDropIns(ctx, present, listings, name);
    for (const p of dropIns) {
      const more = unitSections(ctx, p);
      if (more !== undefined) sections = mergeSections(sections, more);
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

const nameSets = new WeakMap<Deno.DirEntry[], Set<string>>();

/** The names of a directory listing, as a set built once per listing (every unit looks up its drop-in names). */
function namesIn(listing: Deno.DirEntry[]): Set<string> {
  let names = nameSets.get(listing);
  if (!names) nameSets.set(listing, names = new Set(listing.map((e) => e.name)));
  return names;
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
      if (!namesIn(listings.get(d)!).has(dn)) continue;
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
