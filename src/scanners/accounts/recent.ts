/**
 * Recent account changes within --persistence-recent-days: passwords changed (shadow's last-change day),
 * accounts added since the passwd- backup, and account files modified.
 */
import type { FindingDraft } from "../../core/finding.ts";
import {
  ACCOUNT_FILES,
  type AccountDb,
  type AccountFileRole,
  passwdByName,
  shadowByName,
  shadowDay,
} from "./db.ts";
import { shownName } from "./identity.ts";

const DAY = 86_400_000;

/** What changed recently: findings, and the names of the accounts concerned. */
export interface RecentChanges {
  findings: FindingDraft[];
  accounts: Set<string>;
}

/** Recent changes relative to `now` (ms) within `days` days; nothing when `days` is 0. */
export function recentChanges(db: AccountDb, days: number, now: number): RecentChanges {
  const out: RecentChanges = { findings: [], accounts: new Set() };
  if (days <= 0) return out;
  const since = now - days * DAY;
  const shadow = shadowByName(db);
  const passwdMtime = db.files.passwd.mtime?.getTime();
  for (const e of passwdByName(db).values()) {
    const reasons: string[] = [];
    const meta: Record<string, string> = {};
    const s = shadow.get(e.name);
    // Day 0 means "must change at next login", not a change in 1970.
    if (s && s.lastChange !== null && s.lastChange > 0) {
      const day = shadowDay(s.lastChange);
      if (day.getTime() + DAY > since && day.getTime() <= now + DAY) {
        reasons.push(`password last changed ${day.toISOString().slice(0, 10)}`);
        meta.password_changed = day.toISOString().slice(0, 10);
      }
    }
    if (db.backupNames && !db.backupNames.has(e.name) && passwdMtime !== undefined && passwdMtime > since) {
      const when = new Date(passwdMtime).toISOString();
      reasons.push(
        `not in ${ACCOUNT_FILES.passwdBackup}: added by the last change of ${ACCOUNT_FILES.passwd} (${when})`,
      );
      meta.added = when;
    }
    if (reasons.length === 0) continue;
    out.accounts.add(e.name);
    out.findings.push({
      check_id: "accounts.account.recent",
      subject: e.name,
      description: `${shownName(e.name)} (uid ${e.uid}): ${reasons.join("; ")}.`,
      metadata: { user: e.name, uid: e.uid, ...meta, window_days: days },
      location: { path: ACCOUNT_FILES.passwd },
    });
  }
  const roles: AccountFileRole[] = ["passwd", "shadow", "group", "gshadow"];
  for (const role of roles) {
    const f = db.files[role];
    const mtime = f.mtime?.getTime();
    if (mtime === undefined || mtime <= since) continue;
    out.findings.push({
      check_id: "accounts.file.recent",
      subject: f.path,
      description: `${f.path} was modified ${new Date(mtime).toISOString()}, within the last ${days} day(s).`,
      metadata: { path: f.path, mtime: new Date(mtime).toISOString(), window_days: days },
      location: { path: f.path },
    });
  }
  return out;
}
