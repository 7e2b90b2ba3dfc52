/**
 * The synchronous core of the filesystem census: walks directories given as tasks with getdents64 and statx
 * (through `ffi/dirent.ts`) and keeps only the entries a security scanner cares about — set-id and
 * world-writable regular files, world-writable directories without the sticky bit, and executables that
 * carry file capabilities. It runs inside a census worker or in-process, and can hand half of its pending
 * directories to another walker (work stealing).
 */
import { DirentCalls, DT } from "../../ffi/dirent.ts";
import { emptyStatx, Errno, makedev, S_IFDIR, S_IFMT, S_IFREG, type StatxView } from "../../ffi/fd.ts";
import { mountpointsByParent } from "./mountinfo.ts";
import { errno } from "../../ffi/libc.ts";
import {
  type CensusTally,
  type CensusTask,
  emptyTally,
  hitPath,
  keptByMode,
  maxBytes,
  type PathRef,
  pathText,
  putPath,
  type RawHit,
  type RawWarning,
  refText,
  scopeWants,
  SHARED_ENTRIES,
  SHARED_STEAL,
  SHARED_STOP,
  type WalkerOutput,
  type WalkerSettings,
} from "./census_data.ts";

const MAX_WARNINGS = 200;
/** Pending directories one walker keeps open; beyond this they are opened by path when their turn comes. */
const MAX_OPEN_PENDING = 128;
const DENTS_BYTES = 128 << 10;

/** Walks census tasks depth-first; see the module comment. */
export class CensusWalker {
  readonly #fs: DirentCalls;
  readonly #s: WalkerSettings;
  readonly #skipDevs: ReadonlySet<string>;
  readonly #remoteAt: ReadonlyMap<string, ReadonlySet<string>>;
  readonly #rootKeys = new Map<number, Set<number>>();
  readonly #shared: Int32Array;
  readonly #id: number;
  readonly #dents = new Uint8Array(DENTS_BYTES);
  readonly #dentsView = new DataView(this.#dents.buffer);
  readonly #st: StatxView = emptyStatx();
  /**
   * The path of the entry being examined, NUL-terminated: the directory's part ("<dir>/") is written once per
   * directory (#enter), the entry's name after it (#join). Passed whole to libc, which reads up to the NUL.
   */
  #pathBuf = new Uint8Array(4096);
  /** Bytes of "<dir>/" at the start of #pathBuf. */
  #prefix = 0;
  /** A pending directory's NUL-terminated path, to open it by path. */
  #dirBuf = new Uint8Array(4096);
  /** The current entry's NUL-terminated name, copied byte by byte (a subarray per entry would be garbage). */
  readonly #name = new Uint8Array(256);
  /** Directories entered, by device and inode: numbers, not a key string per directory. */
  readonly #visited = new Map<number, Set<number>>();
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
    for (const key of settings.rootKeys) {
      const [dev, ino] = key.split(":").map(Number);
      this.#add(this.#rootKeys, dev, ino);
    }
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

  #failure(path: PathRef, what: string, err: number): void {
    if (err === Errno.ENOENT || err === Errno.ENOTDIR || err === Errno.ELOOP) this.tally.vanished++;
    else if (err === Errno.EACCES || err === Errno.EPERM) {
      this.tally.denied++;
      this.#warn("perm_denied", refText(path), `${what}: permission denied (errno ${err})`);
    } else this.#warn("walk_error", refText(path), `${what} failed with errno ${err}`);
  }

  /** Adds dev:ino to a set kept by device; false when it was there already. */
  #add(set: Map<number, Set<number>>, dev: number, ino: number): boolean {
    let inodes = set.get(dev);
    if (inodes === undefined) set.set(dev, inodes = new Set());
    if (inodes.has(ino)) return false;
    inodes.add(ino);
    return true;
  }

  /** A pending directory's path, NUL-terminated in #dirBuf (reused; libc reads up to the NUL). */
  #dirZ(path: PathRef): Uint8Array<ArrayBuffer> {
    if (this.#dirBuf.length < maxBytes(path) + 1) this.#dirBuf = new Uint8Array(2 * (maxBytes(path) + 1));
    const n = putPath(this.#dirBuf, path);
    this.#dirBuf[n] = 0;
    return this.#dirBuf;
  }

  /** Writes "<dir>/" at the start of #pathBuf, with room for any name after it. */
  #enter(dir: PathRef): void {
    const room = maxBytes(dir) + 1 + this.#name.length;
    if (this.#pathBuf.length < room) this.#pathBuf = new Uint8Array(2 * room);
    const buf = this.#pathBuf;
    let p = putPath(buf, dir);
    if (p !== 1 || buf[0] !== 0x2f) buf[p++] = 0x2f;
    this.#prefix = p;
  }

  /** Puts the current entry's name (#name, `len` bytes and its NUL) after "<dir>/"; the path's length. */
  #join(len: number): number {
    const buf = this.#pathBuf;
    const name = this.#name;
    const p = this.#prefix;
    for (let i = 0; i <= len; i++) buf[p + i] = name[i];
    return p + len;
  }

  #pruned(text: string): boolean {
    const scopes = this.#s.scopes;
    for (let i = 0; i < scopes.length; i++) if (scopeWants(scopes[i], text)) return false;
    return true;
  }

  /** Capabilities are granted on exec only: only executables' attributes are read. */
  #capsWanted(mode: number): boolean {
    return this.#s.xattr && (mode & 0o111) !== 0;
  }

  #hit(path: PathRef, kind: "file" | "dir", depth: number, reach: boolean): RawHit | undefined {
    if (this.hits.length >= this.#s.maxHits) {
      this.tally.hitsCut++;
      return undefined;
    }
    const st = this.#st;
    const h: RawHit = {
      path,
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
   * Examines the entry whose stat is in #st and whose path is the first `len` bytes of `pathZ`, NUL-terminated
   * there (only valid during the call). Returns a task when it is a directory to enter.
   */
  #examine(
    pathZ: Uint8Array<ArrayBuffer>,
    len: number,
    parentDev: number,
    depth: number,
    reach: boolean,
  ): CensusTask | undefined {
    const st = this.#st;
    const type = st.mode & S_IFMT;
    if (type === S_IFREG) {
      const caps = this.#capsWanted(st.mode) ? this.#fs.fileCaps(pathZ) : null;
      if (keptByMode("file", st.mode) || caps !== null) {
        const h = this.#hit(hitPath(pathZ.subarray(0, len)), "file", depth, reach);
        if (h !== undefined && caps !== null) {
          if (typeof caps === "number") h.capsErrno = caps;
          else h.caps = caps;
        }
      }
      return undefined;
    }
    if (type !== S_IFDIR) return undefined;
    const path = hitPath(pathZ.subarray(0, len));
    const text = refText(path);
    if (depth > 0 && this.#pruned(text)) return undefined;
    if (keptByMode("dir", st.mode)) this.#hit(path, "dir", depth, reach);
    const dev = makedev(st.devMajor, st.devMinor);
    if (depth > 0 && dev !== parentDev && this.#skipDevs.has(`${st.devMajor}:${st.devMinor}`)) {
      return undefined;
    }
    if (depth > 0 && this.#rootKeys.get(dev)?.has(st.ino)) return undefined;
    // A bind mount can show a directory twice.
    if (!this.#add(this.#visited, dev, st.ino)) return undefined;
    if (depth >= this.#s.maxDepth) {
      if (this.tally.depthCut++ === 0) this.tally.depthExample = text;
      return undefined;
    }
    return { path, depth, reach: reach && (st.mode & 0o001) !== 0, dev, fd: -1 };
  }

  /**
   * Examines a walk root given by its real path: keeps it when interesting and, when it is a directory to
   * enter, pushes it. `reach` says whether other users can reach the root itself.
   */
  addRoot(path: Uint8Array, reach: boolean): void {
    const pathZ = this.#dirZ(path);
    if (!this.#fs.statAt(-1, pathZ, this.#st)) {
      const err = errno();
      if (err !== Errno.ENOENT && err !== Errno.ENOTDIR) this.#failure(path, "lstat", err);
      return;
    }
    const task = this.#examine(pathZ, path.length, -1, 0, reach);
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
      fd = fs.openDir(this.#dirZ(task.path));
      if (fd < 0) {
        this.#failure(task.path, "open", errno());
        return true;
      }
    }
    const dents = this.#dents;
    const view = this.#dentsView;
    const childDepth = task.depth + 1;
    const remoteHere = this.#remoteAt.size > 0 ? this.#remoteAt.get(refText(task.path)) : undefined;
    this.#enter(task.path);
    const pathBuf = this.#pathBuf;
    const name = this.#name;
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
            if (this.tally.dirCut++ === 0) this.tally.dirExample = refText(task.path);
            break reading;
          }
          this.tally.entries++;
          if (type !== DT.DIR && type !== DT.REG && type !== DT.UNKNOWN) continue;
          // Copied byte by byte: a subarray per entry would be garbage. Linux names are at most 255 bytes.
          const nameLen = dents.indexOf(0, start) - start;
          if (nameLen < 0 || nameLen >= name.length) {
            this.#warn("walk_error", refText(task.path), "getdents64 gave an entry without a valid name");
            continue;
          }
          for (let i = 0; i <= nameLen; i++) name[i] = dents[start + i];
          if (
            remoteHere !== undefined && type !== DT.REG &&
            remoteHere.has(pathText(name.subarray(0, nameLen)))
          ) {
            const where = pathText(pathBuf.subarray(0, this.#join(nameLen)));
            this.#warn("walk_skipped_fs", where, "a remote or FUSE filesystem, not walked");
            continue;
          }
          if (!fs.statAt(fd, name, this.#st)) {
            this.#failure(pathBuf.slice(0, this.#join(nameLen)), "lstat", errno());
            continue;
          }
          // Most entries are plain files that need no path: only directories and candidates get one.
          const mode = this.#st.mode;
          const fmt = mode & S_IFMT;
          const candidate = fmt === S_IFDIR ||
            (fmt === S_IFREG && (keptByMode("file", mode) || this.#capsWanted(mode)));
          if (!candidate) continue;
          const child = this.#examine(pathBuf, this.#join(nameLen), task.dev, childDepth, task.reach);
          if (child === undefined) continue;
          // Opening it now, next to its parent, spares a lookup of the whole path later.
          if (this.#openPending < MAX_OPEN_PENDING) {
            child.fd = fs.openDirAt(fd, name);
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
