/**
 * Database servers: settings through which a database superuser, or whoever can edit the configuration, makes
 * the server run shell commands or load code again at every start — and which survive restarts because they are
 * written in the configuration. PostgreSQL (databases_postgres.ts: archive_command and its kin, the
 * *_preload_libraries), MySQL/MariaDB (databases_mysql.ts: plugin-load(-add), init_file, mysqld_safe's
 * programs), and Redis, Valkey and their Sentinels (here): `loadmodule` objects loaded into the server,
 * Sentinel's notification and client-reconfig scripts, and a `dir`/`dbfilename` pair that makes the server write
 * its database into a cron, SSH or start-up directory (the classic unauthenticated-Redis attack left in the
 * configuration by CONFIG REWRITE: `persistence.database.redis_dump_target`). Commands are entries judged by the
 * shared checks, as the server's account; loaded objects no package installed are
 * `persistence.database.unpackaged_library`; an object in a MySQL/MariaDB plugin directory that nothing loads
 * and no package installed (a UDF such as lib_mysqludf_sys, loaded from mysql.func at every start) is
 * `persistence.hook.unpackaged`.
 */
import { expandGlob } from "../../ssh/sshd_config.ts";
import type { Account } from "../accounts.ts";
import { type Collector, normalisePath } from "../collect.ts";
import { parseRedisConf, REDIS_DIRECTIVES, type RedisDirective } from "./databases_parse.ts";
import { DATABASE_LIMITS, DatabaseScan } from "./databases_points.ts";
import { mysqlSources } from "./databases_mysql.ts";
import { postgresSources } from "./databases_postgres.ts";
import { judgeUnpackaged } from "./hook_files.ts";
import { account, linkTarget } from "./shared.ts";

/** A Redis-like server's configuration: its file, the account it runs as, whether it is a Sentinel. */
interface RedisLayout {
  conf: string;
  user: string;
  sentinel: boolean;
}

/** Debian's and RHEL's Redis and Sentinel configurations (and instances), and Valkey's. */
function redisLayouts(c: Collector): RedisLayout[] {
  const out: RedisLayout[] = [];
  for (const [dir, name, user] of [["/etc/redis", "redis", "redis"], ["/etc/valkey", "valkey", "valkey"]]) {
    for (const n of c.list(dir)) {
      if (n === `${name}.conf` || new RegExp(`^${name}-.+\\.conf$`).test(n)) {
        out.push({ conf: `${dir}/${n}`, user, sentinel: false });
      } else if (/^sentinel(?:-.+)?\.conf$/.test(n)) out.push({ conf: `${dir}/${n}`, user, sentinel: true });
    }
  }
  out.push({ conf: "/etc/redis.conf", user: "redis", sentinel: false });
  out.push({ conf: "/etc/redis-sentinel.conf", user: "redis", sentinel: true });
  return out.filter((l) => c.ctx.host.stat(l.conf).ok);
}

/** A directive with the file it came from. */
interface Found extends RedisDirective {
  conf: string;
}

/**
 * The directives of one configuration and its includes, in order: an include (a glob: its matches in name order)
 * is read where it stands, relative to the working directory, which each `dir` changes as Redis does.
 */
function redisDirectives(c: Collector, scan: DatabaseScan, conf: string): Found[] {
  const out: Found[] = [];
  let cwd = "/";
  let read = 0;
  const problems: string[] = [];
  const visit = (path: string, depth: number) => {
    if (read >= DATABASE_LIMITS.files || depth > DATABASE_LIMITS.depth) {
      problems.push(
        `${path}: not read (more than ${DATABASE_LIMITS.files} files, or includes nested too deep)`,
      );
      return;
    }
    read++;
    const f = c.read(path);
    if (!f) return;
    const r = parseRedisConf(f.text, (name) => REDIS_DIRECTIVES.has(name));
    for (const line of r.errors.slice(0, DATABASE_LIMITS.metaLines)) {
      scan.problem(path, "redis", `${line}: unbalanced quotes: Redis would refuse to start`);
    }
    for (const d of r.directives) {
      if (d.name === "include" && d.args.length === 1) {
        const target = normalisePath(d.args[0].startsWith("/") ? d.args[0] : `${cwd}/${d.args[0]}`);
        const files = /[*?[]/.test(target) ? expandGlob(c.ctx.host, target, problems) : [target];
        for (const inc of files) visit(inc, depth + 1);
        continue;
      }
      if (d.name === "dir" && d.args.length === 1) {
        cwd = normalisePath(d.args[0].startsWith("/") ? d.args[0] : `${cwd}/${d.args[0]}`);
      }
      out.push({ ...d, conf: path });
    }
  };
  visit(conf, 0);
  for (const p of new Set(problems)) c.ctx.warn("truncated", `Redis ${conf}: ${p}`);
  return out;
}

/** Directories where a file Redis writes becomes code someone runs, and what runs it; undefined elsewhere. */
export function redisDumpTarget(dir: string, dbfilename: string): string | undefined {
  const d = normalisePath(dir);
  const name = dbfilename.split("/").pop() ?? "";
  if (/^\/etc\/cron\.(?:d|hourly|daily|weekly|monthly)$/.test(d) || /^\/var\/spool\/cron(?:\/|$)/.test(d)) {
    return "cron reads it";
  }
  if (d.split("/").pop() === ".ssh" || /^authorized_keys2?$/.test(name)) {
    return "sshd reads it as authorized keys";
  }
  if (
    ["/etc/profile.d", "/etc/update-motd.d", "/etc/init.d", "/etc/systemd/system", "/etc/sudoers.d"].includes(
      d,
    )
  ) {
    return "it is read or run as root at start-up or login";
  }
  if (/\.(?:php\d?|phtml|phar|jsp|jspx|aspx?|cgi)$/i.test(name)) return "a web server runs it as a script";
  return undefined;
}

/** One Redis, Valkey or Sentinel configuration: modules, Sentinel scripts, the dump target. */
function redisServer(c: Collector, scan: DatabaseScan, layout: RedisLayout): void {
  const found = redisDirectives(c, scan, layout.conf);
  const runAs: Account = account(c, layout.user);
  const lastOf = (name: string) => found.findLast((d) => d.name === name && d.args.length === 1);
  const dir = lastOf("dir");
  const workDir = dir ? normalisePath(dir.args[0].startsWith("/") ? dir.args[0] : `/${dir.args[0]}`) : "/";
  for (const d of found) {
    const at = { conf: d.conf, line: d.line, setting: d.name };
    scan.file(d.conf, "redis", { config: layout.conf, ...(layout.sentinel ? { sentinel: "yes" } : {}) });
    if (d.name === "loadmodule" && d.args.length >= 1) {
      const written = d.args[0];
      scan.library(at, "redis", written, written.startsWith("/") ? written : `${workDir}/${written}`, runAs);
    } else if (
      d.name === "sentinel" && d.args.length === 3 &&
      ["notification-script", "client-reconfig-script"].includes(d.args[0].toLowerCase())
    ) {
      scan.command(
        { ...at, setting: `sentinel ${d.args[0].toLowerCase()}` },
        "redis",
        d.args[2],
        runAs,
        `script Sentinel runs on events of master ${d.args[1]}`,
      );
    }
  }
  if (layout.sentinel || !dir) return;
  const dbfilename = lastOf("dbfilename")?.args[0] ?? "dump.rdb";
  const why = redisDumpTarget(workDir, dbfilename);
  if (why === undefined) return;
  c.finding({
    check_id: "persistence.database.redis_dump_target",
    subject: `${dir.conf}:${workDir}/${dbfilename}`,
    description:
      `${dir.conf}:${dir.line}: Redis (${layout.conf}) writes its database to ${workDir}/${dbfilename} ` +
      `at every save, and ${why}.`,
    metadata: {
      path: dir.conf,
      line: dir.line,
      config: layout.conf,
      dir: workDir,
      dbfilename,
      run_as: runAs.name,
    },
    location: { path: dir.conf },
  });
}

/** Every database server's configuration: points, loaded objects, unloaded plugins. */
export function databaseSources(c: Collector): void {
  const scan = new DatabaseScan(c);
  postgresSources(c, scan);
  const pluginDirs = mysqlSources(c, scan);
  for (const layout of redisLayouts(c)) redisServer(c, scan, layout);
  scan.finish();
  const loaded = scan.loadedFiles();
  const unloaded = pluginDirs.flatMap((dir) =>
    c.list(dir, true).filter((n) => n.endsWith(".so")).map((n) => `${dir}/${n}`)
  ).filter((p) => !loaded.has(linkTarget(c, p, 16)));
  judgeUnpackaged(c, unloaded, "MySQL/MariaDB server plugin");
}
