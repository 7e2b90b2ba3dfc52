/** Shared pieces of the filesystem scanners: image storage, owner names, times and modes (locations: host/location.ts). */
import type { Host } from "../host/host.ts";
import type { WalkEntry } from "../host/walker.ts";

/**
 * Container and image storage: file trees of other systems (image layers, container roots, snaps) whose
 * set-id and writable files belong to those images, not to this host's package database.
 */
export const IMAGE_STORAGE = [
  "/var/lib/docker",
  "/var/lib/containers",
  "/var/lib/containerd",
  "/var/lib/lxc",
  "/var/lib/lxd",
  "/var/lib/incus",
  "/var/lib/machines",
  "/var/snap/lxd",
  "/var/lib/snapd/snap",
  "/snap",
  "/run/containerd",
  "/run/k3s",
];
/** Filesystem types of mounted images and container roots, not entered when a walk crosses filesystems. */
export const IMAGE_FS_TYPES: ReadonlySet<string> = new Set(["overlay", "squashfs", "iso9660", "erofs"]);

/** uid → user name and gid → group name from the host's /etc/passwd and /etc/group. */
export interface IdNames {
  user(uid: number): string | null;
  group(gid: number): string | null;
}

function parseIds(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 3 || f[0] === "" || f[0].startsWith("#")) continue;
    const id = Number(f[2]);
    if (Number.isInteger(id) && id >= 0 && !out.has(id)) out.set(id, f[0]);
  }
  return out;
}

/** Reads the host's user and group names (missing files give nulls). */
export function loadIdNames(host: Host): IdNames {
  const p = host.readText("/etc/passwd", 8 << 20);
  const g = host.readText("/etc/group", 8 << 20);
  const users = p.ok ? parseIds(p.value) : new Map<number, string>();
  const groups = g.ok ? parseIds(g.value) : new Map<number, string>();
  return { user: (uid) => users.get(uid) ?? null, group: (gid) => groups.get(gid) ?? null };
}

/** A walked entry's modification and inode-change times as ISO strings, for the responder's timeline. */
export function entryTimes(e: WalkEntry): { mtime: string | null; ctime: string | null } {
  const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString();
  return { mtime: iso(e.mtime), ctime: iso(e.ctime) };
}

/**
 * True when the mode makes a set-id program: setuid with an execute bit, or setgid with the group execute bit
 * (setgid without it is the mandatory-locking marker, not a privilege).
 */
export function isSetidProgram(mode: number): boolean {
  return ((mode & 0o4000) !== 0 && (mode & 0o111) !== 0) || ((mode & 0o2000) !== 0 && (mode & 0o010) !== 0);
}

/** A permission mode as four octal digits ("4755"). */
export function octalMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}
