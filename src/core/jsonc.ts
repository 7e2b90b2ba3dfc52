/** Small helpers over jsonc-parser trees, shared by every JSONC input (rule files, the risk model, --config). */
import type { Node } from "jsonc-parser";

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
