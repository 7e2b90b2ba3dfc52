/**
 * A parser for logrotate's configuration syntax, as far as persistence needs it: the scripts
 * (`prerotate`, `postrotate`, `firstaction`, `lastaction`, `preremove` … `endscript`) each log block runs as root
 * through /bin/sh, and the `include`d files and directories.
 */

/** The script keywords, each closed by `endscript`. */
export const SCRIPT_KEYWORDS = ["prerotate", "postrotate", "firstaction", "lastaction", "preremove"] as const;

/** One script of a log block. */
export interface LogrotateScript {
  /** The keyword that opened it. */
  hook: (typeof SCRIPT_KEYWORDS)[number];
  /** Line of the keyword. */
  line: number;
  /** The log file patterns of the block ("(global)" outside one). */
  patterns: string[];
  /** The script's lines with their line numbers, as written. */
  body: { line: number; text: string }[];
}

/** What a configuration file runs and includes. */
export interface LogrotateConfig {
  scripts: LogrotateScript[];
  includes: { line: number; path: string }[];
  /** Lines logrotate would reject: stray braces, an include inside a block, unknown structure. */
  bad: number;
  /** A script that never reached `endscript` (it runs to the end of the file here; logrotate rejects it). */
  unterminated: boolean;
}

const SCRIPT = new Set<string>(SCRIPT_KEYWORDS);

/** Splits the patterns of a block header into words (quotes kept together, then removed). */
function patternWords(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]).filter((w) =>
    w !== ""
  );
}

/** Parses one configuration file. Never throws: what it cannot place is counted in `bad`. */
export function parseLogrotate(text: string): LogrotateConfig {
  const out: LogrotateConfig = { scripts: [], includes: [], bad: 0, unterminated: false };
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let block: string[] | undefined;
  let pending: string[] = [];
  let script: LogrotateScript | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, "");
    const line = raw.trim();
    if (script) {
      if (/^endscript\b/.test(line)) {
        out.scripts.push(script);
        script = undefined;
      } else script.body.push({ line: i + 1, text: raw });
      continue;
    }
    if (line === "" || line.startsWith("#")) continue;
    const word = line.split(/\s+/)[0];
    if (SCRIPT.has(word)) {
      script = {
        hook: word as LogrotateScript["hook"],
        line: i + 1,
        patterns: block ?? ["(global)"],
        body: [],
      };
      continue;
    }
    if (block === undefined) {
      if (word === "include") {
        const path = line.slice("include".length).trim().replace(/^(["'])(.*)\1$/, "$2");
        if (path !== "") out.includes.push({ line: i + 1, path });
        else out.bad++;
        continue;
      }
      const open = line.indexOf("{");
      if (open >= 0) {
        block = patternWords([...pending, line.slice(0, open)].join(" "));
        pending = [];
        if (block.length === 0) out.bad++;
        const after = line.slice(open + 1).trim();
        if (after === "}") block = undefined;
        else if (after !== "") out.bad++;
        continue;
      }
      if (line === "}") {
        out.bad++;
        continue;
      }
      // A global directive (`weekly`, `rotate 4`…), or log patterns whose `{` is on a later line.
      if (line.startsWith("/") || line.startsWith('"') || line.startsWith("'")) pending.push(line);
      continue;
    }
    if (line === "}" || line.startsWith("}")) {
      block = undefined;
      if (line !== "}") out.bad++;
      continue;
    }
    if (word === "include" || line.includes("{")) out.bad++;
  }
  if (script) {
    out.scripts.push(script);
    out.unterminated = true;
  }
  return out;
}
