/** cron and at: system and per-user crontabs, anacrontab, run-parts' periodic directories, pending at jobs. */
import { ROOT_ACCOUNT, UNKNOWN_ACCOUNT } from "../accounts.ts";
import type { Collector } from "../collect.ts";
import { parseAnacrontab, parseAtJob, parseCrontab } from "../cron.ts";
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
