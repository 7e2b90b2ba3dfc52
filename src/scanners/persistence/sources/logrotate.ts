/**
 * logrotate: the scripts of each log block (`prerotate`, `postrotate`, `firstaction`, `lastaction`, `preremove`),
 * which logrotate runs as root through /bin/sh every time it rotates (daily, from cron or its timer).
 */
import { ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, type Entry, normalisePath } from "../collect.ts";
import { scriptLines } from "../cron.ts";
import { parseLogrotate } from "./logrotate_parse.ts";
import { selfEntry } from "./hook_files.ts";

/** The main configuration file the logrotate service reads. */
export const LOGROTATE_CONF = "/etc/logrotate.conf";
/** The include directory of every distribution. */
export const LOGROTATE_DIR = "/etc/logrotate.d";
/** Names logrotate skips in an included directory (its default taboo extensions). */
export const LOGROTATE_TABOO =
  /(?:\.rpmsave|\.rpmorig|~|,v|\.disabled|\.dpkg-(?:old|dist|new|bak|del|tmp)|\.cfsaved|\.ucf-(?:old|dist|new)|\.rpmnew|\.swp|\.rhn-cfg-tmp-.*)$/;

const MAX_DEPTH = 4;

/** /etc/logrotate.conf and what it includes; /etc/logrotate.d is read even when nothing includes it (inert). */
export function logrotateSources(c: Collector): void {
  const visited = new Set<string>();
  const visit = (path: string, depth: number, inert: string | undefined) => {
    if (visited.has(path)) return;
    if (depth > MAX_DEPTH) {
      c.ctx.warn("truncated", `${path}: logrotate includes nested deeper than ${MAX_DEPTH}, not read`);
      return;
    }
    const st = c.ctx.host.stat(path);
    if (!st.ok) return;
    visited.add(path);
    if (st.value.isDirectory) {
      for (const name of c.list(path, true)) {
        const child = `${path}/${name}`;
        visit(child, depth + 1, inert ?? (LOGROTATE_TABOO.test(name) ? "name logrotate skips" : undefined));
      }
      return;
    }
    const f = c.read(path);
    if (!f) return;
    const conf = parseLogrotate(f.text);
    if (conf.bad > 0 || conf.unterminated) {
      c.ctx.warn(
        "logrotate_malformed",
        `${path}: ${conf.bad} line(s) logrotate would reject${
          conf.unterminated ? ", a script without endscript" : ""
        }`,
      );
    }
    if (conf.scripts.length > 0) {
      const entries: Entry[] = conf.scripts.flatMap((s) => {
        const offset = (s.body[0]?.line ?? s.line + 1) - 1;
        return scriptLines(s.body.map((b) => b.text).join("\n")).map((l) => ({
          line: offset + l.line,
          text: l.text,
          runAs: ROOT_ACCOUNT,
        }));
      });
      const self = selfEntry(c, path, ROOT_ACCOUNT);
      if (self && !inert) entries.unshift(self);
      c.point({
        kind: "logrotate_script",
        path,
        entries,
        meta: {
          technique: "T1053.003",
          scripts: conf.scripts.slice(0, 50).map((s) => `${s.hook}@${s.line} ${s.patterns.join(" ")}`),
          ...(inert ? { inert: true, skipped: inert } : {}),
        },
        ...(inert ? { inert: true } : {}),
      });
    }
    const base = path.slice(0, path.lastIndexOf("/")) || "/";
    for (const inc of conf.includes) {
      visit(normalisePath(inc.path.startsWith("/") ? inc.path : `${base}/${inc.path}`), depth + 1, inert);
    }
  };
  visit(LOGROTATE_CONF, 0, undefined);
  visit(LOGROTATE_DIR, 1, `not included by ${LOGROTATE_CONF}`);
}
