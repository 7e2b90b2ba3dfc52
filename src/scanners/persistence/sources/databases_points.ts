/**
 * What the database-server families (sources/databases.ts) collect while they read configuration files: one
 * `database_hook` point per file with the commands it makes the server run, and every shared object it makes the
 * server load, judged once every file has been read: an object no package installed is
 * `persistence.database.unpackaged_library`, one where others can change it an entry (so the shared
 * `persistence.command.untrusted_path` check judges it).
 */
import type { Account } from "../accounts.ts";
import { pathRisk } from "../assess.ts";
import { type Collector, type Entry, normalisePath } from "../collect.ts";
import { unlessOwned } from "./ownership.ts";
import { linkTarget } from "./shared.ts";

/** The technique of this family: a server software component (T1505). */
export const DATABASE_TECHNIQUE = "T1505";
/** Bounds of one server's configuration walk: files read, include nesting, metadata lines per file. */
export const DATABASE_LIMITS = { files: 200, depth: 10, metaLines: 50 } as const;

/** The servers this family reads. */
export type DatabaseServer = "postgresql" | "mysql" | "redis";

/** Where a setting sits and what it is. */
export interface SettingAt {
  conf: string;
  line: number;
  setting: string;
}

/** A shared object a configuration makes a server load. */
interface LoadedLibrary extends SettingAt {
  written: string;
  file: string;
  server: DatabaseServer;
  runAs: Account;
}

/** One configuration file's commands and loaded objects, with the metadata lines describing them. */
export class DbFile {
  readonly entries: Entry[] = [];
  readonly hooks: string[] = [];
  readonly libraries: string[] = [];
  readonly problems: string[] = [];

  constructor(readonly server: DatabaseServer, readonly meta: Record<string, string>) {}
}

/** The files read and the objects loaded by every server of one scan. */
export class DatabaseScan {
  readonly #files = new Map<string, DbFile>();
  readonly #loaded: LoadedLibrary[] = [];
  /** How many files each server's walk has read (see DATABASE_LIMITS.files). */
  readonly read = new Map<string, number>();

  constructor(readonly c: Collector) {}

  /** The accumulator of `path` (created with the server and metadata given the first time). */
  file(path: string, server: DatabaseServer, meta: Record<string, string> = {}): DbFile {
    let f = this.#files.get(path);
    if (!f) {
      f = new DbFile(server, { ...meta });
      this.#files.set(path, f);
    } else for (const [k, v] of Object.entries(meta)) f.meta[k] ??= v;
    return f;
  }

  /** A command the server runs (through /bin/sh unless said otherwise), as `runAs`, described by `what`. */
  command(at: SettingAt, server: DatabaseServer, text: string, runAs: Account, what: string): void {
    if (text.trim() === "") return;
    const f = this.file(at.conf, server);
    f.entries.push({ line: at.line, text: text.trim(), runAs });
    f.hooks.push(`${at.line}: ${at.setting}: ${what}, as ${runAs.name}`);
  }

  /**
   * A shared object the server loads from `path` (absolute; `written` as the configuration spells it): recorded
   * when the file exists, its package asked about later; the path and the file it ends at become entries when
   * others can change them. A missing file is noted (the server would fail to start or to load it).
   */
  library(at: SettingAt, server: DatabaseServer, written: string, path: string, runAs: Account): void {
    const f = this.file(at.conf, server);
    const p = normalisePath(path);
    const file = linkTarget(this.c, p, 16);
    const st = this.c.ctx.host.stat(file);
    const exists = st.ok && st.value.isFile;
    f.libraries.push(
      `${at.line}: ${at.setting} ${written}${p !== written ? ` (${p})` : ""}${
        exists ? "" : ": no such file (not loaded)"
      }`,
    );
    for (const q of new Set([p, file])) {
      if (pathRisk(this.c.ctx.host, q, runAs, this.c.accounts)) {
        f.entries.push({ line: at.line, text: q, runAs });
      }
    }
    if (exists) this.#loaded.push({ ...at, written, file, server, runAs });
  }

  /** Notes something about a file that the metadata should say (a line the server rejects, a limit reached). */
  problem(conf: string, server: DatabaseServer, text: string): void {
    this.file(conf, server).problems.push(text);
  }

  /** The loaded objects' real files (for the plugin-directory judgement). */
  loadedFiles(): Set<string> {
    return new Set(this.#loaded.map((l) => l.file));
  }

  /** Records every file as a point and asks about every loaded object's package. */
  finish(): void {
    const cap = (xs: string[]) => xs.slice(0, DATABASE_LIMITS.metaLines);
    for (const [path, f] of this.#files) {
      if (f.entries.length === 0 && f.hooks.length === 0 && f.libraries.length === 0) continue;
      this.c.point({
        kind: "database_hook",
        path,
        entries: f.entries,
        meta: {
          technique: DATABASE_TECHNIQUE,
          server: f.server,
          ...f.meta,
          ...(f.hooks.length > 0 ? { hooks: cap(f.hooks) } : {}),
          ...(f.libraries.length > 0 ? { libraries: cap(f.libraries) } : {}),
          ...(f.problems.length > 0 ? { problems: cap(f.problems) } : {}),
        },
      });
    }
    const asked = new Set<string>();
    for (const l of this.#loaded) {
      if (asked.has(l.file)) continue;
      asked.add(l.file);
      unlessOwned(this.c, l.file, {
        check_id: "persistence.database.unpackaged_library",
        subject: l.file,
        description: `${l.conf}:${l.line} (${l.setting}) makes ${l.server} load ${l.written}${
          l.file !== l.written ? ` (${l.file})` : ""
        } as ${l.runAs.name}; no installed package provides it.`,
        metadata: {
          path: l.conf,
          line: l.line,
          setting: l.setting,
          library: l.written,
          file: l.file,
          server: l.server,
          run_as: l.runAs.name,
        },
        location: { path: l.conf },
      });
    }
  }
}
