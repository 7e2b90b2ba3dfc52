/**
 * A parser for git's configuration files (/etc/gitconfig, ~/.gitconfig, .git/config): sections with optional
 * subsections (`[remote "origin"]`, legacy `[branch.main]`), keys with or without values, quoting, escapes,
 * `#`/`;` comments and backslash continuations, as git reads them.
 */

/** One `key = value` of a configuration file. */
export interface GitConfigEntry {
  /** Section name, lower-case. */
  section: string;
  /** Subsection as written (case kept), or undefined. */
  subsection?: string;
  /** Key name, lower-case. */
  key: string;
  /** The value with quotes and escapes resolved; "true" for a key without `=`. */
  value: string;
  line: number;
}

/** A parsed file: its entries in order, and the lines git would reject. */
export interface GitConfig {
  entries: GitConfigEntry[];
  bad: number;
}

/** Reads a value starting at `s[i]` up to the end of the logical line; returns it and the lines it consumed. */
function readValue(lines: string[], at: number, start: string): { value: string; used: number } {
  let out = "";
  let quoted = false;
  let pendingSpace = "";
  let text = start;
  let used = 0;
  for (;;) {
    let i = 0;
    let continued = false;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (ch === "\\") {
        if (i === text.length - 1) {
          continued = true;
          break;
        }
        const n = text[++i];
        out += pendingSpace + (n === "n" ? "\n" : n === "t" ? "\t" : n === "b" ? "\b" : n);
        pendingSpace = "";
      } else if (ch === '"') quoted = !quoted;
      else if (!quoted && (ch === "#" || ch === ";")) break;
      else if (!quoted && (ch === " " || ch === "\t")) {
        if (out !== "") pendingSpace += " ";
      } else {
        out += pendingSpace + ch;
        pendingSpace = "";
      }
    }
    if (!continued || at + used + 1 >= lines.length) return { value: out, used };
    used++;
    text = lines[at + used].replace(/\r$/, "");
  }
}

/** Parses a configuration file. Never throws: lines it cannot read are counted in `bad`. */
export function parseGitConfig(text: string): GitConfig {
  const lines = text.split("\n");
  const out: GitConfig = { entries: [], bad: 0 };
  let section: string | undefined;
  let subsection: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/\r$/, "").replace(/^\uFEFF/, "").trimStart();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (line.startsWith("[")) {
      const m = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
      if (!m) {
        out.bad++;
        section = undefined;
        continue;
      }
      const dot = m[1].indexOf(".");
      if (m[2] !== undefined) {
        section = m[1].toLowerCase();
        subsection = m[2].replace(/\\(.)/g, "$1");
      } else if (dot > 0) {
        section = m[1].slice(0, dot).toLowerCase();
        subsection = m[1].slice(dot + 1).toLowerCase();
      } else {
        section = m[1].toLowerCase();
        subsection = undefined;
      }
      line = line.slice(m[0].length).trimStart();
      if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    }
    const k = /^([A-Za-z][A-Za-z0-9-]*)\s*(=?)/.exec(line);
    if (!k || section === undefined) {
      out.bad++;
      continue;
    }
    const rest = line.slice(k[0].length);
    if (k[2] === "" && rest.trim() !== "" && !/^\s*[#;]/.test(rest)) {
      out.bad++;
      continue;
    }
    const { value, used } = k[2] === "=" ? readValue(lines, i, rest) : { value: "true", used: 0 };
    out.entries.push({
      section,
      ...(subsection !== undefined ? { subsection } : {}),
      key: k[1].toLowerCase(),
      value,
      line: i + 1,
    });
    i += used;
  }
  return out;
}

/** The full name of an entry (`core.pager`, `filter.lfs.smudge`), section and key lower-case. */
export function fullName(e: GitConfigEntry): string {
  return e.subsection === undefined ? `${e.section}.${e.key}` : `${e.section}.${e.subsection}.${e.key}`;
}
