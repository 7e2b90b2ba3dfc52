/**
 * Signs that the login records were wiped: files missing or replaced by links to /dev/null, records zeroed in
 * place, time running backwards, and logins other records show that wtmp does not.
 */
import type { FindingDraft } from "../../core/finding.ts";
import type { Host } from "../../host/host.ts";
import type { LoginRecords, RecordFile } from "./records.ts";
import { UT, type UtmpRecord } from "./utmp.ts";

/** A jump back in time larger than this (seconds) between records counts. */
export const REVERSAL_TOLERANCE = 3600;
/** Slack (seconds) between a login and the write of its wtmp record. */
const WRITE_SLACK = 120;

/** Databases that replace the classic files on newer distributions (wtmpdb, lastlog2). */
const SUCCESSORS: Record<string, string> = {
  "/var/log/wtmp": "/var/lib/wtmpdb/wtmp.db",
  "/var/log/lastlog": "/var/lib/lastlog/lastlog2.db",
};

const iso = (t: number) => new Date(t * 1000).toISOString();

/** Missing wtmp/btmp/lastlog (not when a successor database exists), and files that are not regular. */
export function* fileStates(records: LoginRecords, host: Host): Generator<FindingDraft> {
  const files: [RecordFile, "medium" | "low" | undefined][] = [
    [records.wtmp, "medium"],
    [records.btmp, "low"],
    [records.lastlog, "low"],
    [records.utmp, undefined],
  ];
  for (const [f, missingSeverity] of files) {
    if (f.kind === "not_regular") {
      yield {
        check_id: "logins.records.not_regular",
        subject: f.path,
        description: `${f.path} is ${f.what}: new login records are thrown away.`,
        metadata: { path: f.path, is: f.what, target: f.target ?? null },
        location: { path: f.path },
      };
    } else if (f.kind === "missing" && missingSeverity !== undefined) {
      const successor = SUCCESSORS[f.path];
      if (successor !== undefined && host.exists(successor)) continue;
      yield {
        check_id: "logins.records.missing",
        subject: f.path,
        severity: missingSeverity,
        description: `${f.path} does not exist.`,
        metadata: { path: f.path },
        location: { path: f.path },
      };
    }
  }
}

/** Records of wtmp and btmp that are all zero bytes. */
export function* zeroedRecords(records: LoginRecords): Generator<FindingDraft> {
  for (const f of [records.wtmp, records.btmp]) {
    if (f.kind !== "ok") continue;
    const zeroed = f.records.filter((r) => r.zeroed);
    if (zeroed.length === 0) continue;
    yield {
      check_id: "logins.records.zeroed",
      subject: f.path,
      description:
        `${zeroed.length} of the ${f.records.length} records read from ${f.path} are all zero bytes.`,
      metadata: {
        path: f.path,
        zeroed: zeroed.length,
        records: f.records.length,
        first_index: zeroed[0].index,
      },
      location: { path: f.path },
    };
  }
}

/**
 * Records of utmp, wtmp and btmp in the other byte order among the host's own. Login programs write only the
 * native struct (glibc's updwtmp/pututline), and a copy from another architecture has no native record at all
 * (it is then read in its own layout), so byte-swapped records beside native ones were written on purpose: a
 * parser that guesses the byte order from the head of the file reads the whole file in the wrong one and loses
 * every real login.
 */
export function* byteSwappedRecords(records: LoginRecords): Generator<FindingDraft> {
  for (const f of [records.wtmp, records.btmp, records.utmp]) {
    if (f.kind !== "ok" || f.undecodable.swapped === 0) continue;
    const { swapped, swappedSamples } = f.undecodable;
    const first = swappedSamples[0];
    yield {
      check_id: "logins.records.byte_swapped",
      subject: f.path,
      description:
        `${swapped} of the ${f.records.length} records read from ${f.path} are written in the other ` +
        `byte order (${f.little ? "big" : "little"}-endian); the host writes ${
          f.little ? "little" : "big"
        }-endian ` +
        `records${
          first ? `; the first reads as ${first.user || "?"} on ${first.line || "?"} ${iso(first.time)}` : ""
        }.`,
      metadata: {
        path: f.path,
        swapped,
        records: f.records.length,
        first_index: first?.index ?? null,
        samples: swappedSamples.map((r) =>
          `record ${r.index}: type ${r.type} ${r.user || "-"} ${r.line || "-"} ${r.host || "-"} ${
            iso(r.time)
          }`
        ),
      },
      location: { path: f.path },
    };
  }
}

/**
 * Jumps back in time of more than an hour between consecutive session records (login, logout, failed login),
 * not across a boot or a clock change record.
 */
export function* timeReversals(records: LoginRecords): Generator<FindingDraft> {
  for (const f of [records.wtmp, records.btmp]) {
    if (f.kind !== "ok") continue;
    let prev: UtmpRecord | undefined;
    let count = 0;
    let first: [UtmpRecord, UtmpRecord] | undefined;
    for (const r of f.records) {
      if (r.zeroed) continue;
      if (
        r.type === UT.BOOT_TIME || r.type === UT.NEW_TIME || r.type === UT.OLD_TIME || r.type === UT.RUN_LVL
      ) {
        prev = undefined;
        continue;
      }
      if (r.type !== UT.USER_PROCESS && r.type !== UT.DEAD_PROCESS && r.type !== UT.LOGIN_PROCESS) continue;
      if (prev && prev.time - r.time > REVERSAL_TOLERANCE) {
        count++;
        first ??= [prev, r];
      }
      prev = r;
    }
    if (count === 0 || first === undefined) continue;
    yield {
      check_id: "logins.records.time_reversed",
      subject: f.path,
      description:
        `${f.path}: time runs backwards ${count} time(s) between records; first from ${iso(first[0].time)} ` +
        `(record ${first[0].index}) to ${iso(first[1].time)} (record ${first[1].index}).`,
      metadata: {
        path: f.path,
        reversals: count,
        first_from: iso(first[0].time),
        first_to: iso(first[1].time),
        first_index: first[1].index,
      },
      location: { path: f.path },
    };
  }
}

/**
 * wtmp against the other records: logins lastlog (for `uids`) or utmp shows after wtmp was last written, and a
 * boot utmp records that wtmp lacks. An empty wtmp with nothing against it is noted at info. Only wtmp's time
 * stamp is compared, so a wtmp too large to read whole is checked all the same.
 */
export function* wtmpGaps(records: LoginRecords, uids: ReadonlyMap<number, string>): Generator<FindingDraft> {
  const w = records.wtmp;
  if (w.kind !== "ok" || w.mtime === undefined) return;
  const written = Math.floor(w.mtime.getTime() / 1000);
  const evidence: string[] = [];
  for (const [uid, name] of uids) {
    const ll = records.lastlogOf(uid);
    if (ll && ll.time > written + WRITE_SLACK) {
      evidence.push(`lastlog: ${name} logged in ${iso(ll.time)}${ll.host ? ` from ${ll.host}` : ""}`);
    }
  }
  if (records.utmp.kind === "ok") {
    for (const r of records.utmp.records) {
      if (r.type === UT.USER_PROCESS && r.time > written + WRITE_SLACK) {
        evidence.push(`utmp: ${r.user} logged in on ${r.line} ${iso(r.time)}`);
      }
      if (r.type === UT.BOOT_TIME && r.time > written + WRITE_SLACK) {
        evidence.push(`utmp: the host booted ${iso(r.time)}`);
      }
    }
  }
  if (evidence.length > 0) {
    yield {
      check_id: "logins.records.cleared",
      subject: w.path,
      description:
        `${w.path} was last written ${iso(written)} (${w.records.length} records), but later logins are ` +
        `recorded elsewhere: ${evidence.slice(0, 5).join("; ")}.`,
      metadata: {
        path: w.path,
        mtime: iso(written),
        records: w.records.length,
        evidence: evidence.slice(0, 20),
      },
      location: { path: w.path },
    };
  } else if (w.records.length === 0) {
    yield {
      check_id: "logins.records.cleared",
      subject: w.path,
      severity: "info",
      description: `${w.path} is empty (last written ${iso(written)}); no other record contradicts it.`,
      metadata: { path: w.path, mtime: iso(written), records: 0, evidence: [] },
      location: { path: w.path },
    };
  }
}
