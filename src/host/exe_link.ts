/**
 * What /proc/<pid>/exe says about a process's executable: its path, whether the file was deleted, whether it
 * is a memfd. The one place that knows the kernel's " (deleted)" suffix; the procfs snapshot and both trace
 * modes (eBPF and /proc polling) read the link through it.
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

/** Reads /proc/<pid>/exe through `host`; null when it cannot be read (kernel thread, exited, denied). */
export function readExeLink(host: Host, pid: number): ExeLink | null {
  const r = host.readLink(`/proc/${pid}/exe`);
  return r.ok ? parseExeLink(r.value) : null;
}
