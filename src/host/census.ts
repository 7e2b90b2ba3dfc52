/**
 * The filesystem census: one bounded walk over the union of the file scanners' roots that keeps only the
 * entries they judge — set-id and world-writable regular files, world-writable directories without the
 * sticky bit, executables carrying file capabilities — with whether other users can reach each one.
 *
 * On a real filesystem the walk is spread over census workers (one per core, up to four) that read
 * directories with getdents64 and statx through FFI and steal work from each other; small trees are walked
 * on the calling thread in slices; without FFI the Deno-API walker does the same job more slowly. The
 * limits and warnings are those of the shared walker (`walker.ts`).
 */
import { DirentCalls } from "../../ffi/dirent.ts";
import {
  type CensusTally,
  type CensusTask,
  CensusWalker,
  checkLimits,
  emptyTally,
  keptByMode,
  pathText,
  type RawHit,
  type RawWarning,
  type ScopeData,
  scopeWants,
  SHARED_STEAL,
  SHARED_STOP,
  STOP_CANCELLED,
  STOP_ENTRIES,
  STOP_TIME,
  type WalkerOutput,
  type WalkerSettings,
  within,
  type WorkerIn,
  type WorkerOut,
} from "./census_walker.ts";
import { yieldToEventLoop } from "./yield.ts";
import type { Host } from "./host.ts";
import { DEFAULT_WALK_LIMITS, walk, type WalkEntry, type WalkLimits } from "./walker.ts";
import { devString, isSkippedFsType } from "./mountinfo.ts";
import { liveFsTypes } from "./open.ts";

/** One consumer's part of a census, in host paths (under `--root` relative to the root). */
export interface CensusScope {
  /** Names the scope for `Census.wants` and `Census.warningsFor`. */
  readonly name: string;
  /** Walk roots; symlinked ones (e.g. /bin on merged-/usr) are resolved inside the scan root. */
  readonly roots: readonly string[];
  /** Directories left out with everything below them (roots excepted). */
  readonly pruneDirs: readonly string[];
  /** Paths containing one of these are left out. */
  readonly pruneSubstrings: readonly string[];
}

/** What to walk and what to leave out: a directory is entered when some scope wants it. */
export interface CensusSpec {
  readonly scopes: readonly CensusScope[];
  /** Read the security.capability attribute of executable regular files. */
  readonly xattr: boolean;
  /** Filesystem types not entered when crossing into them (pseudo, network and FUSE ones never are). */
  readonly skipFsTypes: readonly string[];
  readonly limits?: Partial<CensusLimits>;
  /**
   * Census workers: undefined picks one per core (up to four) for a large tree on a host with two cores or
   * more; 0 or 1 walks on this thread.
   */
  readonly workers?: number;
  /** "major:minor" → filesystem type; read from the live /proc/self/mountinfo when absent. */
  readonly fsTypes?: ReadonlyMap<string, string>;
}

/** The walker's limits plus a cap on kept entries. */
export interface CensusLimits extends WalkLimits {
  /** Entries kept in total; more is a `truncated` warning (a hostile tree cannot exhaust memory). */
  maxHits: number;
}

/** Default limits: the walker's, and at most 200,000 kept entries. */
export const DEFAULT_CENSUS_LIMITS: CensusLimits = { ...DEFAULT_WALK_LIMITS, maxHits: 200_000 };

/** One kept entry. */
export interface CensusEntry extends WalkEntry {
  /** Other users can reach the entry: every directory above it is searchable by "other". */
  readonly reach: boolean;
  /** Raw security.capability attribute (executable regular files that have one). */
  readonly caps?: Uint8Array;
  /** Why the attribute could not be read. */
  readonly capsError?: string;
}

/** A problem met while walking; `path` (a host path) when it concerns one place. */
export interface CensusWarning {
  readonly code: string;
  readonly detail: string;
  readonly path?: string;
}

/** The result of one census. */
export class Census {
  /** Kept entries in depth-first name order, each path once. */
  readonly entries: readonly CensusEntry[];
  readonly warnings: readonly CensusWarning[];
  /** How it walked: census workers, this thread through FFI, or the Deno API. */
  readonly backend: "workers" | "thread" | "deno";
  /** Census workers that walked (0 unless `backend` is "workers"). */
  readonly workers: number;
  /** Directory entries examined. */
  readonly examined: number;
  readonly #scopes: ReadonlyMap<string, ScopeData>;

  constructor(
    entries: CensusEntry[],
    warnings: CensusWarning[],
    how: { backend: Census["backend"]; workers: number; examined: number },
    scopes: ReadonlyMap<string, ScopeData>,
  ) {
    this.entries = entries;
    this.warnings = warnings;
    this.backend = how.backend;
    this.workers = how.workers;
    this.examined = how.examined;
    this.#scopes = scopes;
  }

  /** True when the named scope covers the host path and does not leave it out. */
  wants(scope: string, path: string): boolean {
    const s = this.#scopes.get(scope);
    return s !== undefined && scopeWants(s, path);
  }

  /** The warnings about places inside the named scopes' roots, and those about no particular place. */
  warningsFor(scopes: readonly string[]): CensusWarning[] {
    const roots = scopes.flatMap((n) => this.#scopes.get(n)?.roots ?? []);
    return this.warnings.filter((w) => w.path === undefined || roots.some((r) => within(w.path!, r)));
  }
}

/** Directories pending at once that make a tree large enough for census workers. */
const HANDOVER_PENDING = 128;
/** How long this thread walks alone when workers were started early (on the live host). */
const HANDOVER_MS = 5;
/** Census workers at most, however many cores there are. */
export const MAX_CENSUS_WORKERS = 4;
const MAX_DENIED_WARNINGS = 50;
const SLICE_MS = 8;
const CANCEL_GRACE_MS = 2000;

interface PlannedRoot {
  hostPath: string;
  real: string;
  reach: boolean;
  /** "dev:ino" of a directory root: walkers that meet it inside another root leave it to its own task. */
  key: string | undefined;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function depthOf(path: string): number {
  return path === "/" ? 0 : path.split("/").length - 1;
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/** Where the scan root lies on this system: "" on the live host. */
function prefixOf(host: Host): string {
  return host.isLive ? "" : host.root;
}

/** The real path (to open on this system) of a host path. */
function toReal(prefix: string, hostPath: string): string {
  return hostPath === "/" && prefix !== "" ? prefix : prefix + hostPath;
}

/** The host path (as reports show it) of a real path. */
function toHostPath(prefix: string, real: string): string {
  return real.slice(prefix.length) || "/";
}

/** True when other users can search `dir` and every directory above it (lstat inside the root). */
function reachFn(host: Host): (dir: string) => boolean {
  const memo = new Map<string, boolean>();
  const of = (dir: string): boolean => {
    const known = memo.get(dir);
    if (known !== undefined) return known;
    const st = host.lstat(dir);
    const v = st.ok && ((st.value.mode ?? 0) & 0o001) !== 0 && (dir === "/" || of(parentOf(dir)));
    memo.set(dir, v);
    return v;
  };
  return of;
}

/** The scopes with their roots resolved inside the scan root, as host paths. */
function resolveScopes(host: Host, spec: CensusSpec): Map<string, ScopeData> {
  const prefix = prefixOf(host);
  return new Map(spec.scopes.map((s) => [s.name, {
    roots: s.roots.map((r) => toHostPath(prefix, host.resolve(r))),
    pruneDirs: [...s.pruneDirs],
    pruneSubstrings: [...s.pruneSubstrings],
  }]));
}

function planRoots(
  host: Host,
  scopes: ReadonlyMap<string, ScopeData>,
  fsTypes: ReadonlyMap<string, string>,
  warn: (w: CensusWarning) => void,
): PlannedRoot[] {
  const prefix = prefixOf(host);
  const reachOf = reachFn(host);
  const out = new Map<string, PlannedRoot>();
  const roots = new Set([...scopes.values()].flatMap((s) => s.roots));
  for (const root of roots) {
    const real = toReal(prefix, root);
    let st: Deno.FileInfo;
    try {
      st = Deno.lstatSync(real);
    } catch (e) {
      if (e instanceof Deno.errors.PermissionDenied) {
        warn({ code: "perm_denied", detail: `${root}: ${errMessage(e)}`, path: root });
      } else if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory)) {
        warn({ code: "walk_error", detail: `${root}: ${errMessage(e)}`, path: root });
      }
      continue;
    }
    const type = fsTypes.get(devString(st.dev ?? 0));
    if (type !== undefined && isSkippedFsType(type)) {
      warn({ code: "walk_skipped_fs", detail: `${root}: on a ${type} filesystem, not walked`, path: root });
      continue;
    }
    out.set(root, {
      hostPath: root,
      real,
      reach: root === "/" || reachOf(parentOf(root)),
      key: st.isDirectory ? `${st.dev}:${st.ino}` : undefined,
    });
  }
  return [...out.values()].sort((a, b) => depthOf(a.hostPath) - depthOf(b.hostPath));
}

/** Depth-first name order: "/" sorts before every other character. */
function orderKey(path: string): string {
  return path.replaceAll("/", "\u0000");
}

/** Turns what the walkers kept and met into the census result (host paths, sorted, each path once). */
class Assembler {
  readonly #prefix: string;
  readonly #byPath = new Map<string, CensusEntry>();
  readonly #tally: CensusTally = emptyTally();
  readonly #prune: (path: string) => boolean;
  #deniedShown = 0;
  readonly warnings: CensusWarning[] = [];

  constructor(host: Host, scopes: ReadonlyMap<string, ScopeData>) {
    this.#prefix = prefixOf(host);
    this.#prune = (p) => ![...scopes.values()].some((s) => scopeWants(s, p));
  }

  toHost(real: string): string {
    return toHostPath(this.#prefix, real);
  }

  warn(w: CensusWarning): void {
    this.warnings.push(w);
  }

  add(out: WalkerOutput): void {
    for (const w of out.warnings) this.#rawWarning(w);
    for (const h of out.hits) this.#hit(h);
    const t = this.#tally;
    const u = out.tally;
    if (t.depthExample === "") t.depthExample = u.depthExample;
    if (t.dirExample === "") t.dirExample = u.dirExample;
    t.entries += u.entries;
    t.depthCut += u.depthCut;
    t.dirCut += u.dirCut;
    t.vanished += u.vanished;
    t.denied += u.denied;
    t.hitsCut += u.hitsCut;
  }

  #rawWarning(w: RawWarning): void {
    const path = this.toHost(w.path);
    if (w.code === "perm_denied" && this.#deniedShown++ >= MAX_DENIED_WARNINGS) return;
    this.warnings.push({ code: w.code, detail: `${path}: ${w.detail}`, path });
  }

  #hit(h: RawHit): void {
    let real: string;
    try {
      real = strictDecoder.decode(h.path);
    } catch {
      real = pathText(h.path);
      this.warnings.push({
        code: "name_not_utf8",
        detail: `${
          this.toHost(real)
        }: name is not valid UTF-8 (shown with U+FFFD; it cannot be opened by name)`,
        path: this.toHost(real),
      });
    }
    const path = this.toHost(real);
    if (this.#prune(path) || this.#byPath.has(path)) return;
    this.#byPath.set(path, {
      path,
      realPath: real,
      name: path === "/" ? "" : path.slice(path.lastIndexOf("/") + 1),
      depth: h.depth,
      kind: h.kind,
      mode: h.mode,
      uid: h.uid,
      gid: h.gid,
      dev: h.dev,
      ino: h.ino,
      size: h.size,
      nlink: h.nlink,
      mtime: h.mtime,
      ctime: h.ctime,
      reach: h.reach,
      ...(h.caps !== undefined ? { caps: h.caps } : {}),
      ...(h.capsErrno !== undefined ? { capsError: `lgetxattr failed with errno ${h.capsErrno}` } : {}),
    });
  }

  finish(
    limits: CensusLimits,
    scopes: ReadonlyMap<string, ScopeData>,
    how: { stop: number; backend: Census["backend"]; workers: number; examinedExtra?: number },
  ): Census {
    const stop = how.stop;
    const t = this.#tally;
    if (stop === STOP_ENTRIES) {
      this.warnings.push({ code: "truncated", detail: `walk stopped after ${limits.maxEntries} entries` });
    } else if (stop === STOP_TIME) {
      this.warnings.push({ code: "truncated", detail: `walk stopped after ${limits.maxMillis} ms` });
    }
    if (t.depthCut > 0) {
      this.warnings.push({
        code: "truncated",
        detail: `${t.depthCut} director${t.depthCut === 1 ? "y" : "ies"} deeper than ${limits.maxDepth} ` +
          `not entered (e.g. ${this.toHost(t.depthExample)})`,
      });
    }
    if (t.dirCut > 0) {
      this.warnings.push({
        code: "truncated",
        detail:
          `${t.dirCut} director${t.dirCut === 1 ? "y" : "ies"} with more than ${limits.maxDirEntries} ` +
          `entries read partly (e.g. ${this.toHost(t.dirExample)})`,
      });
    }
    if (t.hitsCut > 0) {
      this.warnings.push({
        code: "truncated",
        detail:
          `more than ${limits.maxHits} set-id, world-writable or capability entries; ${t.hitsCut} not kept`,
      });
    }
    if (t.denied > MAX_DENIED_WARNINGS) {
      this.warnings.push({
        code: "perm_denied",
        detail: `${t.denied - MAX_DENIED_WARNINGS} more unreadable entries`,
      });
    }
    if (t.vanished > 0) {
      this.warnings.push({
        code: "vanished",
        detail: `${t.vanished} entries vanished while the walk read them`,
      });
    }
    const entries = [...this.#byPath.values()].sort((a, b) => {
      const x = orderKey(a.path);
      const y = orderKey(b.path);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const examined = t.entries + (how.examinedExtra ?? 0);
    return new Census(
      entries,
      this.warnings,
      { backend: how.backend, workers: how.workers, examined },
      scopes,
    );
  }
}

function settingsFor(
  host: Host,
  spec: CensusSpec,
  scopes: ReadonlyMap<string, ScopeData>,
  roots: readonly PlannedRoot[],
  limits: CensusLimits,
  fsTypes: ReadonlyMap<string, string>,
): WalkerSettings {
  const prefix = prefixOf(host);
  const real = (p: string) => toReal(prefix, p);
  const skip = new Set(spec.skipFsTypes);
  const settings: WalkerSettings = {
    maxDepth: limits.maxDepth,
    maxDirEntries: limits.maxDirEntries,
    maxHits: limits.maxHits,
    xattr: spec.xattr,
    skipDevs: [...fsTypes].filter(([, t]) => isSkippedFsType(t) || skip.has(t)).map(([dev]) => dev),
    rootKeys: roots.flatMap((r) => r.key === undefined ? [] : [r.key]),
    scopes: [...scopes.values()].map((s) => ({
      roots: s.roots.map(real),
      pruneDirs: s.pruneDirs.map(real),
      pruneSubstrings: s.pruneSubstrings,
    })),
  };
  return settings;
}

/** Walks on this thread until the walker's stack is empty, yielding to the event loop every few ms. */
async function walkHere(walker: CensusWalker, limits: WalkLimitsCheck, signal: AbortSignal | undefined) {
  let slice = performance.now();
  while (!walker.stopped && walker.step()) {
    checkLimits(limits.shared, limits.deadline, limits.maxEntries);
    if (performance.now() - slice > SLICE_MS) {
      await yieldToEventLoop();
      if (signal?.aborted) Atomics.store(limits.shared, SHARED_STOP, STOP_CANCELLED);
      slice = performance.now();
    }
  }
  if (walker.stopped) walker.discard();
}

/** Resolves true when `arm`'s callback is called, false after `ms` (never, without `ms`). */
function wakeOrTimeout(arm: (wake: () => void) => void, ms: number | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = ms === undefined ? undefined : setTimeout(() => resolve(false), ms);
    arm(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** What the walkers check after every directory. */
interface WalkLimitsCheck {
  shared: Int32Array;
  deadline: number;
  maxEntries: number;
}

/**
 * Census workers, started as early as possible (their start-up overlaps this thread's first directories).
 * `walk` shares the tasks between them: an idle worker gets queued donations, and when nothing is queued a
 * busy worker is asked (through its flag in the shared buffer) to donate half of its pending directories. This
 * thread only hands out work, so it stays free for the other scanners.
 */
class WorkerPool {
  readonly #count: number;
  readonly #shared: Int32Array;
  readonly #asm: Assembler;
  readonly #workers: Worker[] = [];
  readonly #queue: CensusTask[] = [];
  readonly #idle = new Set<number>();
  readonly #busy = new Set<number>();
  #failure: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(
    count: number,
    settings: WalkerSettings,
    sab: SharedArrayBuffer,
    limits: WalkLimitsCheck,
    asm: Assembler,
  ) {
    this.#count = count;
    this.#shared = limits.shared;
    this.#asm = asm;
    for (let id = 1; id <= count && this.#failure === undefined; id++) {
      try {
        const w = new Worker(new URL("./census_worker.ts", import.meta.url).href, { type: "module" });
        this.#workers.push(w);
        w.onerror = (ev) => {
          ev.preventDefault();
          this.#fail(new Error(`census worker failed: ${ev.message}`));
        };
        w.onmessage = (ev: MessageEvent<WorkerOut>) => this.#received(id, ev.data);
        w.postMessage(
          {
            t: "init",
            id,
            settings,
            shared: sab,
            deadline: limits.deadline,
            maxEntries: limits.maxEntries,
          } satisfies WorkerIn,
        );
      } catch (e) {
        this.#fail(new Error(`cannot start a census worker: ${errMessage(e)}`));
      }
    }
  }

  #stopping(): boolean {
    return Atomics.load(this.#shared, SHARED_STOP) !== 0;
  }

  #notify(): void {
    this.#wake?.();
    this.#wake = undefined;
  }

  #fail(e: Error): void {
    this.#failure ??= e;
    Atomics.store(this.#shared, SHARED_STOP, STOP_CANCELLED);
    this.#notify();
  }

  #send(id: number, batch: CensusTask[]): void {
    this.#idle.delete(id);
    this.#busy.add(id);
    Atomics.store(this.#shared, SHARED_STEAL + id, 0);
    this.#workers[id - 1].postMessage({ t: "work", tasks: batch } satisfies WorkerIn);
  }

  #received(id: number, m: WorkerOut): void {
    if (m.t === "failed") return this.#fail(new Error(`census worker cannot read directories: ${m.message}`));
    if (m.t === "donate") this.#queue.push(...m.tasks);
    else {
      this.#asm.add(m);
      this.#busy.delete(id);
      this.#idle.add(id);
    }
    this.#settle();
  }

  #settle(): void {
    if (!this.#stopping()) {
      for (const id of [...this.#idle]) {
        if (this.#queue.length > 0) {
          this.#send(id, this.#queue.splice(0, Math.ceil(this.#queue.length / this.#idle.size)));
        }
      }
      if (this.#idle.size > 0) {
        const donor = [...this.#busy].find((b) => Atomics.load(this.#shared, SHARED_STEAL + b) === 0);
        if (donor !== undefined) Atomics.store(this.#shared, SHARED_STEAL + donor, 1);
      }
    }
    this.#notify();
  }

  /**
   * Walks the tasks; resolves when every worker is idle and no work is left, rejects when a worker cannot
   * start or fails (the caller then walks everything again on this thread).
   */
  async walk(tasks: readonly CensusTask[], signal: AbortSignal | undefined): Promise<void> {
    const onAbort = () => {
      Atomics.store(this.#shared, SHARED_STOP, STOP_CANCELLED);
      this.#notify();
    };
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (this.#failure !== undefined) throw this.#failure;
      // Interleaved, so the large subtrees that sit side by side in walk order go to different workers.
      for (let id = 1; id <= this.#count; id++) {
        this.#send(
          id,
          tasks.filter((_, i) => i % this.#count === id - 1),
        );
      }
      while (this.#busy.size > 0) {
        if (this.#failure !== undefined) throw this.#failure;
        // Once stopping, a worker stuck in a system call is not waited for (terminating it ends it).
        const grace = this.#stopping() ? CANCEL_GRACE_MS : undefined;
        if (!await wakeOrTimeout((r) => this.#wake = r, grace)) break;
      }
      if (this.#failure !== undefined) throw this.#failure;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Ends the workers; queued tasks go to `drop` (to close their descriptors). */
  close(drop: (tasks: CensusTask[]) => void): void {
    for (const w of this.#workers) w.terminate();
    drop(this.#queue.splice(0));
  }
}

/** The Deno-API census, for when FFI cannot be used: the shared walker, filtered the same way. */
async function denoCensus(
  host: Host,
  spec: CensusSpec,
  scopes: ReadonlyMap<string, ScopeData>,
  roots: PlannedRoot[],
  limits: CensusLimits,
  asm: Assembler,
  signal: AbortSignal | undefined,
): Promise<Census> {
  const containerReach = new Map<string, boolean>();
  let last = performance.now();
  const ctx = {
    host,
    warn: (code: string, detail?: string) => asm.warn({ code, detail: detail ?? "" }),
    checkpoint: async () => {
      if (signal?.aborted) throw new Error("census cancelled");
      if (performance.now() - last > SLICE_MS) {
        await yieldToEventLoop();
        last = performance.now();
      }
    },
  };
  const prune = (p: string) => ![...scopes.values()].some((s) => scopeWants(s, p));
  const hits: RawHit[] = [];
  const tally = emptyTally();
  let examined = 0;
  for (const root of roots) {
    const opts = {
      roots: [root.hostPath],
      prune,
      oneFilesystem: false,
      skipFsTypes: new Set(spec.skipFsTypes),
      fsTypes: spec.fsTypes,
      ...limits,
    };
    for await (const e of walk(ctx, opts)) {
      examined++;
      const reach = e.depth === 0 ? root.reach : containerReach.get(parentOf(e.path)) ?? false;
      if (e.kind === "dir") containerReach.set(e.path, reach && (e.mode & 0o001) !== 0);
      if ((e.kind !== "file" && e.kind !== "dir") || !keptByMode(e.kind, e.mode)) continue;
      if (hits.length >= limits.maxHits) {
        tally.hitsCut++;
        continue;
      }
      hits.push({
        path: encoder.encode(e.realPath),
        kind: e.kind,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        dev: e.dev,
        ino: e.ino,
        size: e.size,
        nlink: e.nlink,
        mtime: e.mtime ?? 0,
        ctime: e.ctime ?? 0,
        depth: e.depth,
        reach,
      });
    }
  }
  asm.add({ hits, warnings: [], tally });
  return asm.finish(limits, scopes, { stop: 0, backend: "deno", workers: 0, examinedExtra: examined });
}

/** Runs one census; `signal` cancels it (what was found so far is returned). */
export async function runCensus(host: Host, spec: CensusSpec, signal?: AbortSignal): Promise<Census> {
  const limits: CensusLimits = { ...DEFAULT_CENSUS_LIMITS, ...spec.limits };
  const fsTypes = spec.fsTypes ?? liveFsTypes();
  const scopes = resolveScopes(host, spec);
  const asm = new Assembler(host, scopes);
  const roots = planRoots(host, scopes, fsTypes, (w) => asm.warn(w));
  const fs = DirentCalls.open();
  if (typeof fs === "string") {
    asm.warn({
      code: "walk_fallback",
      detail: `directories read through the Deno API (FFI unavailable: ${fs})`,
    });
    return await denoCensus(host, { ...spec, fsTypes }, scopes, roots, limits, asm, signal);
  }
  const settings = settingsFor(host, spec, scopes, roots, limits, fsTypes);
  const count = spec.workers ?? Math.min(MAX_CENSUS_WORKERS, navigator.hardwareConcurrency ?? 1);
  const sab = new SharedArrayBuffer(4 * (SHARED_STEAL + count + 1));
  const shared = new Int32Array(sab);
  const limitsCheck = { shared, deadline: Date.now() + limits.maxMillis, maxEntries: limits.maxEntries };
  const here = new CensusWalker(fs, settings, shared, 0);
  const drop = (left: CensusTask[]) => {
    for (const t of left) if (t.fd >= 0) fs.close(t.fd);
  };
  // On the live host the tree is large: workers start now, while this thread reads the first directories.
  const early = count >= 2 && (spec.workers !== undefined || host.isLive);
  const pool = early ? new WorkerPool(count, settings, sab, limitsCheck, asm) : undefined;
  if (signal?.aborted) Atomics.store(shared, SHARED_STOP, STOP_CANCELLED);
  else for (const r of roots) here.addRoot(encoder.encode(r.real), r.reach);
  // This thread walks until the tree proves large (many directories pending at once; a small one is done
  // before workers would have started), or, with workers already starting, for a few milliseconds: enough
  // to split the top of the tree between them.
  const handover = spec.workers !== undefined ? 1 : HANDOVER_PENDING;
  const started = performance.now();
  while (!here.stopped && here.stack.length < handover && here.step()) {
    checkLimits(shared, limitsCheck.deadline, limitsCheck.maxEntries);
    if (pool !== undefined && performance.now() - started > HANDOVER_MS) break;
  }
  let backend: Census["backend"] = "thread";
  if (count >= 2 && here.stack.length > 0 && !here.stopped) {
    const tasks = here.takeAll();
    const workers = pool ?? new WorkerPool(count, settings, sab, limitsCheck, asm);
    try {
      await workers.walk(tasks, signal);
      backend = "workers";
    } catch (e) {
      asm.warn({ code: "walk_fallback", detail: `${errMessage(e)}; walking on one thread` });
      Atomics.store(shared, SHARED_STOP, 0);
      here.adopt(tasks);
      await walkHere(here, limitsCheck, signal);
    } finally {
      workers.close(drop);
    }
  } else {
    pool?.close(drop);
    await walkHere(here, limitsCheck, signal);
  }
  asm.add(here.drain());
  const stop = Atomics.load(shared, SHARED_STOP);
  return asm.finish(limits, scopes, { stop, backend, workers: backend === "workers" ? count : 0 });
}
