/**
 * The census result and how it is put together: the `Census` its callers query, and the assembler that turns
 * what the walkers kept and met (real-path bytes, raw warnings, counters) into host paths, sorted and each
 * path once, with the limit warnings said once at the end.
 */
import {
  type CensusTally,
  emptyTally,
  pathText,
  type RawHit,
  type RawWarning,
  type ScopeData,
  scopeWants,
  STOP_ENTRIES,
  STOP_TIME,
  type WalkerOutput,
  within,
} from "./census_data.ts";
import { prefixOf, toHostPath } from "./census_plan.ts";
import type { CensusEntry, CensusLimits, CensusWarning } from "./census_types.ts";
import type { Host } from "./host.ts";

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
  /** Of those, the entries examined on the calling thread (which walks a share beside the census workers). */
  readonly examinedHere: number;
  readonly #scopes: ReadonlyMap<string, ScopeData>;

  constructor(
    entries: CensusEntry[],
    warnings: CensusWarning[],
    how: { backend: Census["backend"]; workers: number; examined: number; examinedHere?: number },
    scopes: ReadonlyMap<string, ScopeData>,
  ) {
    this.entries = entries;
    this.warnings = warnings;
    this.backend = how.backend;
    this.workers = how.workers;
    this.examined = how.examined;
    this.examinedHere = how.examinedHere ?? how.examined;
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

const MAX_DENIED_WARNINGS = 50;

/** Depth-first name order: "/" sorts before every other character. */
function orderKey(path: string): string {
  return path.replaceAll("/", "\u0000");
}

/** Turns what the walkers kept and met into the census result (host paths, sorted, each path once). */
export class Assembler {
  readonly #prefix: string;
  readonly #byPath = new Map<string, CensusEntry>();
  readonly #tally: CensusTally = emptyTally();
  readonly #prune: (path: string) => boolean;
  #deniedShown = 0;
  readonly warnings: CensusWarning[] = [];

  /** Entries kept at most for the whole census (each walker also stops at it; workers walk several batches). */
  readonly #maxHits: number;

  constructor(host: Host, scopes: ReadonlyMap<string, ScopeData>, maxHits = Number.POSITIVE_INFINITY) {
    this.#prefix = prefixOf(host);
    this.#maxHits = maxHits;
    this.#prune = (p) => ![...scopes.values()].some((s) => scopeWants(s, p));
  }

  /** The host path of a real path. */
  toHost(real: string): string {
    return toHostPath(this.#prefix, real);
  }

  /** Adds a warning as it is. */
  warn(w: CensusWarning): void {
    this.warnings.push(w);
  }

  /** Takes in one walker's output: its warnings, its kept entries (the first of each path) and its counters. */
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
    if (typeof h.path === "string") real = h.path;
    else {
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
    if (this.#byPath.size >= this.#maxHits) {
      this.#tally.hitsCut++;
      return;
    }
    // Optional fields are added after the literal: spread into it, they made every entry a dictionary-mode
    // object (measured: 50,000 kept entries took 15 MiB more heap).
    const entry: { -readonly [K in keyof CensusEntry]: CensusEntry[K] } = {
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
    };
    if (h.caps !== undefined) entry.caps = h.caps;
    if (h.capsErrno !== undefined) entry.capsError = `lgetxattr failed with errno ${h.capsErrno}`;
    this.#byPath.set(path, entry);
  }

  /** Adds the warnings for the limits hit and the counters, and returns the census. */
  finish(
    limits: CensusLimits,
    scopes: ReadonlyMap<string, ScopeData>,
    how: {
      stop: number;
      backend: Census["backend"];
      workers: number;
      examinedExtra?: number;
      examinedHere?: number;
    },
  ): Census {
    const stop = how.stop;
    const t = this.#tally;
    if (stop === STOP_ENTRIES) {
      this.warnings.push({
        code: "truncated",
        detail: `walk stopped after ${limits.maxEntries} entries`,
        cut: "entries",
      });
    } else if (stop === STOP_TIME) {
      this.warnings.push({
        code: "truncated",
        detail: `walk stopped after ${limits.maxMillis} ms`,
        cut: "time",
      });
    }
    if (t.depthCut > 0) {
      const path = this.toHost(t.depthExample);
      this.warnings.push({
        code: "truncated",
        detail: `${t.depthCut} director${t.depthCut === 1 ? "y" : "ies"} deeper than ${limits.maxDepth} ` +
          `not entered (e.g. ${path})`,
        path,
        cut: "depth",
      });
    }
    if (t.dirCut > 0) {
      const path = this.toHost(t.dirExample);
      this.warnings.push({
        code: "truncated",
        detail:
          `${t.dirCut} director${t.dirCut === 1 ? "y" : "ies"} with more than ${limits.maxDirEntries} ` +
          `entries read partly (e.g. ${path})`,
        path,
        cut: "dir_entries",
      });
    }
    if (t.hitsCut > 0) {
      this.warnings.push({
        code: "truncated",
        detail:
          `more than ${limits.maxHits} set-id, world-writable or capability entries; ${t.hitsCut} not kept`,
        cut: "kept",
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
    // Each key made once (made in the comparator, it was two new strings per comparison).
    const keyed = [...this.#byPath.values()].map((e) => ({ key: orderKey(e.path), e }));
    this.#byPath.clear();
    keyed.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    const entries = keyed.map((k) => k.e);
    const examined = t.entries + (how.examinedExtra ?? 0);
    return new Census(
      entries,
      this.warnings,
      {
        backend: how.backend,
        workers: how.workers,
        examined,
        ...(how.examinedHere === undefined ? {} : { examinedHere: how.examinedHere }),
      },
      scopes,
    );
  }
}
