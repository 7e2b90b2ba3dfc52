/**
 * Programs daemons run as root when something happens, outside cron and the service manager: rsyslog's omprog
 * and syslog-ng's program() destinations (fed log lines for as long as the logger runs), auditd's plugins
 * (started with auditd), acpid's event actions (power button, lid, AC), needrestart's hooks and notifiers (run
 * after every package upgrade), pam_namespace's namespace.init (run at login), CUPS backends (run as root when
 * their mode gives no access to others), and D-Bus session services (started as the user on first call). Each
 * program is judged like any command its runner's account runs; a module in rsyslog's module directories that no
 * package installed is `persistence.hook.unpackaged`.
 */
import { globMatcher } from "../../../host/glob.ts";
import { ANY_USER, ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, type Entry, homeAccounts, normalisePath } from "../collect.ts";
import { matchPatterns } from "../patterns.ts";
import { scriptLines } from "../cron.ts";
import { parseServiceFile } from "../../auth/dbus.ts";
import {
  parseAcpiEvent,
  parseAuditdConf,
  parseAuditPlugin,
  parseRsyslogConf,
  parseSyslogNgConf,
  perlCommands,
  type RsyslogConf,
} from "./daemon_hooks_parse.ts";
import { distinctDirs, judgeUnpackaged, subdirs } from "./hook_files.ts";
import { confFiles, isExecutable, RUN_PARTS_SKIPPED, scriptPoint } from "./shared.ts";

const TECHNIQUE = "T1546";
/** syslog-ng's include-path: where a relative `@include` is looked for (Debian's and upstream's default). */
const SYSLOG_NG_INCLUDE_PATH = ["/etc/syslog-ng", "/usr/share/syslog-ng/include"];
/** At most this many configuration files of one logger are read (includes of includes, globs). */
const MAX_LOGGER_FILES = 200;

/**
 * A logger's configuration, its includes followed (a glob in the last component, at most MAX_LOGGER_FILES
 * files): each file with programs is a point whose entries run as root.
 */
function loggerConfig(
  c: Collector,
  logger: string,
  roots: readonly string[],
  parse: (text: string) => RsyslogConf,
  bases: readonly string[],
): void {
  const queue = [...roots];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    if (seen.size >= MAX_LOGGER_FILES) {
      c.ctx.warn(
        "truncated",
        `${logger}: more than ${MAX_LOGGER_FILES} configuration files: ${path} not read`,
      );
      break;
    }
    seen.add(path);
    const f = c.read(path);
    if (!f) continue;
    const conf = parse(f.text);
    c.point({
      kind: "daemon_hook",
      path,
      entries: conf.programs.map((p) => ({ line: p.line, text: p.command, runAs: ROOT_ACCOUNT })),
      meta: { technique: TECHNIQUE, runner: logger },
    });
    for (const inc of conf.includes) {
      const target = includeTarget(c, inc, bases);
      const slash = target.lastIndexOf("/");
      const dir = target.slice(0, slash) || "/";
      const last = target.slice(slash + 1);
      if (last === "") queue.push(...c.list(dir).map((n) => `${dir}/${n}`)); // syslog-ng: a directory
      else if (!/[*?[]/.test(target)) {
        const st = c.ctx.host.stat(target);
        if (st.ok && st.value.isDirectory) queue.push(...c.list(target).map((n) => `${target}/${n}`));
        else queue.push(target);
      } else {
        for (const d of globDirs(c, dir)) {
          queue.push(...c.list(d).filter(globMatcher(last, { path: true })).map((n) => `${d}/${n}`));
        }
      }
    }
  }
}

/**
 * The directories a path whose components may hold globs names (`/usr/share/syslog-ng/include/scl/*`), at most
 * MAX_LOGGER_FILES of them.
 */
function globDirs(c: Collector, path: string): string[] {
  let dirs = ["/"];
  for (const part of path.split("/").filter((p) => p !== "")) {
    const next: string[] = [];
    for (const d of dirs) {
      const base = d === "/" ? "" : d;
      if (!/[*?[]/.test(part)) next.push(`${base}/${part}`);
      else {
        const match = globMatcher(part, { path: true });
        for (const name of subdirs(c, d, (n) => !n.startsWith(".") && match(n))) next.push(`${base}/${name}`);
      }
      if (next.length >= MAX_LOGGER_FILES) break;
    }
    dirs = next.sort().slice(0, MAX_LOGGER_FILES);
  }
  return dirs;
}

/**
 * Where a logger's include names: an absolute path as it is; a relative one in the first of `bases` (the
 * include path) where its directory exists.
 */
function includeTarget(c: Collector, inc: string, bases: readonly string[]): string {
  if (inc.startsWith("/")) return normalisePath(inc);
  // The directory that must exist: the include's own, or the one above its first glob (`scl/*/*.conf`).
  const literalDir = (p: string) => {
    const parts = p.split("/");
    const glob = parts.findIndex((x) => /[*?[]/.test(x));
    return parts.slice(0, glob < 0 ? parts.length - 1 : glob).join("/") || "/";
  };
  for (const base of bases) {
    const target = normalisePath(`${base}/${inc}`);
    if (c.ctx.host.stat(literalDir(target)).ok) return target;
  }
  return normalisePath(`${bases[0]}/${inc}`);
}

/**
 * auditd.conf's `exec` actions (run as root when the disk fills or fails) and the plugin files of its
 * `plugin_dir` and the usual directories: an active plugin's program starts with auditd, as root.
 */
function auditPlugins(c: Collector): void {
  const confPath = "/etc/audit/auditd.conf";
  const conf = c.read(confPath, 256 << 10);
  const parsed = conf ? parseAuditdConf(conf.text) : undefined;
  if (parsed) {
    c.point({
      kind: "daemon_hook",
      path: confPath,
      entries: parsed.actions.map((a) => ({ line: a.line, text: a.command, runAs: ROOT_ACCOUNT })),
      meta: { technique: TECHNIQUE, runner: "auditd" },
    });
  }
  const pluginDirs = ["/etc/audit/plugins.d", "/etc/audisp/plugins.d"];
  if (parsed?.pluginDir?.startsWith("/")) pluginDirs.unshift(normalisePath(parsed.pluginDir));
  for (const dir of distinctDirs(c, pluginDirs)) {
    for (const path of confFiles(c, [dir])) {
      const f = c.read(path, 64 << 10);
      if (!f) continue;
      const p = parseAuditPlugin(f.text);
      const entries: Entry[] = p.command ? [{ line: p.line, text: p.command, runAs: ROOT_ACCOUNT }] : [];
      c.point({
        kind: "daemon_hook",
        path,
        entries,
        ...(p.active ? {} : { inert: true }),
        meta: { technique: TECHNIQUE, runner: "auditd", active: p.active },
      });
    }
  }
}

/** acpid's event files: each `action=` runs through `sh -c` as root when its event comes. */
function acpiEvents(c: Collector): void {
  for (const name of c.list("/etc/acpi/events")) {
    const path = `/etc/acpi/events/${name}`;
    const f = c.read(path, 64 << 10);
    if (!f) continue;
    const entries = parseAcpiEvent(f.text).map((a) => ({
      line: a.line,
      text: a.command,
      runAs: ROOT_ACCOUNT,
    }));
    c.point({ kind: "daemon_hook", path, entries, meta: { technique: TECHNIQUE, runner: "acpid" } });
  }
}

/**
 * needrestart: the hook, notify and restart scripts it executes as root after package upgrades, and its
 * configuration, which is Perl it evaluates: the commands its lines run (`system`, backticks, `qx`, piped
 * `open`), and lines with payload patterns.
 */
function needrestart(c: Collector): void {
  for (const sub of ["hook.d", "notify.d", "restart.d"]) {
    const dir = `/etc/needrestart/${sub}`;
    for (const name of c.list(dir)) {
      const path = `${dir}/${name}`;
      const skipped = RUN_PARTS_SKIPPED.test(name) || !isExecutable(c, path);
      scriptPoint(c, "daemon_hook", path, ROOT_ACCOUNT, skipped, {
        technique: TECHNIQUE,
        runner: "needrestart",
      });
    }
  }
  const confs = [
    "/etc/needrestart/needrestart.conf",
    ...confFiles(c, ["/etc/needrestart/conf.d"]),
  ];
  for (const path of confs) {
    const f = c.read(path);
    if (!f) continue;
    const entries: Entry[] = [];
    for (const l of scriptLines(f.text)) {
      const commands = perlCommands(l.text);
      for (const text of commands) entries.push({ line: l.line, text, runAs: ROOT_ACCOUNT });
      if (commands.length === 0 && matchPatterns(l.text).length > 0) {
        entries.push({ line: l.line, text: l.text, runAs: ROOT_ACCOUNT });
      }
    }
    c.point({
      kind: "daemon_hook",
      path,
      entries,
      meta: { technique: TECHNIQUE, runner: "needrestart (Perl)" },
    });
  }
}

/** D-Bus session services: the program the session bus starts, as the user, when its name is first called. */
function sessionServices(c: Collector): void {
  const dirs: [string, typeof ANY_USER][] = [
    ["/usr/local/share/dbus-1/services", ANY_USER],
    ["/usr/share/dbus-1/services", ANY_USER],
  ];
  for (const a of homeAccounts(c.ctx, c.accounts)) dirs.push([`${a.home}/.local/share/dbus-1/services`, a]);
  const vendor: string[] = [];
  for (const [dir, runAs] of dirs) {
    for (const name of c.list(dir).filter((n) => n.endsWith(".service"))) {
      const path = `${dir}/${name}`;
      const f = c.read(path, 64 << 10);
      if (!f) continue;
      const exec = parseServiceFile(f.text).get("Exec");
      const line = f.text.split("\n").findIndex((l) => /^\s*Exec\s*=/.test(l)) + 1;
      c.point({
        kind: "dbus_service",
        path,
        entries: exec ? [{ line, text: exec, runAs }] : [],
        meta: { technique: "T1543", runner: "dbus session bus" },
      });
      if (dir.startsWith("/usr/share/")) vendor.push(path);
    }
  }
  judgeUnpackaged(c, vendor, "D-Bus session service");
}

/** Where rsyslog looks for the modules `module(load="name")` names: Debian's multiarch and RHEL's directories. */
function rsyslogModuleDirs(c: Collector): string[] {
  const dirs = ["/usr/lib64/rsyslog", "/usr/lib/rsyslog"];
  for (const name of subdirs(c, "/usr/lib", /-linux-gnu/)) dirs.push(`/usr/lib/${name}/rsyslog`);
  return distinctDirs(c, dirs);
}

/** Every family of this file. */
export function daemonHookSources(c: Collector): void {
  loggerConfig(
    c,
    "rsyslog",
    ["/etc/rsyslog.conf", ...confFiles(c, ["/etc/rsyslog.d"])],
    parseRsyslogConf,
    ["/etc"],
  );
  loggerConfig(
    c,
    "syslog-ng",
    ["/etc/syslog-ng/syslog-ng.conf", ...confFiles(c, ["/etc/syslog-ng/conf.d"])],
    parseSyslogNgConf,
    SYSLOG_NG_INCLUDE_PATH,
  );
  // The include path's second directory is the packages' (scl.conf includes every scl/*/*.conf there).
  judgeUnpackaged(
    c,
    c.points.filter((p) => p.path.startsWith(`${SYSLOG_NG_INCLUDE_PATH[1]}/`)).map((p) => p.path),
    "syslog-ng include file",
  );
  const modules = rsyslogModuleDirs(c).flatMap((dir) =>
    c.list(dir).filter((n) => n.endsWith(".so")).map((n) => `${dir}/${n}`)
  );
  judgeUnpackaged(c, modules, "rsyslog module");
  auditPlugins(c);
  acpiEvents(c);
  needrestart(c);
  scriptPoint(c, "daemon_hook", "/etc/security/namespace.init", ROOT_ACCOUNT, false, {
    technique: TECHNIQUE,
    runner: "pam_namespace",
  });
  const backends = c.list("/usr/lib/cups/backend").map((n) => `/usr/lib/cups/backend/${n}`);
  judgeUnpackaged(c, backends, "CUPS backend");
  sessionServices(c);
}
