/**
 * /proc/<pid>/maps: what a process has mapped, and whether a mapped file still exists. A library injected with
 * LD_PRELOAD stays mapped after the process scrubs its environment, so the maps are where injected code shows.
 *
 * Deleted or not is decided as for the executable (./exe_link.ts), from the file rather than the text: the
 * maps line names the mapped inode, so on the live host the text (as a path inside the process's root) is
 * stat'ed and compared with that inode. When it is the same file the text is simply its name (even one that ends
 * in " (deleted)"); otherwise the mapped object itself is stat'ed through /proc/<pid>/map_files/<range>
 * (root only) and a link count of 0 means deleted. Under `--root`, or when map_files cannot be read, the
 * kernel's " (deleted)" suffix decides, and so it does for a file on a remote or FUSE mount, which is never
 * stat'ed (a hung server would block the scan).
 */
import { makedev } from "../../ffi/fd.ts";
import { type ExeLink, judgeExeLink, parseExeLink } from "./exe_link.ts";
import type { Host } from "./host.ts";

/** One line of /proc/<pid>/maps. */
export interface Mapping {
  /** Start and end addresses, lower-case hex without leading zeros (the names of /proc/<pid>/map_files). */
  start: string;
  end: string;
  /** "r-xp", "rw-s", … */
  perms: string;
  /** Device of the mapped file (0:0 for anonymous memory). */
  major: number;
  minor: number;
  /** Inode of the mapped file (0 for anonymous memory). */
  inode: number;
  /** The path as the kernel prints it ("/usr/lib/libc.so.6", "/memfd:x (deleted)", "[heap]"), or "". */
  path: string;
}

/** Parsed maps text: the lines that parsed, and how many did not. */
export interface ParsedMaps {
  entries: Mapping[];
  bad: number;
}

const LINE =
  /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) [0-9a-f]+ ([0-9a-f]+):([0-9a-f]+) (\d+)(?: +(.*))?$/;

const hexTrim = (h: string) => h.replace(/^0+(?=[0-9a-f])/, "");

/** Parses maps text; a malformed line (garbage, a cut-off last line) is counted in `bad`, never thrown. */
export function parseMaps(text: string): ParsedMaps {
  const entries: Mapping[] = [];
  let bad = 0;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const m = LINE.exec(line);
    if (!m) {
      bad++;
      continue;
    }
    entries.push({
      start: hexTrim(m[1]),
      end: hexTrim(m[2]),
      perms: m[3],
      major: parseInt(m[4], 16),
      minor: parseInt(m[5], 16),
      inode: Number(m[6]),
      path: m[7] ?? "",
    });
  }
  return { entries, bad };
}

/** True for a mapping the process can execute (code). */
export function isExecutable(m: Mapping): boolean {
  return m.perms[2] === "x";
}

/**
 * Names the kernel gives anonymous memory that is not a file: shared anonymous mappings ("/dev/zero (deleted)",
 * how some JITs double-map code), huge pages, System V shared memory and AIO rings.
 */
const ANONYMOUS = [
  /^\/dev\/zero \(deleted\)$/,
  /^\/anon_hugepage( \(deleted\))?$/,
  /^\/SYSV[0-9a-f]{8}/,
  /^\/\[aio\]/,
];

/** True when the mapping is backed by a file (or a memfd) rather than anonymous memory or a kernel area. */
export function isFileBacked(m: Mapping): boolean {
  return m.path.startsWith("/") && m.inode !== 0 && !ANONYMOUS.some((r) => r.test(m.path));
}

/** Reading a process's maps: the parsed lines, or why they could not be read. */
export type MapsRead =
  | { ok: true; maps: ParsedMaps; truncated: boolean; /** Characters read. */ bytes: number }
  | { ok: false; reason: string; message: string };

/** Reads /proc/<pid>/maps through `host`, at most `maxBytes` (a huge process is cut, and says so). */
export function readMaps(host: Host, pid: number, maxBytes: number): MapsRead {
  const r = host.readText(`/proc/${pid}/maps`, maxBytes);
  if (!r.ok) return { ok: false, reason: r.reason, message: r.message };
  // A cut read ends in a partial line: drop it rather than count it as malformed.
  const text = r.truncated ? r.value.slice(0, r.value.lastIndexOf("\n") + 1) : r.value;
  return { ok: true, maps: parseMaps(text), truncated: r.truncated, bytes: r.value.length };
}

/**
 * Decides whether mapped files still exist (module comment), caching the stat of each name per mount
 * namespace, so a library mapped by a thousand processes is looked up once.
 */
export class MappedFileJudge {
  readonly #named = new Map<string, Deno.FileInfo | null>();

  constructor(readonly host: Host) {}

  #statNamed(pid: number, mntKey: string, path: string): Deno.FileInfo | null {
    const key = `${mntKey}\0${path}`;
    if (!this.#named.has(key)) {
      const st = this.host.lstat(`/proc/${pid}/root${path}`);
      this.#named.set(key, st.ok ? st.value : null);
    }
    return this.#named.get(key)!;
  }

  /**
   * What the file behind a mapping of process `pid` is: its path without the suffix, deleted or not, memfd or
   * not. `mntKey` names the process's mount namespace (the cache key for its paths).
   */
  judge(pid: number, mntKey: string, m: Mapping): ExeLink {
    const byText = parseExeLink(m.path);
    if (!this.host.isLive || byText.memfd) return byText;
    // A file on a remote or FUSE mount is not stat'ed (a hung server would block the scan): the text decides.
    if (this.host.onRemoteDevice(makedev(m.major, m.minor))) return byText;
    const named = this.#statNamed(pid, mntKey, m.path);
    if (named !== null && named.ino === m.inode && named.dev === makedev(m.major, m.minor)) {
      return judgeExeLink(m.path, { nlink: named.nlink ?? 1, textIsPath: true });
    }
    const object = this.host.stat(`/proc/${pid}/map_files/${m.start}-${m.end}`);
    if (!object.ok || object.value.nlink === null) return byText;
    return judgeExeLink(m.path, { nlink: object.value.nlink, textIsPath: false });
  }
}
