/**
 * Helpers the hook families share (network hooks, logrotate, udev, binfmt, Python start-up files): directories
 * read once however they are reached (merged /usr), the hook file itself judged like a program it runs, and
 * the "nobody installed this" judgement for files in directories only packages write.
 */
import type { Account } from "../accounts.ts";
import { pathRisk } from "../assess.ts";
import { type Collector, type Entry, LIMITS } from "../collect.ts";
import { packageOwnedLocation } from "../owners.ts";

/** `dirs` that exist as directories, each once (a directory reached twice through a symlink is read once). */
export function distinctDirs(c: Collector, dirs: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const dir of dirs) {
    const st = c.ctx.host.stat(dir);
    if (!st.ok || !st.value.isDirectory) continue;
    const key = `${st.value.dev}:${st.value.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(dir);
  }
  return out;
}

/**
 * The names of `dir`'s subdirectories (and symlinks, which may lead to one) that `match` accepts (a regular
 * expression or a test such as a glob matcher), sorted; none when `dir` cannot be read. `Collector.list` names
 * only files.
 */
export function subdirs(c: Collector, dir: string, match: RegExp | ((name: string) => boolean)): string[] {
  const r = c.ctx.host.readDir(dir, LIMITS.dirEntries);
  if (!r.ok) return [];
  const test = match instanceof RegExp ? (n: string) => match.test(n) : match;
  return r.value.filter((e) => (e.isDirectory || e.isSymlink) && test(e.name)).map((e) => e.name).sort();
}

/**
 * Debian's run-parts runs (and `run-parts --list` names) only files whose whole name is ASCII letters, digits,
 * `_` and `-`: ifupdown, ppp and dhclient hook directories follow it.
 */
export const RUN_PARTS_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * When a hook file itself sits where others can change it (a world-writable script, one owned by another
 * account, a hidden one outside the runner's home), an entry naming it, so it is judged like a program the hook
 * runs (`persistence.command.untrusted_path`); undefined when it is where it should be.
 */
export function selfEntry(c: Collector, path: string, runAs: Account): Entry | undefined {
  return pathRisk(c.ctx.host, path, runAs, c.accounts) ? { line: 0, text: path, runAs } : undefined;
}

/**
 * Asks, once packages are known, whether each of `paths` (code-running files) was installed by a package; those
 * in a directory only packages write that nobody installed are `persistence.hook.unpackaged`. `what` names the
 * kind of file in the finding ("udev rule that runs programs").
 */
export function judgeUnpackaged(c: Collector, paths: readonly string[], what: string): void {
  const candidates = paths.filter(packageOwnedLocation);
  c.owners.ask(candidates, (o) => {
    if (o.tool === undefined) return;
    for (const path of candidates) {
      if (o.ownerOf(path) !== undefined) continue;
      c.finding({
        check_id: "persistence.hook.unpackaged",
        subject: path,
        description: `${path} (${what}) is in a directory only packages write, but no ${o.tool} package ` +
          `installed it.`,
        metadata: { path, kind: what, package_db: o.tool },
        location: { path },
      });
    }
  });
}
