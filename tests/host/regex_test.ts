import assert from "node:assert/strict";
import { escapeRegExp } from "../../src/host/regex.ts";

Deno.test("escapeRegExp: every regular-expression character matches itself, nothing else is touched", () => {
  const special = "\\^$.*+?()[]{}|";
  const re = new RegExp(`^${escapeRegExp(`a${special}b/-_ é`)}$`);
  assert.ok(re.test(`a${special}b/-_ é`));
  assert.ok(!re.test(`a${special}bX-_ é`));
  assert.equal(escapeRegExp("plain/path-1"), "plain/path-1");
  for (const ch of special) assert.ok(new RegExp(`^${escapeRegExp(ch)}$`).test(ch), ch);
});
