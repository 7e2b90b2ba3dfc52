/**
 * PostgreSQL clusters' configuration (sources/databases.ts's first family): what a database superuser (`ALTER
 * SYSTEM`, which writes postgresql.auto.conf) or anyone who can edit the files makes the server run or load, at
 * every start and for as long as it runs. Shell commands run through /bin/sh as the cluster's owner:
 * `archive_command` (each finished WAL segment), `restore_command`, `archive_cleanup_command`,
 * `recovery_end_command` (recovery, standbys), `ssl_passphrase_command` (at start and reload). Shared objects
 * loaded into the server: `shared_preload_libraries` (by the postmaster at start), `session_preload_libraries`
 * (each session), `local_preload_libraries` (each session, from `$libdir/plugins` only), `archive_library`,
 * `jit_provider`; names without a directory are looked up along `dynamic_library_path`, `.so` appended when
 * needed, as dfmgr.c does. Debian's clusters (/etc/postgresql/VERSION/CLUSTER, `data_directory` or
 * /var/lib/postgresql/VERSION/CLUSTER) with the `environment` file pg_ctlcluster exports to the server
 * (LD_PRELOAD), and RHEL's (/var/lib/pgsql/data, /var/lib/pgsql/VERSION/data); each configuration followed
 * through `include`, `include_if_exists` and `include_dir` (relative to the including file, `.conf` files not
 * starting with a dot, in name order), then the data directory's postgresql.auto.conf and an old recovery.conf.
 * Every value is judged, not only the last of each name: a payload overridden later is still the intruder's.
 */
import type { Account } from "../accounts.ts";
import { type Collector, normalisePath } from "../collect.ts";
import { parsePgConf, pgLibraryList, type PgSetting } from "./databases_parse.ts";
import { DATABASE_LIMITS, type DatabaseScan } from "./databases_points.ts";
import { subdirs } from "./hook_files.ts";
import { account } from "./shared.ts";

/** Settings whose value is a shell command the server runs, and when. */
const PG_COMMANDS: Record<string, string> = {
  archive_command: "shell command the archiver runs for each finished WAL segment",
  restore_command: "shell command run to fetch WAL during recovery and on a standby",
  archive_cleanup_command: "shell command a standby runs at every restartpoint",
  recovery_end_command: "shell command run once at the end of recovery",
  ssl_passphrase_command: "shell command run at start-up (and reload) to get the TLS key's passphrase",
};

/** Settings whose value names shared objects the server loads. */
const PG_LIBRARIES = new Set([
  "shared_preload_libraries",
  "session_preload_libraries",
  "local_preload_libraries",
  "archive_library",
  "jit_provider",
]);

/** One cluster: its configuration file, default data directory, package library directory, environment file. */
interface Cluster {
  name: string;
  conf: string;
  dataDefault: string;
  libdir: string;
  environment?: string;
}

/** A setting with the file it came from. */
interface Found extends PgSetting {
  conf: string;
}

/** True when `path` (followed) is a regular file. */
function isFile(c: Collector, path: string): boolean {
  const st = c.ctx.host.stat(path);
  return st.ok && st.value.isFile;
}

/** Debian's and RHEL's (distribution and PGDG) clusters that have a configuration file. */
function clusters(c: Collector): Cluster[] {
  const out: Cluster[] = [];
  const version = /^\d+(?:\.\d+)?$/;
  for (const v of subdirs(c, "/etc/postgresql", version)) {
    for (const name of subdirs(c, `/etc/postgresql/${v}`, (n) => !n.startsWith("."))) {
      const dir = `/etc/postgresql/${v}/${name}`;
      out.push({
        name: `${v}/${name}`,
        conf: `${dir}/postgresql.conf`,
        dataDefault: `/var/lib/postgresql/${v}/${name}`,
        libdir: `/usr/lib/postgresql/${v}/lib`,
        environment: `${dir}/environment`,
      });
    }
  }
  out.push({
    name: "data",
    conf: "/var/lib/pgsql/data/postgresql.conf",
    dataDefault: "/var/lib/pgsql/data",
    libdir: "/usr/lib64/pgsql",
  });
  for (const v of subdirs(c, "/var/lib/pgsql", version)) {
    out.push({
      name: `${v}/data`,
      conf: `/var/lib/pgsql/${v}/data/postgresql.conf`,
      dataDefault: `/var/lib/pgsql/${v}/data`,
      libdir: `/usr/pgsql-${v}/lib`,
    });
  }
  return out.filter((cl) => isFile(c, cl.conf));
}

/** `path` made absolute against the directory of `from` (the including file), as ParseConfigFile does. */
function besides(from: string, path: string): string {
  return normalisePath(path.startsWith("/") ? path : `${from.slice(0, from.lastIndexOf("/"))}/${path}`);
}

/** The settings of one configuration file and those it includes, in the order the server applies them. */
function walk(
  c: Collector,
  scan: DatabaseScan,
  cl: Cluster,
  path: string,
  depth: number,
  out: Found[],
): void {
  const key = `postgresql:${cl.name}`;
  const count = scan.read.get(key) ?? 0;
  if (count >= DATABASE_LIMITS.files) {
    c.ctx.warn(
      "truncated",
      `PostgreSQL ${cl.name}: more than ${DATABASE_LIMITS.files} configuration files: ${path} not read`,
    );
    return;
  }
  scan.read.set(key, count + 1);
  const f = c.read(path);
  if (!f) return;
  const conf = parsePgConf(f.text);
  for (const line of conf.errors.slice(0, DATABASE_LIMITS.metaLines)) {
    scan.problem(path, "postgresql", `${line}: not a line PostgreSQL accepts (it would refuse to start)`);
  }
  for (const s of conf.settings) {
    const deeper = (target: string) => {
      if (depth >= DATABASE_LIMITS.depth) {
        scan.problem(path, "postgresql", `${s.line}: ${s.name} nested too deep: PostgreSQL stops there`);
      } else walk(c, scan, cl, target, depth + 1, out);
    };
    if (s.name === "include" || s.name === "include_if_exists") deeper(besides(path, s.value));
    else if (s.name === "include_dir") {
      const dir = besides(path, s.value);
      for (const n of c.list(dir).filter((n) => n.endsWith(".conf"))) deeper(`${dir}/${n}`);
    } else out.push({ ...s, conf: path });
  }
}

/** The value of the last setting named `name`, or undefined. */
function last(found: readonly Found[], name: string): string | undefined {
  return found.findLast((s) => s.name === name)?.value;
}

/** `$libdir` at the start of a name (alone or before a `/`) replaced, as substitute_libpath_macro does. */
function libdirMacro(name: string, libdir: string): string {
  return /^\$libdir(?:\/|$)/.test(name) ? libdir + name.slice("$libdir".length) : name;
}

/**
 * The file a library name makes the server load, as expand_dynamic_library_name finds it: a name without a
 * directory along `dynamic_library_path` (its `$libdir` expanded), as written and then with `.so`; a path as
 * written (relative to the data directory) and then with `.so`. When none exists, the first place looked.
 */
function pgLibraryPath(c: Collector, name: string, libdir: string, searchPath: string, data: string): string {
  const candidates: string[] = [];
  for (const n of [name, name.endsWith(".so") ? undefined : `${name}.so`]) {
    if (n === undefined) continue;
    if (!n.includes("/")) {
      for (const dir of searchPath.split(":").map((d) => libdirMacro(d.trim(), libdir))) {
        if (dir.startsWith("/")) candidates.push(normalisePath(`${dir}/${n}`));
      }
    } else {
      const p = libdirMacro(n, libdir);
      candidates.push(normalisePath(p.startsWith("/") ? p : `${data}/${p}`));
    }
  }
  return candidates.find((p) => isFile(c, p)) ?? candidates[0] ?? normalisePath(`${libdir}/${name}`);
}

/** The commands and libraries of one setting. */
function judgeSetting(
  c: Collector,
  scan: DatabaseScan,
  s: Found,
  ctx: { libdir: string; searchPath: string; data: string; runAs: Account },
): void {
  const at = { conf: s.conf, line: s.line, setting: s.name };
  const what = PG_COMMANDS[s.name];
  if (what !== undefined) {
    scan.command(at, "postgresql", s.value, ctx.runAs, what);
    return;
  }
  if (!PG_LIBRARIES.has(s.name)) return;
  if (s.name === "jit_provider") {
    // jit.c: pkglib_path/NAME.so, whatever the name holds (a `../` walks out of it).
    scan.library(at, "postgresql", s.value, `${ctx.libdir}/${s.value}.so`, ctx.runAs);
    return;
  }
  const names = s.name === "archive_library"
    ? [s.value.trim()].filter((n) => n !== "")
    : pgLibraryList(s.value);
  for (const written of names) {
    let name = written;
    if (s.name === "local_preload_libraries") {
      // Only $libdir/plugins: a bare name is looked for there, any other path is refused.
      if (!name.includes("/")) name = `$libdir/plugins/${name}`;
      if (!name.startsWith("$libdir/plugins/") || name.includes("/../")) continue;
    }
    scan.library(
      at,
      "postgresql",
      written,
      pgLibraryPath(c, name, ctx.libdir, ctx.searchPath, ctx.data),
      ctx.runAs,
    );
  }
}

/** The account a cluster runs as: postgres, else the owner of its data directory, else unknown. */
function clusterAccount(c: Collector, data: string): Account {
  const named = c.accounts.byName.get("postgres");
  if (named) return named;
  const st = c.ctx.host.stat(data);
  const owner = st.ok && st.value.uid !== null ? c.accounts.byUid.get(st.value.uid) : undefined;
  return owner ?? account(c, "postgres");
}

/** Every PostgreSQL cluster's commands and libraries. */
export function postgresSources(c: Collector, scan: DatabaseScan): void {
  for (const cl of clusters(c)) {
    const found: Found[] = [];
    walk(c, scan, cl, cl.conf, 0, found);
    const dd = last(found, "data_directory");
    const data = dd?.startsWith("/") ? normalisePath(dd) : cl.dataDefault;
    for (const extra of ["postgresql.auto.conf", "recovery.conf"]) {
      const p = `${data}/${extra}`;
      if (p !== cl.conf && isFile(c, p)) walk(c, scan, cl, p, 0, found);
    }
    const runAs = clusterAccount(c, data);
    const ctx = {
      libdir: cl.libdir,
      searchPath: last(found, "dynamic_library_path") ?? "$libdir",
      data,
      runAs,
    };
    for (const s of found) {
      scan.file(s.conf, "postgresql", { cluster: cl.name, data_directory: data });
      judgeSetting(c, scan, s, ctx);
    }
    // Debian: pg_ctlcluster exports this file's variables to the server (so LD_PRELOAD loads into every process).
    const env = cl.environment ? c.read(cl.environment) : undefined;
    for (const s of env ? parsePgConf(env.text).settings : []) {
      if (s.name !== "ld_preload") continue;
      const at = { conf: cl.environment!, line: s.line, setting: "LD_PRELOAD" };
      scan.file(at.conf, "postgresql", { cluster: cl.name });
      // ld.so takes a name with a slash as a path (the data directory is the server's working directory) and
      // looks a bare name up in the system library directories, where packages own what it finds.
      for (const lib of s.value.split(/[\s:]+/).filter((p) => p.includes("/"))) {
        scan.library(at, "postgresql", lib, lib.startsWith("/") ? lib : `${data}/${lib}`, runAs);
      }
    }
  }
}
