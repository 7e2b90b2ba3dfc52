/**
 * The census walkers' plain data and the small functions on it: tasks, kept entries, warnings and counters
 * (all of which cross between threads), the settings and scopes a walker is given, the slots of the state the
 * walkers share, the messages to and from a census worker, and paths as the walkers keep them (`PathRef`).
 */
/**
 * A real path as the walkers keep it: its text when it is valid UTF-8 (nearly always), else its bytes. A
 * string lives in the isolate's heap; a buffer of its own per directory was a native allocation that stayed
 * until a full collection (~100,000 of them in a walk of a whole system).
 */
export type PathRef = string | Uint8Array;

/** A directory still to be walked. Plain data, so it can be posted to a worker. */
export interface CensusTask {
  /** Real path (inside the scan root), without a trailing NUL. */
  path: PathRef;
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
  /** Real path. */
  path: PathRef;
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
  // Without building `root + "/"`: this runs for every directory of a census, for every root.
  return root === "/" || path === root ||
    (path.length > root.length && path.charCodeAt(root.length) === 0x2f && path.startsWith(root));
}

/** True when the scope covers `path` and does not leave it out. Loops, not closures: once per directory. */
export function scopeWants(scope: ScopeData, path: string): boolean {
  const { roots, pruneDirs, pruneSubstrings } = scope;
  let covered = false;
  for (let i = 0; i < roots.length && !covered; i++) covered = within(path, roots[i]);
  if (!covered) return false;
  for (let i = 0; i < pruneDirs.length; i++) {
    if (pruneDirs[i] !== "/" && within(path, pruneDirs[i])) return false;
  }
  for (let i = 0; i < pruneSubstrings.length; i++) if (path.includes(pruneSubstrings[i])) return false;
  return true;
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
const encoder = new TextEncoder();

/** Path bytes as a PathRef: their text when valid UTF-8, else a copy of them. */
export function hitPath(bytes: Uint8Array): PathRef {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return bytes.slice();
  }
}

/** A PathRef's text (invalid UTF-8 shown with U+FFFD). */
export function refText(path: PathRef): string {
  return typeof path === "string" ? path : pathText(path);
}

/** The longest encoding of a PathRef, in bytes. */
export function maxBytes(path: PathRef): number {
  return typeof path === "string" ? path.length * 3 : path.length;
}

/** Writes a PathRef's bytes at the start of `buf` (large enough: maxBytes); returns how many. */
export function putPath(buf: Uint8Array, path: PathRef): number {
  if (typeof path !== "string") {
    buf.set(path);
    return path.length;
  }
  // ASCII byte by byte (nearly every path; encodeInto makes a result object per call), else encodeInto.
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c >= 0x80) return encoder.encodeInto(path, buf).written;
    buf[i] = c;
  }
  return path.length;
}

/** Sets the shared stop flag once the entry limit or the deadline is passed. */
export function checkLimits(shared: Int32Array, deadline: number, maxEntries: number): void {
  if (Atomics.load(shared, SHARED_ENTRIES) > maxEntries) {
    Atomics.compareExchange(shared, SHARED_STOP, 0, STOP_ENTRIES);
  } else if (Date.now() > deadline) Atomics.compareExchange(shared, SHARED_STOP, 0, STOP_TIME);
}
