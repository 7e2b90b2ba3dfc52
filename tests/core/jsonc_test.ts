/** The JSONC tree helpers every JSONC input shares (rule files, the risk model, --config). */
import assert from "node:assert/strict";
import { parseTree } from "jsonc-parser";
import { nodeValue, positionAt } from "../../src/core/jsonc.ts";

Deno.test("positionAt counts lines and columns from 1", () => {
  assert.deepEqual(positionAt("ab\ncd", 0), { line: 1, column: 1 });
  assert.deepEqual(positionAt("ab\ncd", 4), { line: 2, column: 2 });
});

Deno.test("nodeValue: plain values, and a __proto__ key is an own property, never the prototype", () => {
  const tree = parseTree('{"a": [1, "x", true, null], "__proto__": {"polluted": 1}, "b": {"c": 2}}')!;
  const value = nodeValue(tree) as Record<string, unknown>;
  assert.deepEqual(value.a, [1, "x", true, null]);
  assert.deepEqual(value.b, { c: 2 });
  assert.ok(Object.hasOwn(value, "__proto__"));
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
