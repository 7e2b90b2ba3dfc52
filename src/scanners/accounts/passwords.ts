/**
 * Password and login-ability checks: empty and obsolete passwords, system accounts that were given a password,
 * a shell or keys, and (with --hardening) the ageing and hashing policy of login.defs.
 */
import type { FindingDraft } from "../../core/finding.ts";
import type { Host } from "../../host/host.ts";
import { describePassword, type PasswdEntry, WEAK_SCHEMES } from "../../host/account_files.ts";
import { trimTrailing } from "../../host/text_trim.ts";
import { readKeyFiles } from "../ssh/key_files.ts";
import {
  ACCOUNT_FILES,
  type AccountDb,
  effectivePassword,
  isLoginShell,
  isSystemUid,
  opensLogin,
  shadowByName,
} from "./db.ts";
import { shownName, shownShell } from "./identity.ts";
import { defInt } from "./login_defs.ts";

/**
 * System accounts a package creates with a login shell, with the homes it gives them: postgres
 * (postgresql-common on Debian and Ubuntu, postgresql-server on RHEL, /bin/bash). As packaged (that home, a
 * shell, locked, without keys) they are information; anything more is judged like any other account.
 */
export const PACKAGED_SHELL_ACCOUNTS: ReadonlyMap<string, readonly string[]> = new Map([
  ["postgres", ["/var/lib/postgresql", "/var/lib/pgsql"]],
]);

/** System accounts that never log in on stock Debian, Ubuntu or RHEL (base-passwd, setup, systemd, daemons). */
export const NEVER_LOGIN = new Set([
  "daemon",
  "bin",
  "sys",
  "adm",
  "lp",
  "mail",
  "news",
  "uucp",
  "operator",
  "games",
  "man",
  "proxy",
  "www-data",
  "backup",
  "list",
  "irc",
  "gnats",
  "ftp",
  "nobody",
  "_apt",
  "messagebus",
  "dbus",
  "sshd",
  "polkitd",
  "tss",
  "chrony",
  "syslog",
  "uuidd",
  "tcpdump",
  "systemd-network",
  "systemd-resolve",
  "systemd-timesync",
  "systemd-coredump",
  "systemd-oom",
]);

/** Accounts in file order, first entry of each name, NIS lines left out. */
function accounts(db: AccountDb): PasswdEntry[] {
  const seen = new Set<string>();
  return db.passwd.filter((e) => !e.nis && !seen.has(e.name) && seen.add(e.name));
}

/** Empty and obsolete passwords, and system accounts with a usable password. */
export function* passwordStates(db: AccountDb): Generator<FindingDraft> {
  const shadow = shadowByName(db);
  for (const e of accounts(db)) {
    const eff = effectivePassword(db, e, shadow);
    if (eff === undefined) continue;
    const meta = {
      user: e.name,
      uid: e.uid,
      shell: e.shell,
      password: describePassword(eff.password),
      password_source: eff.source,
    };
    const login = e.uid === 0 || isLoginShell(e.shell);
    if (eff.password.state === "empty") {
      yield {
        check_id: "accounts.password.empty",
        subject: e.name,
        severity: login ? "critical" : "high",
        description: `${shownName(e.name)} (uid ${e.uid}, shell ${
          shownShell(e.shell)
        }) has an empty password in ${eff.source}.`,
        metadata: meta,
        location: { path: eff.source },
      };
    }
    if (eff.password.state === "usable" && eff.password.scheme && WEAK_SCHEMES.has(eff.password.scheme)) {
      yield {
        check_id: "accounts.password.weak_hash",
        subject: e.name,
        severity: e.uid === 0 ? "high" : undefined,
        description: `${
          shownName(e.name)
        } (uid ${e.uid}) has a ${eff.password.scheme} password hash in ${eff.source}.`,
        metadata: meta,
        location: { path: eff.source },
      };
    }
    if (eff.password.state === "usable" && isSystemUid(db, e.uid)) {
      yield {
        check_id: "accounts.password.system_usable",
        subject: e.name,
        description: `System account ${
          shownName(e.name)
        } (uid ${e.uid}) has a usable ${eff.password.scheme} password.`,
        metadata: meta,
        location: { path: eff.source },
      };
    }
  }
}

/**
 * System accounts with a login shell: high with a usable password or authorized keys, medium for accounts
 * that never log in on stock systems, low otherwise. `keyPatterns` are sshd's AuthorizedKeysFile patterns.
 */
export function* systemLogins(
  db: AccountDb,
  host: Host,
  keyPatterns: readonly string[],
): Generator<FindingDraft> {
  const shadow = shadowByName(db);
  for (const e of accounts(db)) {
    if (!isSystemUid(db, e.uid) || !isLoginShell(e.shell)) continue;
    const eff = effectivePassword(db, e, shadow);
    const keys = e.home.startsWith("/")
      ? readKeyFiles(host, e, keyPatterns).files.filter((f) => f.keys.length > 0)
      : [];
    const reasons: string[] = [];
    if (opensLogin(eff)) reasons.push(`password ${describePassword(eff!.password)}`);
    if (keys.length > 0) reasons.push(`SSH keys in ${keys.map((k) => k.path).join(", ")}`);
    const packaged = PACKAGED_SHELL_ACCOUNTS.get(e.name)?.includes(trimTrailing(e.home, "/")) === true;
    const severity = reasons.length > 0
      ? "high"
      : NEVER_LOGIN.has(e.name)
      ? "medium"
      : packaged
      ? "info"
      : "low";
    yield {
      check_id: "accounts.system.login_shell",
      subject: e.name,
      severity,
      description: `System account ${shownName(e.name)} (uid ${e.uid}) has the login shell ${
        shownShell(e.shell)
      }${
        reasons.length > 0
          ? ` and can log in: ${reasons.join("; ")}`
          : packaged
          ? `, as its package creates it (locked, no SSH keys)`
          : ""
      }.`,
      metadata: {
        user: e.name,
        uid: e.uid,
        shell: e.shell,
        home: e.home,
        password: eff ? describePassword(eff.password) : "unknown (shadow unreadable)",
        key_files: keys.map((k) => k.path),
        fingerprints: keys.flatMap((k) => k.keys.map((key) => `${key.type} ${key.fingerprint}`)),
      },
      location: { path: ACCOUNT_FILES.passwd },
    };
  }
}

/** --hardening: login.defs hashing, ageing and umask, and login accounts exempt from the ageing policy. */
export function* passwordPolicy(db: AccountDb): Generator<FindingDraft> {
  const path = ACCOUNT_FILES.loginDefs;
  if (!db.files.loginDefs.read) return;
  const method = (db.defs.get("ENCRYPT_METHOD") ?? (db.defs.get("MD5_CRYPT_ENAB") === "yes" ? "MD5" : "DES"))
    .toUpperCase();
  yield {
    check_id: "accounts.login_defs.weak_hash_method",
    subject: path,
    passed: method !== "DES" && method !== "MD5",
    description: `ENCRYPT_METHOD is ${method}${
      db.defs.has("ENCRYPT_METHOD") ? "" : " (not set: the default)"
    }.`,
    metadata: { path, encrypt_method: method },
    location: { path },
  };
  const maxDays = defInt(db.defs, "PASS_MAX_DAYS", 99999);
  yield {
    check_id: "accounts.login_defs.no_password_expiry",
    subject: path,
    passed: maxDays > 0 && maxDays < 99999,
    description: `PASS_MAX_DAYS is ${db.defs.get("PASS_MAX_DAYS") ?? "not set"}: passwords never expire.`,
    metadata: { path, pass_max_days: maxDays },
    location: { path },
  };
  const umask = defInt(db.defs, "UMASK", 0o022);
  yield {
    check_id: "accounts.login_defs.weak_umask",
    subject: path,
    passed: (umask & 0o022) === 0o022,
    description: `UMASK is ${umask.toString(8).padStart(3, "0")}: new files are writable by group or others.`,
    metadata: { path, umask: umask.toString(8).padStart(3, "0") },
    location: { path },
  };
  if (maxDays <= 0 || maxDays >= 99999) return;
  const shadow = shadowByName(db);
  for (const e of accounts(db)) {
    const s = shadow.get(e.name);
    if (!s || s.password.state !== "usable" || !(e.uid === 0 || isLoginShell(e.shell))) continue;
    yield {
      check_id: "accounts.password.never_expires",
      subject: e.name,
      passed: s.maxDays !== null && s.maxDays > 0 && s.maxDays <= maxDays,
      description: `${shownName(e.name)}'s password has a maximum age of ${s.maxDays ?? "none"} day(s); ` +
        `the policy is ${maxDays}.`,
      metadata: { user: e.name, uid: e.uid, max_days: s.maxDays, policy_max_days: maxDays },
      location: { path: ACCOUNT_FILES.shadow },
    };
  }
}
