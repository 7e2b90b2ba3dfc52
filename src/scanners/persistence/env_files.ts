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
 * Logical lines of a shell-like assignment file: `\` continuations joined (the backslash and newline removed, as
 * a shell does), each with the line it starts on, trimmed; comment and blank lines dropped.
 */
export function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i].replace(/\r$/, "");
    while (line.endsWith("\\") && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i].replace(/\r$/, "");
    }
    line = line.trim();
    if (line !== "" && !line.startsWith("#")) out.push({ line: start, text: line });
  }
  return out;
}

/**
 * `NAME=value` lines (/etc/environment as pam_env reads it, environment.d): an optional `export`, one pair of
 * surrounding quotes removed. Lines that are not assignments are counted in `bad`.
 */
export function parseEnvFile(text: string): { assignments: EnvAssignment[]; bad: number } {
  const assignments: EnvAssignment[] = [];
  let bad = 0;
  for (const l of logicalLines(text)) {
    const m = l.text.match(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/);
    if (m) assignments.push({ line: l.line, name: m[1], value: unquote(m[2]) });
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
    const simple = l.text.match(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/);
    if (simple) {
      assignments.push({ line: l.line, name: simple[1], value: unquote(simple[2]) });
      continue;
    }
    const m = l.text.match(/^([A-Za-z_][A-Za-z0-9_]*)(\s+.*)?$/);
    if (!m) {
      bad++;
      continue;
    }
    const rest = m[2] ?? "";
    const opts = [...rest.matchAll(/\b(DEFAULT|OVERRIDE)=("(?:[^"\\]|\\.)*"|\S*)/g)];
    if (rest.trim() !== "" && opts.length === 0) bad++;
    for (const o of opts) {
      const value = unquote(o[2]);
      if (value !== "") assignments.push({ line: l.line, name: m[1], value });
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
    const inc = line.match(/^include\s+(.+)$/);
    if (inc) {
      for (const pattern of inc[1].split(/\s+/)) out.push({ kind: "include", line: i + 1, pattern });
      return;
    }
    if (/^hwcap\s/.test(line)) return;
    for (const word of line.split(/[\s:,]+/).filter((w) => w !== "")) {
      out.push({ kind: "dir", line: i + 1, dir: word.replace(/=.*$/, "") });
    }
  });
  return out;
}
