/** Builds fake /proc/<pid> entries for fixture trees (network, mac and containers tests). */
import type { TreeEntry } from "../helpers.ts";

/** A fake process: only what the /proc snapshot reads. */
export interface FakeProc {
  pid: number;
  comm?: string;
  ppid?: number;
  exe?: string;
  uid?: number;
  cmdline?: string[];
  cgroup?: string;
  /** Namespace links by name ("net" → "net:[4026531840]"). */
  ns?: Record<string, string>;
  /** Socket inodes held open (become fd symlinks to socket:[N]). */
  sockets?: number[];
  /** Extra /proc/<pid>/status lines (e.g. "CapEff:\t000001ffffffffff"). */
  statusExtra?: string;
  /** /proc/<pid>/attr/current content (MAC label). */
  label?: string;
  /** Extra files under /proc/<pid>/ (relative path → entry). */
  files?: Record<string, TreeEntry>;
}

/** The tree entries (relative to the root) that make `p` appear in the /proc snapshot. */
export function procEntries(p: FakeProc): Record<string, TreeEntry> {
  const d = `proc/${p.pid}`;
  const comm = p.comm ?? (p.exe ? p.exe.slice(p.exe.lastIndexOf("/") + 1) : `p${p.pid}`);
  const uid = p.uid ?? 0;
  const rest = [
    "S",
    p.ppid ?? 1,
    p.pid,
    p.pid,
    0,
    -1,
    4194560,
    0,
    0,
    0,
    0,
    1,
    1,
    0,
    0,
    20,
    0,
    1,
    0,
    1000 + p.pid,
    1000,
    100,
  ];
  const out: Record<string, TreeEntry> = {
    [`${d}/stat`]: `${p.pid} (${comm}) ${rest.join(" ")}\n`,
    [`${d}/status`]:
      `Name:\t${comm}\nTgid:\t${p.pid}\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\nGid:\t0\t0\t0\t0\n` +
      (p.statusExtra ?? ""),
    [`${d}/cmdline`]: (p.cmdline ?? (p.exe ? [p.exe] : [])).map((a) => a + "\0").join(""),
    [`${d}/cgroup`]: p.cgroup ?? "0::/system.slice/x.service\n",
  };
  if (p.exe) out[`${d}/exe`] = { symlink: p.exe };
  for (const [name, link] of Object.entries(p.ns ?? {})) out[`${d}/ns/${name}`] = { symlink: link };
  (p.sockets ?? []).forEach((inode, i) => (out[`${d}/fd/${i + 3}`] = { symlink: `socket:[${inode}]` }));
  if (p.label !== undefined) out[`${d}/attr/current`] = p.label;
  for (const [rel, e] of Object.entries(p.files ?? {})) out[`${d}/${rel}`] = e;
  return out;
}

/** Entries for several processes. */
export function procs(...ps: FakeProc[]): Record<string, TreeEntry> {
  return Object.assign({}, ...ps.map(procEntries));
}

/** A /proc/net inet table line for fixtures (addresses and ports already in /proc hex form). */
export function inetLine(
  i: number,
  local: string,
  remote: string,
  state: string,
  inode: number,
  uid = 0,
): string {
  return `${String(i).padStart(4)}: ${local} ${remote} ${state} 00000000:00000000 00:00000000 00000000 ${
    String(uid).padStart(5)
  }        0 ${inode} 1 0000000000000000 100 0 0 10 0`;
}

/** Header of /proc/net/tcp. */
export const TCP_HEADER =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
