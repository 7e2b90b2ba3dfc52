/**
 * The baseline store: an embedded SQLite database (node:sqlite) holding each host's known findings.
 * Versioned schema with migrations, WAL mode and a busy timeout for concurrent scans; a foreign or corrupted
 * file is an error, never silently recreated.
 */
import type { DatabaseSync } from "node:sqlite";
import { ok, type Result } from "../core/result.ts";
import { openVersioned } from "./sqlite.ts";

/** Identifies our databases (PRAGMA application_id): "SYSB". */
export const APPLICATION_ID = 0x53595342;

/** Schema migrations; index i brings user_version i to i+1. */
const MIGRATIONS: string[] = [
  `CREATE TABLE scans (
     host_key TEXT NOT NULL,
     scanned_at TEXT NOT NULL,
     hostname TEXT NOT NULL,
     scan_root TEXT NOT NULL,
     finding_count INTEGER NOT NULL
   );
   CREATE TABLE findings (
     host_key TEXT NOT NULL,
     id TEXT NOT NULL,
     check_id TEXT NOT NULL,
     scanner TEXT NOT NULL,
     severity TEXT NOT NULL,
     title TEXT NOT NULL,
     content_hash TEXT NOT NULL,
     first_seen TEXT NOT NULL,
     last_seen TEXT NOT NULL,
     PRIMARY KEY (host_key, id)
   );`,
  `CREATE INDEX scans_by_host ON scans (host_key, scanned_at);`,
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** A finding as remembered by the baseline. */
export interface KnownFinding {
  id: string;
  check_id: string;
  scanner: string;
  severity: string;
  title: string;
  content_hash: string;
  first_seen: string;
}

/** An open baseline database. */
export class BaselineStore implements Disposable {
  private constructor(readonly path: string, private readonly db: DatabaseSync) {}

  /**
   * Opens (and with `create`, creates) the database at `path`. Fails with exit 2 on a file that is not ours,
   * is corrupted, or was written by a newer sys-scan.
   */
  static open(path: string, create: boolean): Result<BaselineStore | undefined> {
    const db = openVersioned(path, create, {
      applicationId: APPLICATION_ID,
      migrations: MIGRATIONS,
      what: "baseline database",
      flag: "--baseline-db",
    });
    if (!db.ok) return db;
    return ok(db.value && new BaselineStore(path, db.value));
  }

  /** Every known finding of a host, by id. */
  known(hostKey: string): Map<string, KnownFinding> {
    const rows = this.db.prepare(
      "SELECT id, check_id, scanner, severity, title, content_hash, first_seen FROM findings WHERE host_key = ?",
    ).all(hostKey) as unknown as KnownFinding[];
    return new Map(rows.map((r) => [r.id, { ...r }]));
  }

  /** True when the host has at least one recorded scan. */
  hasHost(hostKey: string): boolean {
    return this.db.prepare("SELECT 1 FROM scans WHERE host_key = ? LIMIT 1").get(hostKey) !== undefined;
  }

  /** Replaces the host's known state with `findings`, keeping first-seen times of findings already known. */
  record(
    hostKey: string,
    scan: { scannedAt: string; hostname: string; scanRoot: string },
    findings: Omit<KnownFinding, "first_seen">[],
  ): void {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const previous = this.known(hostKey);
      this.db.prepare("DELETE FROM findings WHERE host_key = ?").run(hostKey);
      const insert = this.db.prepare(
        `INSERT OR REPLACE INTO findings (host_key, id, check_id, scanner, severity, title, content_hash, first_seen, last_seen)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const f of findings) {
        const first = previous.get(f.id)?.first_seen ?? scan.scannedAt;
        insert.run(
          hostKey,
          f.id,
          f.check_id,
          f.scanner,
          f.severity,
          f.title,
          f.content_hash,
          first,
          scan.scannedAt,
        );
      }
      this.db.prepare(
        "INSERT INTO scans (host_key, scanned_at, hostname, scan_root, finding_count) VALUES (?, ?, ?, ?, ?)",
      )
        .run(hostKey, scan.scannedAt, scan.hostname, scan.scanRoot, findings.length);
      this.db.exec("COMMIT");
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  /** Closes the database. */
  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
