/**
 * The host's local account database — passwd, shadow, group, gshadow, login.defs and the passwd- backup — read
 * once per scan through the Host and shared by the accounts, auth and logins scanners.
 */
import type { ScanContext } from "../../core/context.ts";
import { sha256Hex } from "../../host/hash.ts";
import {
  type BadLine,
  type GroupEntry,
  type GshadowEntry,
  parseGroupFile,
  parseGshadowFile,
  parsePasswdFile,
  parseShadowFile,
  type PasswdEntry,
  type PasswordState,
  type ShadowEntry,
} from "../../host/account_files.ts";
import type { Host } from "../../host/host.ts";
import { hasLoginShell } from "../persistence/accounts.ts";
import { type LoginDefs, parseLoginDefs, type UidRanges, uidRanges } from "./login_defs.ts";

/** The account files, by role. */
export const ACCOUNT_FILES = {
  passwd: "/etc/passwd",
  shadow: "/etc/shadow",
  group: "/etc/group",
  gshadow: "/etc/gshadow",
  loginDefs: "/etc/login.defs",
  passwdBackup: "/etc/passwd-",
} as const;

/** Which account file. */
export type AccountFileRole = keyof typeof ACCOUNT_FILES;

/** Bytes of an account file read (glibc reads all of it; no real one comes near). */
export const ACCOUNT_FILE_BYTES = 16 << 20;
const MAX_BYTES = ACCOUNT_FILE_BYTES;

/** What is known of one account file. */
export interface AccountFile {
  path: string;
  /** True when it was read (possibly truncated). */
  read: boolean;
  /** True when it is larger than the scan reads (MAX_BYTES): lines past that were not seen. */
  truncated?: boolean;
  /** Last modification, when it could be stat'ed. */
  mtime?: Date;
  /** Why it could not be read ("missing", "denied", "not_file", "error"). */
  failure?: string;
}

/** A line of an account file that glibc would skip, with the file and a digest in place of its text. */
export interface FileBadLine extends Omit<BadLine, "text"> {
  path: string;
  /** The first 12 hex digits of the SHA-256 of the line (its text is never reported). */
  digest: string;
}

/** The local account database of the scanned host. */
export interface AccountDb {
  passwd: PasswdEntry[];
  shadow: ShadowEntry[];
  groups: GroupEntry[];
  gshadow: GshadowEntry[];
  bad: FileBadLine[];
  defs: LoginDefs;
  ranges: UidRanges;
  files: Record<AccountFileRole, AccountFile>;
  /** Account names in /etc/passwd- (the copy shadow's tools keep before each change), when it was read. */
  backupNames?: ReadonlySet<string>;
  /** Read problems, as collection warnings (code, detail); the accounts scanner reports them. */
  problems: { code: string; detail: string }[];
}

function readFile(
  host: Host,
  path: string,
  problems: AccountDb["problems"],
): { text?: string; file: AccountFile } {
  const st = host.stat(path);
  const file: AccountFile = { path, read: false };
  if (st.ok && st.value.mtime) file.mtime = st.value.mtime;
  const r = host.readText(path, MAX_BYTES);
  if (!r.ok) {
    file.failure = r.reason;
    if (r.reason !== "missing") {
      problems.push({ code: "account_file_unreadable", detail: `${path}: ${r.message}` });
    }
    return { file };
  }
  if (r.truncated) file.truncated = true;
  file.read = true;
  return { text: r.value, file };
}

/** Reads and parses every account file of the host (never throws; problems are listed). */
export function loadAccountDb(host: Host): AccountDb {
  const problems: AccountDb["problems"] = [];
  const bad: FileBadLine[] = [];
  const texts = {} as Record<AccountFileRole, string | undefined>;
  const files = {} as Record<AccountFileRole, AccountFile>;
  for (const role of Object.keys(ACCOUNT_FILES) as AccountFileRole[]) {
    const r = readFile(host, ACCOUNT_FILES[role], problems);
    texts[role] = r.text;
    files[role] = r.file;
  }
  const parse = <T>(role: AccountFileRole, parser: (t: string) => { entries: T[]; bad: BadLine[] }): T[] => {
    const text = texts[role];
    if (text === undefined) return [];
    const p = parser(text);
    for (const { line, reason, text } of p.bad) {
      const digest = sha256Hex(text).slice(0, 12);
      bad.push({ path: ACCOUNT_FILES[role], line, reason, digest });
    }
    return p.entries;
  };
  const defs = parseLoginDefs(texts.loginDefs ?? "");
  const backup = texts.passwdBackup === undefined ? undefined : parsePasswdFile(texts.passwdBackup).entries;
  return {
    passwd: parse("passwd", parsePasswdFile),
    shadow: parse("shadow", parseShadowFile),
    groups: parse("group", parseGroupFile),
    gshadow: parse("gshadow", parseGshadowFile),
    bad,
    defs,
    ranges: uidRanges(defs),
    files,
    ...(backup ? { backupNames: new Set(backup.map((e) => e.name)) } : {}),
    problems,
  };
}

/** The scan's account database, read at most once per scan. */
export function accountDb(ctx: ScanContext): AccountDb {
  return ctx.shared.memo("accounts.db", () => loadAccountDb(ctx.host));
}

/** True for a system account's uid: below UID_MIN or above UID_MAX (nobody), never root. */
export function isSystemUid(db: AccountDb, uid: number): boolean {
  return uid !== 0 && (uid < db.ranges.uidMin || uid > db.ranges.uidMax);
}

/**
 * True when the shell field names a shell one can log in with (not nologin, false, sync…). An empty field is
 * /bin/sh: login, su and sshd run _PATH_BSHELL for it.
 */
export function isLoginShell(shell: string): boolean {
  return shell.trim() === "" || hasLoginShell({ shell: shell.trim() });
}

/** The first passwd entry of each name (what getpwnam returns), NIS lines left out. */
export function passwdByName(db: AccountDb): Map<string, PasswdEntry> {
  const out = new Map<string, PasswdEntry>();
  for (const e of db.passwd) if (!e.nis && !out.has(e.name)) out.set(e.name, e);
  return out;
}

/** The first shadow entry of each name (what getspnam returns). */
export function shadowByName(db: AccountDb): Map<string, ShadowEntry> {
  const out = new Map<string, ShadowEntry>();
  for (const e of db.shadow) if (!e.nis && !out.has(e.name)) out.set(e.name, e);
  return out;
}

/**
 * Group name → members, as a login gets them. glibc's initgroups (nss_files/files-initgroups.c) adds the gid of
 * every group line that lists the user, whatever the line's name, and sudo, polkit and pam_wheel compare gids:
 * so a name's members are those of every line with the gid getgrnam(name) returns (the first line of the name),
 * plus the accounts whose primary group that gid is, plus gshadow's members of the name (newgrp lets them in).
 */
export function groupMembers(db: AccountDb): Map<string, Set<string>> {
  const byGid = new Map<number, Set<string>>();
  const add = (gid: number, names: Iterable<string>) => {
    const set = byGid.get(gid) ?? new Set<string>();
    for (const n of names) set.add(n);
    byGid.set(gid, set);
  };
  for (const g of db.groups) if (!g.nis) add(g.gid, g.members);
  for (const e of db.passwd) if (!e.nis) add(e.gid, [e.name]);
  const out = new Map<string, Set<string>>();
  for (const g of firstGroupLines(db).values()) out.set(g.name, new Set(byGid.get(g.gid)));
  for (const gs of db.gshadow) {
    const set = out.get(gs.name);
    if (set) { for (const m of gs.members) set.add(m); }
  }
  return out;
}

/** The first /etc/group line of each name (what getgrnam returns), NIS lines left out. */
export function firstGroupLines(db: AccountDb): Map<string, GroupEntry> {
  const out = new Map<string, GroupEntry>();
  for (const g of db.groups) if (!g.nis && !out.has(g.name)) out.set(g.name, g);
  return out;
}

/** The day a shadow day count names, as a Date (days since 1970-01-01). */
export function shadowDay(days: number): Date {
  return new Date(days * 86_400_000);
}

/** The password that decides a login: the passwd field, or the shadow entry when the field is "x". */
export interface EffectivePassword {
  password: PasswordState;
  /** Where it comes from; "none" when passwd says "x" and the shadow file has no entry (nothing matches). */
  source: "/etc/passwd" | "/etc/shadow" | "none";
}

/** The effective password of an account, or undefined when the shadow file could not be read. */
export function effectivePassword(
  db: AccountDb,
  e: PasswdEntry,
  shadow: ReadonlyMap<string, ShadowEntry>,
): EffectivePassword | undefined {
  if (e.password.state !== "shadowed") return { password: e.password, source: ACCOUNT_FILES.passwd };
  const s = shadow.get(e.name);
  if (s) return { password: s.password, source: ACCOUNT_FILES.shadow };
  return db.files.shadow.read ? { password: { state: "disabled" }, source: "none" } : undefined;
}

/** True when the password lets someone in: a usable hash, or nothing at all. */
export function opensLogin(p: EffectivePassword | undefined): boolean {
  return p !== undefined && (p.password.state === "usable" || p.password.state === "empty");
}
