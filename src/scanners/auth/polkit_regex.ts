/**
 * User-name patterns of polkit rules: what a regular expression tested on subject.user (or a startsWith /
 * endsWith / includes test) lets through, read without running it (a rule's regex is never run: it could take
 * exponential time), and whether a host account's name is one of them.
 */

/** User names a pattern allows: those holding `parts` in this order (the first at the start, the last at the end when anchored). */
export interface UserPattern {
  parts: string[];
  start: boolean;
  end: boolean;
  /** The whole name is parts[0]. */
  exact: boolean;
  /** Compared without regard to case (a regex's i flag): parts are lower case. */
  fold: boolean;
  /** How the rule spells it, for reports. */
  text: string;
}

/** Whether `name` is one a pattern allows. */
export function patternMatches(p: UserPattern, name: string): boolean {
  const n = p.fold ? name.toLowerCase() : name;
  if (p.exact) return n === p.parts[0];
  const last = p.end ? p.parts.length - 1 : p.parts.length;
  let at = 0;
  for (let k = 0; k < last; k++) {
    const i = k === 0 && p.start ? (n.startsWith(p.parts[0]) ? 0 : -1) : n.indexOf(p.parts[k], at);
    if (i < 0) return false;
    at = i + p.parts[k].length;
  }
  if (!p.end) return true;
  const tail = p.parts[last];
  return n.endsWith(tail) && n.length - tail.length >= at && (!p.start || last > 0 || n.startsWith(tail));
}

/** The top-level alternatives of a regex source. */
function alternatives(src: string): string[] {
  const out: string[] = [];
  let from = 0;
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) {
      out.push(src.slice(from, i));
      from = i + 1;
    }
  }
  out.push(src.slice(from));
  return out;
}

/** Index just past the class or group starting at i of a regex source; -1 when it is not closed. */
function regexAtomEnd(src: string, i: number): number {
  let depth = 0;
  let inClass = false;
  for (let j = i; j < src.length; j++) {
    const c = src[j];
    if (c === "\\") j++;
    else if (inClass) {
      if (c === "]") {
        inClass = false;
        if (src[i] === "[") return j + 1;
      }
    } else if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return j + 1;
  }
  return -1;
}

const QUANT = /\*|\+|\?|\{(\d+)(?:,\d*)?\}/y;

/** The name patterns one alternative of a regex source allows; null when it has no fixed text (may match anyone). */
function regexBranch(
  src: string,
  fold: boolean,
  start: boolean,
  end: boolean,
  depth: number,
): UserPattern[] | null {
  if (depth > 4) return null;
  const alts = alternatives(src);
  if (alts.length > 1) {
    const out: UserPattern[] = [];
    for (const a of alts) {
      const p = regexBranch(a, fold, start, end, depth + 1);
      if (p === null) return null;
      out.push(...p);
    }
    return out;
  }
  let s = src;
  if (s.startsWith("^")) [start, s] = [true, s.slice(1)];
  if (s.endsWith("$")) {
    let slashes = 0;
    while (s[s.length - 2 - slashes] === "\\") slashes++;
    if (slashes % 2 === 0) [end, s] = [true, s.slice(0, -1)];
  }
  if (s.startsWith("(") && !/^\(\?<?[=!]/.test(s) && regexAtomEnd(s, 0) === s.length) {
    const inner = s.startsWith("(?:")
      ? s.slice(3, -1)
      : s.startsWith("(?<")
      ? s.slice(s.indexOf(">") + 1, -1)
      : s.slice(1, -1);
    return regexBranch(inner, fold, start, end, depth + 1);
  }
  const parts: string[] = [];
  let cur = "";
  let loose = false;
  let first: boolean | undefined;
  let lastLiteral = false;
  for (let i = 0; i < s.length;) {
    const c = s[i];
    let lit: string | undefined;
    let j = i + 1;
    let zeroWidth = false;
    if (c === "\\") {
      const d = s[i + 1];
      if (d === undefined) return null;
      j = i + 2;
      if (d === "x") j += 2;
      else if (d === "u") j = s[j] === "{" ? s.indexOf("}", j) + 1 || s.length : j + 4;
      else if (d === "c") j += 1;
      else if ((d === "p" || d === "P") && s[j] === "{") j = s.indexOf("}", j) + 1 || s.length;
      else if (d === "k" && s[j] === "<") j = s.indexOf(">", j) + 1 || s.length;
      else if (/[0-9]/.test(d)) { while (/[0-9]/.test(s[j] ?? "")) j++; }
      else if (!/[dDwWsSfnrtv]/.test(d)) lit = d;
      zeroWidth = d === "b" || d === "B";
      if (zeroWidth) lit = undefined;
    } else if (c === "[" || c === "(") {
      j = regexAtomEnd(s, i);
      if (j < 0) return null;
      zeroWidth = c === "(" && /^\(\?<?[=!]/.test(s.slice(i, i + 4));
    } else if (c === "^" || c === "$") zeroWidth = true;
    else if (c === "*" || c === "+" || c === "?" || c === ")" || c === "|") return null;
    else if (c !== ".") lit = c;
    QUANT.lastIndex = j;
    const q = zeroWidth ? null : QUANT.exec(s);
    let min = 1;
    if (q !== null) {
      min = q[0] === "*" || q[0] === "?" ? 0 : q[0] === "+" ? 1 : Number(q[1]);
      j = QUANT.lastIndex + (s[QUANT.lastIndex] === "?" ? 1 : 0);
    }
    if (lit !== undefined && min >= 1) {
      cur += fold ? lit.toLowerCase() : lit;
      first ??= true;
      lastLiteral = q === null;
      if (q !== null) {
        parts.push(cur);
        cur = "";
        loose = true;
      }
    } else {
      if (cur !== "") parts.push(cur);
      cur = "";
      loose = true;
      first ??= false;
      lastLiteral = false;
    }
    i = j;
  }
  if (cur !== "") parts.push(cur);
  if (parts.length === 0) return null;
  return [{
    parts,
    start: start && first === true,
    end: end && lastLiteral,
    exact: start && end && !loose && parts.length === 1,
    fold,
    text: "",
  }];
}

/**
 * The name patterns a regular expression tested on a user name allows: for an anchored plain name
 * (`^www-data$`, `^(a|b)$`) exact names, else the fixed text it requires (`/www/` allows names holding "www").
 * Undefined when some alternative requires no fixed text (`/./`, `/^[a-z]+$/`): it may match anyone.
 */
export function regexPatterns(source: string, flags: string): UserPattern[] | undefined {
  if (source.length > 1024) return undefined;
  const fold = flags.includes("i");
  const text = `/${source}/${flags}`;
  return regexBranch(source, fold, false, false, 0)?.map((p) => ({ ...p, text }));
}
