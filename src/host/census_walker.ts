/**
 * The synchronous core of the filesystem census: walks directories given as tasks with getdents64 and statx
 * (through `ffi/dirent.ts`) and keeps only the entries a security scanner cares about — set-id and
 * world-writable regular files, world-writable directories without the sticky bit, and executables that
 * carry file capabilities. It runs inside a census worker or in-process, and can hand half of its pending
 * directories to another walker (work stealing).
 */
import { DirentCalls, DT } from "../../ffi/dirent.ts";
import { Errno, makedev, S_IFDIR, S_IFMT, S_IFREG, type StatxView } from "../../ffi/fd.ts";
import { mountpointsByParent } from "./mountinfo.ts";
import { errno } from "../../ffi/libc.ts";

/** A directory still to be walked. Plain data, so it can be posted to a worker. */
export interface CensusTask {
  /** Real path bytes (inside the scan root), without a trailing NUL. */
  path: Uint8Array;
  /** 0 for a walk root. */
  depth: number;
  /** Other users can reach entries of this directory (it and every directory above it are o+x). */
  reach: boolean;
  /** glibc dev_t of the directory's filesystem. */
  dev: number;
  /**
   * The directory already opened (relative to its parent, while that was open), or -1. Descriptors are
   * process-wide, so a task donated to another worker keeps it; whoever drops a task closes it.
   */
  fd: number;
}

/** One entry the census kept, with its lstat information. Plain data. */
export interface RawHit {
  /**
   * Real path: its text when it is valid UTF-8 (nearly always; a string costs far less than a buffer of its
   * own per entry), else its bytes.
   */
  path: string | Uint8Array;
  kind: "file" | "dir";
  /** Permission bits including set-id and sticky. */
  mode: number;
  uid: number;
  gid: number;
  dev: number;
  ino: number;
  size: number;
  nlink: number;
  mtime: number;
  ctime: number;
  depth: number;
  /** Other users can reach the entry (every directory above it is o+x). */
  reach: boolean;
  /** The raw security.capability attribute of an executable regular file. */
  caps?: Uint8Array;
  /** errno of a failed attribute read. */
  capsErrno?: number;
}

/** A problem met while walking; `path` is a real path. */
export interface RawWarning {
  code: string;
  path: string;
  detail: string;
}

/** Counters reported once at the end. */
export interface CensusTally {
  entries: number;
  depthCut: number;
  depthExample: string;
  dirCut: number;
  dirExample: string;
  vanished: number;
  denied: number;
  hitsCut: number;
}

/** What a walker needs to know. Plain data, so it can be posted to a worker. */
export interface WalkerSettings {
  maxDepth: number;
  maxDirEntries: number;
  /** Hits kept by one walker; more is a `truncated` warning. */
  maxHits: number;
  /** Read security.capability of executable regular files. */
  xattr: boolean;
  /** "major:minor" of filesystems not entered when a directory crosses into them. */
  skipDevs: string[];
  /**
   * Real paths of remote and FUSE mount points: stepped around by name, before the stat that would wait on a
   * hung server.
   */
  remoteMounts: string[];
  /** "dev:ino" of the walk roots: met below another root, such a directory is left to its own task. */
  rootKeys: string[];
  /** What the census is for, with real paths: a directory no scope wants is not entered. */
  scopes: ScopeData[];
}

/** One consumer's part of the census: where it looks and what it leaves out. Plain data. */
export interface ScopeData {
  /** Walk roots. */
  roots: string[];
  /** Left out with everything below them. */
  pruneDirs: string[];
  /** Paths containing one of these are left out. */
  pruneSubstrings: string[];
}

/**
 * True for the entries the census keeps by their mode alone: set-id or world-writable regular files, and
 * world-writable directories without the sticky bit (executables with file capabilities are kept too, but
 * that takes reading an attribute).
 */
export function keptByMode(kind: "file" | "dir", mode: number): boolean {
  return kind === "file" ? (mode & 0o6002) !== 0 : (mode & 0o002) !== 0 && (mode & 0o1000) === 0;
}

/** True when `path` is `root` or lies below it. */
export function within(path: string, root: string): boolean {
  return root === "/" || path === root || path.startsWith(root + "/");
}

/** True when the scope covers `path` and does not leave it out. */
export function scopeWants(scope: ScopeData, path: string): boolean {
  if (!scope.roots.some((r) => within(path, r))) return false;
  if (scope.pruneDirs.some((d) => within(path, d) && d !== "/")) return false;
  return !scope.pruneSubstrings.some((x) => path.includes(x));
}

/** The state several walkers share (an Int32Array over a SharedArrayBuffer): stop flag and entry count. */
export const SHARED_STOP = 0;
/** Index of the shared entry counter. */
export const SHARED_ENTRIES = 1;
/** Index of the first per-walker "please donate work" flag. */
export const SHARED_STEAL = 2;
/** Stop flag value: the entry limit was reached. */
export const STOP_ENTRIES = 1;
/** Stop flag value: the deadline passed. */
export const STOP_TIME = 2;
/** Stop flag value: the census was cancelled. */
export const STOP_CANCELLED = 3;

/** What finished walking produces (also the payload of a worker's "idle" message). */
export interface WalkerOutput {
  hits: RawHit[];
  warnings: RawWarning[];
  tally: CensusTally;
}

/** Messages from the coordinator to a census worker. */
export type WorkerIn =
  | {
    t: "init";
    id: number;
    settings: WalkerSettings;
    shared: SharedArrayBuffer;
    /** Date.now() after which walking stops. */
    deadline: number;
    maxEntries: number;
  }
  | { t: "work"; tasks: CensusTask[] };

/** Messages from a census worker to the coordinator. */
export type WorkerOut =
  | { t: "failed"; message: string }
  | { t: "donate"; tasks: CensusTask[] }
  | ({ t: "idle" } & WalkerOutput);

const MAX_WARNINGS = 200;
/** Pending directories one walker keeps open; beyond this they are opened by path when their turn comes. */
const MAX_OPEN_PENDING = 128;
const DENTS_BYTES = 128 << 10;
const decoder = new TextDecoder();

/** A new, zeroed tally. */
export function emptyTally(): CensusTally {
  return {
    entries: 0,
    depthCut: 0,
    depthExample: "",
    dirCut: 0,
    dirExample: "",
    vanished: 0,
    denied: 0,
    hitsCut: 0,
  };
}

/** Decodes path bytes for messages and prune checks (invalid UTF-8 becomes U+FFFD). */
export function pathText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/** A kept path as RawHit holds it: its text when valid UTF-8, else a copy of its bytes. */
export function hitPath(bytes: Uint8Array): string | Uint8Array {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return bytes.slice();
  }
}

function withNul(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** Sets the shared stop flag once the entry limit or the deadline is passed. */
export function checkLimits(shared: Int32Array, deadline: number, maxEntries: number): void {
  if (Atomics.load(shared, SHARED_ENTRIES) > maxEntries) {
    Atomics.compareExchange(shared, SHARED_STOP, 0, STOP_ENTRIES);
  } else if (Date.now() > deadline) Atomics.compareExchange(shared, SHARED_STOP, 0, STOP_TIME);
}

/** Walks census tasks depth-first; see the module comment. */
export class CensusWalker {
  readonly #fs: DirentCalls;
  readonly #s: WalkerSettings;
  readonly #skipDevs: ReadonlySet<string>;
  readonly #remoteAt: ReadonlyMap<string, ReadonlySet<string>>;
  readonly #rootKeys: ReadonlySet<string>;
  readonly #shared: Int32Array;
  readonly #id: number;
  readonly #dents = new Uint8Array(DENTS_BYTES);
  readonly #dentsView = new DataView(this.#dents.buffer);
  readonly #st: StatxView = {
    mode: 0,
    uid: 0,
    gid: 0,
    nlink: 0,
    ino: 0,
    size: 0,
    devMajor: 0,
    devMinor: 0,
    mtimeMs: 0,
    ctimeMs: 0,
  };
  #pathBuf = new Uint8Array(4096);
  /** The current entry's NUL-terminated name, copied byte by byte (a subarray per entry would be garbage). */
  readonly #name = new Uint8Array(256);
  readonly #visited = new Set<string>();
  /** Pending directories; the end is walked next, the start is what gets donated. */
  readonly stack: CensusTask[] = [];
  hits: RawHit[] = [];
  warnings: RawWarning[] = [];
  tally: CensusTally = emptyTally();
  #warned = 0;
  #openPending = 0;

  /** `shared` holds the stop flag, the entry counter and one steal flag per walker; `id` picks this one's. */
  constructor(fs: DirentCalls, settings: WalkerSettings, shared: Int32Array, id: number) {
    this.#fs = fs;
    this.#s = settings;
    this.#skipDevs = new Set(settings.skipDevs);
    this.#remoteAt = mountpointsByParent(settings.remoteMounts);
    this.#rootKeys = new Set(settings.rootKeys);
    this.#shared = shared;
    this.#id = id;
  }

  /** Hands over what was found so far and starts new lists. */
  drain(): WalkerOutput {
    const out = { hits: this.hits, warnings: this.warnings, tally: this.tally };
    this.hits = [];
    this.warnings = [];
    this.tally = emptyTally();
    return out;
  }

  /** True when another walker asked this one for work. */
  get stealRequested(): boolean {
    return Atomics.load(this.#shared, SHARED_STEAL + this.#id) === 1;
  }

  /** Removes and returns the older half of the pending directories (for an idle walker), clearing the request. */
  donate(): CensusTask[] {
    Atomics.store(this.#shared, SHARED_STEAL + this.#id, 0);
    return this.#give(Math.floor(this.stack.length / 2));
  }

  /**
   * Removes and returns every pending directory, to hand them to census workers, with the descriptors opened
   * ahead closed: should the workers fail, the same tasks are walked again here, by path.
   */
  takeAll(): CensusTask[] {
    const all = this.#give(this.stack.length);
    for (const t of all) {
      if (t.fd >= 0) this.#fs.close(t.fd);
      t.fd = -1;
    }
    return all;
  }

  /** Takes over pending directories from another walker (with the descriptors of those already open). */
  adopt(tasks: readonly CensusTask[]): void {
    this.stack.push(...tasks);
    this.#openPending += tasks.filter((t) => t.fd >= 0).length;
  }

  #give(n: number): CensusTask[] {
    const given = this.stack.splice(0, n);
    this.#openPending -= given.filter((t) => t.fd >= 0).length;
    return given;
  }

  /** Drops every pending directory (closing those already open), e.g. once the walk was stopped. */
  discard(): void {
    for (const t of this.stack.splice(0)) if (t.fd >= 0) this.#fs.close(t.fd);
    this.#openPending = 0;
  }

  /** True once some walker hit the entry limit or the deadline. */
  get stopped(): boolean {
    return Atomics.load(this.#shared, SHARED_STOP) !== 0;
  }

  #warn(code: string, path: string, detail: string): void {
    if (this.#warned++ < MAX_WARNINGS) this.warnings.push({ code, path, detail });
  }

  #failure(path: Uint8Array, what: string, err: number): void {
    if (err === Errno.ENOENT || err === Errno.ENOTDIR || err === Errno.ELOOP) this.tally.vanished++;
    else if (err === Errno.EACCES || err === Errno.EPERM) {
      this.tally.denied++;
      this.#warn("perm_denied", pathText(path), `${what}: permission denied (errno ${err})`);
    } else this.#warn("walk_error", pathText(path), `${what} failed with errno ${err}`);
  }

  #pruned(text: string): boolean {
    return !this.#s.scopes.some((s) => scopeWants(s, text));
  }

  /** Builds "<dir>/<name>" bytes (name taken from the dents buffer), NUL-terminated in the shared path buffer. */
  #joinZ(dir: Uint8Array, nameStart: number, nameEnd: number): Uint8Array<ArrayBuffer> {
    const len = dir.length + 1 + (nameEnd - nameStart);
    if (this.#pathBuf.length < len + 1) this.#pathBuf = new Uint8Array(2 * (len + 1));
    const buf = this.#pathBuf;
    buf.set(dir);
    let p = dir.length;
    if (p !== 1 || dir[0] !== 0x2f) buf[p++] = 0x2f;
    else p = 1;
    buf.set(this.#dents.subarray(nameStart, nameEnd), p);
    buf[p + nameEnd - nameStart] = 0;
    return buf.subarray(0, p + nameEnd - nameStart + 1);
  }

  /** Capabilities are granted on exec only: only executables' attributes are read. */
  #capsWanted(mode: number): boolean {
    return this.#s.xattr && (mode & 0o111) !== 0;
  }

  #hit(path: Uint8Array, kind: "file" | "dir", depth: number, reach: boolean): RawHit | undefined {
    if (this.hits.length >= this.#s.maxHits) {
      this.tally.hitsCut++;
      return undefined;
    }
    const st = this.#st;
    const h: RawHit = {
      path: hitPath(path),
      kind,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      dev: makedev(st.devMajor, st.devMinor),
      ino: st.ino,
      size: st.size,
      nlink: st.nlink,
      mtime: st.mtimeMs,
      ctime: st.ctimeMs,
      depth,
      reach,
    };
    this.hits.push(h);
    return h;
  }

  /**
   * Examines the entry whose stat is in #st. `pathZ` is its NUL-terminated path (only valid during the call).
   * Returns a task when it is a directory to enter.
   */
  #examine(
    pathZ: Uint8Array<ArrayBuffer>,
    parentDev: number,
    depth: number,
    reach: boolean,
  ): CensusTask | undefined {
    const st = this.#st;
    const type = st.mode & S_IFMT;
    if (type === S_IFREG) {
      const caps = this.#capsWanted(st.mode) ? this.#fs.fileCaps(pathZ) : null;
      if (keptByMode("file", st.mode) || caps !== null) {
        const h = this.#hit(pathZ.subarray(0, pathZ.length - 1), "file", depth, reach);
        if (h !== undefined && caps !== null) {
          if (typeof caps === "number") h.capsErrno = caps;
          else h.caps = caps;
        }
      }
      return undefined;
    }
    if (type !== S_IFDIR) return undefined;
    const bytes = pathZ.slice(0, pathZ.length - 1);
    const text = pathText(bytes);
    if (depth > 0 && this.#pruned(text)) return undefined;
    if (keptByMode("dir", st.mode)) this.#hit(bytes, "dir", depth, reach);
    const dev = makedev(st.devMajor, st.devMinor);
    if (depth > 0 && dev !== parentDev && this.#skipDevs.has(`${st.devMajor}:${st.devMinor}`)) {
      return undefined;
    }
    const key = `${dev}:${st.ino}`;
    if (this.#visited.has(key) || (depth > 0 && this.#rootKeys.has(key))) return undefined;
    this.#visited.add(key);
    if (depth >= this.#s.maxDepth) {
      if (this.tally.depthCut++ === 0) this.tally.depthExample = text;
      return undefined;
    }
    return { path: bytes, depth, reach: reach && (st.mode & 0o001) !== 0, dev, fd: -1 };
  }

  /**
   * Examines a walk root given by its real path: keeps it when interesting and, when it is a directory to
   * enter, pushes it. `reach` says whether other users can reach the root itself.
   */
  addRoot(path: Uint8Array, reach: boolean): void {
    const pathZ = withNul(path);
    if (!this.#fs.statAt(-1, pathZ, this.#st)) {
      const err = errno();
      if (err !== Errno.ENOENT && err !== Errno.ENOTDIR) this.#failure(path, "lstat", err);
      return;
    }
    const task = this.#examine(pathZ, -1, 0, reach);
    if (task !== undefined) this.stack.push(task);
  }

  /** Walks one pending directory (the most recently pushed) and pushes its subdirectories; false when none. */
  step(): boolean {
    const task = this.stack.pop();
    if (task === undefined) return false;
    const fs = this.#fs;
    let fd = task.fd;
    if (fd >= 0) this.#openPending--;
    else {
      fd = fs.openDir(withNul(task.path));
      if (fd < 0) {
        this.#failure(task.path, "open", errno());
        return true;
      }
    }
    const dents = this.#dents;
    const view = this.#dentsView;
    const childDepth = task.depth + 1;
    const remoteHere = this.#remoteAt.size > 0 ? this.#remoteAt.get(pathText(task.path)) : undefined;
    let seen = 0;
    try {
      reading: while (true) {
        const n = fs.getdents(fd, dents);
        if (n < 0) {
          this.#failure(task.path, "getdents64", errno());
          break;
        }
        if (n === 0) break;
        let off = 0;
        while (off < n) {
          const reclen = view.getUint16(off + 16, true);
          const type = dents[off + 18];
          const start = off + 19;
          off += reclen;
          if (
            dents[start] === 0x2e &&
            (dents[start + 1] === 0 || (dents[start + 1] === 0x2e && dents[start + 2] === 0))
          ) {
            continue;
          }
          if (++seen > this.#s.maxDirEntries) {
            if (this.tally.dirCut++ === 0) this.tally.dirExample = pathText(task.path);
            break reading;
          }
          this.tally.entries++;
          if (type !== DT.DIR && type !== DT.REG && type !== DT.UNKNOWN) continue;
          const end = dents.indexOf(0, start);
          if (
            remoteHere !== undefined && type !== DT.REG &&
            remoteHere.has(pathText(dents.subarray(start, end)))
          ) {
            const where = pathText(this.#joinZ(task.path, start, end).slice(0, -1));
            this.#warn("walk_skipped_fs", where, "a remote or FUSE filesystem, not walked");
            continue;
          }
          const name = this.#name;
          for (let i = start; i <= end; i++) name[i - start] = dents[i];
          if (!fs.statAt(fd, name, this.#st)) {
            this.#failure(this.#joinZ(task.path, start, end).slice(0, -1), "lstat", errno());
            continue;
          }
          // Most entries are plain files that need no path: only directories and candidates get one.
          const mode = this.#st.mode;
          const fmt = mode & S_IFMT;
          const candidate = fmt === S_IFDIR ||
            (fmt === S_IFREG && (keptByMode("file", mode) || this.#capsWanted(mode)));
          if (!candidate) continue;
          const child = this.#examine(this.#joinZ(task.path, start, end), task.dev, childDepth, task.reach);
          if (child === undefined) continue;
          // Opening it now, next to its parent, spares a lookup of the whole path later.
          if (this.#openPending < MAX_OPEN_PENDING) {
            child.fd = fs.openDirAt(fd, this.#name);
            if (child.fd >= 0) this.#openPending++;
          }
          this.stack.push(child);
        }
      }
    } finally {
      fs.close(fd);
    }
    Atomics.add(this.#shared, SHARED_ENTRIES, seen);
    return true;
  }
}
