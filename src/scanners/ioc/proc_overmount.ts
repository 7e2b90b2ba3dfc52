/**
 * What a mount can hide: a process, by a mount over its /proc directory (`mount --bind /proc/<decoy> /proc/<pid>`,
 * or an empty tmpfs there, keeps the pid in the listing of /proc, but ps, top, lsof, this scan's snapshot and its
 * hidden-process sweep then read the decoy, or nothing), and files, by a mount over a system directory (a clean
 * copy bound over /etc/cron.d, /usr/bin or /root/.ssh hides what is underneath from every reader, this scan
 * included, while a process that started before, or lives in another mount namespace, still uses it). The scan's
 * own mount table (/proc/self/mountinfo: an attacker cannot know which pid to cover to fake it) lists both.
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

/**
 * Where a mount hides system files: a mount point inside /etc, /usr, /bin, /sbin, /lib*, /root, /boot or the
 * cron and at spools. Separate filesystems for /usr, /boot and /boot/efi are ordinary, and so are the files a
 * container runtime binds over /etc (hosts, hostname, resolv.conf) and systemd's /etc/machine-id.
 */
export function systemOvermounts(
  mountinfo: string,
): { mountpoint: string; source: string; fstype: string }[] {
  return parseMountinfo(mountinfo).mounts
    .filter((m) =>
      /^\/(?:etc|usr|bin|sbin|lib|lib32|lib64|libx32|root|boot|var\/spool\/(?:cron|at|anacron))(?:\/|$)/.test(
        m.mountpoint,
      ) && !ORDINARY_MOUNTS.has(m.mountpoint)
    )
    .map((m) => ({ mountpoint: m.mountpoint, source: m.source, fstype: m.fstype }));
}

/** Mount points under the system directories that are ordinary. */
const ORDINARY_MOUNTS = new Set([
  "/usr",
  "/boot",
  "/boot/efi",
  "/etc/hosts",
  "/etc/hostname",
  "/etc/resolv.conf",
  "/etc/machine-id",
]);

/**
 * `ioc.process.proc_overmounted` for each covered process directory and `ioc.mount.hides_system_files` for each
 * mount over a system directory, from the scan's own mount table.
 */
export function checkProcOvermounts(ctx: ScanContext, out: Findings): void {
  // The scan's namespace first; a root that is not the live host may only have init's.
  for (const path of ["/proc/self/mountinfo", "/proc/1/mountinfo"]) {
    const r = ctx.host.readText(path, 4 << 20);
    if (!r.ok) continue;
    for (const m of systemOvermounts(r.value)) {
      out.add({
        check_id: "ioc.mount.hides_system_files",
        subject: m.mountpoint,
        description:
          `${m.mountpoint} has a ${m.fstype} mount over it (from ${m.source}): the files it covers are ` +
          "hidden from every reader in this mount namespace, this scan included.",
        metadata: { mountpoint: m.mountpoint, source: m.source, fstype: m.fstype, mount_table: path },
        location: { path: m.mountpoint },
      }, undefined);
    }
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
