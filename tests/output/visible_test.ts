/** What a person sees of hostile text: src/output/visible.ts and the renderers that use it. */
import assert from "node:assert/strict";
import { sanitizeText } from "../../src/cli/text.ts";
import { mdCode } from "../../src/fleet/markdown.ts";
import { esc } from "../../src/output/html.ts";
import { escapeChar, jsonEscapeBidi, showInvisible } from "../../src/output/visible.ts";

Deno.test("showInvisible: controls, C1, separators and bidi characters as escapes; tabs and newlines kept", () => {
  assert.equal(showInvisible("a\u202egnp.sh"), "a\\u{202e}gnp.sh");
  assert.equal(showInvisible("\u001b[31mred\u0007"), "\\x1b[31mred\\x07");
  assert.equal(
    showInvisible("\u0085\u2028\u2066x\u2069\u200f"),
    "\\x85\\u{2028}\\u{2066}x\\u{2069}\\u{200f}",
  );
  assert.equal(showInvisible("tab\there\nline\r"), "tab\there\nline\r");
  assert.equal(showInvisible("tab\there\nline\r", true), "tab\\x09here\\x0aline\\x0d");
  assert.equal(showInvisible("plain ünïcödé 世界"), "plain ünïcödé 世界");
  assert.equal(escapeChar("\u0000"), "\\x00");
});

Deno.test("jsonEscapeBidi: the JSON text has no raw bidi character and parses to the same value", () => {
  const value = { path: "/etc/cron.d/a\u202egnp.sh", list: ["\u2066x\u2069", "\u200e"] };
  const text = jsonEscapeBidi(JSON.stringify(value));
  assert.doesNotMatch(text, /[\u200e\u202e\u2066\u2069]/);
  assert.deepEqual(JSON.parse(text), value);
});

Deno.test("HTML and fleet Markdown show a bidi override as an escape", () => {
  assert.equal(esc("<a\u202egnp.sh>"), "&lt;a\\u{202e}gnp.sh&gt;");
  assert.equal(mdCode("a\u202egnp.sh|x"), "`a\\u{202e}gnp.sh\\|x`");
});

Deno.test("the CLI's terminal lines show bidi characters and newlines as escapes too", () => {
  assert.equal(
    sanitizeText("warning: /etc/cron.d/a\u202egnp.sh\nforged line"),
    "warning: /etc/cron.d/a\\u{202e}gnp.sh\\x0aforged line",
  );
});
