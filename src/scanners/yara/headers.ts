/**
 * The rule names a YARA source defines, for the one thing libyara does not keep: which file a rule came from.
 * (Tags, modifiers and meta come from the compiled rules.) A small lexer walks the source, skipping comments,
 * text strings, regular expressions and rule bodies, and reads `[private] [global] rule NAME [: TAG ...] {` at
 * the top level. It runs on sources libyara has already compiled, so it only has to be right on valid YARA.
 */

/** One rule header. */
export interface RuleHeader {
  name: string;
  /** 1-based line of the `rule` keyword. */
  line: number;
}

const IDENT = /[A-Za-z0-9_]/;
/** Tokens after which a `/` opens a regular expression (after anything else it divides). */
const REGEX_BEFORE = new Set(["=", "matches", "(", ","]);

/** Reads every rule header in `source`, in order. */
export function ruleHeaders(source: string): RuleHeader[] {
  const out: RuleHeader[] = [];
  const n = source.length;
  let i = 0;
  let line = 1;
  let depth = 0;
  let header: RuleHeader | undefined;
  let lastToken = "";

  const skipString = () => {
    i++;
    while (i < n && source[i] !== '"') {
      if (source[i] === "\\") i++;
      else if (source[i] === "\n") line++;
      i++;
    }
    i++;
  };
  const skipRegex = () => {
    i++;
    while (i < n && source[i] !== "/") {
      if (source[i] === "\\") i++;
      else if (source[i] === "\n") line++;
      i++;
    }
    i++;
    while (i < n && /[a-z]/.test(source[i])) i++;
  };

  while (i < n) {
    const c = source[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (c === "/" && source[i + 1] === "/") {
      while (i < n && source[i] !== "\n") i++;
    } else if (c === "/" && source[i + 1] === "*") {
      i += 2;
      while (i < n && !(source[i] === "*" && source[i + 1] === "/")) {
        if (source[i] === "\n") line++;
        i++;
      }
      i += 2;
    } else if (c === '"') {
      skipString();
      lastToken = '"';
    } else if (c === "/" && depth > 0 && REGEX_BEFORE.has(lastToken)) {
      skipRegex();
      lastToken = "/";
    } else if (c === "{") {
      if (depth === 0 && header) {
        out.push(header);
        header = undefined;
      }
      depth++;
      i++;
      lastToken = "{";
    } else if (c === "}") {
      depth = Math.max(0, depth - 1);
      i++;
      lastToken = "}";
    } else if (IDENT.test(c)) {
      const start = i;
      while (i < n && IDENT.test(source[i])) i++;
      const word = source.slice(start, i);
      lastToken = word;
      if (depth > 0) continue;
      if (header) {
        if (header.name === "") header.name = word;
      } else if (word === "rule") header = { name: "", line };
    } else {
      if (!/\s/.test(c)) lastToken = c;
      i++;
    }
  }
  return out;
}
