/** Helpers several persistence source families share: the account an entry runs as, run-parts' rules, scripts. */
import type { Metadata } from "../../../core/finding.ts";
import { type Account, ROOT_ACCOUNT, UNKNOWN_ACCOUNT } from "../accounts.ts";
import { type Collector, type Entry, normalisePath, type PointKind } from "../collect.ts";
import { scriptLines } from "../cron.ts";

/** The account a name refers to: root when there is no name, the unknown account when nobody has it. */
export function account(c: Collector, name: string | undefined): Account {
  if (name === undefined) return ROOT_ACCOUNT;
  return c.accounts.byName.get(name) ?? UNKNOWN_ACCOUNT;
}

/**
 * Names every run-parts skips: backups and package-manager leftovers. Debian's run-parts also skips any name with
 * a dot, but cronie's (RHEL) runs `man-db.cron`; a dotted name is judged, so as to miss nothing on either.
 */
export const RUN_PARTS_SKIPPED =
  /(?:~|,|\.(?:dpkg-(?:old|new|dist|tmp|bak)|ucf-(?:old|new|dist)|rpm(?:save|orig|new)|swp|cfsaved|disabled))$|^\./;

/** True when the file (followed inside the root) has an execute bit. */
export function isExecutable(c: Collector, path: string): boolean {
  const st = c.ctx.host.stat(path);
  return st.ok && ((st.value.mode ?? 0) & 0o111) !== 0;
}

/** The interpreter a script's `#!` line names (with its argument), or undefined. */
export function shebangEntry(text: string, runAs: Account): Entry | undefined {
  const m = /^#!\s*(\S[^\n]*)/.exec(text);
  return m ? { line: 1, text: m[1].replace(/\r$/, "").trim(), runAs, shebang: true } : undefined;
}

/** A shell script run as `runAs`: its `#!` interpreter and every logical line are entries. */
export function scriptPoint(
  c: Collector,
  kind: PointKind,
  path: string,
  runAs: Account,
  inert = false,
  meta?: Metadata,
) {
  const f = c.read(path);
  if (!f) return undefined;
  const shebang = shebangEntry(f.text, runAs);
  const entries: Entry[] = [
    ...(shebang ? [shebang] : []),
    ...scriptLines(f.text).map((l) => ({ line: l.line, text: l.text, runAs })),
  ];
  const m = { ...meta, ...(inert ? { inert } : {}) };
  c.point({
    kind,
    path,
    entries,
    ...(inert ? { inert } : {}),
    ...(Object.keys(m).length > 0 ? { meta: m } : {}),
  });
  return entries;
}

/**
 * The files of configuration directories given in precedence order, as systemd and kmod read them: a directory
 * reached twice (merged /usr makes /lib and /usr/lib one) is read once, the first file of each name wins, and
 * only names `accept` takes count; the paths come sorted by file name.
 */
export function firstOfEachName(
  c: Collector,
  dirs: readonly string[],
  accept: (name: string) => boolean = () => true,
): string[] {
  const seenDirs = new Set<string>();
  const byName = new Map<string, string>();
  for (const dir of dirs) {
    const st = c.ctx.host.stat(dir);
    if (!st.ok || !st.value.isDirectory || seenDirs.has(`${st.value.dev}:${st.value.ino}`)) continue;
    seenDirs.add(`${st.value.dev}:${st.value.ino}`);
    for (const name of c.list(dir)) if (accept(name) && !byName.has(name)) byName.set(name, `${dir}/${name}`);
  }
  return [...byName.keys()].sort().map((n) => byName.get(n)!);
}

/** The `.conf` files of configuration directories (see `firstOfEachName`), masked ones (links to /dev/null) left out. */
export function confFiles(c: Collector, dirs: readonly string[]): string[] {
  return firstOfEachName(c, dirs, (n) => n.endsWith(".conf")).filter((p) => {
    const link = c.ctx.host.readLink(p);
    return !(link.ok && normalisePath(link.value) === "/dev/null");
  });
}

/**
 * A program a runner executes from a hook directory (systemd generators, sleep and shutdown hooks): the file
 * itself, and where an absolute link leads, are entries (so where it lives and who installed it are judged), and
 * a script's lines are entries too. A masked (a link to /dev/null), empty or non-regular file gives no point.
 * Returns whether the point is inert (no execute bit: the runner skips it), or undefined when there is none.
 */
export function programPoint(
  c: Collector,
  kind: PointKind,
  path: string,
  runAs: Account,
  meta: Metadata,
): { inert: boolean } | undefined {
  const link = c.ctx.host.readLink(path);
  const file = c.ctx.host.stat(path);
  if ((link.ok && link.value === "/dev/null") || !file.ok || !file.value.isFile || file.value.size === 0) {
    return undefined;
  }
  const inert = !isExecutable(c, path);
  const magic = c.ctx.host.readBytes(path, 2);
  const script = magic.ok && magic.value[0] === 0x23 && magic.value[1] === 0x21; // "#!"
  const entries: Entry[] = [{ line: 0, text: path, runAs }];
  if (link.ok && link.value.startsWith("/")) entries.push({ line: 0, text: link.value, runAs });
  const text = script ? c.read(path)?.text : undefined;
  if (text !== undefined) {
    entries.push(...scriptLines(text).map((l) => ({ line: l.line, text: l.text, runAs })));
  }
  c.point({
    kind,
    path,
    entries,
    meta: { ...meta, script, ...(inert ? { inert } : {}) },
    ...(inert ? { inert } : {}),
  });
  return { inert };
}

/** Follows a link (at most `hops` of them, inside the root) to the path it finally names. */
export function linkTarget(c: Collector, path: string, hops = 8): string {
  let p = path;
  for (let i = 0; i < hops; i++) {
    const l = c.ctx.host.readLink(p);
    if (!l.ok) return p;
    p = normalisePath(l.value.startsWith("/") ? l.value : `${p.slice(0, p.lastIndexOf("/"))}/${l.value}`);
  }
  return p;
}

/**
 * Reads a daemon's configuration from `root` with its includes, bounded: each file once, at most `limits.files`
 * files and `limits.depth` levels of includes; each problem is warned once, under `label`. `file` reads one
 * file's text and calls `include` for each include directive with the files it names (found through the problems
 * list, which globs add to).
 */
export function walkIncludes(
  c: Collector,
  label: string,
  root: string,
  limits: { readonly files: number; readonly depth: number },
  file: (
    path: string,
    text: string,
    include: (line: number, files: (problems: string[]) => string[]) => void,
  ) => void,
): void {
  const read = new Set<string>();
  const problems: string[] = [];
  const visit = (path: string, depth: number) => {
    if (read.has(path)) return;
    if (read.size >= limits.files) {
      problems.push(`more than ${limits.files} configuration files: ${path} and the rest not read`);
      return;
    }
    read.add(path);
    const f = c.read(path);
    if (!f) return;
    file(path, f.text, (line, files) => {
      if (depth >= limits.depth) {
        problems.push(`${path}:${line}: includes nested deeper than ${limits.depth} not followed`);
        return;
      }
      for (const inc of files(problems)) visit(inc, depth + 1);
    });
  };
  visit(root, 0);
  for (const p of new Set(problems)) c.ctx.warn("truncated", `${label}: ${p}`);
}
