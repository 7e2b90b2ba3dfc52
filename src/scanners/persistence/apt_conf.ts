/**
 * APT's configuration syntax (apt.conf(5)), read the way apt reads it: `//`, `#` and `/* *\/` comments (not inside
 * quotes; `#clear` and `#include` are directives), statements ended by `;`, `{` or `}` and free to span lines,
 * `A::B` scopes and nested blocks, quoted values (several quoted strings concatenate), a bare word in a block as a
 * list item, a trailing `::` as a new list item, case-insensitive tags, later assignments replacing earlier ones.
 */

/** Nesting of `{` blocks past which a block adds nothing to the key (apt's own files nest three or four deep). */
const MAX_SCOPE_DEPTH = 64;

/** One statement of a file. */
export type AptStatement =
  | { kind: "set"; key: string[]; value: string; line: number }
  | { kind: "clear"; key: string[]; line: number }
  | { kind: "include"; target: string; line: number };

/** A parsed file: its statements in order, and how many statements apt would reject (apt then refuses to run). */
export interface AptConfFile {
  statements: AptStatement[];
  bad: number;
}

/** Splits a key on `::` ("A::B::" → ["A", "B", ""]: the empty last tag is a new list item). */
export function splitKey(key: string): string[] {
  return key.split("::");
}

/** The number of `"` before `end` in `s` is odd: position `end` is inside a quoted string. */
function inQuotes(s: string, end: number): boolean {
  let n = 0;
  for (let i = 0; i < end; i++) if (s.charCodeAt(i) === 0x22) n++;
  return n % 2 === 1;
}

/**
 * Cuts `//` and `#` comments (not inside quotes; `#clear`, `#include` stay), in one pass: counting the quotes
 * before each `//` again from the start of the line took 27 s on a line of 160,000 of them.
 */
function stripLineComments(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === "/" && line[i + 1] === "/") return line.slice(0, i);
    else if (c === "#" && !/^(?:clear|include|x-apt-configure-index)/.test(line.slice(i + 1, i + 24))) {
      return line.slice(0, i);
    }
  }
  return line;
}

/** Reads one word: non-space characters, where quoted parts may hold spaces; the quotes are dropped. */
function quoteWord(s: string): { word: string; rest: string } | undefined {
  const t = s.replace(/^\s+/, "");
  if (t === "") return undefined;
  let word = "";
  let i = 0;
  let quoted = false;
  for (; i < t.length; i++) {
    const ch = t[i];
    if (ch === '"') {
      quoted = !quoted;
      continue;
    }
    if (!quoted && /\s/.test(ch)) break;
    word += ch;
  }
  if (quoted) return undefined;
  return { word, rest: t.slice(i) };
}

/** Reads a value made only of quoted strings ("a" "b" → "a b"); undefined when anything else is there. */
function quotedValue(s: string): string | undefined {
  const t = s.trim();
  if (!t.startsWith('"')) return undefined;
  const parts: string[] = [];
  let i = 0;
  while (i < t.length) {
    if (/\s/.test(t[i])) {
      i++;
      continue;
    }
    if (t[i] !== '"') return undefined;
    const end = t.indexOf('"', i + 1);
    if (end < 0) return undefined;
    parts.push(t.slice(i + 1, end));
    i = end + 1;
  }
  return parts.join(" ");
}

/**
 * Parses one apt configuration file. Never throws: a statement apt would reject (a block without a name, junk
 * after a value, an unbalanced quote, a directive inside a block, an unknown directive) is counted in `bad`.
 */
export function parseAptConf(text: string): AptConfFile {
  const statements: AptStatement[] = [];
  let bad = 0;
  const scopes: string[][] = [];
  let parent: string[] = [];
  let buffer = "";
  let bufferLine = 0;
  let inComment = false;
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n].replace(/\r$/, "").replaceAll("\t", " ").trim();
    if (inComment) {
      const end = line.indexOf("*/");
      if (end < 0) continue;
      line = line.slice(end + 2);
      inComment = false;
    }
    line = stripLineComments(line);
    let fragment = "";
    for (;;) {
      const at = line.indexOf("/*");
      if (at < 0 || inQuotes(line, at)) break;
      fragment += line.slice(0, at);
      const end = line.indexOf("*/", at + 2);
      if (end < 0) {
        line = "";
        inComment = true;
        break;
      }
      line = line.slice(end + 2);
    }
    fragment += line;
    if (fragment.trim() === "") continue;
    let quoted = false;
    let start = 0;
    for (let i = 0; i < fragment.length; i++) {
      const ch = fragment[i];
      if (ch === '"') quoted = !quoted;
      if (quoted || (ch !== "{" && ch !== ";" && ch !== "}")) continue;
      const piece = fragment.slice(start, i).trim();
      if (piece !== "") {
        if (buffer === "") bufferLine = n + 1;
        buffer = buffer === "" ? piece : `${buffer} ${piece}`;
      }
      start = i + 1;
      if (buffer === "") {
        if (ch === "{") bad++;
        if (ch === "}") parent = scopes.pop() ?? [];
        continue;
      }
      const statement = buffer;
      const line = bufferLine;
      buffer = "";
      const tagged = quoteWord(statement);
      if (!tagged) {
        bad++;
        continue;
      }
      let tag = tagged.word;
      let word: string | undefined;
      const rest = tagged.rest.trim();
      if (rest !== "") {
        word = quotedValue(rest);
        if (word === undefined) {
          const w = quoteWord(rest);
          if (!w || w.rest.trim() !== "") {
            bad++;
            if (ch === "}") parent = scopes.pop() ?? [];
            continue;
          }
          word = w.word;
        }
      } else if (ch !== "{") {
        word = tag;
        tag = "";
      }
      if (tag.startsWith("#")) {
        if (parent.length > 0 || word === undefined) bad++;
        else if (tag === "#clear") statements.push({ kind: "clear", key: splitKey(word), line });
        else if (tag === "#include") statements.push({ kind: "include", target: word, line });
        else if (tag !== "#x-apt-configure-index") bad++;
      } else if (ch === "{") {
        scopes.push(parent);
        // Scopes deeper than any real configuration keep their parent's key: each level copies the key, so
        // 80,000 nested `a{` took gigabytes and killed the process.
        if (scopes.length > MAX_SCOPE_DEPTH) bad++;
        else parent = [...parent, ...splitKey(tag)];
        if (word !== undefined) statements.push({ kind: "set", key: parent, value: word, line });
      } else if (word !== undefined) {
        statements.push({ kind: "set", key: [...parent, ...splitKey(tag)], value: word, line });
      }
      if (ch === "}") parent = scopes.pop() ?? [];
    }
    const tail = fragment.slice(start).trim();
    if (tail !== "") {
      if (buffer === "") bufferLine = n + 1;
      buffer = buffer === "" ? tail : `${buffer} ${tail}`;
    }
  }
  if (buffer !== "") bad++;
  return { statements, bad };
}

/** Where a value was set. */
export interface AptOrigin {
  file: string;
  line: number;
}

/** One node of the configuration tree. */
export interface AptNode {
  tag: string;
  value?: string;
  origin?: AptOrigin;
  children: AptNode[];
}

/** The configuration tree apt builds from its files, in the order they are read. */
export class AptConfig {
  readonly root: AptNode = { tag: "", children: [] };

  #lookup(key: readonly string[], create: boolean): AptNode | undefined {
    let node = this.root;
    for (const tag of key) {
      let next = tag === ""
        ? undefined
        : node.children.find((c) => c.tag.toLowerCase() === tag.toLowerCase());
      if (!next) {
        if (!create) return undefined;
        next = { tag, children: [] };
        node.children.push(next);
      }
      node = next;
    }
    return node;
  }

  /** Applies a file's set and clear statements (includes are the caller's business: it reads the files). */
  apply(statement: AptStatement, file: string): void {
    if (statement.kind === "set") {
      const node = this.#lookup(statement.key, true)!;
      node.value = statement.value;
      node.origin = { file, line: statement.line };
    } else if (statement.kind === "clear") {
      const node = this.#lookup(statement.key, false);
      if (node) {
        node.children = [];
        delete node.value;
        delete node.origin;
      }
    }
  }

  /** The node at `key` (case-insensitive, `::`-separated), or undefined. */
  node(key: string): AptNode | undefined {
    return this.#lookup(splitKey(key), false);
  }

  /** The values of the direct children of `key` that have one (what apt runs for a hook list). */
  items(key: string): { value: string; origin: AptOrigin }[] {
    return (this.node(key)?.children ?? [])
      .filter((c) => c.value !== undefined && c.value !== "" && c.origin !== undefined)
      .map((c) => ({ value: c.value!, origin: c.origin! }));
  }
}

/**
 * Names apt reads in a configuration directory: run-parts characters only, no leading dot, no extension or
 * `.conf`, and none of the names apt ignores silently (backups, package-manager leftovers, `.disabled`).
 */
export function aptReadsName(name: string): boolean {
  if (name.startsWith(".") || !/^[A-Za-z0-9_.-]+$/.test(name)) return false;
  if (/(?:~|\.disabled|\.bak|\.dpkg-[a-z]+|\.ucf-[a-z]+|\.swp)$/.test(name)) return false;
  return !name.includes(".") || name.endsWith(".conf");
}
