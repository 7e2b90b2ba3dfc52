/** Builds fake /proc/<pid> entries for `makeTree`, so scanner tests can describe processes as data. */
import type { TreeEntry } from "../helpers.ts";

/** One fake process. */
export interface FakeProc {
  pid: number;
  comm: string;
  ppid?: number;
  state?: string;
  flags?: number;
  startTicks?: number;
  uid?: number;
  euid?: number;
  gid?: number;
  argv?: string[];
  /** Target of the exe symlink (e.g. "/usr/bin/foo (deleted)"); omitted: no exe link (kernel thread). */
  exe?: string;
  cwd?: string;
  environ?: Record<string, string>;
  /** The environ block verbatim (NUL-separated), for duplicates a Record cannot hold; wins over `environ`. */
  environRaw?: string;
  /** /proc/<pid>/maps text. */
  maps?: string;
  /** fd number → /proc/<pid>/fdinfo/<fd> text (e.g. "tty-index:\t3\n" for a /dev/ptmx descriptor). */
  fdinfo?: Record<number, string>;
  cgroup?: string;
  /** fd number → link target ("socket:[123]", "/dev/null"). */
  fds?: Record<number, string>;
  ns?: Record<string, string>;
}

/** The stat line the kernel would print for this process. */
export function statLine(p: FakeProc): string {
  const f = new Array(52).fill("0");
  f[0] = p.state ?? "S";
  f[1] = String(p.ppid ?? 1);
  f[6] = String(p.flags ?? 0x400100);
  f[19] = String(p.startTicks ?? 1000 + p.pid);
  return `${p.pid} (${p.comm}) ${f.join(" ")}\n`;
}

/** makeTree entries for one process. */
export function procEntries(p: FakeProc): Record<string, TreeEntry> {
  const base = `proc/${p.pid}`;
  const uid = p.uid ?? 0;
  const euid = p.euid ?? uid;
  const gid = p.gid ?? 0;
  const out: Record<string, TreeEntry> = {
    [`${base}/stat`]: statLine(p),
    [`${base}/status`]: `Name:\t${p.comm}\nTgid:\t${p.pid}\nPid:\t${p.pid}\nPPid:\t${p.ppid ?? 1}\n` +
      `Uid:\t${uid}\t${euid}\t${euid}\t${euid}\nGid:\t${gid}\t${gid}\t${gid}\t${gid}\n`,
    [`${base}/cmdline`]: (p.argv ?? []).map((a) => a + "\0").join(""),
    [`${base}/cgroup`]: p.cgroup ?? "0::/system.slice/example.service\n",
    [`${base}/environ`]: p.environRaw ??
      Object.entries(p.environ ?? {}).map(([k, v]) => `${k}=${v}\0`).join(""),
    [`${base}/fd`]: { dir: true },
  };
  if (p.exe !== undefined) out[`${base}/exe`] = { symlink: p.exe };
  if (p.cwd !== undefined) out[`${base}/cwd`] = { symlink: p.cwd };
  for (const [fd, target] of Object.entries(p.fds ?? {})) out[`${base}/fd/${fd}`] = { symlink: target };
  for (const [fd, text] of Object.entries(p.fdinfo ?? {})) out[`${base}/fdinfo/${fd}`] = text;
  if (p.maps !== undefined) out[`${base}/maps`] = p.maps;
  for (const [name, target] of Object.entries(p.ns ?? {})) out[`${base}/ns/${name}`] = { symlink: target };
  return out;
}

/** makeTree entries for several processes. */
export function procTree(...procs: FakeProc[]): Record<string, TreeEntry> {
  return Object.assign({}, ...procs.map(procEntries));
}
