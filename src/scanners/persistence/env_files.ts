/**
 * Files that set the environment of every login, and the loader's search path: /etc/environment and
 * environment.d (`NAME=value`), pam_env.conf and ~/.pam_environment (`NAME [DEFAULT=v] [OVERRIDE=v]`), and
 * ld.so.conf (`include` globs and directories; the globs are expanded by ssh/sshd_config.ts's expandGlob).
 */

/** One variable set by a file (pam_env.conf lines give one per DEFAULT and OVERRIDE). */
export interface EnvAssignment {
  line: number;
  name: string;
  value: string;
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t.endsWith(t[0])) return t.slice(1, -1);
  return t;
}

/**
 * The logical line that starts at `lines[first]`: while the text so far ends with `\` and a line follows, the
 * backslash is removed and the next line appended, as a shell does; `last` is the index of the last line used.
 * The text so far is kept as pieces, each with the length of it still in use, so dropping a backslash costs
 * O(1) (re-slicing the growing line for each piece was quadratic). An empty line after a piece that ends in
 * `\\` joins the following line too, since the text so far still ends with `\`.
 */
function joinContinuations(lines: string[], first: number): { text: string; last: number } {
  const pieces: string[] = [];
  const used: number[] = [];
  const add = (i: number) => {
    const piece = lines[i].replace(/\r$/, "");
    if (piece === "") return;
    pieces.push(piece);
    used.push(piece.length);
  };
  const endsWithBackslash = () =>
    pieces.length > 0 && pieces[pieces.length - 1][used[used.length - 1] - 1] === "\\";
  let last = first;
  add(first);
  while (endsWithBackslash() && last + 1 < lines.length) {
    if (--used[used.length - 1] === 0) {
      pieces.pop();
      used.pop();
    }
    add(++last);
  }
  return { text: pieces.map((p, k) => p.slice(0, used[k])).join(""), last };
}

/**
 * Logical lines of a shell-like assignment file: `\` continuations joined (the backslash and newline removed, as
 * a shell does), each with the line it starts on, trimmed; comment and blank lines dropped.
 */
export function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    const joined = joinContinuations(lines, i);
    i = joined.last;
    const line = joined.text.trim();
    if (line !== "" && !line.startsWith("#")) out.push({ line: start, text: line });
  }
  return out;
}

/**
 * A `[export ]NAME=value` line's name and value (quotes removed); the value is the rest of the line, a carriage
 * return inside it included, as pam_env keeps it.
 */
function assignment(text: string, blanks = false): { name: string; value: string } | undefined {
  const m = text.match(
    blanks
      ? /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*/
      : /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/,
  );
  return m ? { name: m[1], value: unquote(text.slice(m[0].length)) } : undefined;
}

/**
 * `NAME=value` lines (/etc/environment as pam_env reads it, environment.d): an optional `export`, one pair of
 * surrounding quotes removed. With `systemd` (EnvironmentFile=, environment.d, which systemd's own parser
 * reads), blanks around the `=` are allowed, as systemd trims them: `LD_PRELOAD = /x.so` is an assignment.
 * Lines that are not assignments are counted in `bad`.
 */
export function parseEnvFile(
  text: string,
  opts: { systemd?: boolean } = {},
): { assignments: EnvAssignment[]; bad: number } {
  const assignments: EnvAssignment[] = [];
  let bad = 0;
  for (const l of logicalLines(text)) {
    const a = assignment(l.text, opts.systemd);
    if (a) assignments.push({ line: l.line, ...a });
    else bad++;
  }
  return { assignments, bad };
}

/**
 * pam_env.conf syntax: `NAME [DEFAULT=[value]] [OVERRIDE=[value]]`, values optionally quoted; a `NAME=value`
 * line (the other syntax, which ~/.pam_environment files often use) is read as such. Unreadable lines are
 * counted in `bad`.
 */
export function parsePamEnvConf(text: string): { assignments: EnvAssignment[]; bad: number } {
  const assignments: EnvAssignment[] = [];
  let bad = 0;
  for (const l of logicalLines(text)) {
    const simple = assignment(l.text);
    if (simple) {
      assignments.push({ line: l.line, ...simple });
      continue;
    }
    // The name, then nothing or whitespace and the options (the rest taken by slice: a `(\s+.*)?$` backtracked
    // quadratically on a line with a carriage return in the middle, which is kept as part of the options).
    const name = l.text.match(/^[A-Za-z_][A-Za-z0-9_]*/)?.[0];
    const rest = name === undefined ? "" : l.text.slice(name.length);
    if (name === undefined || (rest !== "" && !/^\s/.test(rest))) {
      bad++;
      continue;
    }
    const opts = [...rest.matchAll(/\b(DEFAULT|OVERRIDE)=("(?:[^"\\]|\\.)*"|\S*)/g)];
    if (rest.trim() !== "" && opts.length === 0) bad++;
    for (const o of opts) {
      const value = unquote(o[2]);
      if (value !== "") assignments.push({ line: l.line, name, value });
    }
  }
  return { assignments, bad };
}

/** One statement of an ld.so.conf file. */
export type LdConfStatement =
  | { kind: "dir"; line: number; dir: string }
  | { kind: "include"; line: number; pattern: string };

/**
 * Parses an ld.so.conf file as ldconfig does: `#` comments, `include` followed by glob patterns, `hwcap` lines
 * ignored, and directories separated by spaces, tabs, colons or commas (an old `=type` suffix dropped).
 */
export function parseLdSoConf(text: string): LdConfStatement[] {
  const out: LdConfStatement[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") return;
    // The patterns are the rest of the line, taken by slice (a `\s+(.+)$` backtracked quadratically on a line
    // with a carriage return in the middle; whitespace, a carriage return included, separates patterns).
    const inc = line.match(/^include\s+/);
    if (inc) {
      for (const pattern of line.slice(inc[0].length).split(/\s+/)) {
        out.push({ kind: "include", line: i + 1, pattern });
      }
      return;
    }
    if (/^hwcap\s/.test(line)) return;
    for (const word of line.split(/[\s:,]+/).filter((w) => w !== "")) {
      out.push({ kind: "dir", line: i + 1, dir: word.replace(/=.*$/, "") });
    }
  });
  return out;
}
