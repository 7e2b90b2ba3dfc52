/**
 * Loads systemd units from every unit directory the way systemd resolves them: directories de-duplicated by
 * identity (merged /usr makes /lib and /usr/lib one directory), the first directory in precedence order wins,
 * masked units (a link to /dev/null or an empty file) and alias links are skipped, drop-ins applied in systemd
 * 252's order (src/shared/dropin.c), and instances of templates that have drop-ins of their own loaded too.
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

/**
 * systemd 252's whole system search path (`systemd-analyze unit-paths`), generator output included: a unit link
 * whose target lies in one of these is an alias, one whose target lies elsewhere is a linked unit, loaded under
 * the link's name from the target (src/shared/unit-file.c unit_file_build_name_map).
 */
const SEARCH_PATH = [
  "/etc/systemd/system.control",
  "/run/systemd/system.control",
  "/run/systemd/transient",
  "/run/systemd/generator.early",
  "/etc/systemd/system",
  "/etc/systemd/system.attached",
  "/run/systemd/system",
  "/run/systemd/system.attached",
  "/run/systemd/generator",
  "/usr/local/lib/systemd/system",
  "/lib/systemd/system",
  "/usr/lib/systemd/system",
  "/run/systemd/generator.late",
];

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
  /**
   * For an instance with no file of its own whose drop-ins differ from its template's (`getty@tty1.service` with
   * `getty@tty1.service.d/`): the template, whose file `path` is. Instances whose drop-ins are the template's are
   * not listed apart: the template stands for them.
   */
  template?: string;
  /** For such an instance: the drop-ins that apply to it and not to its template. */
  ownDropIns?: string[];
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

/**
 * The drop-in directory names systemd 252 looks for, in one unit directory, for one unit name, in its order
 * (src/shared/dropin.c unit_file_find_dirs): the name; for an instance, its template's names; then the names of
 * its `-` prefix (`foo-bar-baz.service` → `foo-bar-.service`; an instance keeps its instance: `foo-bar@x.service`
 * → `foo-@x.service`), each in turn the same way. The type's own directory (`service.d`) is not among them: it
 * comes after every name in every directory.
 */
export function dropInDirNames(name: string): string[] {
  const out: string[] = [];
  const visit = (n: string) => {
    out.push(`${n}.d`);
    const template = templateOf(n);
    if (template) visit(template);
    const dot = n.lastIndexOf(".");
    const at = n.indexOf("@");
    let prefix = n.slice(0, at >= 0 ? at : dot);
    // The last dash that is not the prefix's last character; a trailing one is chopped off once first.
    let chopped = false;
    for (;;) {
      const dash = prefix.lastIndexOf("-");
      if (dash <= 0) return;
      if (dash + 1 < prefix.length || chopped) {
        prefix = prefix.slice(0, dash + 1);
        break;
      }
      prefix = prefix.slice(0, dash);
      chopped = true;
    }
    visit(`${prefix}${template ? n.slice(at, dot) : ""}${n.slice(dot)}`);
  };
  visit(name);
  return [...new Set(out)];
}

/** The sections of one unit file or drop-in (never changed by callers: merging copies), or undefined. */
function unitSections(ctx: ScanContext, path: string): UnitSections | undefined {
  return once(ctx, `unit:${path}`, (warn) => {
    // Bytes, not text: a decoder drops a leading byte order mark, which systemd's parser must see (unit_file.ts).
    const r = ctx.host.readBytes(path, UNIT_LIMITS.unitBytes);
    if (!r.ok) {
      warn("unit_unreadable", `${path}: ${r.message}`);
      return undefined;
    }
    if (r.truncated) warn("truncated", `${path} larger than ${UNIT_LIMITS.unitBytes} bytes`);
    const { sections, bad, stoppedAt } = parseUnitFile(r.value);
    if (bad > 0) warn("unit_malformed", `${path}: ${bad} line(s) outside a section or without '='`);
    if (stoppedAt !== undefined) {
      warn(
        "unit_malformed",
        `${path}:${stoppedAt}: a bad section header or a line that is not UTF-8; systemd reads no further`,
      );
    }
    return sections;
  });
}

/**
 * Where a unit link points, as systemd 252 judges it (unit_file_build_name_map): the target made absolute
 * against the link's directory, its directories' links followed (chase_symlinks with CHASE_NOFOLLOW), and
 * whether it lies in the search path (then the link is an alias of the target's name).
 */
function linkTargetOf(
  ctx: ScanContext,
  dir: string,
  target: string,
  searchPath: readonly string[],
): { path: string; inSearchPath: boolean } {
  const raw = target.startsWith("/") ? target : `${dir}/${target}`;
  const slash = raw.lastIndexOf("/");
  const parent = ctx.host.canonical(raw.slice(0, slash) || "/"); // ".." resolved after links, as chase does
  const path = `${parent === "/" ? "" : parent}${raw.slice(slash)}`;
  return { path, inSearchPath: searchPath.some((d) => path.startsWith(d + "/")) };
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
  const searchPath = dirs === UNIT_DIRS ? SEARCH_PATH : dirs;
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
  /** Alias name → the name it points to. */
  const aliasOf = new Map<string, string>();
  const files = new Map<string, Omit<LoadedUnit, "dropIns" | "sections">>();
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
      // A link into the search path under another name is an alias; a link to a file outside it (`systemctl
      // link`) is a unit of the link's name, whatever the file is called.
      const resolved = linkTargetOf(ctx, dir, target.value, searchPath);
      const targetName = resolved.path.slice(resolved.path.lastIndexOf("/") + 1);
      if (resolved.inSearchPath && targetName !== name) {
        aliases.push(name);
        aliasOf.set(name, targetName);
        continue;
      }
      vendor = VENDOR_DIRS.includes(resolved.path.slice(0, resolved.path.lastIndexOf("/")));
      linkTarget = resolved.path;
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
    files.set(name, { name, path, vendor, ...(linkTarget ? { linkTarget } : {}) });
  }
  // Every name of a unit, for its drop-ins: the unit's own first, then its aliases' (systemd walks a hash set
  // for those; sorted here).
  const namesOf = new Map<string, string[]>();
  for (const alias of [...aliasOf.keys()].sort()) {
    let target = aliasOf.get(alias)!;
    for (let hops = 0; aliasOf.has(target) && hops < 8; hops++) target = aliasOf.get(target)!;
    const list = namesOf.get(target) ?? [target];
    list.push(alias);
    namesOf.set(target, list);
  }
  const load = (file: Omit<LoadedUnit, "dropIns" | "sections">, names: string[]): LoadedUnit | undefined => {
    let sections = unitSections(ctx, file.path);
    if (sections === undefined) return undefined;
    const dropIns = collectDropIns(ctx, present, listings, names);
    for (const p of dropIns) {
      const more = unitSections(ctx, p);
      if (more !== undefined) sections = mergeSections(sections, more);
    }
    return { ...file, dropIns, sections };
  };
  const byName = new Map<string, LoadedUnit>();
  for (const [name, file] of files) {
    const u = load(file, namesOf.get(name) ?? [name]);
    if (u) byName.set(name, u);
  }
  units.push(...byName.values());
  // Instances with no file of their own: those pulled in by a .wants/.requires/.upholds link, and those with a
  // drop-in directory of their own. systemd loads the template's file for them and applies the drop-ins of the
  // instance's names as well as the template's, so one with drop-ins its template lacks is a unit apart.
  const pulled = pulledIn(ctx, present, listings);
  const instances = new Set([...pulled.keys()]);
  for (const d of present) {
    for (const e of listings.get(d)!) if (e.name.endsWith(".d")) instances.add(e.name.slice(0, -2));
  }
  for (const name of [...instances].sort()) {
    const template = templateOf(name);
    const t = template === undefined || first.has(name) ? undefined : byName.get(template);
    if (!t || !suffixes.some((s) => name.endsWith(s))) continue;
    const u = load({ ...files.get(t.name)!, name }, [name]);
    if (!u) continue;
    const own = u.dropIns.filter((p) => !t.dropIns.includes(p));
    if (own.length === 0 && u.dropIns.length === t.dropIns.length) continue;
    units.push({ ...u, template: t.name, ownDropIns: own });
  }
  units.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { units, masked, aliases, dirs: present, pulledInBy: pulled };
}

/** Template name of an instance (`a@b.service` → `a@.service`), or undefined. */
export function templateOf(name: string): string | undefined {
  const m = name.match(/^([^@]+@).+(\.[a-z]+)$/s);
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

/** Compares names as strcmp() does on their UTF-8 bytes (code point order, not UTF-16's). */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** True when a drop-in is a link to /dev/null (read as the host's, not the root's, which a fixture lacks). */
function masks(ctx: ScanContext, path: string): boolean {
  const lst = once(ctx, `lstat:${path}`, () => ctx.host.lstat(path));
  if (!lst.ok || !lst.value.isSymlink) return false;
  const target = once(ctx, `link:${path}`, () => ctx.host.readLink(path));
  if (target.ok && target.value === "/dev/null") return true;
  const st = once(ctx, `stat:${path}`, () => ctx.host.stat(path));
  return st.ok && isNullDevice(st.value);
}

/**
 * A unit's drop-ins as systemd 252 applies them (src/shared/dropin.c unit_file_find_dropin_paths, then
 * conf_files_list): drop-in directories for each of the unit's names in turn, for each name directory by
 * directory in search path order, in each directory the name's own then its template's and prefixes' (see
 * dropInDirNames); the type's (`service.d`) in every directory last. Of `.conf` files with one file name the
 * first found wins (a link to /dev/null there masks the others), and the winners apply sorted by file name.
 */
function collectDropIns(
  ctx: ScanContext,
  dirs: string[],
  listings: Map<string, Deno.DirEntry[]>,
  names: string[],
): string[] {
  const found: string[] = [];
  const look = (d: string, dn: string) => {
    if (namesIn(listings.get(d)!).has(dn)) found.push(`${d}/${dn}`);
  };
  for (const name of names) for (const d of dirs) for (const dn of dropInDirNames(name)) look(d, dn);
  const type = names[0].slice(names[0].lastIndexOf(".") + 1);
  for (const d of dirs) look(d, `${type}.d`);
  const byBase = new Map<string, string>();
  for (const dir of new Set(found)) {
    for (const e of listDir(ctx, dir)) {
      if (!e.name.endsWith(".conf") || e.name.startsWith(".") || byBase.has(e.name)) continue;
      if (e.isFile || e.isSymlink) byBase.set(e.name, `${dir}/${e.name}`);
    }
  }
  const out: string[] = [];
  for (const base of [...byBase.keys()].sort(byCodePoint)) {
    const path = byBase.get(base)!;
    if (masks(ctx, path)) continue; // a link to /dev/null: masks the same name in later directories
    if (out.length >= UNIT_LIMITS.dropInsPerUnit) {
      ctx.warn("truncated", `${names[0]}: more than ${UNIT_LIMITS.dropInsPerUnit} drop-ins`);
      break;
    }
    out.push(path);
  }
  return out;
}
