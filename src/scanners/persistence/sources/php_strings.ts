/**
 * PHP constant string expressions, evaluated the way a web shell builds a function name it does not want seen:
 * `'sys'.'tem'`, `strrev('metsys')`, `"\x73\x79\x73\x74\x65\x6d"`, `str_rot13('flfgrz')`,
 * `base64_decode('c3lzdGVt')`, `chr(115).chr(121)…`, `implode('', ['sys', 'tem'])`,
 * `str_replace('X', '', 'sXyXsXtXeXm')`, `substr('xsystem', 1)`, `strtolower('SYSTEM')`, and variables whose
 * value is already known. Only literals, integers, array literals, concatenation and those pure functions are
 * evaluated (nothing is run); anything else gives undefined. Every evaluation is bounded (expression length,
 * value length, nesting, array size) and charged to a budget of steps a whole file shares.
 */

/** Longest expression looked at (a longer one is not evaluated). */
export const MAX_EXPR = 400;
/** Longest string value kept (a longer one is not a function name). */
export const MAX_VALUE = 256;
const MAX_DEPTH = 8;
const MAX_ITEMS = 64;
const MAX_ARGS = 4;

/** A value an expression can have: a string, an integer, or an array literal's values. */
type Value = string | number | string[];

/** Steps an evaluation may still take: one budget shared by all the expressions of a file. */
export interface PhpBudget {
  /** Steps left; at zero or below nothing more is evaluated. */
  steps: number;
}

/** A new budget of `steps` evaluation steps (each character read or built costs about one). */
export function phpBudget(steps = 2_000_000): PhpBudget {
  return { steps };
}

/** What an expression may read: variables with a known string value, and the budget to charge. */
export interface PhpScope {
  /** Variables (name without `$`) whose string value is known; any other variable makes the value unknown. */
  vars?: ReadonlyMap<string, string>;
  /** The budget to charge; without one, only the bounds on length, nesting and array size apply. */
  budget?: PhpBudget;
}

/** A string or integer as PHP converts it to a string; undefined for an array or a value too long. */
function str(v: Value | undefined): string | undefined {
  if (typeof v === "number") return String(v);
  return typeof v === "string" && v.length <= MAX_VALUE ? v : undefined;
}

/** What building or reading a value costs, in steps: its characters, and more for each array item. */
function size(v: Value): number {
  return typeof v === "number"
    ? 1
    : typeof v === "string"
    ? v.length
    : v.reduce((n, x) => n + x.length + 32, 0);
}

/** An integer or a numeric string as an integer; undefined otherwise. */
function int(v: Value | undefined): number | undefined {
  if (typeof v === "number") return v;
  return typeof v === "string" && /^\s*-?\d{1,9}\s*$/.test(v) ? Number(v) : undefined;
}

/** PHP's substr(): a negative start counts from the end, a negative length leaves that many off the end. */
function substr(s: string, start: number, length?: number): string {
  const n = s.length;
  const from = start < 0 ? Math.max(0, n + start) : Math.min(start, n);
  const to = length === undefined ? n : length < 0 ? Math.max(from, n + length) : Math.min(n, from + length);
  return s.slice(from, to);
}

/** ASCII letters in lower case, as PHP 8 folds them (the length never changes). */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** ASCII letters in upper case. */
function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/** PHP's trim() with its default characters (not JavaScript's wider idea of white space). */
function phpTrim(s: string): string {
  const blank = (c: string) => " \t\n\r\0\x0B".includes(c);
  let [a, b] = [0, s.length];
  while (a < b && blank(s[a])) a++;
  while (b > a && blank(s[b - 1])) b--;
  return s.slice(a, b);
}

/** PHP's str_replace()/str_ireplace() on a string subject, with a string or an array of needles. */
function replace(search: Value, by: Value, subject: Value, fold: boolean): string | undefined {
  const s = str(subject);
  const needles = typeof search === "object" ? search : [str(search)];
  if (s === undefined || needles.some((x) => x === undefined)) return undefined;
  if (typeof by === "object" && typeof search !== "object") return undefined;
  let out = s;
  needles.forEach((needle, i) => {
    const to = typeof by === "object" ? by[i] ?? "" : str(by);
    if (needle === "" || to === undefined || out.length > MAX_VALUE) return;
    const [hay, find] = fold ? [asciiLower(out), asciiLower(needle!)] : [out, needle!];
    let r = "";
    let at = 0;
    // stops once the result is too long: a short needle replaced by a long string cannot blow it up
    for (let k = hay.indexOf(find); k >= 0 && r.length <= MAX_VALUE; k = hay.indexOf(find, at)) {
      r += out.slice(at, k) + to;
      at = k + find.length;
    }
    out = r + out.slice(at);
  });
  return out.length <= MAX_VALUE ? out : undefined;
}

/** One string argument to a string. */
const unary = (f: (s: string) => string | undefined) => (a: Value[]) => {
  const s = a.length === 1 ? str(a[0]) : undefined;
  return s === undefined ? undefined : f(s);
};

/** Pure functions a constant expression may apply, by lower-case name. */
const FUNCTIONS = new Map<string, (args: Value[]) => Value | undefined>(Object.entries({
  strrev: unary((s) => [...s].reverse().join("")),
  str_rot13: unary((s) =>
    s.replace(/[a-z]/gi, (c) => {
      const base = c <= "Z" ? 65 : 97;
      return String.fromCharCode((c.charCodeAt(0) - base + 13) % 26 + base);
    })
  ),
  base64_decode: unary((s) => {
    try {
      return atob(s.replace(/[^A-Za-z0-9+/=]/g, ""));
    } catch {
      return undefined;
    }
  }),
  strtolower: unary(asciiLower),
  strtoupper: unary(asciiUpper),
  ucfirst: unary((s) => asciiUpper(s.charAt(0)) + s.slice(1)),
  lcfirst: unary((s) => asciiLower(s.charAt(0)) + s.slice(1)),
  hex2bin: unary((s) =>
    /^(?:[0-9a-f]{2})*$/i.test(s) ? s.replace(/../g, (h) => String.fromCharCode(parseInt(h, 16))) : undefined
  ),
  trim: unary(phpTrim),
  chr: (a) => {
    const n = a.length === 1 ? int(a[0]) : undefined;
    return n === undefined ? undefined : String.fromCharCode(((n % 256) + 256) % 256);
  },
  substr: (a) => {
    const [s, start, length] = [str(a[0]), int(a[1]), a.length === 3 ? int(a[2]) : undefined];
    if (s === undefined || start === undefined || a.length < 2 || a.length > 3) return undefined;
    return a.length === 3 && length === undefined ? undefined : substr(s, start, length);
  },
  // implode(glue, pieces), implode(pieces, glue) (the legacy order), implode(pieces); join is its alias
  implode: (a) => implode(a),
  join: (a) => implode(a),
  str_replace: (a) => a.length === 3 ? replace(a[0], a[1], a[2], false) : undefined,
  str_ireplace: (a) => a.length === 3 ? replace(a[0], a[1], a[2], true) : undefined,
}));

/** PHP's implode() and join(): glue and pieces in either order, or the pieces alone (glued with ""). */
function implode(a: Value[]): string | undefined {
  const [pieces, glue] = a.length === 1
    ? [a[0], ""]
    : typeof a[1] === "object"
    ? [a[1], str(a[0])]
    : [a[0], str(a[1])];
  if (a.length > 2 || typeof pieces !== "object" || glue === undefined) return undefined;
  const out = pieces.join(glue);
  return out.length <= MAX_VALUE ? out : undefined;
}

/** A double-quoted PHP string's escapes (`\x73`, `\163`, `\\`, `\"`, `\n`…); undefined when it interpolates. */
function doubleQuoted(body: string): string | undefined {
  if (body.includes("$")) return undefined;
  return body.replace(
    /\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g,
    (_, e: string) =>
      e[0] === "x"
        ? String.fromCharCode(parseInt(e.slice(1), 16))
        : /^[0-7]/.test(e)
        ? String.fromCharCode(parseInt(e, 8) & 0xff)
        : ({ n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', $: "$" } as Record<string, string>)[e] ??
          `\\${e}`,
  );
}

/** A recursive-descent reader of one expression: term ('.' term)*, a term being a literal, a call or `(…)`. */
class Reader {
  #i = 0;
  constructor(readonly s: string, readonly scope: PhpScope) {}

  #blank(): void {
    while (this.#i < this.s.length && /\s/.test(this.s[this.#i])) this.#i++;
  }

  /** Charges `n` steps; false when the budget is spent. */
  #pay(n: number): boolean {
    const b = this.scope.budget;
    if (!b) return true;
    b.steps -= n;
    return b.steps >= 0;
  }

  /** The whole input as one expression, or undefined. */
  all(): Value | undefined {
    const v = this.prefix();
    return v !== undefined && v[1] === this.s.length ? v[0] : undefined;
  }

  /** The expression at the start of the input, and the offset after it (and the blanks that follow). */
  prefix(): [Value, number] | undefined {
    const v = this.#expr(0);
    this.#blank();
    return v === undefined ? undefined : [v, this.#i];
  }

  #expr(depth: number): Value | undefined {
    if (depth > MAX_DEPTH) return undefined;
    let v = this.#term(depth);
    for (;;) {
      if (v === undefined || !this.#pay(1)) return undefined;
      this.#blank();
      if (this.s[this.#i] !== "." || this.s[this.#i + 1] === "=") return v;
      this.#i++;
      const [a, b] = [str(v), str(this.#term(depth))];
      if (a === undefined || b === undefined || a.length + b.length > MAX_VALUE) return undefined;
      v = a + b;
    }
  }

  /** Expressions separated by commas up to `close` (a trailing comma allowed), or undefined. */
  #list(depth: number, close: string, max: number, keys: boolean): Value[] | undefined {
    const out: Value[] = [];
    for (;;) {
      this.#blank();
      if (this.s[this.#i] === close) {
        this.#i++;
        return out;
      }
      if (out.length >= max) return undefined;
      let v = this.#expr(depth + 1);
      this.#blank();
      if (keys && this.s.startsWith("=>", this.#i)) {
        this.#i += 2;
        v = this.#expr(depth + 1);
        this.#blank();
      }
      if (v === undefined) return undefined;
      out.push(v);
      if (this.s[this.#i] === ",") this.#i++;
      else if (this.s[this.#i] !== close) return undefined;
    }
  }

  #term(depth: number): Value | undefined {
    this.#blank();
    while (this.s[this.#i] === "@") this.#i++; // the error-silencing operator changes no value
    const ch = this.s[this.#i];
    if (ch === "'" || ch === '"') {
      let j = this.#i + 1;
      while (j < this.s.length && this.s[j] !== ch) j += this.s[j] === "\\" ? 2 : 1;
      if (j >= this.s.length || !this.#pay(j - this.#i)) return undefined;
      const body = this.s.slice(this.#i + 1, j);
      this.#i = j + 1;
      return ch === "'" ? body.replace(/\\([\\'])/g, "$1") : doubleQuoted(body);
    }
    if (ch === "(") {
      this.#i++;
      const v = this.#expr(depth + 1);
      this.#blank();
      if (this.s[this.#i] !== ")") return undefined;
      this.#i++;
      return v;
    }
    if (ch === "[") {
      this.#i++;
      return this.#array(depth);
    }
    const head = this.s.slice(this.#i, this.#i + 80);
    const num = /^-?\s*(?:0x[0-9a-f]{1,8}|0b[01]{1,16}|0o?[0-7]{1,10}|\d{1,9})(?![\w.])/i.exec(head);
    if (num) {
      this.#i += num[0].length;
      const t = num[0].replace(/\s/g, "").toLowerCase();
      const sign = t.startsWith("-") ? -1 : 1;
      const digits = t.replace(/^-/, "");
      const n = /^0[0-7]/.test(digits) ? parseInt(digits.replace(/^0o?/, ""), 8) : Number(digits);
      return sign * n;
    }
    const variable = /^\$(\w{1,64})(?!\w)(?!\s*(?:\[|->|::|\(|\{))/.exec(head);
    if (variable) {
      this.#i += variable[0].length;
      return this.scope.vars?.get(variable[1]);
    }
    const m = /^\\?([A-Za-z_]\w{0,39})\s*\(/.exec(head);
    if (!m) return undefined;
    const name = m[1].toLowerCase();
    this.#i += m[0].length;
    if (name === "array") return this.#array(depth, ")");
    const f = FUNCTIONS.get(name);
    const args = f ? this.#list(depth, ")", MAX_ARGS, false) : undefined;
    const v = f && args ? f(args) : undefined;
    return v !== undefined && this.#pay(size(v) + args!.reduce((n: number, a) => n + size(a), 1))
      ? v
      : undefined;
  }

  /** The rest of an array literal (after `[` or `array(`): its values in order, keys ignored. */
  #array(depth: number, close = "]"): string[] | undefined {
    const items = this.#list(depth, close, MAX_ITEMS, true);
    if (!items) return undefined;
    const out = items.map(str);
    return out.every((x) => x !== undefined) ? out as string[] : undefined;
  }
}

/**
 * The value of a PHP constant string expression (`'sys'.'tem'`, `strrev("metsys")`, `join('', ['a', 'b'])`),
 * or undefined when it is not one (an unknown variable, another function, over MAX_EXPR characters, the
 * budget spent). `scope` gives the variables whose value is known and the budget a file shares.
 */
export function phpStringValue(expr: string, scope: PhpScope = {}): string | undefined {
  if (expr.length > MAX_EXPR || (scope.budget && scope.budget.steps <= 0)) return undefined;
  const v = new Reader(expr.trim(), scope).all();
  return typeof v === "string" ? v : undefined;
}

/**
 * The value of the PHP constant string expression at the start of `text` (`'sys'.'tem'; $f(…)`) and the offset
 * where it ends (blanks after it included), or undefined. Only the first MAX_EXPR characters are read.
 */
export function phpStringPrefix(
  text: string,
  scope: PhpScope = {},
): { value: string; end: number } | undefined {
  if (scope.budget && scope.budget.steps <= 0) return undefined;
  const v = new Reader(text.slice(0, MAX_EXPR), scope).prefix();
  return typeof v?.[0] === "string" ? { value: v[0], end: v[1] } : undefined;
}

/** True when the expression is more than one plain literal: a name built so as not to be seen. */
export function phpStringBuilt(expr: string): boolean {
  return !/^\s*(?:'[^'\\]*'|"[^"\\$]*")\s*$/.test(expr);
}
