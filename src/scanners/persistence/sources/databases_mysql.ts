/**
 * MySQL and MariaDB (sources/databases.ts's second family): what the option files make the server load or run.
 * The files mysqld reads by default (/etc/my.cnf, /etc/mysql/my.cnf — Debian's link to mariadb.cnf through the
 * alternatives) and what they include (`!include FILE`, `!includedir DIR`: its `.cnf` files, hidden ones too, in
 * name order), in the groups the server reads ([mysqld], [server], [mariadb], [mariadbd], [galera],
 * [client-server], versioned [mysqld-X.Y]…) with option names as my_getopt matches them (case, `-`/`_`,
 * `loose-`/`maximum-` prefixes and unique prefixes ignored): `plugin-load` and `plugin-load-add` load a shared
 * object from `plugin_dir` into the server (`.so` appended when missing), `init_file` is SQL run at every start
 * and `init_connect`/`init_slave` SQL run at every connection (creating a UDF from a shared object, calling
 * sys_exec, writing a file: `persistence.database.init_sql_exec`), `wsrep_notify_cmd` a command run on every
 * cluster change. mysqld_safe (init scripts) takes from its own groups ([mysqld_safe], [safe_mysqld]…) and
 * runs as root `ledir`/`mysqld` (the server program), `malloc-lib` (preloaded into it) and `crash-script`.
 * Debian's /etc/mysql/debian-start runs as root after every start (mariadb.service's ExecStartPost), with
 * /etc/default/mysql and /etc/default/mariadb sourced into it.
 */
import { type Account, ROOT_ACCOUNT } from "../accounts.ts";
import { entryDigest, pathRisk } from "../assess.ts";
import { type Collector, normalisePath } from "../collect.ts";
import {
  type MyCnfItem,
  myPluginLibraries,
  myRelevant,
  parseMyCnf,
  sqlExecHits,
} from "./databases_mysql_parse.ts";
import {
  DATABASE_LIMITS,
  DATABASE_TECHNIQUE,
  type DatabaseScan,
  type SettingAt,
} from "./databases_points.ts";
import { distinctDirs } from "./hook_files.ts";
import { account, isExecutable, scriptPoint } from "./shared.ts";

/** The option files mysqld reads when started without --defaults-file, in order. */
const MY_CNF_ROOTS = ["/etc/my.cnf", "/etc/mysql/my.cnf"];
/** Where distributions put the server's plugins (Debian's MariaDB and MySQL, RHEL's MariaDB, RHEL's MySQL). */
export const MYSQL_PLUGIN_DIRS = [
  "/usr/lib/mysql/plugin",
  "/usr/lib64/mariadb/plugin",
  "/usr/lib64/mysql/plugin",
  "/usr/lib/mariadb/plugin",
];

/** An option with the file it came from. */
interface Option {
  conf: string;
  group: string;
  name: string;
  value?: string;
  line: number;
}

/** What an SQL hit means, for the finding. */
const SQL_WHAT: Record<string, string> = {
  udf_create: "creates a function from a shared object (a UDF, loaded again at every start)",
  plugin_install: "installs a plugin from a shared object",
  exec_udf: "calls a command-running UDF",
  file_write: "writes a file with INTO OUTFILE/DUMPFILE",
};

/** `path` made absolute against the directory of `from`. */
function besides(from: string, path: string): string {
  return normalisePath(path.startsWith("/") ? path : `${from.slice(0, from.lastIndexOf("/"))}/${path}`);
}

/** The options of the default files and what they include, in the order mysqld reads them. */
function readOptions(c: Collector, scan: DatabaseScan): Option[] {
  const out: Option[] = [];
  const visit = (path: string, depth: number) => {
    const count = scan.read.get("mysql") ?? 0;
    if (count >= DATABASE_LIMITS.files) {
      c.ctx.warn("truncated", `MySQL: more than ${DATABASE_LIMITS.files} option files: ${path} not read`);
      return;
    }
    scan.read.set("mysql", count + 1);
    const f = c.read(path);
    if (!f) return;
    const cnf = parseMyCnf(f.text, (group, name) => myRelevant(group, name) !== undefined);
    for (const line of cnf.errors.slice(0, DATABASE_LIMITS.metaLines)) {
      scan.problem(path, "mysql", `${line}: not a line mysqld accepts (it would refuse to start)`);
    }
    for (const item of cnf.items) include(path, item, depth);
  };
  const include = (path: string, item: MyCnfItem, depth: number) => {
    if (item.kind === "option") {
      out.push({ conf: path, group: item.group, name: item.name, value: item.value, line: item.line });
      return;
    }
    if (depth >= DATABASE_LIMITS.depth) {
      scan.problem(path, "mysql", `${item.line}: !${item.kind} nested too deep: not followed`);
      return;
    }
    const target = besides(path, item.path);
    const files = item.kind === "include"
      ? [target]
      : c.list(target, true).filter((n) => n.endsWith(".cnf")).map((n) => `${target}/${n}`);
    for (const file of files) visit(file, depth + 1);
  };
  for (const root of MY_CNF_ROOTS) visit(root, 0);
  return out;
}

/** Reports SQL run by mysqld itself that loads code, runs commands or writes files. */
function judgeSql(
  c: Collector,
  at: SettingAt,
  sql: string,
  source: { path: string; lineOffset: number },
): void {
  for (const hit of sqlExecHits(sql)) {
    const line = source.lineOffset > 0 ? source.lineOffset : hit.line;
    c.finding({
      check_id: "persistence.database.init_sql_exec",
      subject: `${source.path}:${entryDigest(hit.statement)}`,
      description: `${source.path}:${line} (${at.setting}, named by ${at.conf}:${at.line}) ${
        SQL_WHAT[hit.what]
      }: ${hit.statement}`,
      metadata: {
        path: source.path,
        line,
        conf: at.conf,
        setting: at.setting,
        kind: hit.what,
        statement: hit.statement,
      },
      location: { path: source.path },
    });
  }
}

/** One server option: libraries, SQL, commands. */
function serverOption(
  c: Collector,
  scan: DatabaseScan,
  o: Option & { canonical: string },
  ctx: { pluginDir: string; runAs: Account },
): void {
  const at = { conf: o.conf, line: o.line, setting: o.canonical };
  const value = o.value ?? "";
  if (o.canonical === "plugin-load" || o.canonical === "plugin-load-add") {
    for (const lib of myPluginLibraries(value)) {
      if (lib.includes("/")) {
        scan.problem(o.conf, "mysql", `${o.line}: ${lib}: a path, which mysqld refuses ("No paths allowed")`);
        continue;
      }
      // MariaDB appends .so to a name without it (fix_dl_name); MySQL takes the name as it is.
      const exact = `${ctx.pluginDir}/${lib}`;
      const candidates = /\.so$/i.test(lib) ? [exact] : [`${exact}.so`, exact];
      const found = candidates.filter((p) => c.ctx.host.stat(p).ok);
      for (const path of found.length > 0 ? found : candidates.slice(0, 1)) {
        scan.library(at, "mysql", lib, path, ctx.runAs);
      }
    }
  } else if (o.canonical === "init-file" && value !== "") {
    const path = normalisePath(value.startsWith("/") ? value : `/var/lib/mysql/${value}`);
    scan.file(o.conf, "mysql").hooks.push(`${o.line}: init_file ${path}: SQL mysqld runs at every start`);
    if (pathRisk(c.ctx.host, path, ctx.runAs, c.accounts)) {
      scan.file(o.conf, "mysql").entries.push({ line: o.line, text: path, runAs: ctx.runAs });
    }
    const f = c.read(path);
    if (f) judgeSql(c, at, f.text, { path, lineOffset: 0 });
  } else if (o.canonical === "init-connect" || o.canonical === "init-slave") {
    judgeSql(c, at, value, { path: o.conf, lineOffset: o.line });
  } else if (o.canonical === "wsrep-notify-cmd") {
    scan.command(at, "mysql", value, ctx.runAs, "command run on every Galera cluster membership change");
  }
}

/** mysqld_safe's programs and preloaded library, run as root. */
function safeOptions(scan: DatabaseScan, opts: readonly (Option & { canonical: string })[]): void {
  const lastOf = (name: string) => opts.findLast((o) => o.canonical === name);
  const ledir = lastOf("ledir");
  const mysqld = lastOf("mysqld");
  const program = ledir ?? mysqld;
  if (program) {
    const dir = ledir?.value || "/usr/sbin";
    const text = normalisePath(`${dir}/${mysqld?.value || "mysqld"}`);
    const at = { conf: program.conf, line: program.line, setting: program.canonical };
    scan.command(at, "mysql", text, ROOT_ACCOUNT, "the server program mysqld_safe starts (as root)");
  }
  for (const o of opts) {
    const at = { conf: o.conf, line: o.line, setting: o.canonical };
    if (o.canonical === "malloc-lib" && o.value?.startsWith("/")) {
      scan.library(at, "mysql", o.value, o.value, ROOT_ACCOUNT);
    } else if (o.canonical === "crash-script" && o.value) {
      scan.command(at, "mysql", o.value, ROOT_ACCOUNT, "script mysqld_safe runs when the server crashes");
    }
  }
}

/**
 * Every MySQL/MariaDB option the server and mysqld_safe read, and Debian's start-up hook; returns the plugin
 * directories (the configured one and the distributions' that exist), whose unloaded objects the caller judges.
 */
export function mysqlSources(c: Collector, scan: DatabaseScan): string[] {
  const opts = readOptions(c, scan);
  const server: (Option & { canonical: string })[] = [];
  const safe: (Option & { canonical: string })[] = [];
  for (const o of opts) {
    const r = myRelevant(o.group, o.name);
    if (r) (r.role === "server" ? server : safe).push({ ...o, canonical: r.canonical });
  }
  const distro = distinctDirs(c, MYSQL_PLUGIN_DIRS);
  const configured = server.findLast((o) => o.canonical === "plugin-dir")?.value;
  const pluginDir = configured?.startsWith("/")
    ? normalisePath(configured)
    : distro[0] ?? MYSQL_PLUGIN_DIRS[0];
  const runAs = account(c, "mysql");
  for (const o of [...server, ...safe]) scan.file(o.conf, "mysql", { plugin_dir: pluginDir });
  for (const o of server) serverOption(c, scan, o, { pluginDir, runAs });
  safeOptions(scan, safe);
  const meta = { technique: DATABASE_TECHNIQUE, server: "mysql" };
  if (c.ctx.host.stat("/etc/mysql/debian-start").ok) {
    const inert = !isExecutable(c, "/etc/mysql/debian-start");
    scriptPoint(c, "database_hook", "/etc/mysql/debian-start", ROOT_ACCOUNT, inert, {
      ...meta,
      runner: "mariadb.service's ExecStartPost (and the init script), as root, after every start",
    });
    for (const d of ["/etc/default/mysql", "/etc/default/mariadb"]) {
      if (!c.ctx.host.stat(d).ok) continue;
      scriptPoint(c, "database_hook", d, ROOT_ACCOUNT, false, {
        ...meta,
        runner: "sourced as root by /etc/mysql/debian-start and the init script",
      });
    }
  }
  return distinctDirs(c, [pluginDir, ...distro]);
}
