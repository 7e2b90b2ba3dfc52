/** User names and home directories from a passwd file, for labelling and judging processes. */
import { parsePasswdFile } from "./account_files.ts";
import type { Host } from "./host.ts";

/** One passwd entry. */
export interface PasswdEntry {
  name: string;
  uid: number;
  home: string;
}

/** Parses passwd text as glibc reads it (account_files.ts); malformed and NIS lines are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  return parsePasswdFile(text).entries.filter((e) => !e.nis).map((e) => ({
    name: e.name,
    uid: e.uid,
    home: e.home,
  }));
}

/** uid → name (first entry wins) and the users' home directories. */
export interface UserTable {
  names: Map<number, string>;
  entries: PasswdEntry[];
}

/** Reads the host's /etc/passwd (bounded); an unreadable file gives an empty table. */
export function loadUsers(host: Host): UserTable {
  const r = host.readText("/etc/passwd", 4 << 20);
  const entries = r.ok ? parsePasswd(r.value) : [];
  const names = new Map<number, string>();
  for (const e of entries) if (!names.has(e.uid)) names.set(e.uid, e.name);
  return { names, entries };
}
