/**
 * cron, at and incron: system and per-user crontabs, anacrontab, run-parts' periodic directories, pending at jobs,
 * incron's system and user tables.
 */
import { ROOT_ACCOUNT, UNKNOWN_ACCOUNT } from "../accounts.ts";
import { type Collector, normalisePath } from "../collect.ts";
import { parseAnacrontab, parseAtJob, parseCrontab, parseIncrontab } from "../cron.ts";
import type { CronTable } from "../cron.ts";
import type { Account } from "../accounts.ts";
import { EnvJudge } from "./environment.ts";
import { account, isExecutable, scriptPoint } from "./shared.ts";

/** Periodic script directories run by run-parts as root. */
export const CRON_SCRIPT_DIRS = [
  "/etc/cron.hourly",
  "/etc/cron.daily",
  "/etc/cron.weekly",
  "/etc/cron.monthly",
  "/etc/cron.yearly",
];

/**
 * Names cron ignores in /etc/cron.d on every distribution: cronie (RHEL) skips only dot and `#` files, `~`
 * backups and rpm's leftovers, and runs `sysstat.disabled`, `x.dpkg-old` or `x.swp`; Debian's cron skips any
 * dotted name. What one of them would run is judged.
 */
const CRON_D_SKIPPED = /^[.#]|~$|\.rpm(?:save|orig|new)$/;

/**
 * Names both run-parts skip in the periodic directories: RHEL's skips dot files, `~` and `,` backups and
 * `.rpmsave .rpmorig .rpmnew .swp .cfsaved ,v` (and runs `x.disabled` or `x.dpkg-old`); Debian's skips those
 * and any dotted name.
 */
const PERIODIC_SKIPPED = /^\.|[~,]$|,v$|\.(?:rpmsave|rpmorig|rpmnew|swp|cfsaved)$/;

/** Per-user crontab directories (Debian, RHEL, SUSE). */
export const USER_CRONTAB_DIRS = ["/var/spool/cron/crontabs", "/var/spool/cron", "/var/spool/cron/tabs"];

/** /etc/crontab, /etc/cron.d, anacrontab, the periodic script directories and the per-user crontabs. */
export function cronSources(c: Collector): void {
  // A crontab's variables apply to each of its jobs: SHELL runs them, BASH_ENV and the like run code first,
  // PATH decides which program a bare name is.
  const variables = (path: string, t: CronTable, runAs: Account, inert: boolean) => {
    if (inert) return;
    for (const [name, value] of Object.entries(t.env)) {
      EnvJudge.of(c).assignment({ path, runAs, cron: true }, {
        line: t.envLines[name],
        name,
        value,
      });
    }
  };
  const system = (path: string, inert = false) => {
    const f = c.read(path);
    if (!f) return;
    const t = parseCrontab(f.text, true);
    variables(path, t, ROOT_ACCOUNT, inert);
    if (t.bad > 0) c.ctx.warn("cron_malformed", `${path}: ${t.bad} line(s) that are not crontab entries`);
    const schedules = t.entries.map((e) => `${e.schedule} ${e.user ?? ""}`.trim()).slice(0, 50);
    c.point({
      kind: "cron",
      path,
      entries: t.entries.map((e) => ({ line: e.line, text: e.command, runAs: account(c, e.user) })),
      meta: inert ? { schedules, inert } : { schedules },
      ...(inert ? { inert } : {}),
    });
  };
  system("/etc/crontab");
  for (const name of c.list("/etc/cron.d")) system(`/etc/cron.d/${name}`, CRON_D_SKIPPED.test(name));
  const ana = c.read("/etc/anacrontab");
  if (ana) {
    const t = parseAnacrontab(ana.text);
    if (t.bad > 0) {
      c.ctx.warn("cron_malformed", `/etc/anacrontab: ${t.bad} line(s) that are not anacron jobs`);
    }
    c.point({
      kind: "cron",
      path: "/etc/anacrontab",
      entries: t.entries.map((e) => ({ line: e.line, text: e.command, runAs: ROOT_ACCOUNT })),
    });
  }
  for (const dir of CRON_SCRIPT_DIRS) {
    for (const name of c.list(dir)) {
      const path = `${dir}/${name}`;
      const inert = PERIODIC_SKIPPED.test(name) || !isExecutable(c, path);
      scriptPoint(c, "cron_script", path, ROOT_ACCOUNT, inert);
    }
  }
  for (const dir of USER_CRONTAB_DIRS) {
    for (const name of c.list(dir)) {
      const path = `${dir}/${name}`;
      const f = c.read(path);
      if (!f) continue;
      const t = parseCrontab(f.text, false);
      if (t.bad > 0) c.ctx.warn("cron_malformed", `${path}: ${t.bad} line(s) that are not crontab entries`);
      const runAs = account(c, name);
      variables(path, t, runAs, false);
      c.point({
        kind: "cron",
        path,
        entries: t.entries.map((e) => ({ line: e.line, text: e.command, runAs })),
        meta: { schedules: t.entries.map((e) => e.schedule).slice(0, 50), crontab_user: name },
      });
    }
  }
}

/** at(1) job directories (Debian, RHEL): each job is a shell script run once as its owner. */
export const AT_JOB_DIRS = ["/var/spool/cron/atjobs", "/var/spool/at"];

/**
 * Pending at jobs: each is a shell script run once as the account its `# atrun uid=` header names (else the
 * file's owner); atd runs only jobs with the execute bit (the others are still being written). The commands the
 * user gave are in the inventory (`command`).
 */
export function atSources(c: Collector): void {
  for (const dir of AT_JOB_DIRS) {
    for (const name of c.list(dir)) {
      const path = `${dir}/${name}`;
      const st = c.ctx.host.stat(path);
      if (!st.ok || !st.value.isFile) continue;
      const f = c.read(path);
      if (!f) continue;
      const job = parseAtJob(f.text);
      const uid = job.uid ?? st.value.uid;
      const owner = uid === null || uid === undefined
        ? UNKNOWN_ACCOUNT
        : c.accounts.byUid.get(uid) ?? UNKNOWN_ACCOUNT;
      scriptPoint(c, "at_job", path, owner, !isExecutable(c, path), {
        technique: "T1053.002",
        command: job.commands.map((l) => l.text).join("\n").slice(0, 1000),
        ...(job.uid !== undefined ? { atrun_uid: job.uid } : {}),
      });
    }
  }
}

/** incrond's configuration file: `system_table_dir` and `user_table_dir` move its tables. */
export const INCRON_CONF = "/etc/incron.conf";

/** The table directories /etc/incron.conf names, else incron's defaults. */
function incronDirs(c: Collector): { system: string; user: string } {
  const dirs = { system: "/etc/incron.d", user: "/var/spool/incron" };
  const text = c.read(INCRON_CONF)?.text ?? "";
  for (const m of text.matchAll(/^[ \t]*(system_table_dir|user_table_dir)[ \t]*=[ \t]*(\S+)/gm)) {
    const dir = normalisePath(m[2].startsWith("/") ? m[2] : `/${m[2]}`);
    if (m[1] === "system_table_dir") dirs.system = dir;
    else dirs.user = dir;
  }
  return dirs;
}

/**
 * incron tables: each entry's command is run through `sh -c` whenever its watched path changes, as root for a
 * system table (any name in /etc/incron.d, or the directory incron.conf names) and as the owner of a user table
 * (named after the account, in /var/spool/incron).
 */
export function incronSources(c: Collector): void {
  const dirs = incronDirs(c);
  const table = (path: string, runAs: Account, user?: string) => {
    const f = c.read(path);
    if (!f) return;
    const t = parseIncrontab(f.text);
    if (t.bad > 0) c.ctx.warn("cron_malformed", `${path}: ${t.bad} line(s) that are not incron entries`);
    c.point({
      kind: "incron",
      path,
      entries: t.entries.map((e) => ({ line: e.line, text: e.command, runAs })),
      meta: {
        technique: "T1546",
        watches: t.entries.map((e) => `${e.path} ${e.mask}`).slice(0, 50),
        ...(user !== undefined ? { incrontab_user: user } : {}),
      },
    });
  };
  for (const name of c.list(dirs.system, true)) table(`${dirs.system}/${name}`, ROOT_ACCOUNT);
  for (const name of c.list(dirs.user, true)) table(`${dirs.user}/${name}`, account(c, name), name);
}
