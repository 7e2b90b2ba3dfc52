/** Accounts of the scanned host, from its own /etc/passwd and /etc/group (never from the scanner's NSS). */
import type { ScanContext } from "../../core/context.ts";
import { parseGroupFile, parsePasswdFile } from "../../host/account_files.ts";

/** One /etc/passwd entry. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** Account names and groups of the host. */
export interface Accounts {
  byName: Map<string, Account>;
  byUid: Map<number, Account>;
  /** Group name → member names (supplementary members plus users whose primary group it is). */
  groups: Map<string, Set<string>>;
}

/** The pseudo-account used when an entry runs with unknown privileges: nobody owns it, so nothing is "its own". */
export const UNKNOWN_ACCOUNT: Account = { name: "(unknown)", uid: -1, gid: -1, home: "", shell: "" };

/** The pseudo-account of entries that run as whoever logs in (system-wide autostart entries). */
export const ANY_USER: Account = { ...UNKNOWN_ACCOUNT, name: "(each user)" };

/** The root account (used when /etc/passwd is unreadable). */
export const ROOT_ACCOUNT: Account = { name: "root", uid: 0, gid: 0, home: "/root", shell: "/bin/sh" };

/** Parses /etc/passwd text as glibc reads it (src/host/account_files.ts); malformed lines are counted. */
export function parsePasswd(text: string): { accounts: Account[]; bad: number } {
  const { entries, bad } = parsePasswdFile(text);
  const accounts = entries.filter((e) => !e.nis).map((e) => ({
    name: e.name,
    uid: e.uid,
    gid: e.gid,
    home: e.home,
    shell: e.shell.trim(),
  }));
  return { accounts, bad: bad.length };
}

/** Parses /etc/group text into group name → gid and members (the first entry of a name wins, as in glibc). */
export function parseGroup(text: string): Map<string, { gid: number; members: string[] }> {
  const out = new Map<string, { gid: number; members: string[] }>();
  for (const g of parseGroupFile(text).entries) {
    if (!g.nis && !out.has(g.name)) out.set(g.name, { gid: g.gid, members: g.members });
  }
  return out;
}

/** True when the account can log in with a shell (not nologin/false/sync/empty). */
export function hasLoginShell(a: Pick<Account, "shell">): boolean {
  return a.shell !== "" && !/(?:nologin|false|sync|shutdown|halt)$/.test(a.shell);
}

/** True for a real person's home: under /home, or a uid ≥ 1000 account whose home is not a system path. */
export function isUserHome(a: Account): boolean {
  if (a.home.startsWith("/home/")) return true;
  return a.uid >= 1000 && a.uid !== 65534 && a.home.length > 1 &&
    !/^\/(?:nonexistent|dev|proc|usr|bin|sbin|var|run|etc)(?:\/|$)/.test(a.home);
}

/** Reads the host's accounts once per scanner run; unreadable files are warnings and give root only. */
export function loadAccounts(ctx: ScanContext): Accounts {
  const byName = new Map<string, Account>();
  const byUid = new Map<number, Account>();
  const passwd = ctx.host.readText("/etc/passwd", 4 << 20);
  if (passwd.ok) {
    const { accounts, bad } = parsePasswd(passwd.value);
    if (bad > 0) ctx.warn("passwd_malformed", `/etc/passwd: ${bad} malformed line(s) skipped`);
    if (passwd.truncated) ctx.warn("truncated", "/etc/passwd larger than 4 MiB");
    for (const a of accounts) {
      if (!byName.has(a.name)) byName.set(a.name, a);
      if (!byUid.has(a.uid)) byUid.set(a.uid, a);
    }
  } else if (passwd.reason !== "missing") {
    ctx.warn("passwd_unreadable", `/etc/passwd: ${passwd.message}`);
  }
  if (!byName.has("root")) byName.set("root", ROOT_ACCOUNT);
  if (!byUid.has(0)) byUid.set(0, ROOT_ACCOUNT);
  const groups = new Map<string, Set<string>>();
  const group = ctx.host.readText("/etc/group", 4 << 20);
  if (group.ok) {
    const parsed = parseGroup(group.value);
    for (const [name, g] of parsed) {
      const members = new Set(g.members);
      for (const a of byName.values()) if (a.gid === g.gid) members.add(a.name);
      groups.set(name, members);
    }
  } else if (group.reason !== "missing") {
    ctx.warn("group_unreadable", `/etc/group: ${group.message}`);
  }
  return { byName, byUid, groups };
}
