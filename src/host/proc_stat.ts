/** Pure parsers for the per-process files of /proc: stat, status, cmdline, environ, cgroup and fd links. */

/** PF_KTHREAD, the kernel-thread bit of the `flags` field (stat field 9). */
export const PF_KTHREAD = 0x00200000;

/** The fields of /proc/<pid>/stat that the scanners use. */
export interface StatFields {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  flags: number;
  /** Field 22: start time in clock ticks after boot. */
  startTicks: number;
  /**
   * Fields 50 and 51 (env_end − env_start): the size of the environment block /proc/<pid>/environ reads, when
   * the kernel shows them (to a reader allowed to ptrace the process; 0 otherwise, and absent before 3.5).
   */
  envBytes?: number;
}

const INT = /^-?\d+$/;

/**
 * Parses /proc/<pid>/stat. The comm sits between the first '(' and the LAST ')', so a comm holding spaces
 * or parentheses (`a) b (c`) parses correctly. Returns undefined for truncated or garbage text.
 */
export function parseStat(text: string): StatFields | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 1 || close < open) return undefined;
  const pidText = text.slice(0, open).trim();
  if (!INT.test(pidText)) return undefined;
  const rest = text.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3 (state); field N is rest[N - 3]. Field 22 (starttime) is the last one needed.
  if (rest.length < 20) return undefined;
  const [state, ppid, flags, start] = [rest[0], rest[1], rest[6], rest[19]];
  if (!/^[A-Za-z]$/.test(state) || !INT.test(ppid) || !INT.test(flags) || !INT.test(start)) return undefined;
  return {
    pid: Number(pidText),
    comm: text.slice(open + 1, close),
    state,
    ppid: Number(ppid),
    flags: Number(flags),
    startTicks: Number(start),
    ...(INT.test(rest[47] ?? "") && INT.test(rest[48] ?? "") && Number(rest[48]) > Number(rest[47])
      ? { envBytes: Number(rest[48]) - Number(rest[47]) }
      : {}),
  };
}

/** Identity fields of /proc/<pid>/status. */
export interface StatusFields {
  /** Thread group id: equals the pid for a process, differs for a thread. */
  tgid?: number;
  uid?: number;
  euid?: number;
  gid?: number;
}

/** Parses the Tgid, Uid (real, effective) and Gid (real) lines of /proc/<pid>/status; absent fields stay undefined. */
export function parseStatus(text: string): StatusFields {
  const out: StatusFields = {};
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    if (key !== "Tgid" && key !== "Uid" && key !== "Gid") continue;
    const nums = line.slice(colon + 1).trim().split(/\s+/);
    if (!nums.every((n) => /^\d+$/.test(n))) continue;
    if (key === "Tgid") out.tgid = Number(nums[0]);
    else if (key === "Gid") out.gid = Number(nums[0]);
    else {
      out.uid = Number(nums[0]);
      if (nums.length > 1) out.euid = Number(nums[1]);
    }
  }
  return out;
}

/**
 * Splits a NUL-separated block (cmdline, environ) into its strings; a trailing NUL ends the last one. At most
 * `maxParts` strings are made (a block of 32 KiB of NULs is 32,768 empty strings; callers that keep the result
 * bound it).
 */
export function splitNul(bytes: Uint8Array, maxParts?: number): string[] {
  if (bytes.length === 0) return [];
  const text = new TextDecoder().decode(bytes);
  return text.slice(0, text.endsWith("\0") ? -1 : undefined).split("\0", maxParts);
}

/**
 * Every `NAME=value` item of an environ block, in order, repeats kept (an item without `=`, or with an empty name,
 * is skipped). A block may name a variable twice; who reads which copy differs (see `parseEnviron`).
 */
export function environEntries(bytes: Uint8Array): [name: string, value: string][] {
  const out: [string, string][] = [];
  for (const item of splitNul(bytes)) {
    const eq = item.indexOf("=");
    if (eq > 0) out.push([item.slice(0, eq), item.slice(eq + 1)]);
  }
  return out;
}

/**
 * Parses an environ block into name → value, the first occurrence winning, as getenv(3) sees it. glibc's dynamic
 * loader reads its LD_* variables the other way (the last occurrence wins): use `environEntries` for those.
 */
export function parseEnviron(bytes: Uint8Array): Map<string, string> {
  const env = new Map<string, string>();
  for (const [name, value] of environEntries(bytes)) if (!env.has(name)) env.set(name, value);
  return env;
}

const HEX64 = "[0-9a-f]{64}";
const SCOPE_ID = new RegExp(`^(?:docker|cri-containerd|crio|libpod)-(${HEX64})(?:\\.scope)?$`);
const BARE_ID = new RegExp(`^${HEX64}$`);

/**
 * The container id named by a /proc/<pid>/cgroup text (cgroup v1 or v2): a systemd scope such as
 * `docker-<id>.scope`, `cri-containerd-<id>.scope`, `crio-<id>.scope`, `libpod-<id>.scope`, or a bare
 * 64-hex path component (`/docker/<id>`, `/kubepods/…/<id>`). Podman's `libpod-conmon-<id>` (the monitor,
 * outside the container) does not count. Null when none.
 */
export function containerIdFromCgroup(text: string): string | null {
  for (const line of text.split("\n")) {
    const first = line.indexOf(":");
    const second = first < 0 ? -1 : line.indexOf(":", first + 1);
    if (second < 0) continue;
    const comps = line.slice(second + 1).split("/").reverse();
    for (const comp of comps) {
      const scope = SCOPE_ID.exec(comp);
      if (scope) return scope[1];
      if (BARE_ID.test(comp)) return comp;
    }
  }
  return null;
}

/** The inode of a `socket:[N]` fd link target, or undefined for anything else. */
export function socketInode(linkTarget: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(linkTarget);
  return m ? Number(m[1]) : undefined;
}

/** The inode of a `pipe:[N]` fd link target (an anonymous pipe), or undefined for anything else. */
export function pipeInode(linkTarget: string): number | undefined {
  const m = /^pipe:\[(\d+)\]$/.exec(linkTarget);
  return m ? Number(m[1]) : undefined;
}

/** True when an fd link target is the pseudo-terminal multiplexer (the descriptor holds a pty master). */
export function isPtmx(linkTarget: string): boolean {
  return linkTarget === "/dev/ptmx" || linkTarget === "/dev/pts/ptmx";
}

/** The index N of a pty slave fd link target `/dev/pts/N`, or undefined for anything else. */
export function ptsIndex(linkTarget: string): number | undefined {
  const m = /^\/dev\/pts\/(\d+)$/.exec(linkTarget);
  return m ? Number(m[1]) : undefined;
}

/**
 * The id that id 0 of a user namespace maps to outside it, from /proc/<pid>/uid_map or gid_map text
 * ("0 100000 65536" → 100000; the initial namespace's "0 0 4294967295" → 0); undefined when 0 is not mapped
 * or the text is malformed.
 */
export function mappedRootId(text: string): number | undefined {
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 3 || !f.every((x) => /^\d+$/.test(x))) continue;
    const [inside, outside, count] = f.map(Number);
    if (inside === 0 && count > 0) return outside;
  }
  return undefined;
}
