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

/** At most this many indicators are kept for one script and what it runs (distinct payload lines). */
export const SCRIPT_MAX_INDICATORS = 64;

/** What one script holds itself: its payload lines, and the programs its lines run. */
interface ScriptFile {
  own: Indicator[];
  runs: string[];
}

/** Reads the scripts entries run and remembers what each holds. */
export class ScriptPayloads {
  /** Each script read once: what it holds itself (undefined for a file that is not a text script). */
  readonly #files = new Map<string, ScriptFile | undefined>();
  /** Indicators of a script and its chain, by `path@depth` (a script reached nearer the entry looks deeper). */
  readonly #chains = new Map<string, Indicator[]>();
  #read = 0;

  /** Call after every source has run: a file that is itself a point (its lines already entries) is not read. */
  constructor(readonly c: Collector) {
    for (const p of c.points) {
      if (!p.inert && p.path.startsWith("/")) this.#files.set(normalisePath(p.path), undefined);
    }
  }

  /** The script at `key` read and judged once, or undefined when it is no text script (or a point itself). */
  #file(key: string): ScriptFile | undefined {
    if (this.#files.has(key)) return this.#files.get(key);
    this.#files.set(key, undefined);
    const host = this.c.ctx.host;
    const st = host.stat(key);
    if (!st.ok || !st.value.isFile || st.value.size === 0) return undefined;
    if (++this.#read > SCRIPT_MAX_COUNT) {
      if (this.#read === SCRIPT_MAX_COUNT + 1) {
        this.c.ctx.warn(
          "truncated",
          `more than ${SCRIPT_MAX_COUNT} scripts run by persistence entries: the rest were not read`,
        );
      }
      return undefined;
    }
    const head = host.readBytes(key, 1024);
    if (!head.ok || head.value.includes(0)) return undefined;
    const f = this.c.read(key, LIMITS.fileBytes);
    if (!f) return undefined;
    const file: ScriptFile = { own: [], runs: [] };
    const runs = new Set<string>();
    for (const l of scriptLines(f.text)) {
      for (const h of matchPatterns(l.text)) {
        if (file.own.length < SCRIPT_MAX_INDICATORS) {
          file.own.push({ kind: h.kind, name: h.name, path: `${key}:${l.line}` });
        }
      }
      for (const next of executedPaths(l.text)) if (next.startsWith("/")) runs.add(normalisePath(next));
    }
    file.runs = [...runs];
    this.#files.set(key, file);
    return file;
  }

  /**
   * Payload indicators of the script at `path` and of the scripts it runs in turn (the path and line of each
   * payload, each once, at most SCRIPT_MAX_INDICATORS), or none. `depth` is the script's place in the chain (1
   * for the one an entry runs); a script already met nearer the entry is judged from there.
   */
  indicators(path: string, depth = 1): Indicator[] {
    if (!path.startsWith("/")) return [];
    const key = normalisePath(path);
    const memo = `${key}@${depth}`;
    const known = this.#chains.get(memo);
    if (known) return known;
    const found: Indicator[] = [];
    this.#chains.set(memo, found); // a loop of scripts meets this (empty, in progress) list and ends
    const file = this.#file(key);
    if (!file) return found;
    const seen = new Set<string>();
    const add = (i: Indicator) => {
      const id = `${i.kind}:${i.name}:${i.path}`;
      if (found.length >= SCRIPT_MAX_INDICATORS || seen.has(id)) return;
      seen.add(id);
      found.push(i);
    };
    for (const i of file.own) add(i);
    if (depth < SCRIPT_MAX_DEPTH) {
      for (const next of file.runs) for (const i of this.indicators(next, depth + 1)) add(i);
    }
    return found;
  }
}
