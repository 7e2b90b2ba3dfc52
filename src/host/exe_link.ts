/**
 * What /proc/<pid>/exe says about a process's executable: its path, whether the file was deleted, whether it
 * is a memfd. The one place that knows the kernel's " (deleted)" suffix; the procfs snapshot and both trace
 * modes (eBPF and /proc polling) read the link through it.
 *
 * On the live host the verdict comes from the file, not the text, because the text can lie both ways: a
 * program run from a file literally named `x (deleted)` reads `/path/x (deleted)` while it still exists, and
 * a file with no name left is what counts, whatever its link says. So the object behind the magic link is
 * stat'ed: a link count of 0 means deleted. When the link count is above 0 but the kernel appended the
 * suffix, the name the process ran under was unlinked while another hard link keeps the file: that still
 * counts as deleted (the program is gone from where it ran), unless the link's text, as a path inside the
 * process's root, is that very file (then the name simply ends in " (deleted)").
 *
 * Under `--root` (a fixture or image /proc, where stat of a fixture file tells nothing about a process) and
 * when the stat fails (the process exited, access denied), the text rule is the fallback: a trailing
 * " (deleted)" is taken as deletion.
 */
import type { Host } from "./host.ts";

/** A process's executable as /proc/<pid>/exe shows it. */
export interface ExeLink {
  /** The path without the " (deleted)" suffix. */
  path: string;
  /** The file no longer exists on disk (a memfd is not "deleted": see `memfd`). */
  deleted: boolean;
  /** Backed by a memfd (`/memfd:name`): fileless, not "deleted". */
  memfd: boolean;
}

/** The suffix the kernel appends to the link target of an unlinked file. */
export const DELETED_SUFFIX = " (deleted)";

/** Interprets the target of /proc/<pid>/exe by its text alone. */
export function parseExeLink(target: string): ExeLink {
  const hasDeleted = target.endsWith(DELETED_SUFFIX);
  const path = hasDeleted ? target.slice(0, -DELETED_SUFFIX.length) : target;
  const memfd = path.startsWith("/memfd:");
  return { path, deleted: hasDeleted && !memfd, memfd };
}

/** What the file behind /proc/<pid>/exe is, for `judgeExeLink`. */
export interface ExeObject {
  /** st_nlink of the executable (through the magic link). */
  nlink: number;
  /**
   * True when the link's text, read as a path inside the process's root, is the executable itself (same
   * device and inode); false when it names nothing or another file.
   */
  textIsPath: boolean;
}

/** Decides from the executable's link count (see the module comment); the text only gives the path. */
export function judgeExeLink(target: string, object: ExeObject): ExeLink {
  const byText = parseExeLink(target);
  if (byText.memfd) return byText;
  if (object.textIsPath) return { path: target, deleted: object.nlink === 0, memfd: false };
  if (object.nlink === 0) return { path: byText.path, deleted: true, memfd: false };
  return byText;
}

function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  return a.dev === b.dev && a.ino !== null && a.ino === b.ino;
}

/**
 * Reads /proc/<pid>/exe through `host`; null when it cannot be read (kernel thread, exited, denied). On the
 * live host deletion is decided by the link count; under `--root` by the text (module comment).
 */
export function readExeLink(host: Host, pid: number): ExeLink | null {
  const r = host.readLink(`/proc/${pid}/exe`);
  if (!r.ok) return null;
  if (!host.isLive) return parseExeLink(r.value);
  const exe = host.stat(`/proc/${pid}/exe`);
  if (!exe.ok || exe.value.nlink === null) return parseExeLink(r.value);
  const named = r.value.startsWith("/") ? host.lstat(`/proc/${pid}/root${r.value}`) : undefined;
  return judgeExeLink(r.value, {
    nlink: exe.value.nlink,
    textIsPath: named !== undefined && named.ok && sameFile(named.value, exe.value),
  });
}
