/**
 * PHP constant string expressions, evaluated the way a web shell builds a function name it does not want seen:
 * `'sys'.'tem'`, `strrev('metsys')`, `"\x73\x79\x73\x74\x65\x6d"`, `str_rot13('flfgrz')`,
 * `base64_decode('c3lzdGVt')`, `chr(115).chr(121)…`. Only literals, concatenation and those pure functions are
 * evaluated (nothing is run); anything else gives undefined.
 */

/** Longest expression looked at, and longest value built. */
const MAX_EXPR = 400;
const MAX_VALUE = 256;

/** Pure string functions a constant expression may apply. */
const FUNCTIONS = new Map<string, (s: string) => string | undefined>(Object.entries({
  strrev: (s) => [...s].reverse().join(""),
  str_rot13: (s) =>
    s.replace(/[a-z]/gi, (c) => {
      const base = c <= "Z" ? 65 : 97;
      return String.fromCharCode((c.charCodeAt(0) - base + 13) % 26 + base);
    }),
  base64_decode: (s) => {
    try {
      return atob(s.replace(/[^A-Za-z0-9+/=]/g, ""));
    } catch {
      return undefined;
    }
  },
  strtolower: (s) => s.toLowerCase(),
  strtoupper: (s) => s.toUpperCase(),
  hex2bin: (s) =>
    /^(?:[0-9a-f]{2})*$/i.test(s) ? s.replace(/../g, (h) => String.fromCharCode(parseInt(h, 16))) : undefined,
  trim: (s: string) => s.trim(),
}));

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

/** A recursive-descent reader of one expression: term ('.' term)*. */
class Reader {
  #i = 0;
  constructor(readonly s: string) {}

  #blank(): void {
    while (this.#i < this.s.length && /\s/.test(this.s[this.#i])) this.#i++;
  }

  /** The whole input as one expression, or undefined. */
  all(): string | undefined {
    const v = this.#expr(0);
    this.#blank();
    return v !== undefined && this.#i === this.s.length ? v : undefined;
  }

  #expr(depth: number): string | undefined {
    if (depth > 8) return undefined;
    let v = this.#term(depth);
    for (;;) {
      if (v === undefined || v.length > MAX_VALUE) return undefined;
      this.#blank();
      if (this.s[this.#i] !== ".") return v;
      this.#i++;
      const next = this.#term(depth);
      if (next === undefined) return undefined;
      v += next;
    }
  }

  #term(depth: number): string | undefined {
    this.#blank();
    const ch = this.s[this.#i];
    if (ch === "'" || ch === '"') {
      let j = this.#i + 1;
      while (j < this.s.length && this.s[j] !== ch) j += this.s[j] === "\\" ? 2 : 1;
      if (j >= this.s.length) return undefined;
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
    const m = /^([A-Za-z_]\w*)\s*\(/.exec(this.s.slice(this.#i, this.#i + 40));
    if (!m) return undefined;
    const name = m[1].toLowerCase();
    this.#i += m[0].length;
    let v: string | undefined;
    if (name === "chr") {
      this.#blank();
      const n = /^\d{1,3}/.exec(this.s.slice(this.#i));
      if (!n) return undefined;
      this.#i += n[0].length;
      v = String.fromCharCode(Number(n[0]) % 256);
    } else {
      const f = FUNCTIONS.get(name);
      const arg = f ? this.#expr(depth + 1) : undefined;
      v = f && arg !== undefined ? f(arg) : undefined;
    }
    this.#blank();
    if (v === undefined || this.s[this.#i] !== ")") return undefined;
    this.#i++;
    return v;
  }
}

/**
 * The value of a PHP constant string expression (`'sys'.'tem'`, `strrev("metsys")`), or undefined when it is
 * not one (a variable, another function, over MAX_EXPR characters).
 */
export function phpStringValue(expr: string): string | undefined {
  if (expr.length > MAX_EXPR) return undefined;
  return new Reader(expr.trim()).all();
}

/** True when the expression is more than one plain literal: a name built so as not to be seen. */
export function phpStringBuilt(expr: string): boolean {
  return !/^\s*(?:'[^'\\]*'|"[^"\\$]*")\s*$/.test(expr);
}
