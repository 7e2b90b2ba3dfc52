/**
 * Reading a TypeScript module's imports without running it (static imports and re-exports, `import("...")`,
 * worker modules `new URL("x.ts", import.meta.url)`), and the static import graph of a module: for the
 * architecture test and the tests that hold a module graph free of a package.
 */
import { repoPath } from "./helpers.ts";
import { REGEX_AFTER } from "../src/scanners/auth/polkit_lex.ts";

const REPO = repoPath("").replace(/\/$/, "");

// ---------------------------------------------------------------------------------------------------------
// Reading imports

/** A module a file loads, as written in the source. */
export interface ImportRef {
  specifier: string;
  kind: "static" | "dynamic" | "worker";
}

/** What a source file loads, and the `import(...)` calls whose module cannot be read from the source. */
export interface Imports {
  refs: ImportRef[];
  unreadable: string[];
}

function regexMayStart(code: string): boolean {
  const tail = code.trimEnd();
  if (tail === "") return true;
  const word = tail.match(/[A-Za-z_$][\w$]*$/);
  if (word) return REGEX_AFTER.has(word[0]);
  return "(,=:[!&|?{};+-*%<>~^".includes(tail.at(-1)!);
}

/**
 * The source with comments removed and every string or template literal replaced by a placeholder `"§n§"`
 * (its text is `strings[n]`, or null for a template with `${}`), so that what looks like an import inside a
 * comment, a string or a regular expression is never read as one.
 */
export function skeleton(src: string): { code: string; strings: (string | null)[] } {
  const strings: (string | null)[] = [];
  let code = "";
  let i = 0;
  /** Skips a string or template starting at `at`; returns the index after it and its text. */
  const skipString = (at: number): [number, string | null] => {
    const quote = src[at];
    let j = at + 1;
    let text = "";
    let plain = true;
    while (j < src.length && src[j] !== quote) {
      if (src[j] === "\\") {
        text += src[j + 1] ?? "";
        j += 2;
      } else if (quote === "`" && src[j] === "$" && src[j + 1] === "{") {
        plain = false;
        j = skipExpression(j + 2);
      } else if (quote !== "`" && src[j] === "\n") {
        break;
      } else {
        text += src[j++];
      }
    }
    return [j + 1, plain ? text : null];
  };
  /** Skips a `${...}` expression body starting at `at` (after `${`); returns the index after its `}`. */
  const skipExpression = (at: number): number => {
    let depth = 1;
    let j = at;
    while (j < src.length && depth > 0) {
      const c = src[j];
      if (c === '"' || c === "'" || c === "`") j = skipString(j)[0];
      else {
        if (c === "{") depth++;
        else if (c === "}") depth--;
        j++;
      }
    }
    return j;
  };
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === "/" && next === "/") {
      const end = src.indexOf("\n", i);
      i = end < 0 ? src.length : end;
    } else if (c === "/" && next === "*") {
      const end = src.indexOf("*/", i + 2);
      i = end < 0 ? src.length : end + 2;
      code += " ";
    } else if (c === '"' || c === "'" || c === "`") {
      const [end, text] = skipString(i);
      strings.push(text);
      code += `"§${strings.length - 1}§"`;
      i = end;
    } else if (c === "/" && regexMayStart(code)) {
      let j = i + 1;
      let inClass = false;
      while (j < src.length && src[j] !== "\n") {
        const r = src[j];
        if (r === "\\") j++;
        else if (inClass && r === "]") inClass = false;
        else if (!inClass && r === "[") inClass = true;
        else if (!inClass && r === "/") break;
        j++;
      }
      j++;
      while (j < src.length && /[a-z]/.test(src[j])) j++;
      code += "/re/";
      i = j;
    } else {
      code += c;
      i++;
    }
  }
  return { code, strings };
}

const STRING = String.raw`"§(\d+)§"`;
const STATIC = new RegExp(
  String.raw`(?:^|[;}\n])\s*(?:import|export)\s+(?:type\s+)?(?:[\w\s{},*$]*?\s*from\s*)?${STRING}`,
  "g",
);
const DYNAMIC = /\bimport\s*\(/g;
const DYNAMIC_LITERAL = new RegExp(String.raw`^\s*${STRING}\s*[,)]`);
const WORKER = new RegExp(String.raw`\bnew\s+URL\s*\(\s*${STRING}\s*,\s*import\.meta\.url\s*\)`, "g");

/** Every module a TypeScript source loads. */
export function importsOf(src: string): Imports {
  const { code, strings } = skeleton(src);
  const refs: ImportRef[] = [];
  const unreadable: string[] = [];
  const text = (n: string) => strings[Number(n)];
  for (const m of code.matchAll(STATIC)) {
    const s = text(m[1]);
    if (s !== null) refs.push({ specifier: s, kind: "static" });
  }
  for (const m of code.matchAll(DYNAMIC)) {
    const rest = code.slice(m.index + m[0].length);
    const lit = rest.match(DYNAMIC_LITERAL);
    const s = lit ? text(lit[1]) : null;
    if (s === null || s === undefined) unreadable.push(code.slice(m.index, m.index + 60).split("\n")[0]);
    else refs.push({ specifier: s, kind: "dynamic" });
  }
  for (const m of code.matchAll(WORKER)) {
    const s = text(m[1]);
    if (s !== null && s.endsWith(".ts")) refs.push({ specifier: s, kind: "worker" });
  }
  return { refs, unreadable };
}

/**
 * The modules `file` loads at run time through static imports, transitively (paths relative to the repository;
 * `import type` is erased, so it loads nothing).
 */
export function staticGraph(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : "";
  const src = Deno.readTextFileSync(`${REPO}/${file}`);
  const typeOnly = new Set([...src.matchAll(/^import type [^;]*? from "([^"]+)";/gms)].map((m) => m[1]));
  for (const ref of importsOf(src).refs) {
    if (ref.kind !== "static" || !ref.specifier.startsWith(".") || typeOnly.has(ref.specifier)) continue;
    staticGraph(new URL(ref.specifier, dir === "" ? "file:///" : `file:///${dir}/`).pathname.slice(1), seen);
  }
  return seen;
}

/** The packages (bare specifiers) the modules of `files` import statically, `import type` left out. */
export function staticPackages(files: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const file of files) {
    const src = Deno.readTextFileSync(`${REPO}/${file}`);
    const typeOnly = new Set([...src.matchAll(/^import type [^;]*? from "([^"]+)";/gms)].map((m) => m[1]));
    for (const ref of importsOf(src).refs) {
      if (ref.kind === "static" && !ref.specifier.startsWith(".") && !typeOnly.has(ref.specifier)) {
        out.add(ref.specifier);
      }
    }
  }
  return out;
}
