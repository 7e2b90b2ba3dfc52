/**
 * logins: who is logged in, who logged in and who tried, from utmp, wtmp, btmp and lastlog read natively (no
 * last/lastb needed) — remote root and system-account logins, logins by vanished accounts, brute-force bursts —
 * and whether those records or the shell histories were wiped.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { accountDb, passwdByName } from "../accounts/db.ts";
import { historyDisabled, historyFiles } from "./history.ts";
import { loginRecords, type RecordFile } from "./records.ts";
import { activeSessions, failedLoginBursts, loginHistory } from "./sessions.ts";
import { byteSwappedRecords, fileStates, timeReversals, wtmpGaps, zeroedRecords } from "./tampering.ts";
import { LOGINS_INFO } from "../info/logins.ts";

function warnings(ctx: ScanContext, files: RecordFile[]): void {
  for (const f of files) {
    if (f.kind === "unreadable") ctx.warn("login_records_unreadable", `${f.path}: ${f.message}`);
    if (f.kind !== "ok") continue;
    if (f.headSkipped) {
      ctx.warn(
        "truncated",
        `${f.path} is ${f.size} bytes: only its newest ${f.records.length} records were read`,
      );
    }
    if (!f.native) {
      ctx.warn(
        "login_records_foreign",
        `${f.path} is in the ${f.layout.name} ${
          f.little ? "little" : "big"
        }-endian layout, not this host's ` +
          `(no record reads natively): read in that layout, as a copy from another architecture`,
      );
    }
    const other = f.undecodable.count - f.undecodable.swapped;
    if (other > 0) {
      ctx.warn(
        "login_records_undecodable",
        `${f.path}: ${other} of the ${f.records.length} records read are not records in its layout (damaged, or ` +
          `written by something other than a login program); they are ignored`,
      );
    }
    if (f.trailing > 0 && f.records.length > 0) {
      ctx.warn(
        "login_record_partial",
        `${f.path} ends with ${f.trailing} bytes of an incomplete record (ignored)`,
      );
    }
  }
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const records = loginRecords(ctx);
  const db = accountDb(ctx);
  warnings(ctx, [records.utmp, records.wtmp, records.btmp, records.lastlog]);
  const days = ctx.config.persistenceRecentDays;
  const sinceSec = days > 0 ? Math.floor(Date.now() / 1000) - days * 86_400 : undefined;
  yield* fileStates(records, ctx.host);
  yield* zeroedRecords(records);
  yield* byteSwappedRecords(records);
  yield* timeReversals(records);
  const uids = new Map([...passwdByName(db).values()].map((e) => [e.uid, e.name] as const));
  yield* wtmpGaps(records, uids);
  await ctx.checkpoint();
  yield* activeSessions(records, ctx.host);
  yield* loginHistory(records, db, sinceSec);
  yield* failedLoginBursts(records);
  await ctx.checkpoint();
  yield* historyFiles(db, records, ctx.host, sinceSec);
  yield* historyDisabled(db, ctx.host, (d) => ctx.warn("startup_file_unreadable", d));
}

/** The logins scanner. */
export const logins: Scanner = { ...LOGINS_INFO, run };
