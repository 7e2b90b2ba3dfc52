/** The LD_PRELOAD / ld.so.preload self-check: a hooked libc can hide things from any dynamically linked tool. */

/** What the check found, recorded in meta.security.preload. */
export interface PreloadState {
  ld_preload_env: string | null;
  ld_so_preload: string[] | null;
}

/** Reads LD_PRELOAD of this process and the live /etc/ld.so.preload (entries, comments dropped). */
export function checkPreload(
  env: (k: string) => string | undefined,
  readPreloadFile: () => string | null = () => {
    try {
      return Deno.readTextFileSync("/etc/ld.so.preload");
    } catch {
      return null;
    }
  },
): PreloadState {
  const text = readPreloadFile();
  const v = env("LD_PRELOAD");
  return {
    ld_preload_env: v === undefined || v === "" ? null : v,
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
  if (s.ld_so_preload !== null) {
    out.push(
      `sys-scan: WARNING: /etc/ld.so.preload exists (${
        s.ld_so_preload.join(", ") || "empty"
      }): every dynamically linked program, sys-scan included, may be hooked`,
    );
  }
  return out;
}
