/** The LD_PRELOAD / ld.so.preload self-check: a hooked libc can hide things from any dynamically linked tool. */

/** What the check found, recorded in meta.security.preload. */
export interface PreloadState {
  ld_preload_env: string | null;
  ld_so_preload: string[] | null;
  /** Shared objects mapped into sys-scan itself from outside the system library directories. */
  foreign_libraries: string[];
}

const SYSTEM_LIB_DIRS = /^\/(?:usr\/)?lib(?:64|32|x32)?\//;

/** Shared objects in a /proc/<pid>/maps text that do not come from /lib, /lib64, /usr/lib or /usr/lib64. */
export function foreignLibraries(maps: string): string[] {
  const out = new Set<string>();
  for (const line of maps.split("\n")) {
    const path = line.split(/\s+/).slice(5).join(" ");
    const file = path.replace(/ \(deleted\)$/, "");
    const base = file.slice(file.lastIndexOf("/") + 1);
    if (path.startsWith("/") && /\.so(?:\.|$)/.test(base) && !SYSTEM_LIB_DIRS.test(path)) out.add(path);
  }
  return [...out].sort();
}

function readOrNull(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/**
 * Reads LD_PRELOAD of this process, the live /etc/ld.so.preload (entries, comments dropped) and the libraries
 * actually mapped into this process (/proc/self/maps).
 */
export function checkPreload(
  env: (k: string) => string | undefined,
  readPreloadFile: () => string | null = () => readOrNull("/etc/ld.so.preload"),
  readMaps: () => string | null = () => readOrNull("/proc/self/maps"),
): PreloadState {
  const text = readPreloadFile();
  const v = env("LD_PRELOAD");
  return {
    ld_preload_env: v === undefined || v === "" ? null : v,
    foreign_libraries: foreignLibraries(readMaps() ?? ""),
    ld_so_preload: text === null
      ? null
      : text.split("\n").map((l) => l.replace(/#.*/, "")).join(" ").split(/[\s:]+/).filter((s) => s !== ""),
  };
}

/** The stderr warnings for a preload state (empty when clean). */
export function preloadWarnings(s: PreloadState): string[] {
  const out: string[] = [];
  if (s.ld_preload_env !== null) {
    out.push(
      `sys-scan: WARNING: LD_PRELOAD is set for sys-scan itself (${s.ld_preload_env}): an injected library can hide files, processes and sockets from this scan`,
    );
  }
  if (s.foreign_libraries.length > 0) {
    out.push(
      `sys-scan: WARNING: libraries from outside the system library directories are loaded into sys-scan: ${
        s.foreign_libraries.join(", ")
      }`,
    );
  }
  if (s.ld_so_preload !== null) {
    out.push(
      `sys-scan: WARNING: /etc/ld.so.preload exists (${
        s.ld_so_preload.join(", ") || "empty"
      }): every dynamically linked program, sys-scan included, may be hooked`,
    );
  }
  return out;
}
