/**
 * The sysctl configuration as systemd-sysctl applies it at boot: `*.conf` files of /etc/sysctl.d,
 * /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d and /lib/sysctl.d (a file hides the files of the
 * same name in the directories after it), applied in the order of their names, then /etc/sysctl.conf (as
 * `sysctl --system` does) unless a link in sysctl.d already brought it in. In a file, lines starting with `#`
 * or `;` are comments, keys use `.` or `/` as separators, a later assignment wins, an assignment to an explicit
 * key wins over a glob (`net.ipv4.conf.*.rp_filter`) whatever the order, and `-key` without `=` keeps globs
 * off that key. Each setting keeps the file and line it comes from.
 */
import type { ScanContext } from "../core/context.ts";
import { mergedUsrDirs } from "../host/dpkg_db.ts";
import { type Host, pathComponents } from "../host/host.ts";
import { globMatcher as pathGlob } from "../host/glob.ts";
import { readLines, strip } from "./systemd_units/read_line.ts";

/** The sysctl.d directories, highest priority first. */
export const SYSCTL_DIRS = [
  "/etc/sysctl.d",
  "/run/sysctl.d",
  "/usr/local/lib/sysctl.d",
  "/usr/lib/sysctl.d",
  "/lib/sysctl.d",
] as const;
/** Directories only packages install into. */
export const VENDOR_DIRS: readonly string[] = ["/usr/lib/sysctl.d", "/lib/sysctl.d"];
/** The file `sysctl --system` applies last. */
export const SYSCTL_CONF = "/etc/sysctl.conf";
/** Where kernel command line settings (`sysctl.<key>=<value>`, applied before any file) are listed. */
export const CMDLINE = "/proc/cmdline";

const MAX_FILE_BYTES = 1 << 20;
const MAX_DIR_ENTRIES = 2000;

/** One line of a sysctl configuration file: an assignment, or a `-key` exclusion (no value). */
export interface SysctlLine {
  /** The key or glob pattern in slash form ("kernel/yama/ptrace_scope"). */
  key: string;
  glob: boolean;
  /** The assigned text, trimmed; undefined for an exclusion. */
  value?: string;
  /** 1-based line number. */
  line: number;
}

/**
 * A key in slash form, as systemd normalises it: when the first separator is a dot, dots and slashes swap
 * ("net.ipv4.conf.eth0/100.rp_filter" → "net/ipv4/conf/eth0.100/rp_filter"); when it is a slash, the key stays.
 * Leading and repeated slashes are dropped.
 */
export function normalizeKey(raw: string): string {
  const firstDot = raw.indexOf(".");
  const firstSlash = raw.indexOf("/");
  const swap = firstDot >= 0 && (firstSlash < 0 || firstDot < firstSlash);
  const key = swap ? [...raw].map((c) => (c === "." ? "/" : c === "/" ? "." : c)).join("") : raw;
  return key.split("/").filter((p) => p !== "").join("/");
}

const GLOB_CHARS = /[*?[]/;

/** A matcher for a glob in slash form: `*` and `?` never cross a slash, `[…]` is a character class. */
export function globMatcher(pattern: string): (key: string) => boolean {
  return pathGlob(pattern, { path: true });
}

/**
 * Parses a sysctl configuration file the way systemd-sysctl's parse_file() (src/sysctl/sysctl.c, systemd 252)
 * does: lines as read_line() cuts them (readLines in ./systemd_units/read_line.ts; numbered as systemd counts
 * them in its messages), stripped; empty lines and lines starting with `#` or `;` skipped; no continuation
 * lines. `bad` counts lines that are neither comments nor assignments.
 */
export function parseSysctlConf(text: string): { lines: SysctlLine[]; bad: number } {
  const lines: SysctlLine[] = [];
  let bad = 0;
  readLines(text).forEach(({ text: raw }, i) => {
    const line = strip(raw);
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const eq = line.indexOf("=");
    let key = strip(eq < 0 ? line : line.slice(0, eq));
    const dash = key.startsWith("-");
    if (dash) key = strip(key.slice(1));
    if (key === "" || (eq < 0 && !dash) || /\s/.test(key)) {
      bad++;
      return;
    }
    const norm = normalizeKey(key);
    if (norm === "") {
      bad++;
      return;
    }
    const glob = GLOB_CHARS.test(norm);
    lines.push(
      eq < 0
        ? { key: norm, glob, line: i + 1 }
        : { key: norm, glob, value: strip(line.slice(eq + 1)), line: i + 1 },
    );
  });
  return { lines, bad };
}

/** The `sysctl.<key>=<value>` settings of a kernel command line, as the lines of a pseudo-file. */
export function parseCmdlineSysctls(cmdline: string): SysctlLine[] {
  const out: SysctlLine[] = [];
  for (const word of cmdline.trim().split(/\s+/)) {
    if (word === "--") break;
    const m = /^sysctl\.([^=]+)=(.*)$/.exec(word);
    if (!m) continue;
    const key = normalizeKey(m[1]);
    if (key !== "" && !GLOB_CHARS.test(key)) out.push({ key, glob: false, value: m[2], line: 1 });
  }
  return out;
}

/** A configuration file as found (before the order of application is decided). */
export interface SysctlFile {
  /** Where it is listed ("/etc/sysctl.d/99-sysctl.conf", "/etc/sysctl.conf", "/proc/cmdline"). */
  path: string;
  /** The file name that decides its place and which files it hides. */
  name: string;
  /** Index of its directory in SYSCTL_DIRS; SYSCTL_DIRS.length for /etc/sysctl.conf, -1 for the cmdline. */
  rank: number;
  /** The host path whose content it is (a symlink's target); undefined for a link to /dev/null. */
  source?: string;
  lines: SysctlLine[];
}

function readFile(
  host: Host,
  path: string,
  name: string,
  rank: number,
  warn: (code: string, detail: string) => void,
): SysctlFile | undefined {
  let source: string | undefined = path;
  const l = host.lstat(path);
  if (l.ok && l.value.isSymlink) {
    const link = host.readLink(path);
    if (!link.ok) {
      warn("sysctl_unreadable", `${path}: ${link.message}`);
      return undefined;
    }
    const dir = path.slice(0, path.lastIndexOf("/"));
    source = link.value === "/dev/null"
      ? undefined
      : "/" + pathComponents(link.value.startsWith("/") ? link.value : `${dir}/${link.value}`).join("/");
    if (source === undefined) return { path, name, rank, lines: [] };
  }
  const r = host.readText(path, MAX_FILE_BYTES);
  if (!r.ok) {
    if (r.reason !== "missing") warn("sysctl_unreadable", `${path}: ${r.message}`);
    return undefined;
  }
  if (r.truncated) warn("truncated", `${path} larger than ${MAX_FILE_BYTES} bytes: the rest is not read`);
  const parsed = parseSysctlConf(r.value);
  return { path, name, rank, source, lines: parsed.lines };
}

/**
 * Every sysctl configuration file of the host: the `*.conf` files of each sysctl.d directory (hidden files
 * left out, as systemd does; /lib/sysctl.d left out where /lib links to /usr/lib), then /etc/sysctl.conf.
 */
export function listSysctlFiles(host: Host, warn: (code: string, detail: string) => void): SysctlFile[] {
  const out: SysctlFile[] = [];
  const merged = mergedUsrDirs(host);
  SYSCTL_DIRS.forEach((dir, rank) => {
    // On a merged-/usr host /lib/sysctl.d is /usr/lib/sysctl.d: read once.
    if (dir === "/lib/sysctl.d" && merged.has("/lib")) return;
    const r = host.readDir(dir, MAX_DIR_ENTRIES);
    if (!r.ok) {
      if (r.reason !== "missing") warn("sysctl_unreadable", `${dir}: ${r.message}`);
      return;
    }
    if (r.truncated) {
      warn("truncated", `${dir} holds more than ${MAX_DIR_ENTRIES} entries: the rest is not read`);
    }
    const names = r.value.map((e) => e.name).filter((n) => n.endsWith(".conf") && !n.startsWith(".")).sort();
    for (const name of names) {
      const f = readFile(host, `${dir}/${name}`, name, rank, warn);
      if (f) out.push(f);
    }
  });
  const conf = readFile(host, SYSCTL_CONF, "sysctl.conf", SYSCTL_DIRS.length, warn);
  if (conf) out.push(conf);
  return out;
}

/**
 * The sysctl files read once per scan, for every scanner that asks (kernel parameters, kernel helpers); each
 * caller gets the reading's warnings as its own, so a report says the same whichever scanner asked first.
 */
export function sharedSysctlFiles(ctx: ScanContext): SysctlFile[] {
  const r = ctx.shared.memo("sysctl.files", () => {
    const warnings: [string, string][] = [];
    const files = listSysctlFiles(ctx.host, (code, detail) => warnings.push([code, detail]));
    return { files, warnings };
  });
  for (const [code, detail] of r.warnings) ctx.warn(code, detail);
  return r.files;
}

/**
 * The files in the order they are applied: for each name the file of the highest-priority directory, sorted by
 * name (byte order), then /etc/sysctl.conf unless a chosen file is a link to it; the cmdline, when given, first.
 */
export function applyOrder(files: readonly SysctlFile[]): SysctlFile[] {
  const chosen = new Map<string, SysctlFile>();
  let conf: SysctlFile | undefined;
  let cmdline: SysctlFile | undefined;
  for (const f of files) {
    if (f.rank < 0) cmdline = f;
    else if (f.rank === SYSCTL_DIRS.length) conf = f;
    else {
      const prev = chosen.get(f.name);
      if (!prev || f.rank < prev.rank) chosen.set(f.name, f);
    }
  }
  const ordered = [...chosen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const linked = ordered.some((f) => f.source === SYSCTL_CONF);
  return [...(cmdline ? [cmdline] : []), ...ordered, ...(conf && !linked ? [conf] : [])];
}

/** Where a key's configured value comes from. */
export interface Setting {
  value: string;
  file: string;
  line: number;
  glob: boolean;
}

/** What the configuration does to one key: the setting that wins, and the `-key` line that keeps globs off. */
export interface Resolution {
  setting?: Setting;
  excludedBy?: { file: string; line: number };
}

/** The configured value of each key (slash form) under the files given in the order they are applied. */
export function resolveKeys(files: readonly SysctlFile[], keys: readonly string[]): Map<string, Resolution> {
  const wanted = new Set(keys);
  const explicit = new Map<string, Setting>();
  const excluded = new Map<string, { file: string; line: number }>();
  const globs: { match: (k: string) => boolean; setting: Setting }[] = [];
  for (const f of files) {
    for (const l of f.lines) {
      if (l.glob) {
        if (l.value !== undefined) {
          globs.push({
            match: globMatcher(l.key),
            setting: { value: l.value, file: f.path, line: l.line, glob: true },
          });
        }
      } else if (wanted.has(l.key)) {
        if (l.value === undefined) excluded.set(l.key, { file: f.path, line: l.line });
        else explicit.set(l.key, { value: l.value, file: f.path, line: l.line, glob: false });
      }
    }
  }
  const out = new Map<string, Resolution>();
  for (const key of keys) {
    const excludedBy = excluded.get(key);
    let setting = explicit.get(key);
    if (!setting && !excludedBy) {
      for (const g of globs) if (g.match(key)) setting = g.setting;
    }
    out.set(key, { ...(setting ? { setting } : {}), ...(excludedBy ? { excludedBy } : {}) });
  }
  return out;
}

/** The integer a setting's value starts with ("0", "2 # note"), or undefined. */
export function settingInt(value: string): number | undefined {
  const m = /^(-?\d{1,18})(?:\s|$)/.exec(value.trim());
  return m ? Number(m[1]) : undefined;
}
