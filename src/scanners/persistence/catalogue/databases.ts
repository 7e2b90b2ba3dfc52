/**
 * Catalogue of the database-server family (sources/databases.ts): PostgreSQL, MySQL/MariaDB and Redis settings
 * that make the server load code or run commands at every start. The commands themselves (archive_command and
 * its kin, wsrep_notify_cmd, mysqld_safe's programs, Sentinel scripts) are judged by the shared
 * `persistence.command.*` checks; an unloaded object in a MySQL/MariaDB plugin directory that no package installed
 * is `persistence.hook.unpackaged`.
 */
import type { CheckInput } from "../../../core/catalogue.ts";
import { FAMILY_BASE, PRESERVE_AND_REMOVE } from "./common.ts";

/** Checks of the database-server family. */
export const DATABASE_CHECKS: CheckInput[] = [
  {
    ...FAMILY_BASE,
    id: "persistence.database.unpackaged_library",
    title: "Database server loads a library that no package installed",
    severity: "high",
    rationale:
      "PostgreSQL's shared_preload_libraries (loaded by the postmaster at start), session_preload_libraries and " +
      "local_preload_libraries (every session), archive_library and jit_provider, MySQL/MariaDB's plugin-load " +
      "and plugin-load-add (and mysqld_safe's malloc-lib, preloaded as root), Redis' and Valkey's loadmodule, " +
      "and an LD_PRELOAD in a Debian PostgreSQL cluster's environment file make the server dlopen a shared " +
      "object and run its code inside the server for as long as it runs, with the server's account and every " +
      "database it can read. A database superuser can write these settings (`ALTER SYSTEM`, which writes " +
      "postgresql.auto.conf; `CONFIG REWRITE`), and they survive restarts. Distributions ship server " +
      "extensions in packages (postgresql-NN and its extension packages, mariadb-server and " +
      "mariadb-plugin-*); one that no package installed was built or copied in by hand — which is how " +
      "database backdoors (command-running UDFs and extensions, Redis modules that add a shell command) are " +
      "installed. A locally built extension installed with `make install` is reported too." +
      " High: the object runs its code in the database server at every start, with access to all its data.",
    remediation:
      "Find where the object came from (`dpkg -S` / `rpm -qf`, its timestamps, `strings`, who set the " +
      "setting: `ALTER SYSTEM RESET`, the server's logs); if nobody built it on purpose, remove the setting and " +
      "the object, restart the server, and treat the data and credentials it could reach as exposed. " +
      PRESERVE_AND_REMOVE,
    mitre: ["T1505", "T1505.001"],
    confidence: "heuristic",
  },
  {
    ...FAMILY_BASE,
    id: "persistence.database.redis_dump_target",
    title: "Redis writes its database into a cron, SSH or start-up directory",
    severity: "high",
    rationale:
      "Redis writes its whole dataset to `dir`/`dbfilename` at every save. Pointing them at /var/spool/cron " +
      "or /etc/cron.d (a key's value holding a cron line), at an account's .ssh directory or a file named " +
      "authorized_keys (a value holding a public key), at a start-up directory or at a web script is the " +
      "classic way an attacker turns an unauthenticated Redis into a shell (`CONFIG SET dir`, `CONFIG SET " +
      "dbfilename`, `SAVE`); `CONFIG REWRITE` leaves it in the configuration, so every save rewrites the file. " +
      "Cron, sshd and web servers skip the binary dump's noise and act on the planted line." +
      " High: every save plants the attacker's cron job, key or script again, with Redis' account or root's.",
    remediation:
      "Set `dir` back to the server's data directory (Debian: /var/lib/redis) and `dbfilename` to dump.rdb, " +
      "remove the file it wrote (and any crontab, key or script that came with it), require a password or ACL " +
      "and bind Redis to localhost. " + PRESERVE_AND_REMOVE,
    mitre: ["T1053.003", "T1098.004", "T1505"],
  },
  {
    ...FAMILY_BASE,
    id: "persistence.database.init_sql_exec",
    title: "SQL that MySQL/MariaDB runs at every start loads code, runs commands or writes files",
    severity: "high",
    rationale:
      "mysqld runs the file `init_file` names at every start, with every privilege and no client to see it, " +
      "and `init_connect`/`init_slave` at every connection. In that SQL, `CREATE FUNCTION … SONAME` and " +
      "`INSTALL PLUGIN/SONAME` load a shared object into the server, calls of sys_exec, sys_eval and the like " +
      "(lib_mysqludf_sys) run shell commands, and `INTO OUTFILE`/`INTO DUMPFILE` writes files as the server's " +
      "account: a way to put a command-running UDF back, or to run commands, whenever the server starts." +
      " High: the SQL runs with every privilege at every start of the server (or every connection).",
    remediation:
      "Read the whole file; remove the statements (or the init_file setting) if nobody on the team wrote them, " +
      "drop the functions they create (`DROP FUNCTION`, and look at mysql.func), and remove the shared objects " +
      "from the plugin directory. " + PRESERVE_AND_REMOVE,
    mitre: ["T1505.001", "T1059"],
  },
];
