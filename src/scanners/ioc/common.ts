/** What the ioc checks share: the identity of a process in metadata, judged locations, and the run's state. */
import type { ScanContext } from "../../core/context.ts";
import type { Metadata } from "../../core/finding.ts";
import type { Location, LocationJudge, RootIds } from "../../host/location.ts";
import { ROOT_IDS } from "../../host/location.ts";
import { mappedRootId } from "../../host/proc_stat.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import type { IdNames } from "../fs_common.ts";

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

/** A judged location as metadata (`location`, what decided it, its mode and non-root owner). */
export function locationMeta(loc: Location | undefined): Metadata {
  if (!loc) return {};
  return {
    location: loc.kind,
    location_reason: loc.because ?? null,
    location_mode: loc.mode ?? null,
    ...(loc.uid !== undefined ? { location_uid: loc.uid } : {}),
    ...(loc.gid !== undefined ? { location_gid: loc.gid } : {}),
  };
}

/** Where a finding about a process points: its executable and pid. */
export function processAt(p: ProcessInfo): { location: { path?: string; pid: number } } {
  return { location: { ...(p.exe ? { path: p.exe } : {}), pid: p.pid } };
}

/** The subject naming a process's program: its executable, or `[comm]` when it has none. */
export function programSubject(p: ProcessInfo): string {
  return p.exe ?? `[${p.comm}]`;
}

/** State of one ioc run shared by the per-process checks. */
export interface IocEnv {
  judge: LocationJudge;
  names: IdNames;
  /** The scanner's mount namespace link (live host), to tell which processes live in another one. */
  selfMnt: string | null;
  environDenied: number;
  /** pids whose environment block was larger than the cap. */
  environTruncated: number[];
}

/** The prefix under which a process's own files are seen: its root when it lives in another mount namespace. */
export function rootPrefix(env: IocEnv, p: ProcessInfo): string {
  const mnt = p.namespaces.mnt;
  return env.selfMnt !== null && mnt !== undefined && mnt !== env.selfMnt ? `/proc/${p.pid}/root` : "";
}

/**
 * The ids root has inside the process's user namespace (read when the process lives in another mount
 * namespace): in a rootless or id-mapped container, files the container's root owns are not "user-writable".
 */
export function rootIdsOf(ctx: ScanContext, pid: number, prefix: string): RootIds {
  if (prefix === "") return ROOT_IDS;
  const mapped = (file: string) => {
    const r = ctx.host.readText(`/proc/${pid}/${file}`, 64 << 10);
    const id = r.ok ? mappedRootId(r.value) : undefined;
    return id === undefined || id === 0 ? [0] : [0, id];
  };
  return { uids: mapped("uid_map"), gids: mapped("gid_map") };
}

/** True when the process runs as root (real or effective uid 0). */
export function runsAsRoot(p: ProcessInfo): boolean {
  return p.euid === 0 || p.uid === 0;
}
