/** User names and home directories from a passwd file, for labelling and judging processes. */
import type { Host } from "./host.ts";

/** One passwd entry. */
export interface PasswdEntry {
  name: string;
  uid: number;
  home: string;
}

/** Parses passwd text; malformed lines (fewer than 7 fields, non-numeric uid) are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const f = line.split(":");
    if (f.length < 7 || f[0] === "" || !/^\d+$/.test(f[2])) continue;
    out.push({ name: f[0], uid: Number(f[2]), home: f[5] });
  }
  return out;
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
