/**
 * The payload lines of the scripts persistence entries run: a cron line or an ExecStart= that looks clean but
 * runs /usr/local/bin/backup.sh, whose third line is a reverse shell, is judged by that line; so is one whose
 * script runs another script that holds it, down a chain of SCRIPT_MAX_DEPTH scripts. Each script is read once
 * per scan (a loop of scripts running each other ends there), and only text (a head without NUL bytes: programs
 * are left to YARA and package verification), with the collector's file cap (a longer script is read in part,
 * and a `truncated` warning says so).
 */
import type { Indicator } from "./assess.ts";
import { type Collector, LIMITS, normalisePath } from "./collect.ts";
import { scriptLines } from "./cron.ts";
import { matchPatterns } from "./patterns.ts";
import { executedPaths } from "./shell_words.ts";

/** Distinct scripts read per scan, past which the rest are not (and a warning says so). */
export const SCRIPT_MAX_COUNT = 2000;
/** Longest chain of scripts followed from an entry (the entry's script is the first). */
export const SCRIPT_MAX_DEPTH = 4;

/** Reads the scripts entries run and remembers what each holds. */
export class ScriptPayloads {
  readonly #seen = new Map<string, Indicator[]>();
  #read = 0;

  /** Call after every source has run: a file that is itself a point (its lines already entries) is not read. */
  constructor(readonly c: Collector) {
    for (const p of c.points) {
      if (!p.inert && p.path.startsWith("/")) this.#seen.set(normalisePath(p.path), []);
    }
  }

  /**
   * Payload indicators of the script at `path` and of the scripts it runs in turn (the path and line of each
   * payload), or none. `depth` is the script's place in the chain (1 for the one an entry runs).
   */
  indicators(path: string, depth = 1): Indicator[] {
    if (!path.startsWith("/")) return [];
    const key = normalisePath(path);
    const known = this.#seen.get(key);
    if (known) return known;
    const found: Indicator[] = [];
    this.#seen.set(key, found);
    const host = this.c.ctx.host;
    const st = host.stat(key);
    if (!st.ok || !st.value.isFile || st.value.size === 0) return found;
    if (++this.#read > SCRIPT_MAX_COUNT) {
      if (this.#read === SCRIPT_MAX_COUNT + 1) {
        this.c.ctx.warn(
          "truncated",
          `more than ${SCRIPT_MAX_COUNT} scripts run by persistence entries: the rest were not read`,
        );
      }
      return found;
    }
    const head = host.readBytes(key, 1024);
    if (!head.ok || head.value.includes(0)) return found;
    const f = this.c.read(key, LIMITS.fileBytes);
    if (!f) return found;
    for (const l of scriptLines(f.text)) {
      for (const h of matchPatterns(l.text)) {
        found.push({ kind: h.kind, name: h.name, path: `${key}:${l.line}` });
      }
      if (depth >= SCRIPT_MAX_DEPTH) continue;
      for (const next of executedPaths(l.text)) found.push(...this.indicators(next, depth + 1));
    }
    return found;
  }
}
