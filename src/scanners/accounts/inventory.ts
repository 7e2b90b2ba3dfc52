/** --accounts-inventory: one info finding per account that can log in, with its last login. */
import type { FindingDraft } from "../../core/finding.ts";
import { describePassword } from "../../host/account_files.ts";
import { lastLoginOf, type LoginRecords } from "../logins/records.ts";
import {
  ACCOUNT_FILES,
  type AccountDb,
  effectivePassword,
  isLoginShell,
  opensLogin,
  shadowByName,
} from "./db.ts";
import { shownName } from "./identity.ts";

/** Accounts that can log in (root, a login shell, or a password that opens a login), first entry per name. */
export function* accountInventory(db: AccountDb, records: LoginRecords): Generator<FindingDraft> {
  const shadow = shadowByName(db);
  const seen = new Set<string>();
  for (const e of db.passwd) {
    if (e.nis || seen.has(e.name)) continue;
    seen.add(e.name);
    const eff = effectivePassword(db, e, shadow);
    if (!(e.uid === 0 || isLoginShell(e.shell) || opensLogin(eff))) continue;
    const last = lastLoginOf(records, e.name, e.uid);
    const when = last ? new Date(last.time * 1000).toISOString() : null;
    yield {
      check_id: "accounts.inventory.account",
      subject: e.name,
      title: `Login-capable account: ${e.name}`,
      description: `${shownName(e.name)}: uid ${e.uid}, shell ${e.shell}, home ${e.home}, password ${
        eff ? describePassword(eff.password) : "unknown"
      }, last login ${when ? `${when}${last!.host ? ` from ${last!.host}` : ""}` : "never recorded"}.`,
      metadata: {
        user: e.name,
        uid: e.uid,
        gid: e.gid,
        shell: e.shell,
        home: e.home,
        password: eff ? describePassword(eff.password) : "unknown (shadow unreadable)",
        last_login: when,
        last_login_from: last?.host ?? null,
        last_login_tty: last?.line ?? null,
        last_login_source: last?.source ?? null,
      },
      location: { path: ACCOUNT_FILES.passwd },
    };
  }
}
