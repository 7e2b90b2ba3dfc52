/**
 * Who logged in and who tried: sessions open now (utmp), remote root and system-account logins and logins by
 * vanished accounts (wtmp), and bursts of failed logins per source (btmp).
 */
import type { FindingDraft } from "../../core/finding.ts";
import type { Host } from "../../host/host.ts";
import { type AccountDb, isSystemUid, passwdByName } from "../accounts/db.ts";
import type { LoginRecords } from "./records.ts";
import { UT, type UtmpRecord } from "./utmp.ts";

/** Failed logins from one source that make a burst. */
export const BURST_THRESHOLD = 20;

const iso = (t: number) => new Date(t * 1000).toISOString();

/** The remote source of a record ("" for a local login: console, X display, tmux or screen). */
export function remoteSource(r: UtmpRecord): string {
  const host = r.host.trim();
  if (r.addr !== "" && !/^(?:127\.|0\.0\.0\.0$|::1$|::$)/.test(r.addr)) return host || r.addr;
  if (host === "" || host.startsWith(":") || /^(?:localhost|127\.|::1$)/.test(host)) return "";
  if (/^(?:tmux|screen)\(|:S\.\d/.test(host)) return "";
  return host;
}

/** Sessions in utmp (on the live host, only those whose process still runs). */
export function* activeSessions(records: LoginRecords, host: Host): Generator<FindingDraft> {
  if (records.utmp.kind !== "ok") return;
  const seen = new Set<string>();
  for (const r of records.utmp.records) {
    if (r.type !== UT.USER_PROCESS || r.user === "") continue;
    if (host.isLive && r.pid > 0 && !host.exists(`/proc/${r.pid}`)) continue;
    const subject = `${r.line || r.id}:${r.user}`;
    if (seen.has(subject)) continue;
    seen.add(subject);
    const from = remoteSource(r);
    yield {
      check_id: "logins.session.active",
      subject,
      description: `${r.user} on ${r.line || "?"}${from ? ` from ${from}` : ""} since ${iso(r.time)}.`,
      metadata: {
        user: r.user,
        tty: r.line,
        source: from || null,
        since: iso(r.time),
        address: r.addr || null,
      },
      location: { path: records.utmp.path },
    };
  }
}

interface Group {
  user: string;
  source: string;
  count: number;
  first: number;
  last: number;
}

function groupLogins(rs: UtmpRecord[], keep: (r: UtmpRecord, from: string) => boolean): Group[] {
  const out = new Map<string, Group>();
  for (const r of rs) {
    if (r.type !== UT.USER_PROCESS || r.user === "") continue;
    const from = remoteSource(r);
    if (!keep(r, from)) continue;
    const key = `${r.user}\0${from}`;
    const g = out.get(key) ?? { user: r.user, source: from, count: 0, first: r.time, last: r.time };
    g.count++;
    g.first = Math.min(g.first, r.time);
    g.last = Math.max(g.last, r.time);
    out.set(key, g);
  }
  return [...out.values()].sort((a, b) =>
    a.user < b.user ? -1 : a.user > b.user ? 1 : a.source < b.source ? -1 : 1
  );
}

/**
 * From wtmp: remote logins of uid-0 accounts within the window (`sinceSec`, or none when undefined), remote
 * logins of system accounts, and logins by names that are not in passwd.
 */
export function* loginHistory(
  records: LoginRecords,
  db: AccountDb,
  sinceSec: number | undefined,
): Generator<FindingDraft> {
  if (records.wtmp.kind !== "ok") return;
  const path = records.wtmp.path;
  const byName = passwdByName(db);
  const rs = records.wtmp.records;
  if (sinceSec !== undefined) {
    for (
      const g of groupLogins(
        rs,
        (r, from) => from !== "" && r.time >= sinceSec && byName.get(r.user)?.uid === 0,
      )
    ) {
      yield {
        check_id: "logins.root.remote",
        subject: `${g.user}@${g.source}`,
        description: `${g.user} (uid 0) logged in from ${g.source} ${g.count} time(s), last ${iso(g.last)}.`,
        metadata: { user: g.user, source: g.source, logins: g.count, first: iso(g.first), last: iso(g.last) },
        location: { path },
      };
    }
  }
  for (
    const g of groupLogins(rs, (r, from) => from !== "" && isSystemUid(db, byName.get(r.user)?.uid ?? 0))
  ) {
    yield {
      check_id: "logins.system_account.remote",
      subject: `${g.user}@${g.source}`,
      description:
        `System account ${g.user} (uid ${byName.get(g.user)?.uid}) logged in from ${g.source} ${g.count} ` +
        `time(s), last ${iso(g.last)}.`,
      metadata: { user: g.user, source: g.source, logins: g.count, first: iso(g.first), last: iso(g.last) },
      location: { path },
    };
  }
  if (!db.files.passwd.read) return;
  const unknown = new Map<string, Group>();
  for (const g of groupLogins(rs, (r) => !byName.has(r.user))) {
    const u = unknown.get(g.user);
    if (!u) unknown.set(g.user, { ...g });
    else {
      u.count += g.count;
      u.first = Math.min(u.first, g.first);
      u.last = Math.max(u.last, g.last);
      u.source = u.source || g.source;
    }
  }
  for (const g of unknown.values()) {
    yield {
      check_id: "logins.unknown_account",
      subject: g.user,
      description:
        `wtmp records ${g.count} login(s) by an account /etc/passwd does not have, last ${iso(g.last)}` +
        `${g.source ? ` from ${g.source}` : ""}.`,
      metadata: {
        user: g.user,
        source: g.source || null,
        logins: g.count,
        first: iso(g.first),
        last: iso(g.last),
      },
      location: { path },
    };
  }
}

/** Bursts of failed logins per source in btmp; high when wtmp shows a login from that source afterwards. */
export function* failedLoginBursts(records: LoginRecords): Generator<FindingDraft> {
  if (records.btmp.kind !== "ok") return;
  const bySource = new Map<string, { count: number; first: number; last: number; users: Set<string> }>();
  for (const r of records.btmp.records) {
    // lastb lists every record whatever its type; one whose type is impossible is not a record (see undecodable).
    if (r.zeroed || r.type < UT.EMPTY || r.type > UT.ACCOUNTING) continue;
    const source = remoteSource(r) || `local:${r.line || "?"}`;
    const g = bySource.get(source) ?? { count: 0, first: r.time, last: r.time, users: new Set<string>() };
    g.count++;
    g.first = Math.min(g.first, r.time);
    g.last = Math.max(g.last, r.time);
    g.users.add(r.user);
    bySource.set(source, g);
  }
  const logins = records.wtmp.kind === "ok"
    ? records.wtmp.records.filter((r) => r.type === UT.USER_PROCESS)
    : [];
  for (const [source, g] of [...bySource].sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))) {
    if (g.count < BURST_THRESHOLD) continue;
    const after = logins.filter((r) => remoteSource(r) === source && r.time >= g.first);
    const winners = [...new Set(after.map((r) => r.user))].sort();
    yield {
      check_id: "logins.btmp.burst",
      subject: source,
      severity: winners.length > 0 ? "high" : undefined,
      description: `${g.count} failed logins from ${source} (${g.users.size} different user names) between ` +
        `${iso(g.first)} and ${iso(g.last)}${
          winners.length > 0 ? `; then ${after.length} successful login(s) from the same source` : ""
        }.`,
      metadata: {
        source,
        failures: g.count,
        distinct_names: g.users.size,
        first: iso(g.first),
        last: iso(g.last),
        successful_logins_after: after.length,
        ...(winners.length > 0 ? { users: winners } : {}),
      },
      location: { path: records.btmp.path },
    };
  }
}
