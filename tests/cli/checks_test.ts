import assert from "node:assert/strict";
import { checksCommand } from "../../src/cli/commands/checks.ts";
import { fullCatalogue, SCANNERS } from "../../src/scanners/index.ts";

function runChecks(args: string[]) {
  let out = "";
  const r = checksCommand(args, fullCatalogue(), SCANNERS, (t) => out += t);
  return { r, out };
}

Deno.test("checks lists every catalogue entry as text, JSON and Markdown", () => {
  const cat = fullCatalogue().all();
  const text = runChecks([]);
  assert.ok(text.r.ok);
  assert.equal(text.out.trimEnd().split("\n").length, cat.length);
  assert.match(text.out, /kernel\.sysctl\.kptr_restrict/);
  const json = JSON.parse(runChecks(["--json"]).out);
  assert.equal(json.checks.length, cat.length);
  assert.ok(json.scanners.some((s: { name: string }) => s.name === "mounts"));
  const md = runChecks(["--markdown"]).out;
  assert.match(md, /\| `mount\.tmp\.noexec_missing` \| low \| `--hardening` \|/);
  assert.match(md, /\| `mount\.options\.lost` \| medium \| default \|/);
  assert.match(text.out, /mount\.tmp\.noexec_missing .* \(--hardening\)\n/);
});

Deno.test("checks rejects unknown options", () => {
  const { r } = runChecks(["--yaml"]);
  assert.equal(r.ok, false);
});

Deno.test("every scanner's catalogue entries are valid and owned by it", () => {
  for (const s of SCANNERS) {
    for (const c of s.checks) assert.equal(c.scanner, s.name, `${c.id} belongs to ${s.name}`);
  }
  assert.doesNotThrow(() => fullCatalogue());
});

Deno.test("every critical and high check says in its rationale why it is that severe", () => {
  const unexplained = fullCatalogue().all().filter((c) => {
    if (c.severity !== "critical" && c.severity !== "high") return false;
    const word = c.severity === "critical" ? "Critical" : "High";
    return !new RegExp(`(^|[.:;] )${word}\\b`).test(c.rationale);
  });
  assert.deepEqual(unexplained.map((c) => `${c.severity} ${c.id}`), []);
});
