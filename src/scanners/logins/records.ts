/**
 * The login record files of the host — utmp (who is logged in), wtmp (logins and boots), btmp (failed logins)
 * and lastlog (each uid's last login) — read through the Host: the newest records of the append-only files
 * (a bounded tail, aligned on whole records), and what each file is when it is not a regular file (a link to
 * /dev/null, a FIFO…), which is itself evidence of log wiping.
 */
import type { ScanContext } from "../../core/context.ts";
import type { Host } from "../../host/host.ts";
import { trimTrailing } from "../../host/text_trim.ts";
import {
  detectLastlogLayout,
  detectLayout,
  type LastlogEntry,
  leadingBytes,
  parseLastlogSlot,
  parseUtmp,
  type Undecodable,
  UT,
  type UtmpLayout,
  type UtmpRecord,
} from "./utmp.ts";

/** Where each file lives (utmp: the first that exists). */
export const RECORD_PATHS = {
  utmp: ["/run/utmp", "/var/run/utmp"],
  wtmp: ["/var/log/wtmp"],
  btmp: ["/var/log/btmp"],
  lastlog: ["/var/log/lastlog"],
} as const;

/** Which record file. */
export type RecordKind = keyof typeof RECORD_PATHS;

/** Caps: bytes read from the end of each file. */
export const RECORD_CAPS: Record<RecordKind, number> = {
  utmp: 1 << 20,
  wtmp: 32 << 20,
  btmp: 32 << 20,
  lastlog: 0,
};

/** What one record file is, and its records when it could be read. */
export type RecordFile =
  | { kind: "missing"; path: string }
  | { kind: "not_regular"; path: string; what: string; target?: string }
  | { kind: "unreadable"; path: string; message: string }
  | {
    kind: "ok";
    path: string;
    size: number;
    mtime?: Date;
    records: UtmpRecord[];
    layout: UtmpLayout;
    little: boolean;
    /** The layout and byte order are the scanning host's (else the file comes from another architecture). */
    native: boolean;
    /** Records that do not decode in that layout (planted byte-swapped ones among them). */
    undecodable: Undecodable;
    /** Older records before the tail that was read were skipped (the cap). */
    headSkipped: boolean;
    /** Bytes of a truncated last record. */
    trailing: number;
    /** The link this path is, when it is a symlink to a regular file. */
    target?: string;
  };

/** The login records of the host. */
export interface LoginRecords {
  utmp: RecordFile;
  wtmp: RecordFile;
  btmp: RecordFile;
  lastlog: RecordFile;
  /** lastlog slot of a uid (undefined when lastlog is not a readable file or the slot is past its end). */
  lastlogOf(uid: number): LastlogEntry | undefined;
  /** The newest wtmp login (USER_PROCESS) of each user name. */
  lastWtmpLogin: ReadonlyMap<string, UtmpRecord>;
}

function describeType(st: Deno.FileInfo): string {
  if (st.isFifo) return "a FIFO";
  if (st.isCharDevice) return "a character device";
  if (st.isBlockDevice) return "a block device";
  if (st.isSocket) return "a socket";
  if (st.isDirectory) return "a directory";
  return "not a regular file";
}

/** What a path is before it is read: missing, a regular file (possibly through a link), or something else. */
function inspect(host: Host, path: string): { path: string; target?: string } | RecordFile {
  const l = host.lstat(path);
  if (!l.ok) {
    return l.reason === "missing"
      ? { kind: "missing", path }
      : { kind: "unreadable", path, message: l.message };
  }
  if (l.value.isSymlink) {
    const link = host.readLink(path);
    const target = link.ok ? link.value : "?";
    const normal = trimTrailing(target, "/");
    if (normal === "/dev/null" || normal.endsWith("/dev/null")) {
      return { kind: "not_regular", path, what: "a symlink to /dev/null", target };
    }
    const st = host.stat(path);
    if (!st.ok) return { kind: "not_regular", path, what: `a dangling symlink to ${target}`, target };
    if (!st.value.isFile) {
      return { kind: "not_regular", path, what: `a symlink to ${describeType(st.value)}`, target };
    }
    return { path, target };
  }
  if (!l.value.isFile) return { kind: "not_regular", path, what: describeType(l.value) };
  return { path };
}

/**
 * Reads one utmp-format file: its newest bytes within the cap, in the layout those bytes (the records that are
 * used, not the file's head) leave no doubt about — the host's own unless none of them reads natively.
 */
export function readRecordFile(host: Host, candidates: readonly string[], cap: number): RecordFile {
  let first: RecordFile | undefined;
  for (const path of candidates) {
    const what = inspect(host, path);
    if ("kind" in what) {
      if (what.kind === "missing") {
        first ??= what;
        continue;
      }
      return what;
    }
    const tail = host.readRange(path, -cap, cap);
    if (!tail.ok) return { kind: "unreadable", path, message: tail.message };
    const { bytes, start, size } = tail.value;
    const choice = detectLayout(bytes, start);
    const leading = leadingBytes(start, choice.layout);
    const parsed = parseUtmp(bytes, { layout: choice.layout, little: choice.little, leading });
    const st = host.stat(path);
    return {
      kind: "ok",
      path,
      size,
      ...(st.ok && st.value.mtime ? { mtime: st.value.mtime } : {}),
      records: parsed.records,
      layout: choice.layout,
      little: choice.little,
      native: choice.native,
      undecodable: parsed.undecodable,
      headSkipped: start > 0,
      trailing: parsed.trailing,
      ...(what.target !== undefined ? { target: what.target } : {}),
    };
  }
  return first ?? { kind: "missing", path: candidates[0] };
}

/** Bytes of lastlog its layout is judged from (uids 0 … ~3500: the accounts that log in). */
const LASTLOG_PROBE = 1 << 20;

/** What lastlog is, and the layout its slots are read in (judged from lastlog itself, never from wtmp). */
function readLastlog(host: Host, path: string): RecordFile {
  const what = inspect(host, path);
  if ("kind" in what) return what;
  const probe = host.readRange(path, 0, LASTLOG_PROBE);
  if (!probe.ok) return { kind: "unreadable", path, message: probe.message };
  const choice = detectLastlogLayout(probe.value.bytes);
  const st = host.stat(path);
  return {
    kind: "ok",
    path,
    size: probe.value.size,
    ...(st.ok && st.value.mtime ? { mtime: st.value.mtime } : {}),
    records: [],
    layout: choice.layout,
    little: choice.little,
    native: choice.native,
    undecodable: { count: 0, swapped: 0, swappedSamples: [] },
    headSkipped: false,
    trailing: 0,
    ...(what.target !== undefined ? { target: what.target } : {}),
  };
}

/** Reads every record file of the host (never throws). */
export function loadLoginRecords(host: Host): LoginRecords {
  const utmp = readRecordFile(host, RECORD_PATHS.utmp, RECORD_CAPS.utmp);
  const wtmp = readRecordFile(host, RECORD_PATHS.wtmp, RECORD_CAPS.wtmp);
  const btmp = readRecordFile(host, RECORD_PATHS.btmp, RECORD_CAPS.btmp);
  const lastlogPath = RECORD_PATHS.lastlog[0];
  const lastlog = readLastlog(host, lastlogPath);
  const cache = new Map<number, LastlogEntry | undefined>();
  const lastlogOf = (uid: number): LastlogEntry | undefined => {
    if (lastlog.kind !== "ok" || uid < 0) return undefined;
    const { layout, little } = lastlog;
    if (!cache.has(uid)) {
      const r = host.readRange(lastlogPath, uid * layout.lastlogSize, layout.lastlogSize);
      cache.set(uid, r.ok ? parseLastlogSlot(r.value.bytes, layout, little) : undefined);
    }
    return cache.get(uid);
  };
  const lastWtmpLogin = new Map<string, UtmpRecord>();
  if (wtmp.kind === "ok") {
    for (const r of wtmp.records) {
      const prev = lastWtmpLogin.get(r.user);
      if (r.type === UT.USER_PROCESS && (!prev || r.time >= prev.time)) lastWtmpLogin.set(r.user, r);
    }
  }
  return { utmp, wtmp, btmp, lastlog, lastlogOf, lastWtmpLogin };
}

/** The scan's login records, read at most once per scan (the logins and accounts scanners share them). */
export function loginRecords(ctx: ScanContext): LoginRecords {
  return ctx.shared.memo("logins.records", () => loadLoginRecords(ctx.host));
}

/** An account's last login: when, from where, on which terminal, and which file said so. */
export interface LastLogin {
  time: number;
  host: string;
  line: string;
  source: "lastlog" | "wtmp";
}

/** The most recent login of an account, from lastlog (by uid) and wtmp (by name), whichever is newer. */
export function lastLoginOf(records: LoginRecords, name: string, uid: number): LastLogin | undefined {
  let best: LastLogin | undefined;
  const ll = records.lastlogOf(uid);
  if (ll && ll.time > 0) best = { time: ll.time, host: ll.host, line: ll.line, source: "lastlog" };
  const r = records.lastWtmpLogin.get(name);
  if (r && (!best || r.time > best.time)) best = { time: r.time, host: r.host, line: r.line, source: "wtmp" };
  return best;
}
