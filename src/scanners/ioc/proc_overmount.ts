/**
 * Processes hidden by a mount over their /proc directory: `mount --bind /proc/<decoy> /proc/<pid>` (or an empty
 * tmpfs there) keeps the pid in the listing of /proc, but everything that reads /proc/<pid> — ps, top, lsof, this
 * scan's own snapshot and its hidden-process sweep — then reads the decoy, or nothing. The scan's own mount table
 * (/proc/self/mountinfo: an attacker cannot know which pid to cover to fake it) lists every such mount.
 */
import type { ScanContext } from "../../core/context.ts";
import { parseMountinfo } from "../../host/mountinfo.ts";
import type { Findings } from "./collect.ts";

/** A mount whose mount point is a process's /proc directory or lies inside one. */
export interface ProcOvermount {
  pid: number;
  mountpoint: string;
  source: string;
  fstype: string;
}

/** The mounts of a mountinfo text that cover a process's /proc directory (or something inside it). */
export function procOvermounts(mountinfo: string): ProcOvermount[] {
  const out: ProcOvermount[] = [];
  for (const m of parseMountinfo(mountinfo).mounts) {
    const hit = /^\/proc\/(\d+)(?:\/|$)/.exec(m.mountpoint);
    if (hit) out.push({ pid: Number(hit[1]), mountpoint: m.mountpoint, source: m.source, fstype: m.fstype });
  }
  return out;
}

/** `ioc.process.proc_overmounted` for each covered process directory, from the scan's own mount table. */
export function checkProcOvermounts(ctx: ScanContext, out: Findings): void {
  // The scan's namespace first; a root that is not the live host may only have init's.
  for (const path of ["/proc/self/mountinfo", "/proc/1/mountinfo"]) {
    const r = ctx.host.readText(path, 4 << 20);
    if (!r.ok) continue;
    for (const m of procOvermounts(r.value)) {
      out.add({
        check_id: "ioc.process.proc_overmounted",
        subject: m.mountpoint,
        description: `${m.mountpoint} has a ${m.fstype} mount over it (from ${m.source}): what reads pid ` +
          `${m.pid}'s /proc entry sees the mounted directory, not the process.`,
        metadata: {
          pid: m.pid,
          mountpoint: m.mountpoint,
          source: m.source,
          fstype: m.fstype,
          mount_table: path,
        },
        location: { path: m.mountpoint },
      }, undefined);
    }
    return;
  }
}
