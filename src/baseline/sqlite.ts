/**
 * Opening sys-scan's own SQLite files (node:sqlite): the baseline and the fleet store. One rule for both: a file
 * is ours when its `application_id` says so; a foreign, corrupted or newer file is an error, never recreated;
 * the schema is brought up to date by numbered migrations in `BEGIN IMMEDIATE` transactions; WAL mode and a
 * busy timeout let several processes share the file; the file is made 0600.
 */
import { DatabaseSync } from "node:sqlite";
import { ExitCode, fail, ok, type Result } from "../core/result.ts";

/** What a database is, for opening it and for the errors that name it. */
export interface DatabaseKind {
  /** `PRAGMA application_id` of our files of this kind. */
  applicationId: number;
  /** Index i brings `user_version` i to i+1. */
  migrations: readonly string[];
  /** How errors name the file, e.g. "baseline database". */
  what: string;
  /** The flag that chooses another file, e.g. "--baseline-db". */
  flag: string;
}

/**
 * Opens (and with `create`, creates) the database at `path`; `ok(undefined)` when it does not exist and
 * `create` is false. Exit 2 with a sentence naming the file and the flag for anything that is not ours.
 */
export function openVersioned(
  path: string,
  create: boolean,
  kind: DatabaseKind,
): Result<DatabaseSync | undefined> {
  let exists = false;
  try {
    const st = Deno.statSync(path);
    if (!st.isFile) return fail(ExitCode.Usage, `${kind.what} ${path} is not a regular file`);
    exists = st.size > 0;
  } catch {
    exists = false;
  }
  if (!exists && !create) return ok(undefined);
  if (!exists) {
    try {
      Deno.mkdirSync(path.slice(0, Math.max(1, path.lastIndexOf("/"))), { recursive: true, mode: 0o700 });
    } catch (e) {
      return fail(
        ExitCode.Usage,
        `cannot create the directory for ${kind.what} ${path}: ${(e as Error).message}`,
      );
    }
  }
  const version = kind.migrations.length;
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path);
    db.exec("PRAGMA busy_timeout = 10000");
    const appId = Number(
      (db.prepare("PRAGMA application_id").get() as { application_id: number }).application_id,
    );
    const current = Number(
      (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
    );
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number };
    if (appId === 0 && current === 0 && Number(tables.n) === 0) {
      db.exec(`PRAGMA application_id = ${kind.applicationId}`);
    } else if (appId !== kind.applicationId) {
      db.close();
      return fail(
        ExitCode.Usage,
        `${path} is not a sys-scan ${kind.what} (it belongs to another program); choose another ${kind.flag}`,
      );
    }
    if (current > version) {
      db.close();
      return fail(
        ExitCode.Usage,
        `${path} was written by a newer sys-scan (schema ${current} > ${version}); upgrade`,
      );
    }
    db.exec("PRAGMA journal_mode = WAL");
    for (let v = current; v < version; v++) {
      db.exec("BEGIN IMMEDIATE");
      try {
        const now = Number(
          (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
        );
        if (now === v) {
          db.exec(kind.migrations[v]);
          db.exec(`PRAGMA user_version = ${v + 1}`);
        }
        db.exec("COMMIT");
      } catch (e) {
        db.exec("ROLLBACK");
        throw e;
      }
    }
    try {
      Deno.chmodSync(path, 0o600);
    } catch {
      // best effort: the directory is already private
    }
    return ok(db);
  } catch (e) {
    db?.close();
    return fail(
      ExitCode.Usage,
      `${kind.what} ${path} cannot be used (${
        (e as Error).message
      }); it is corrupted or not a database: move it away or pass another ${kind.flag}`,
    );
  }
}

/** Where sys-scan keeps a state file by default: /var/lib/sys-scan as root, the XDG state directory otherwise. */
export function defaultStatePath(euid: number, env: (k: string) => string | undefined, file: string): string {
  if (euid === 0) return `/var/lib/sys-scan/${file}`;
  const state = env("XDG_STATE_HOME") || `${env("HOME") ?? "."}/.local/state`;
  return `${state}/sys-scan/${file}`;
}
