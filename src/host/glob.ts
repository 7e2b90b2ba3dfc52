/**
 * Shell-style glob matching without regular expressions, in time proportional to the pattern's length times
 * the name's whatever the pattern holds. A glob turned into a regex (`*` → `.*`) backtracks: in tests,
 * `net/ipv4/conf/****************q/rp_filter` (a sysctl.d key a planted file can hold) took 21 s to fail
 * against one key, and a run of `*a` does the same to any name. Here `*` remembers only its last position,
 * as fnmatch implementations do.
 *
 * ```ts
 * const m = globMatcher("fs/protected_*", { path: true });
 * m("fs/protected_symlinks"); // true
 * m("fs/protected_x/y"); // false: `*` never matches a slash
 * ```
 */

/** One element of a compiled glob. */
type Token =
  | { kind: "char"; ch: string }
  | { kind: "one" }
  | { kind: "star" }
  | { kind: "class"; negate: boolean; singles: string; ranges: [string, string][] };

/** How a glob is read. */
export interface GlobOptions {
  /**
   * fnmatch(3) with FNM_PATHNAME, as glob(3), sshd's Include and systemd-sysctl read it: `*` and `?` never
   * match a slash, `[…]` is a character class (`!` or `^` negates it; a `[` without its `]` stands for itself;
   * a class with a reversed range such as `[z-a]` makes the pattern match nothing), `\` quotes the next
   * character. Without it only `*` (any run, none too) and `?` (one character) are special, and every other
   * character, `[` and `\` included, stands for itself.
   */
  path?: boolean;
  /** A name starting with a dot matches only a pattern starting with one (glob(3) on a file name). */
  explicitDot?: boolean;
}

/** The tokens of a pattern; undefined when it can match nothing (a reversed range). */
function compile(pattern: string, path: boolean): Token[] | undefined {
  const chars = [...pattern];
  const out: Token[] = [];
  // Where the next `]` is, from each position: looking for it again from every `[` was quadratic.
  const nextClose = new Int32Array(chars.length + 2).fill(-1);
  for (let i = chars.length - 1; i >= 0; i--) nextClose[i] = chars[i] === "]" ? i : nextClose[i + 1];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === "*") {
      if (out.at(-1)?.kind !== "star") out.push({ kind: "star" }); // a run of stars is one
    } else if (c === "?") out.push({ kind: "one" });
    else if (path && c === "\\" && i + 1 < chars.length) out.push({ kind: "char", ch: chars[++i] });
    else if (path && c === "[") {
      const end = i + 2 < chars.length ? nextClose[i + 2] : -1;
      if (end < 0) {
        out.push({ kind: "char", ch: c });
        continue;
      }
      let body = chars.slice(i + 1, end);
      const negate = body[0] === "!" || body[0] === "^";
      if (negate) body = body.slice(1);
      let singles = "";
      const ranges: [string, string][] = [];
      for (let j = 0; j < body.length; j++) {
        if (body[j + 1] === "-" && j + 2 < body.length) {
          const [lo, hi] = [body[j], body[j + 2]];
          if (lo.codePointAt(0)! > hi.codePointAt(0)!) return undefined;
          ranges.push([lo, hi]);
          j += 2;
        } else singles += body[j];
      }
      out.push({ kind: "class", negate, singles, ranges });
      i = end;
    } else out.push({ kind: "char", ch: c });
  }
  return out;
}

/** True when token `t` (not a star) matches the single character `ch`. */
function one(t: Token, ch: string): boolean {
  switch (t.kind) {
    case "char":
      return t.ch === ch;
    case "one":
      return true;
    case "class": {
      const cp = ch.codePointAt(0)!;
      const hit = t.singles.includes(ch) ||
        t.ranges.some(([lo, hi]) => lo.codePointAt(0)! <= cp && cp <= hi.codePointAt(0)!);
      return hit !== t.negate;
    }
    default:
      return false;
  }
}

/** Whether `tokens` match all of `name` (characters): a star goes back only to its own last try. */
function matchTokens(tokens: readonly Token[], name: readonly string[]): boolean {
  let ti = 0;
  let ni = 0;
  let starTi = -1;
  let starNi = 0;
  while (ni < name.length) {
    const t = tokens[ti];
    if (t !== undefined && t.kind === "star") {
      starTi = ti++;
      starNi = ni;
    } else if (t !== undefined && one(t, name[ni])) {
      ti++;
      ni++;
    } else if (starTi >= 0) {
      ti = starTi + 1;
      ni = ++starNi;
    } else return false;
  }
  while (tokens[ti]?.kind === "star") ti++;
  return ti === tokens.length;
}

/** A matcher of whole names against a glob (see `GlobOptions`); never throws, whatever the pattern. */
export function globMatcher(pattern: string, opts: GlobOptions = {}): (name: string) => boolean {
  const tokens = compile(pattern, opts.path ?? false);
  if (tokens === undefined) return () => false;
  const dotFirst = pattern.startsWith(".");
  if (!opts.path) {
    return (name) =>
      !(opts.explicitDot && !dotFirst && name.startsWith(".")) && matchTokens(tokens, [...name]);
  }
  // With FNM_PATHNAME a slash is matched only by a slash: the pattern and the name are compared part by part.
  const parts: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind === "char" && t.ch === "/") parts.push([]);
    else parts.at(-1)!.push(t);
  }
  return (name) => {
    if (opts.explicitDot && !dotFirst && name.startsWith(".")) return false;
    const names = name.split("/");
    return names.length === parts.length && parts.every((p, i) => matchTokens(p, [...names[i]]));
  };
}
