/**
 * Checks on who the accounts are: extra uid-0 accounts, root-group logins, shared uids, names listed twice,
 * malformed and NIS lines, lookalike names, hashes in passwd, shadow entries without an account.
 */
import type { FindingDraft } from "../../core/finding.ts";
import { describePassword, type PasswdEntry } from "../../host/account_files.ts";
import { ACCOUNT_FILES, type AccountDb, isLoginShell } from "./db.ts";

/** Characters a name is expected to consist of (useradd's default NAME_REGEX, plus a Samba machine `$`). */
const PLAIN_NAME = /^[a-z_][a-z0-9_.-]*\$?$/i;
const CONFUSABLE: Record<string, string> = {
  "0": "o",
  "1": "l",
  "3": "e",
  "5": "s",
  "7": "t",
  "|": "l",
  "!": "i",
};

/** Why a name is made to be overlooked, or undefined. */
export function nameConcern(name: string): string | undefined {
  if (/\s/.test(name)) return "contains blanks";
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) return "contains control characters";
  if (/[^\x20-\x7e]/.test(name)) return "contains non-ASCII characters";
  const folded = [...name.toLowerCase()].map((c) => CONFUSABLE[c] ?? c).join("");
  if (name !== "root" && (folded === "root" || folded === "rool")) return "looks like root";
  if (!PLAIN_NAME.test(name)) return "contains characters useradd would refuse";
  return undefined;
}

/** Printable form of a name for descriptions (blanks and control characters made visible). */
export function shownName(name: string): string {
  return JSON.stringify(name);
}

/** The shell as findings print it: an empty field is named as the /bin/sh it gives. */
export function shownShell(shell: string): string {
  return shell.trim() === "" ? "(empty: /bin/sh)" : shell;
}

function passwdMeta(e: PasswdEntry) {
  return {
    user: e.name,
    uid: e.uid,
    gid: e.gid,
    ...(e.uidText !== undefined ? { uid_field: e.uidText } : {}),
    home: e.home,
    shell: e.shell,
    ...(e.fields !== undefined ? { fields: e.fields } : {}),
    line: e.line,
    path: ACCOUNT_FILES.passwd,
  };
}

/** Extra uid-0 accounts and non-root logins in the root group. */
export function* privilegedIdentities(db: AccountDb): Generator<FindingDraft> {
  for (const e of db.passwd) {
    if (e.nis || e.name === "root") continue;
    if (e.uid === 0) {
      const written = e.uidText !== undefined ? ` (the uid is written ${JSON.stringify(e.uidText)})` : "";
      yield {
        check_id: "accounts.passwd.uid0_extra",
        subject: e.name,
        description:
          `${shownName(e.name)} (${ACCOUNT_FILES.passwd}:${e.line}) has uid 0${written}, shell ${
            shownShell(e.shell)
          }` +
          `${
            e.fields !== undefined ? ` (a ${e.fields}-field line, which glibc reads as an account)` : ""
          }: ` +
          "it is root under another name.",
        metadata: passwdMeta(e),
        location: { path: ACCOUNT_FILES.passwd },
      };
    } else if (e.gid === 0 && isLoginShell(e.shell)) {
      yield {
        check_id: "accounts.passwd.gid0_login",
        subject: e.name,
        description: `${shownName(e.name)} (uid ${e.uid}) has primary group 0 (root) and the login shell ${
          shownShell(e.shell)
        }.`,
        metadata: passwdMeta(e),
        location: { path: ACCOUNT_FILES.passwd },
      };
    }
  }
}

/** uids shared by several names (uid 0 is reported as uid0_extra). */
export function* sharedUids(db: AccountDb): Generator<FindingDraft> {
  const byUid = new Map<number, PasswdEntry[]>();
  for (const e of db.passwd) {
    if (e.nis || e.uid === 0) continue;
    byUid.set(e.uid, [...(byUid.get(e.uid) ?? []), e]);
  }
  for (const [uid, entries] of [...byUid].sort((a, b) => a[0] - b[0])) {
    const names = [...new Set(entries.map((e) => e.name))];
    if (names.length < 2) continue;
    yield {
      check_id: "accounts.passwd.duplicate_uid",
      subject: `uid:${uid}`,
      description: `uid ${uid} is shared by ${names.map(shownName).join(", ")}.`,
      metadata: { uid, users: names, lines: entries.map((e) => String(e.line)), path: ACCOUNT_FILES.passwd },
      location: { path: ACCOUNT_FILES.passwd },
    };
  }
}

/** Names listed twice in passwd, shadow, group or gshadow. */
export function* duplicateNames(db: AccountDb): Generator<FindingDraft> {
  const files: [string, { name: string; line: number; nis?: boolean }[], "high" | "medium"][] = [
    [ACCOUNT_FILES.passwd, db.passwd, "high"],
    [ACCOUNT_FILES.shadow, db.shadow, "high"],
    [ACCOUNT_FILES.group, db.groups, "medium"],
    [ACCOUNT_FILES.gshadow, db.gshadow, "medium"],
  ];
  for (const [path, entries, severity] of files) {
    const lines = new Map<string, number[]>();
    for (const e of entries) if (!e.nis) lines.set(e.name, [...(lines.get(e.name) ?? []), e.line]);
    for (const [name, at] of lines) {
      if (at.length < 2) continue;
      yield {
        check_id: "accounts.file.duplicate_name",
        subject: `${path}:${name}`,
        severity,
        description: `${shownName(name)} appears ${at.length} times in ${path} (lines ${at.join(", ")}); ` +
          (path === ACCOUNT_FILES.group
            ? "lookups by name use the first, but a login gets the gid of every line that lists it."
            : "lookups by name use the first."),
        metadata: { path, name, lines: at.map(String) },
        location: { path },
      };
    }
  }
}

/** Lines glibc skips, reported by position (never their text). */
export function* malformedLines(db: AccountDb): Generator<FindingDraft> {
  for (const b of db.bad) {
    yield {
      check_id: "accounts.file.malformed",
      subject: `${b.path}:${b.digest}`,
      description: `${b.path}:${b.line}: ${b.reason}.`,
      metadata: { path: b.path, line: b.line, reason: b.reason },
      location: { path: b.path },
    };
  }
}

/** NIS compat lines; high when one grants uid 0 or carries an empty password. */
export function* nisLines(db: AccountDb): Generator<FindingDraft> {
  const lines = [
    ...db.passwd.map((e) => ({
      path: ACCOUNT_FILES.passwd,
      e,
      dangerous: e.uid === 0 || e.password.state === "empty",
    })),
    ...db.shadow.map((e) => ({ path: ACCOUNT_FILES.shadow, e, dangerous: e.password.state === "empty" })),
    ...db.groups.map((e) => ({ path: ACCOUNT_FILES.group, e, dangerous: e.gid === 0 })),
  ];
  for (const { path, e, dangerous } of lines) {
    if (!e.nis) continue;
    yield {
      check_id: "accounts.passwd.nis_entry",
      subject: `${path}:${e.name}`,
      severity: dangerous ? "high" : "medium",
      description: `${path}:${e.line}: NIS compat entry ${shownName(e.name)}${
        dangerous ? " granting uid/gid 0 or an empty password" : ""
      }.`,
      metadata: { path, name: e.name, line: e.line },
      location: { path },
    };
  }
}

/** Names with blanks, control or non-ASCII characters, or lookalikes of root. */
export function* suspiciousNames(db: AccountDb): Generator<FindingDraft> {
  for (const e of db.passwd) {
    if (e.nis) continue;
    const concern = nameConcern(e.name);
    if (concern === undefined) continue;
    yield {
      check_id: "accounts.passwd.suspicious_name",
      subject: e.name,
      severity: e.uid === 0 ? "high" : undefined,
      description: `Account ${shownName(e.name)} (uid ${e.uid}) ${concern}.`,
      metadata: { ...passwdMeta(e), concern },
      location: { path: ACCOUNT_FILES.passwd },
    };
  }
}

/** Hashes kept in /etc/passwd itself. */
export function* passwdHashes(db: AccountDb): Generator<FindingDraft> {
  for (const e of db.passwd) {
    if (e.nis || e.password.state !== "usable") continue;
    yield {
      check_id: "accounts.passwd.hash_in_passwd",
      subject: e.name,
      severity: e.uid === 0 ? "critical" : undefined,
      description:
        `${shownName(e.name)} (uid ${e.uid}) has a ${
          describePassword(e.password)
        } hash in ${ACCOUNT_FILES.passwd}:${e.line} ` +
        "instead of x: it overrides the shadow file and every user can read it.",
      metadata: { ...passwdMeta(e), password: describePassword(e.password) },
      location: { path: ACCOUNT_FILES.passwd },
    };
  }
}

/** Shadow entries whose account is not in passwd. */
export function* orphanShadow(db: AccountDb): Generator<FindingDraft> {
  if (!db.files.passwd.read) return;
  const names = new Set(db.passwd.map((e) => e.name));
  for (const s of db.shadow) {
    if (s.nis || names.has(s.name)) continue;
    yield {
      check_id: "accounts.shadow.orphan",
      subject: s.name,
      severity: s.password.state === "usable" || s.password.state === "empty" ? "high" : undefined,
      description: `${ACCOUNT_FILES.shadow}:${s.line} holds ${shownName(s.name)} (password ${
        describePassword(s.password)
      }) but ${ACCOUNT_FILES.passwd} has no such account.`,
      metadata: {
        user: s.name,
        line: s.line,
        password: describePassword(s.password),
        path: ACCOUNT_FILES.shadow,
      },
      location: { path: ACCOUNT_FILES.shadow },
    };
  }
}
