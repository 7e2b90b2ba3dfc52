/** What the ioc checks share: the identity of a process in metadata, judged locations, and the run's state. */
import type { Metadata } from "../../core/finding.ts";
import type { Location, LocationJudge } from "../../host/location.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import type { IdNames } from "../fs_common.ts";
import type { NamespacePaths } from "./ns_location.ts";

const MAX_ARGV_ITEMS = 32;
const MAX_ARG_CHARS = 512;

/** The last component of a path. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** A process's argv as metadata: at most 32 items of at most 512 characters. */
export function argvMeta(p: ProcessInfo): string[] {
  return p.cmdline.slice(0, MAX_ARGV_ITEMS).map((a) => a.slice(0, MAX_ARG_CHARS));
}

/** The identity of a process in a finding: pid, parent, name, owner, start time, program, argv, cwd, container. */
export function processMeta(p: ProcessInfo): Metadata {
  return {
    pid: p.pid,
    ppid: p.ppid,
    comm: p.comm,
    uid: p.uid,
    euid: p.euid,
    start_ticks: p.startTicks,
    exe: p.exe,
    argv: argvMeta(p),
    cwd: p.cwd,
    container_id: p.containerId,
  };
}

/** A location judged where a file's mount comes from: `origin` is the file's path on the scanner's mounts. */
export type OriginLocation = Location & { origin?: string };

/**
 * A judged location as metadata (`location`, what decided it, its mode and non-root owner, and the path the
 * file is mounted from when that decided).
 */
export function locationMeta(loc: OriginLocation | undefined): Metadata {
  if (!loc) return {};
  return {
    location: loc.kind,
    location_reason: loc.because ?? null,
    location_mode: loc.mode ?? null,
    ...(loc.uid !== undefined ? { location_uid: loc.uid } : {}),
    ...(loc.gid !== undefined ? { location_gid: loc.gid } : {}),
    ...(loc.origin !== undefined ? { location_origin: loc.origin } : {}),
  };
}

/** " (mounted from /tmp/x in its mount namespace)" when the file's mount origin decided its location. */
export function originText(loc: OriginLocation): string {
  return loc.origin === undefined ? "" : ` (bind-mounted from ${loc.origin} in its mount namespace)`;
}

/** Where a finding about a process points: its executable and pid. */
export function processAt(p: ProcessInfo): { location: { path?: string; pid: number } } {
  return { location: { ...(p.exe ? { path: p.exe } : {}), pid: p.pid } };
}

/** The subject naming a process's program: its executable, or `[comm]` when it has none. */
export function programSubject(p: ProcessInfo): string {
  return p.exe ?? `[${p.comm}]`;
}

/** Bytes of /proc/<pid>/environ and /proc/<pid>/maps read in one scan, all processes together. */
export const READ_BUDGET_BYTES = 256 << 20;
/** The part of the budget kept for ordinary processes once large reads have spent the rest. */
const READ_RESERVE_BYTES = 64 << 20;
/** What one read may take from the reserve: a few times an ordinary environment or memory map. */
const RESERVE_READ_BYTES = 256 << 10;

/**
 * The scan-wide budget of environ and maps reads. Each process may have megabytes of both (an exec passes up
 * to 6 MiB of environment, and forked children share their parent's), so thousands of padded processes would
 * otherwise hold the scan past its time budget. Large reads stop when only the reserve is left, so ordinary
 * processes are still read after a flood; a read cut or skipped by the budget is recorded, never passed.
 */
export class ReadBudget {
  #left: number;
  /** pids whose environment or memory map was not read in full because of the budget, by file. */
  readonly short: { environ: number[]; maps: number[] } = { environ: [], maps: [] };

  constructor(total = READ_BUDGET_BYTES, readonly reserve = Math.min(READ_RESERVE_BYTES, total)) {
    this.#left = total;
  }

  /** Bytes left. */
  get left(): number {
    return this.#left;
  }

  /**
   * At most how many bytes the next read may take (`max` its own bound): 0 when the budget is spent, or when
   * the file's known `size` is more than that (it is then not read at all, and costs nothing).
   */
  cap(max: number, size?: number): number {
    const big = this.#left - this.reserve;
    const cap = Math.max(0, Math.min(max, big > 0 ? big : Math.min(RESERVE_READ_BYTES, this.#left)));
    return size !== undefined && size > cap ? 0 : cap;
  }

  /** Counts `n` bytes read. */
  spend(n: number): void {
    this.#left = Math.max(0, this.#left - n);
  }
}

/** State of one ioc run shared by the per-process checks. */
export interface IocEnv {
  judge: LocationJudge;
  names: IdNames;
  /** The scanner's mount namespace link (live host), to tell which processes live in another one. */
  selfMnt: string | null;
  /** Root ids and mount origins of processes in other mount namespaces. */
  ns: NamespacePaths;
  environDenied: number;
  /** pids whose environment block was larger than the cap. */
  environTruncated: number[];
  /** The scan-wide budget of environ and maps reads. */
  reads: ReadBudget;
}

/** The prefix under which a process's own files are seen: its root when it lives in another mount namespace. */
export function rootPrefix(env: IocEnv, p: ProcessInfo): string {
  const mnt = p.namespaces.mnt;
  return env.selfMnt !== null && mnt !== undefined && mnt !== env.selfMnt ? `/proc/${p.pid}/root` : "";
}

/** True when the process runs as root (real or effective uid 0). */
export function runsAsRoot(p: ProcessInfo): boolean {
  return p.euid === 0 || p.uid === 0;
}
