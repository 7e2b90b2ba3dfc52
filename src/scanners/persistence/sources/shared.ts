/** Helpers several persistence source families share: the account an entry runs as, run-parts' rules, scripts. */
import { type Account, ROOT_ACCOUNT, UNKNOWN_ACCOUNT } from "../accounts.ts";
import type { Collector, Entry } from "../collect.ts";
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

/** A shell script run as `runAs`: every logical line is an entry. */
export function scriptPoint(
  c: Collector,
  kind: "cron_script" | "rc_local" | "shell_startup" | "at_job" | "motd_script",
  path: string,
  runAs: Account,
  inert = false,
) {
  const f = c.read(path);
  if (!f) return undefined;
  const entries: Entry[] = scriptLines(f.text).map((l) => ({ line: l.line, text: l.text, runAs }));
  c.point({ kind, path, entries, ...(inert ? { inert, meta: { inert } } : {}) });
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
