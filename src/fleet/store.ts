/**
 * The fleet store: an SQLite file (node:sqlite) that accumulates every ingested scan, keyed by host and scan
 * time, with its stacking items. Each `sys-scan fleet` invocation is a run; a scan remembers the run that first
 * brought it, which is how "since the previous fleet run" is answered. Rows are only ever inserted: a report
 * can never overwrite another host's or another scan's data.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { ok, type Result } from "../core/result.ts";
import { openVersioned } from "../baseline/sqlite.ts";
import { type Kind, KINDS } from "./extract.ts";
import type { ParsedReport } from "./parse.ts";

/** Identifies our fleet databases (PRAGMA application_id): "SYSF". */
export const FLEET_APPLICATION_ID = 0x53595346;

const MIGRATIONS: string[] = [
  `CREATE TABLE runs (
     run_id INTEGER PRIMARY KEY,
     started_at TEXT NOT NULL,
     finished_at TEXT,
     files INTEGER NOT NULL DEFAULT 0,
     ingested INTEGER NOT NULL DEFAULT 0,
     duplicates INTEGER NOT NULL DEFAULT 0,
     skipped INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE hosts (
     host_id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     first_run INTEGER NOT NULL REFERENCES runs (run_id)
   );
   CREATE TABLE scans (
     scan_id INTEGER PRIMARY KEY,
     host_id INTEGER NOT NULL REFERENCES hosts (host_id),
     scanned_at TEXT NOT NULL,
     scanned_ts INTEGER NOT NULL,
     digest TEXT NOT NULL,
     run_id INTEGER NOT NULL REFERENCES runs (run_id),
     risk INTEGER NOT NULL,
     level TEXT NOT NULL,
     finding_count INTEGER NOT NULL,
     claimed_host TEXT NOT NULL,
     source TEXT NOT NULL,
     source_dir TEXT NOT NULL,
     signer TEXT,
     tool_version TEXT,
     UNIQUE (host_id, scanned_at)
   );
   CREATE INDEX scans_by_run ON scans (run_id);
   CREATE TABLE items (
     item_id INTEGER PRIMARY KEY,
     kind TEXT NOT NULL,
     value TEXT NOT NULL,
     UNIQUE (kind, value)
   );
   CREATE TABLE scan_items (
     scan_id INTEGER NOT NULL REFERENCES scans (scan_id),
     item_id INTEGER NOT NULL REFERENCES items (item_id),
     PRIMARY KEY (scan_id, item_id)
   ) WITHOUT ROWID;
   CREATE INDEX scan_items_by_item ON scan_items (item_id, scan_id);`,
];

/** The schema version this build writes. */
export const FLEET_SCHEMA_VERSION = MIGRATIONS.length;

/** What happened to one report offered to the store. */
export type AddOutcome =
  | { status: "added"; scanId: number }
  | { status: "duplicate"; source: string }
  | { status: "conflict"; source: string };

/** Where a scan came from and who signed it. */
export interface ScanSource {
  /** The host the scan is filed under (the claimed name, or the collection directory's name). */
  host: string;
  path: string;
  signer: string | null;
}

/** How many item ids are remembered between reports (bounded, so memory stays flat). */
const ITEM_CACHE = 50_000;

/** Rows per INSERT of a scan's item links (one statement per 250 rows is several times faster than one per row). */
const LINK_ROWS = 250;

/** Reports per write transaction: one commit (one fsync) per batch, not per report. */
const BATCH_REPORTS = 200;
/** Longest a batch keeps the write lock, so another process sharing the file waits at most about this long. */
const BATCH_MS = 1000;

/** An open fleet database. */
export class FleetStore implements Disposable {
  #items = new Map<string, number>();
  #stmt = new Map<string, StatementSync>();
  #batch: { reports: number; since: number } | undefined;

  private constructor(readonly path: string, readonly db: DatabaseSync) {}

  /** Opens or creates the store; a foreign, corrupted or newer file is an error (exit 2). */
  static open(path: string): Result<FleetStore> {
    const db = openVersioned(path, true, {
      applicationId: FLEET_APPLICATION_ID,
      migrations: MIGRATIONS,
      what: "fleet database",
      flag: "--db",
    });
    if (!db.ok) return db;
    db.value!.exec("PRAGMA foreign_keys = ON");
    // WAL with NORMAL sync: a crash can lose the last batch (re-ingesting it is harmless), never corrupt the file.
    db.value!.exec("PRAGMA synchronous = NORMAL");
    db.value!.exec("PRAGMA cache_size = -16000");
    return ok(new FleetStore(path, db.value!));
  }

  /**
   * A prepared statement, cached by its text. Every statement the store runs goes through here: a statement
   * holds native memory until it is garbage-collected, and the JavaScript heap stays too small for that to
   * happen soon, so preparing one per report made memory grow with the number of reports.
   */
  prepare(sql: string): StatementSync {
    let s = this.#stmt.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.#stmt.set(sql, s);
    }
    return s;
  }

  /** Starts a run and returns its id. */
  beginRun(startedAt: string): number {
    const r = this.prepare("INSERT INTO runs (started_at) VALUES (?)").run(startedAt);
    return Number(r.lastInsertRowid);
  }

  /** Records the run's counts. */
  finishRun(
    runId: number,
    finishedAt: string,
    counts: { files: number; ingested: number; duplicates: number; skipped: number },
  ): void {
    this.prepare(
      "UPDATE runs SET finished_at = ?, files = ?, ingested = ?, duplicates = ?, skipped = ? WHERE run_id = ?",
    ).run(finishedAt, counts.files, counts.ingested, counts.duplicates, counts.skipped, runId);
  }

  #hostId(name: string, runId: number): number {
    const found = this.prepare("SELECT host_id FROM hosts WHERE name = ?").get(name) as
      | { host_id: number }
      | undefined;
    if (found) return Number(found.host_id);
    return Number(
      this.prepare("INSERT INTO hosts (name, first_run) VALUES (?, ?)").run(name, runId).lastInsertRowid,
    );
  }

  #itemId(kind: Kind, value: string): number {
    const key = `${kind}\u0000${value}`;
    const cached = this.#items.get(key);
    if (cached !== undefined) return cached;
    this.prepare("INSERT OR IGNORE INTO items (kind, value) VALUES (?, ?)").run(kind, value);
    const id = Number(
      (this.prepare("SELECT item_id FROM items WHERE kind = ? AND value = ?").get(kind, value) as {
        item_id: number;
      }).item_id,
    );
    if (this.#items.size >= ITEM_CACHE) this.#items.clear();
    this.#items.set(key, id);
    return id;
  }

  /** Commits the open batch, if any. */
  flush(): void {
    if (!this.#batch) return;
    this.#batch = undefined;
    this.db.exec("COMMIT");
  }

  /**
   * Adds one scan, atomically (a savepoint inside the current batch transaction). The same host and scan time
   * with the same digest is a duplicate (counted once); with another digest it is a conflict, and the scan
   * already stored is kept. Call flush() after the last report.
   */
  add(runId: number, report: ParsedReport, source: ScanSource): AddOutcome {
    if (
      this.#batch &&
      (this.#batch.reports >= BATCH_REPORTS || performance.now() - this.#batch.since > BATCH_MS)
    ) {
      this.flush();
    }
    if (!this.#batch) {
      this.db.exec("BEGIN IMMEDIATE");
      this.#batch = { reports: 0, since: performance.now() };
    }
    this.#batch.reports++;
    this.db.exec("SAVEPOINT report");
    try {
      const outcome = this.#add(runId, report, source);
      this.db.exec("RELEASE report");
      return outcome;
    } catch (e) {
      this.db.exec("ROLLBACK TO report");
      this.db.exec("RELEASE report");
      this.#items.clear();
      throw e;
    }
  }

  #add(runId: number, report: ParsedReport, source: ScanSource): AddOutcome {
    const hostId = this.#hostId(source.host, runId);
    const existing = this.prepare(
      "SELECT scans.digest, scans.source FROM scans WHERE host_id = ? AND scanned_at = ?",
    ).get(hostId, report.scannedAt) as { digest: string; source: string } | undefined;
    if (existing) {
      return {
        status: existing.digest === report.digest ? "duplicate" : "conflict",
        source: existing.source,
      };
    }
    const scanId = Number(
      this.prepare(
        `INSERT INTO scans (host_id, scanned_at, scanned_ts, digest, run_id, risk, level, finding_count,
           claimed_host, source, source_dir, signer, tool_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        hostId,
        report.scannedAt,
        report.scannedTs,
        report.digest,
        runId,
        report.risk,
        report.level,
        report.findingCount,
        report.hostname,
        source.path,
        source.path.slice(0, Math.max(0, source.path.lastIndexOf("/"))),
        source.signer,
        report.toolVersion,
      ).lastInsertRowid,
    );
    const ids = new Set<number>();
    for (const kind of KINDS) {
      for (const value of report.items.get(kind) ?? []) ids.add(this.#itemId(kind, value));
    }
    const all = [...ids];
    for (let i = 0; i < all.length; i += LINK_ROWS) {
      const chunk = all.slice(i, i + LINK_ROWS);
      const sql = `INSERT INTO scan_items (scan_id, item_id) VALUES ${
        "(?, ?), ".repeat(chunk.length - 1)
      }(?, ?)`;
      this.prepare(sql).run(...chunk.flatMap((id) => [scanId, id]));
    }
    return { status: "added", scanId };
  }

  /** Closes the database. */
  close(): void {
    if (this.#batch && this.db.isOpen) this.flush();
    if (this.db.isOpen) this.db.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
