/**
 * Pure parsers of the database servers' configuration files (sources/databases.ts reads the files): PostgreSQL's
 * postgresql.conf grammar (guc-file.l), the library lists its *_preload_libraries take, and Redis' configuration
 * (sdssplitargs); MySQL/MariaDB's are in databases_mysql_parse.ts. Each reads a line at a time in time linear in
 * its input; what the server itself would reject is left out and counted (a PostgreSQL that meets such a line
 * refuses to start).
 */

/**
 * A string built a character at a time without a string per character: decoding a megabyte of escapes with `+=`
 * (or a typed array per line) churns the heap enough to make the time grow faster than the input. One buffer
 * serves every parser here (none calls another while it holds characters); it grows as needed and is given back
 * small once a large string has been taken.
 */
export class CharBuffer {
  #buf = new Uint16Array(256);
  #n = 0;

  #room(k: number): void {
    if (this.#n + k <= this.#buf.length) return;
    const bigger = new Uint16Array(Math.max(this.#buf.length * 2, this.#n + k));
    bigger.set(this.#buf.subarray(0, this.#n));
    this.#buf = bigger;
  }

  /** Appends a string. */
  add(s: string): void {
    this.#room(s.length);
    for (let i = 0; i < s.length; i++) this.#buf[this.#n++] = s.charCodeAt(i);
  }

  /** Appends one UTF-16 code unit. */
  code(c: number): void {
    this.#room(1);
    this.#buf[this.#n++] = c;
  }

  /** Forgets what is held (what a parser that gave up half-way left). */
  reset(): void {
    this.#n = 0;
  }

  /** The characters held; the buffer is emptied. */
  take(): string {
    let out = "";
    for (let k = 0; k < this.#n; k += 8192) {
      out += String.fromCharCode(...this.#buf.subarray(k, Math.min(this.#n, k + 8192)));
    }
    this.#n = 0;
    if (this.#buf.length > 1 << 16) this.#buf = new Uint16Array(256);
    return out;
  }
}

/** The buffer the database parsers share (see CharBuffer). */
export const chars: CharBuffer = new CharBuffer();

/**
 * The lines of `text` (cut at each `\n`) with their numbers from 1, one at a time: a megabyte of short lines is
 * never held as one array, which the garbage collector would copy again and again while a parser runs.
 */
export function* textLines(text: string): Generator<[string, number]> {
  let n = 0;
  for (let from = 0; from <= text.length;) {
    const end = text.indexOf("\n", from);
    const stop = end < 0 ? text.length : end;
    yield [text.slice(from, stop), ++n];
    if (end < 0) break;
    from = end + 1;
  }
}

/** One `name = value` line of a PostgreSQL configuration file (include directives included). */
export interface PgSetting {
  /** Lower-cased, as PostgreSQL compares names. */
  name: string;
  value: string;
  line: number;
}

/** A PostgreSQL configuration file: its settings in order, and the lines the server would reject. */
export interface PgConf {
  settings: PgSetting[];
  errors: number[];
}

/** guc-file.l's LETTER: ASCII letters, `_` and every byte with the high bit set. */
function pgLetter(ch: string): boolean {
  return /[A-Za-z_]/.test(ch) || ch.charCodeAt(0) >= 0x80;
}

type PgToken = { kind: "id" | "qid" | "unquoted" | "string" | "number" | "equals" | "error"; text: string };

const PG_NUMBER = /[-+]?(?:0x[0-9a-fA-F]+|[0-9]+)[a-zA-Z]*|[-+]?[0-9]*\.[0-9]*(?:[Ee][-+]?[0-9]+)?/y;
const PG_ID = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*$/;
const PG_QID =
  /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*\.[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*$/;

/** A quoted value with its quotes removed and its escapes decoded, as GUC_scanstr/DeescapeQuotedString do. */
function pgUnquote(s: string): string {
  const out = chars;
  out.reset();
  const simple: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
  for (let i = 1; i < s.length - 1; i++) {
    const ch = s[i];
    if (ch === "'" && s[i + 1] === "'") {
      out.code(39);
      i++;
    } else if (ch === "\\" && i + 1 < s.length - 1) {
      const n = s[++i];
      if (n in simple) out.add(simple[n]);
      else if (n >= "0" && n <= "7") {
        let oct = n;
        while (oct.length < 3 && i + 1 < s.length - 1 && s[i + 1] >= "0" && s[i + 1] <= "7") oct += s[++i];
        out.code(parseInt(oct, 8) & 0xff);
      } else out.add(n);
    } else out.code(s.charCodeAt(i));
  }
  return out.take();
}

/** The tokens of one line (no newline in it), as guc-file.l's flex rules cut them; a comment ends the line. */
function pgTokens(line: string): PgToken[] {
  const out: PgToken[] = [];
  let i = 0;
  // A setting is at most three tokens: a fourth makes the line an error, whatever follows.
  while (i < line.length && out.length < 4) {
    const ch = line[i];
    if (ch === " " || ch === "\t" || ch === "\r") {
      i++;
    } else if (ch === "#") break;
    else if (ch === "=") {
      out.push({ kind: "equals", text: "=" });
      i++;
    } else if (ch === "'") {
      let j = i + 1;
      let closed = false;
      while (j < line.length) {
        if (line[j] === "\\" && j + 1 < line.length) j += 2;
        else if (line[j] === "'" && line[j + 1] === "'") j += 2;
        else if (line[j] === "'") {
          closed = true;
          break;
        } else j++;
      }
      if (!closed) return [...out, { kind: "error", text: line.slice(i) }];
      out.push({ kind: "string", text: pgUnquote(line.slice(i, j + 1)) });
      i = j + 1;
    } else if (pgLetter(ch)) {
      let j = i + 1;
      while (j < line.length && (pgLetter(line[j]) || /[0-9\-.:/]/.test(line[j]))) j++;
      const word = line.slice(i, j);
      out.push({ kind: PG_ID.test(word) ? "id" : PG_QID.test(word) ? "qid" : "unquoted", text: word });
      i = j;
    } else {
      PG_NUMBER.lastIndex = i;
      const m = PG_NUMBER.exec(line);
      if (!m || m[0] === "") return [...out, { kind: "error", text: line.slice(i) }];
      out.push({ kind: "number", text: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

/**
 * The settings of a postgresql.conf, postgresql.auto.conf, recovery.conf or included file, and of a Debian
 * cluster's `environment` file (same grammar): `name [=] value` a line, the name an identifier (`a.b` for an
 * extension's), the value an identifier, number, unquoted string (a letter, then letters, digits and `-._:/`) or
 * single-quoted string (`''` and backslash escapes); `#` starts a comment outside quotes. Lines of any other shape
 * are errors (the server then refuses to start, or to reload).
 */
export function parsePgConf(text: string): PgConf {
  const settings: PgSetting[] = [];
  const errors: number[] = [];
  for (const [line, n] of textLines(text)) {
    const t = pgTokens(line);
    if (t.length === 0) continue;
    const [name, second] = t;
    const value = second?.kind === "equals" ? t[2] : second;
    const rest = second?.kind === "equals" ? 3 : 2;
    const valueKinds = ["id", "string", "number", "unquoted"];
    if (
      (name.kind !== "id" && name.kind !== "qid") || value === undefined ||
      !valueKinds.includes(value.kind) ||
      t.length !== rest
    ) {
      errors.push(n);
      continue;
    }
    settings.push({ name: name.text.toLowerCase(), value: value.text, line: n });
  }
  return { settings, errors };
}

/**
 * The names of a library list (shared_preload_libraries and its kin), as SplitDirectoriesString cuts it: comma
 * separated, blanks around a name dropped, a name in double quotes kept whole (`""` a quote); empty names left out.
 */
export function pgLibraryList(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < value.length) {
    while (i < value.length && /\s/.test(value[i])) i++;
    let name = "";
    if (value[i] === '"') {
      i++;
      while (i < value.length) {
        if (value[i] === '"' && value[i + 1] === '"') {
          name += '"';
          i += 2;
        } else if (value[i] === '"') {
          i++;
          break;
        } else name += value[i++];
      }
      while (i < value.length && value[i] !== ",") i++;
    } else {
      const start = i;
      while (i < value.length && value[i] !== ",") i++;
      name = value.slice(start, i).trim();
    }
    if (name !== "") out.push(name);
    i++; // the comma
  }
  return out;
}

/** The Redis directives the database family reads. */
export const REDIS_DIRECTIVES: ReadonlySet<string> = new Set([
  "include",
  "dir",
  "dbfilename",
  "loadmodule",
  "sentinel",
]);

/** Arguments of a Redis directive kept: enough to tell every directive the family reads from a longer one. */
export const REDIS_MAX_ARGS = 16;

/** One directive of a Redis configuration: its lower-cased name and its arguments. */
export interface RedisDirective {
  name: string;
  /** The first REDIS_MAX_ARGS arguments. */
  args: string[];
  line: number;
}

/** A Redis (or Valkey, or Sentinel) configuration: its directives in order, and the lines Redis would reject. */
export interface RedisConf {
  directives: RedisDirective[];
  errors: number[];
}

/**
 * The words of a line as sdssplitargs cuts them: blanks separate words; `"…"` with `\n`, `\r`, `\t`, `\b`, `\a`,
 * `\xHH` and `\c` escapes, `'…'` with `\'`; a closing quote must be followed by a blank or the end. Undefined when
 * the quotes are unbalanced. Only the first `max` words are kept (the rest are still read, for their quotes).
 */
export function redisWords(line: string, max = Infinity): string[] | undefined {
  const words: string[] = [];
  const word = chars;
  word.reset();
  const map: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" };
  const hex = (c: string | undefined) => c !== undefined && /[0-9a-fA-F]/.test(c);
  const blank = (ch: string | undefined) => ch === undefined || /\s/.test(ch);
  let i = 0;
  for (;;) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) return words;
    let quote = "";
    for (;;) {
      const ch = line[i];
      if (quote === '"') {
        if (ch === undefined) return undefined;
        if (ch === "\\" && line[i + 1] === "x" && hex(line[i + 2]) && hex(line[i + 3])) {
          word.code(parseInt(line.slice(i + 2, i + 4), 16));
          i += 4;
        } else if (ch === "\\" && i + 1 < line.length) {
          word.add(map[line[i + 1]] ?? line[i + 1]);
          i += 2;
        } else if (ch === '"') {
          if (!blank(line[i + 1])) return undefined;
          i++;
          break;
        } else word.code(line.charCodeAt(i++));
      } else if (quote === "'") {
        if (ch === undefined) return undefined;
        if (ch === "\\" && line[i + 1] === "'") {
          word.code(39);
          i += 2;
        } else if (ch === "'") {
          if (!blank(line[i + 1])) return undefined;
          i++;
          break;
        } else word.code(line.charCodeAt(i++));
      } else if (ch === undefined || /\s/.test(ch)) break;
      else if (ch === '"' || ch === "'") {
        quote = ch;
        i++;
      } else word.code(line.charCodeAt(i++));
    }
    if (words.length < max) words.push(word.take());
    else word.reset();
  }
}

/**
 * The directives of a redis.conf (or sentinel.conf): one a line, blank and `#` lines skipped (a `#` later in a line
 * is a word like any other), words as `redisWords` cuts them, the directive name compared case-insensitively.
 * Only directives `keep` takes (by lower-cased name) are returned.
 */
export function parseRedisConf(text: string, keep: (name: string) => boolean = () => true): RedisConf {
  const directives: RedisDirective[] = [];
  const errors: number[] = [];
  for (const [raw, n] of textLines(text)) {
    const line = raw.trim();
    if (line === "" || line[0] === "#") continue;
    const words = redisWords(line, REDIS_MAX_ARGS + 1);
    if (words === undefined || words.length === 0) {
      errors.push(n);
      continue;
    }
    const name = words.shift()!.toLowerCase();
    if (keep(name)) directives.push({ name, args: words, line: n });
  }
  return { directives, errors };
}
