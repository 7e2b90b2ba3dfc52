/** /etc/ld.so.preload: libraries the dynamic loader maps into every dynamically linked program. */
import { ROOT_ACCOUNT } from "../accounts.ts";
import type { Collector, Entry } from "../collect.ts";

/** /etc/ld.so.preload: every library it names is an entry (loaded into every dynamically linked program). */
export function preloadSources(c: Collector): void {
  const f = c.read("/etc/ld.so.preload");
  if (!f) return;
  const entries: Entry[] = [];
  f.text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    for (const lib of line.split(/[\s:]+/).filter((x) => x !== "")) {
      entries.push({ line: i + 1, text: lib, runAs: ROOT_ACCOUNT });
    }
  });
  c.point({ kind: "ld_so_preload", path: "/etc/ld.so.preload", entries });
}
