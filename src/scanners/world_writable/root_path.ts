/**
 * Root's PATH as the host configures it (not the scanner's own environment): PATH assignments in
 * /etc/environment, /etc/login.defs (ENV_SUPATH), sudo's secure_path, /etc/profile(.d), /etc/bash.bashrc and
 * root's shell start-up files; each directory is checked for writability by other users along its whole chain.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { Host } from "../../host/host.ts";
import { ancestors, writableByOthers } from "../../host/location.ts";
import { trimTrailing } from "../../host/text_trim.ts";
import { octalMode } from "../fs_common.ts";

/** Files whose PATH assignments apply to root's shells (profile.d and sudoers.d are added by listing). */
export const ROOT_PATH_FILES = [
  "/etc/environment",
  "/etc/login.defs",
  "/etc/sudoers",
  "/etc/profile",
  "/etc/bash.bashrc",
  "/root/.profile",
  "/root/.bash_profile",
  "/root/.bash_login",
  "/root/.bashrc",
  "/root/.zshenv",
  "/root/.zprofile",
  "/root/.zshrc",
];
const MAX_FILE = 1 << 20;
const MAX_DROPINS = 200;

/** One PATH value found in a file, split into entries (unresolvable `$VAR` entries dropped). */
export interface PathAssignment {
  entries: string[];
  line: number;
}

function expand(value: string, vars: Map<string, string>): string | undefined {
  const out = value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, name: string) => vars.get(name) ?? m);
  return out.includes("$") || out.includes("`") ? undefined : out;
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) return v.slice(1, -1);
  return v;
}

/**
 * Parses PATH assignments out of a shell file, /etc/environment, login.defs (`ENV_SUPATH PATH=…`) or
 * sudoers (`secure_path=…`). `$HOME` and `~` mean /root; other variables are resolved from assignments
 * earlier in the same file, and entries that stay unresolved are dropped; `$PATH` itself is dropped.
 */
export function parsePathAssignments(text: string): PathAssignment[] {
  const vars = new Map<string, string>([["HOME", "/root"]]);
  const out: PathAssignment[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#") || /^ENV_PATH\s/.test(line)) continue;
    let value: string | undefined;
    const supath = line.match(/^ENV_SUPATH\s+(?:PATH=)?(\S+)/);
    const secure = line.match(/^Defaults\b.*\bsecure_path\s*=\s*("[^"]*"|[^\s,]+)/);
    if (supath) value = supath[1];
    else if (secure) value = unquote(secure[1]);
    for (
      const m of line.matchAll(
        /(?:^|[\s;&|(])(?:export\s+|readonly\s+|declare\s+-x\s+)?([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s;&|)]*)/g,
      )
    ) {
      const v = unquote(m[2]);
      if (m[1] === "PATH") value = v;
      else {
        const ex = expand(v, vars);
        if (ex !== undefined) vars.set(m[1], ex);
      }
    }
    if (value === undefined) continue;
    const entries: string[] = [];
    for (const raw of value.split(":")) {
      if (raw === "$PATH" || raw === "${PATH}") continue;
      const e = expand(raw.startsWith("~/") || raw === "~" ? "/root" + raw.slice(1) : raw, vars);
      if (e !== undefined) entries.push(e);
    }
    out.push({ entries, line: i + 1 });
  }
  return out;
}

function sourceFiles(host: Host): string[] {
  const files = [...ROOT_PATH_FILES];
  for (const dir of ["/etc/profile.d", "/etc/sudoers.d"]) {
    const r = host.readDir(dir, MAX_DROPINS);
    if (!r.ok) continue;
    const names = r.value.filter((e) => !e.isDirectory).map((e) => e.name).sort();
    for (const n of names) {
      if (dir === "/etc/profile.d" ? n.endsWith(".sh") : !n.includes(".") && !n.endsWith("~")) {
        files.push(`${dir}/${n}`);
      }
    }
  }
  return files;
}

/** The first directory on the way to `dir` (itself or a parent) that other users can write to. */
function writableLink(
  host: Host,
  dir: string,
): { at: string; mode: number; uid: number; gid: number; missing: boolean } | undefined {
  const real = host.resolve(dir);
  const hostReal = host.isLive ? real : real.slice(host.root.length) || "/";
  let missing = false;
  for (const p of [hostReal, ...ancestors(hostReal)]) {
    const st = host.lstat(p);
    if (!st.ok) {
      missing = true;
      continue;
    }
    if (!st.value.isDirectory) return undefined;
    const mode = (st.value.mode ?? 0) & 0o7777;
    const uid = st.value.uid ?? 0;
    const gid = st.value.gid ?? 0;
    // A root-owned sticky parent (/tmp) does not let others replace an existing child; it does let them
    // create a missing one.
    const stickyShield = (mode & 0o1000) !== 0 && uid === 0 && !missing && p !== hostReal;
    if (writableByOthers(mode, uid, gid) && !stickyShield) {
      return { at: p, mode, uid, gid, missing };
    }
  }
  return undefined;
}

/** Findings for root's PATH: relative entries, and directories other users can write to. */
export function rootPathFindings(ctx: ScanContext, excluded: (p: string) => boolean): FindingDraft[] {
  const dirs = new Map<string, Set<string>>();
  const relative = new Map<string, Set<string>>();
  for (const file of sourceFiles(ctx.host)) {
    const r = ctx.host.readText(file, MAX_FILE);
    if (!r.ok) {
      if (r.reason !== "missing") ctx.warn("file_unreadable", `${file}: ${r.message}`);
      continue;
    }
    if (r.truncated) ctx.warn("truncated", `${file} larger than ${MAX_FILE} bytes`);
    for (const a of parsePathAssignments(r.value)) {
      for (const e of a.entries) {
        const target = e.startsWith("/") ? dirs : relative;
        const key = e.startsWith("/") ? (trimTrailing(e, "/") || "/") : e;
        const set = target.get(key) ?? new Set<string>();
        set.add(`${file}:${a.line}`);
        target.set(key, set);
      }
    }
  }
  const out: FindingDraft[] = [];
  for (const [entry, sources] of [...relative].sort()) {
    const shown = entry === "" ? "(empty: the current directory)" : entry;
    out.push({
      check_id: "fs.path.relative_entry",
      subject: entry === "" ? "(empty)" : entry,
      description: `Root's PATH contains ${shown}, set in ${[...sources].join(", ")}.`,
      metadata: { entry, sources: [...sources] },
    });
  }
  for (const [dir, sources] of [...dirs].sort()) {
    if (excluded(dir)) continue;
    const w = writableLink(ctx.host, dir);
    if (w === undefined) continue;
    const what = w.at === dir ? dir : `${dir} (through ${w.at})`;
    out.push({
      check_id: "fs.path.writable_dir",
      subject: dir,
      description:
        `${what} in root's PATH can be written by others (mode ${octalMode(w.mode)}, uid ${w.uid}, ` +
        `gid ${w.gid})${w.missing ? "; the directory does not exist and can be created" : ""}.`,
      metadata: {
        path: dir,
        writable: w.at,
        mode: octalMode(w.mode),
        uid: w.uid,
        gid: w.gid,
        missing: w.missing,
        sources: [...sources],
      },
      location: { path: dir },
    });
  }
  return out;
}
