/**
 * Ingest: each report file in turn is read, checked and added to the store in its own transaction, then
 * released, so memory stays flat however many reports there are. A file that cannot be used costs one warning
 * and one entry in the run's problem list; duplicates of a scan already stored are counted once.
 */
import type { IngestSummary } from "./analyze.ts";
import type { Problem } from "./model.ts";
import { readReport, type Verifier } from "./read.ts";
import type { FleetStore } from "./store.ts";

/** Problems listed in the report; the rest are only counted. */
export const MAX_LISTED_PROBLEMS = 1000;

/** Where a scan is filed: under the host name the report claims, or the name of the directory it was fetched into. */
export type HostFrom = "report" | "dir";

/** Options of ingest. */
export interface IngestOptions {
  runId: number;
  maxBytes: number;
  now: Date;
  hostFrom: HostFrom;
  verify?: Verifier;
  /** Called once per problem with a one-line message. */
  warn: (message: string) => void;
}

/** Adds every report of `files` to the store; returns the run's counts and problems. */
export async function ingest(
  store: FleetStore,
  files: AsyncIterable<string> | Iterable<string>,
  o: IngestOptions,
): Promise<Omit<IngestSummary, "run_id" | "compared_run_id" | "previous_run_id" | "ingest_ms">> {
  const s = {
    files: 0,
    ingested: 0,
    duplicates: 0,
    conflicts: 0,
    skipped: 0,
    unverified: 0,
    problems: [] as Problem[],
    problems_not_listed: 0,
  };
  const note = (p: Problem, message: string) => {
    if (s.problems.length < MAX_LISTED_PROBLEMS) s.problems.push(p);
    else s.problems_not_listed++;
    if (p.problem !== "duplicate") o.warn(message);
  };
  const nowSeconds = Math.floor(o.now.getTime() / 1000);
  for await (const path of files) {
    s.files++;
    const r = await readReport(path, { maxBytes: o.maxBytes, nowSeconds, verify: o.verify });
    if (!r.ok) {
      if (r.unverified) s.unverified++;
      else s.skipped++;
      const problem = r.unverified ? "unverified" : "skipped";
      note(
        { source: path, problem, reason: r.reason },
        `${path}: ${r.unverified ? "signature did not verify" : "skipped"}: ${r.reason}`,
      );
      continue;
    }
    const dir = path.slice(0, Math.max(0, path.lastIndexOf("/")));
    const host = o.hostFrom === "dir"
      ? dir.slice(dir.lastIndexOf("/") + 1) || r.report.hostname
      : r.report.hostname;
    const added = store.add(o.runId, r.report, { host, path, signer: r.signer });
    if (added.status === "added") s.ingested++;
    else if (added.status === "duplicate") {
      s.duplicates++;
      note(
        { source: path, problem: "duplicate", reason: `the same scan as ${added.source}` },
        `${path}: the same scan as ${added.source}; counted once`,
      );
    } else {
      s.conflicts++;
      note(
        {
          source: path,
          problem: "conflict",
          reason: `host ${
            JSON.stringify(host)
          } already has a different scan at ${r.report.scannedAt} (${added.source}); kept that one`,
        },
        `${path}: host ${
          JSON.stringify(host)
        } already has a different scan at ${r.report.scannedAt} (${added.source}); kept that one, skipped this`,
      );
    }
  }
  store.flush();
  return s;
}
