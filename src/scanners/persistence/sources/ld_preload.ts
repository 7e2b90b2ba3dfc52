/** /etc/ld.so.preload: libraries the dynamic loader maps into every dynamically linked program. */
import { LD_SO_PRELOAD, parsePreloadFile } from "../../../host/ld_so_preload.ts";
import { ROOT_ACCOUNT } from "../accounts.ts";
import type { Collector } from "../collect.ts";

/** /etc/ld.so.preload: every library it names is an entry (loaded into every dynamically linked program). */
export function preloadSources(c: Collector): void {
  const f = c.read(LD_SO_PRELOAD);
  if (!f) return;
  const entries = parsePreloadFile(f.text).map((e) => ({ line: e.line, text: e.path, runAs: ROOT_ACCOUNT }));
  c.point({ kind: "ld_so_preload", path: LD_SO_PRELOAD, entries });
}
