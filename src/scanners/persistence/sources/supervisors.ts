/**
 * Process supervisors: programs supervisord and monit start (and restart whenever they stop) as root unless
 * told otherwise, and the `run` scripts of runit, daemontools and s6 service directories (./service_dirs.ts).
 * supervisord: its main file (Debian's /etc/supervisor/supervisord.conf, RHEL's /etc/supervisord.conf, pip's
 * /usr/local/etc/supervisord.conf) and the files its `[include] files =` globs name (relative to the main file's
 * directory; included files' own `[include]` is never read), merged as its one parser merges them: each
 * `[program:x]`, `[eventlistener:x]` and `[fcgi-program:x]` `command=` runs as `user=` (root when unset, the
 * daemon's own `[supervisord] user=` when that drops root), `autostart=false` ones are inert (started only by
 * hand), and `environment=` is judged like the login environment (LD_PRELOAD from /tmp…). monit: its control
 * file (/etc/monit/monitrc, /etc/monitrc…) and its `include` globs, recursively: `start`/`stop`/`restart program`,
 * `exec` actions and `check program … path` run as root unless `as uid`; the files of its usual include
 * directories that nothing includes are inert.
 */
import type { Metadata } from "../../../core/finding.ts";
import { type Account, ROOT_ACCOUNT, UNKNOWN_ACCOUNT } from "../accounts.ts";
import { type Collector, type Entry, normalisePath } from "../collect.ts";
import { expandGlob } from "../../ssh/sshd_config.ts";
import { EnvJudge } from "./environment.ts";
import { serviceDirSources } from "./service_dirs.ts";
import { account } from "./shared.ts";
import {
  environmentPairs,
  mergeSupervisord,
  parseMonitrc,
  parseSupervisordConf,
  setting,
  supervisedPrograms,
  type SupervisordConfig,
  type SupervisordFile,
} from "./supervisors_parse.ts";

const TECHNIQUE = "T1543";
/** Where supervisord looks for its configuration (its search path, and the file Debian's unit passes with -c). */
export const SUPERVISORD_CONFS = [
  "/etc/supervisor/supervisord.conf",
  "/etc/supervisord.conf",
  "/usr/local/etc/supervisord.conf",
  "/usr/etc/supervisord.conf",
];
/** monit's control files (Debian's, the upstream search path's, root's own). */
export const MONIT_CONFS = ["/etc/monit/monitrc", "/etc/monitrc", "/usr/local/etc/monitrc", "/root/.monitrc"];
/** Directories monit configurations usually include: their files are listed (inert) when nothing includes them. */
export const MONIT_DIRS = [
  "/etc/monit/conf.d",
  "/etc/monit/conf-enabled",
  "/etc/monit/conf-available",
  "/etc/monit.d",
];
/** At most this many files of one supervisor's configuration are read (monit's own limit is 1024 includes). */
const MAX_FILES = 1024;

/** The account a supervisor's user setting names: a name, or a number (supervisord and monit take both). */
function accountOf(c: Collector, user: string | undefined): Account {
  if (user === undefined || user === "") return ROOT_ACCOUNT;
  if (/^\d+$/.test(user)) return c.accounts.byUid.get(Number(user)) ?? UNKNOWN_ACCOUNT;
  return account(c, user);
}

/** An absolute glob's matches (sorted, as glob(3) and Python's sorted(glob()) give them), problems warned. */
function globFiles(c: Collector, pattern: string): string[] {
  const problems: string[] = [];
  const paths = expandGlob(c.ctx.host, normalisePath(pattern), problems);
  for (const p of problems) c.ctx.warn("truncated", p);
  return paths.filter((p) => {
    const st = c.ctx.host.stat(p);
    return st.ok && !st.value.isDirectory;
  });
}

const dirOf = (path: string) => path.slice(0, path.lastIndexOf("/")) || "/";

/** One file's point: what runs from it, or (when everything in it is off or it is never read) inert. */
function filePoint(
  c: Collector,
  path: string,
  active: Entry[],
  off: Entry[],
  meta: Metadata,
  skipped?: string,
) {
  const inert = skipped !== undefined || (active.length === 0 && off.length > 0);
  c.point({
    kind: "supervised_program",
    path,
    entries: inert ? [...active, ...off] : active,
    meta: {
      technique: TECHNIQUE,
      ...meta,
      ...(skipped ? { skipped } : {}),
      ...(inert ? { inert: true } : {}),
    },
    ...(inert ? { inert: true } : {}),
  });
}

/** supervisord's main file and the files it includes, in reading order. */
function supervisordFiles(c: Collector, main: string): { path: string; conf: SupervisordFile }[] {
  const f = c.read(main);
  if (!f) return [];
  const files = [{ path: main, conf: parseSupervisordConf(f.text, dirOf(main)) }];
  // Only the main file's [include] is read (configparser falls back to [DEFAULT] for its `files`).
  const section = files[0].conf.sections.get("include");
  const include = section && (section.get("files") ?? files[0].conf.defaults.get("files"));
  for (const pattern of include?.value.split(/\s+/).filter((p) => p !== "") ?? []) {
    const abs = pattern.startsWith("/") ? pattern : `${dirOf(main)}/${pattern}`;
    for (const path of globFiles(c, abs)) {
      if (files.length >= MAX_FILES) {
        c.ctx.warn("truncated", `${main}: more than ${MAX_FILES} included files: ${path} not read`);
        return files;
      }
      const inc = c.read(path);
      if (inc) files.push({ path, conf: parseSupervisordConf(inc.text, dirOf(path)) });
    }
  }
  return files;
}

/**
 * A control server that lets others start, stop and feed supervisord's programs without a password: an
 * `[inet_http_server]` (medium when it listens beyond the loopback) or an `[unix_http_server]` socket others may
 * write to (`chmod` with the other-write bit), either without `username`.
 */
function openControl(c: Collector, conf: SupervisordConfig, main: string): void {
  for (const section of ["inet_http_server", "unix_http_server"]) {
    if (!conf.sections.has(section) || setting(conf, section, "username") !== undefined) continue;
    const at = setting(conf, section, section === "inet_http_server" ? "port" : "chmod");
    let severity: "low" | "medium" = "low";
    let why: string;
    if (section === "inet_http_server") {
      const host = at?.value.slice(0, Math.max(0, at.value.lastIndexOf(":"))).replace(/^\[|\]$/g, "") ?? "";
      const loopback = host === "localhost" || host === "::1" || host.startsWith("127.");
      if (!loopback) severity = "medium";
      why = `listens on ${at?.value ?? "(no port)"}${
        loopback ? " (every local account)" : ""
      } without a password`;
    } else {
      const mode = parseInt(at?.value ?? "0700", 8);
      if (!(mode & 0o002)) continue;
      why = `has a socket every local account may write to (chmod=${at?.value}) and no password`;
    }
    const path = at?.file ?? main;
    c.finding({
      check_id: "persistence.supervisord.open_control",
      subject: `${path}:${section}`,
      severity,
      description:
        `${path}${at ? `:${at.line}` : ""}: supervisord's [${section}] ${why}: whoever reaches it ` +
        "starts, stops and writes to the programs it runs as root.",
      metadata: { path, ...(at ? { line: at.line, value: at.value } : {}), section, config: main },
      location: { path },
    });
  }
}

/** supervisord's configurations: each program's command as its account, and its environment. */
function supervisord(c: Collector): void {
  const done = new Set<string>();
  const judged = new Set<string>();
  const env = EnvJudge.of(c);
  for (const main of SUPERVISORD_CONFS) {
    if (done.has(c.ctx.host.canonical(main))) continue;
    const files = supervisordFiles(c, main);
    if (files.length === 0) continue;
    for (const f of files) {
      if (f.conf.bad > 0) {
        c.ctx.warn("supervisord_malformed", `${f.path}: ${f.conf.bad} line(s) supervisord would reject`);
      }
    }
    const conf = mergeSupervisord(files);
    // supervisord started as root switches to [supervisord] user= first: its programs cannot be anyone else.
    const daemonUser = setting(conf, "supervisord", "user")?.value;
    const daemon = daemonUser === undefined || daemonUser === "root" || daemonUser === "0"
      ? undefined
      : accountOf(c, daemonUser);
    const judgeEnv = (at: { value: string; file: string; line: number }, runAs: Account) => {
      for (const a of environmentPairs(at.value)) {
        const key = `${at.file}:${at.line}:${a.name}=${a.value}:${runAs.name}`;
        if (judged.has(key)) continue;
        judged.add(key);
        env.assignment({ path: at.file, runAs }, { line: at.line, name: a.name, value: a.value });
      }
    };
    const global = setting(conf, "supervisord", "environment");
    if (global) judgeEnv(global, daemon ?? ROOT_ACCOUNT);
    const byFile = new Map<string, { active: Entry[]; off: Entry[]; names: string[]; offNames: string[] }>();
    for (const p of supervisedPrograms(conf)) {
      if (!p.command) continue;
      const runAs = daemon ?? accountOf(c, p.user);
      const into = byFile.get(p.command.file) ?? { active: [], off: [], names: [], offNames: [] };
      byFile.set(p.command.file, into);
      const entry = { line: p.command.line, text: p.command.value.replace(/\s*\n\s*/g, " "), runAs };
      (p.autostart ? into.active : into.off).push(entry);
      (p.autostart ? into.names : into.offNames).push(p.section);
      if (p.autostart && p.environment) judgeEnv(p.environment, runAs);
    }
    for (const f of files) {
      const real = c.ctx.host.canonical(f.path);
      if (done.has(real)) continue;
      done.add(real);
      const got = byFile.get(f.path);
      filePoint(c, f.path, got?.active ?? [], got?.off ?? [], {
        runner: "supervisord",
        config: main,
        programs: (got?.names ?? []).slice(0, 50),
        ...(got?.offNames.length ? { autostart_false: got.offNames.slice(0, 50) } : {}),
      });
    }
    openControl(c, conf, main);
  }
}

/** monit's control files and what they include (recursively), then its usual directories' other files, inert. */
function monit(c: Collector): void {
  const seen = new Set<string>();
  const readFile = (path: string, skipped?: string) => {
    const real = c.ctx.host.canonical(path); // conf-enabled/x is a link to conf-available/x: one file
    if (seen.has(real)) return [];
    if (seen.size >= MAX_FILES) {
      c.ctx.warn("truncated", `monit: more than ${MAX_FILES} configuration files: ${path} not read`);
      return [];
    }
    seen.add(real);
    const f = c.read(path);
    if (!f) return [];
    const conf = parseMonitrc(f.text);
    if (conf.bad > 0) c.ctx.warn("monit_malformed", `${path}: ${conf.bad} unbalanced quote(s)`);
    const entries = conf.commands.map((x) => ({ line: x.line, text: x.command, runAs: accountOf(c, x.uid) }));
    filePoint(c, path, entries, [], {
      runner: "monit",
      commands: conf.commands.slice(0, 50).map((x) => `${x.service ?? "-"} ${x.action}`),
    }, skipped);
    return conf.includes;
  };
  for (const main of MONIT_CONFS) {
    const queue = [main];
    while (queue.length > 0) {
      const path = queue.shift()!;
      // monit globs a relative include from its working directory, / for the daemon.
      for (const inc of readFile(path)) {
        const pattern = inc.pattern.startsWith("/") ? inc.pattern : `/${inc.pattern}`;
        queue.push(...globFiles(c, pattern).filter((p) => !p.endsWith("~")));
      }
    }
  }
  for (const dir of MONIT_DIRS) {
    for (const name of c.list(dir)) readFile(`${dir}/${name}`, "not included by any monit control file");
  }
}

/** supervisord, monit, and the runit/daemontools/s6 service directories. */
export function supervisorSources(c: Collector): void {
  supervisord(c);
  monit(c);
  serviceDirSources(c);
}
