/**
 * JSONC for every JSONC input (rule files, the risk model, --config): jsonc-parser, loaded on first use, and
 * small helpers over its trees.
 */
import type * as JsoncParser from "jsonc-parser";
import type { Node } from "jsonc-parser";

/** The jsonc-parser module. */
export type Jsonc = typeof JsoncParser;

let loaded: Jsonc | undefined;

/**
 * jsonc-parser, loaded the first time a JSONC text is parsed. It is CommonJS, and loading it costs ~35 ms and 8 MiB
 * (Deno's CommonJS layer): a scan that reads no JSONC file (the built-in rule pack is parsed at build time,
 * `src/rules/builtin.ts`) does not pay for it.
 */
export async function loadJsonc(): Promise<Jsonc> {
  loaded ??= await import("jsonc-parser");
  return loaded;
}

/** Maps a character offset to a 1-based line and column. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** The plain value of a JSONC tree node (keys set as own properties, never through `__proto__`). */
export function nodeValue(node: Node): unknown {
  if (node.type === "array") return (node.children ?? []).map(nodeValue);
  if (node.type === "object") {
    const obj: Record<string, unknown> = {};
    for (const p of node.children ?? []) {
      const [k, v] = p.children ?? [];
      if (k && v) {
        Object.defineProperty(obj, String(k.value), {
          value: nodeValue(v),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    return obj;
  }
  return node.value;
}
