/** /etc/ld.so.preload as glibc's dynamic loader reads it: the one parser the scanners that judge it share. */

/** The file's path. */
export const LD_SO_PRELOAD = "/etc/ld.so.preload";

/** One library the file names, with the line it is on (1-based). */
export interface PreloadEntry {
  readonly line: number;
  readonly path: string;
}

/**
 * Entries of an /etc/ld.so.preload text: whitespace- or colon-separated, `#` starting a comment that runs to the
 * newline as in glibc's loader, a carriage return included (a regular expression `#` then `.*` retried every `#`
 * before a carriage return, quadratically, and, unanchored, left what follows a carriage return in a comment as
 * an entry the loader never maps).
 */
export function parsePreloadFile(text: string): PreloadEntry[] {
  const out: PreloadEntry[] = [];
  text.split("\n").forEach((raw, i) => {
    const hash = raw.indexOf("#");
    for (const path of (hash < 0 ? raw : raw.slice(0, hash)).split(/[\s:]+/)) {
      if (path !== "") out.push({ line: i + 1, path });
    }
  });
  return out;
}
