import assert from "node:assert/strict";
import { parseJsoncRules } from "../../src/rules/jsonc.ts";
import { formatProblem } from "../../src/rules/model.ts";

const opts = { allowLegacy: false };

const GOOD = `// site rules
{
  "version": 1,
  "rules": [
    {
      "id": "tmp-noexec-high",
      "description": "Our policy: noexec on /tmp is mandatory",
      "scope": { "scanners": ["mounts"], "checks": ["mount.tmp.*"] },
      "when": { "all": [
        { "field": "metadata.mount", "op": "equals", "value": "/tmp" },
        { "not": { "field": "tags", "op": "equals", "value": "accepted" } },
      ] },
      "actions": { "severity": "high", "mitre": ["T1059.004"], "tags": ["policy"] },
    },
    { "id": "quiet-forward", "scope": { "checks": ["kernel.sysctl.ip_forward"] },
      "actions": { "suppress": { "reason": "this host is a router" } } },
  ],
}`;

Deno.test("jsonc: a good file with comments and trailing commas gives its rules in order with positions", async () => {
  const r = await parseJsoncRules(GOOD, "site.jsonc", opts);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.rules.map((x) => x.rule.id), ["tmp-noexec-high", "quiet-forward"]);
  assert.deepEqual(r.rules[0].at, { file: "site.jsonc", line: 5, column: 5 });
  assert.equal(r.rules[0].rule.actions.severity, "high");
  assert.equal(r.rules[1].rule.actions.suppress?.reason, "this host is a router");
});

Deno.test("jsonc: a syntax error names the file, line and column", async () => {
  const text = `{\n  "version": 1,\n  "rules": [ { "id": "x" ]\n}`;
  const r = await parseJsoncRules(text, "bad.jsonc", opts);
  assert.equal(r.rules.length, 0);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].line, 3);
  assert.match(formatProblem(r.errors[0]), /^bad\.jsonc:3:\d+: invalid JSONC/);
});

Deno.test("jsonc: schema errors name the file, line, column and rule id of the bad value", async () => {
  const text = `{
  "version": 1,
  "rules": [
    { "id": "ok-rule", "actions": { "tags": ["a"] } },
    {
      "id": "bad-sev",
      "actions": { "severity": "urgent" }
    },
    {
      "id": "bad-op",
      "when": { "field": "metadata.x", "op": "matches", "value": "y" },
      "actions": { "tags": ["t"] }
    },
    { "id": "no-reason", "actions": { "suppress": { "reason": "  " } } }
  ]
}`;
  const r = await parseJsoncRules(text, "r.jsonc", opts);
  assert.deepEqual(r.rules.map((x) => x.rule.id), ["ok-rule"]);
  const byRule = Object.fromEntries(r.errors.map((e) => [e.rule, e]));
  assert.equal(byRule["bad-sev"].line, 7);
  assert.match(byRule["bad-sev"].message, /actions\.severity/);
  assert.equal(byRule["bad-op"].line, 11);
  assert.match(formatProblem(byRule["bad-op"]), /^r\.jsonc:11:\d+: rule bad-op: when\.op: /);
  assert.equal(byRule["no-reason"].line, 14);
  assert.match(byRule["no-reason"].message, /reason/);
});

Deno.test("jsonc: a missing key points at the object that lacks it", async () => {
  const text = `{ "version": 1, "rules": [\n  { "id": "no-actions" }\n] }`;
  const r = await parseJsoncRules(text, "m.jsonc", opts);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].rule, "no-actions");
  assert.equal(r.errors[0].line, 2);
  assert.equal(r.errors[0].column, 3);
});

Deno.test("jsonc: unknown keys, unknown fields and bad MITRE ids are errors, not silently ignored", async () => {
  const text = JSON.stringify({
    version: 1,
    rules: [
      { id: "a", actions: { tags: ["x"] }, typo: 1 },
      { id: "b", when: { field: "colour", op: "exists" }, actions: { tags: ["x"] } },
      { id: "c", actions: { mitre: ["T59"] } },
      { id: "d", actions: { severity: "error" } },
    ],
  });
  const r = await parseJsoncRules(text, "u.jsonc", opts);
  assert.deepEqual(r.rules, []);
  assert.deepEqual([...new Set(r.errors.map((e) => e.rule))], ["a", "b", "c", "d"]);
});

Deno.test("jsonc: unsafe or oversized regexes are refused at load", async () => {
  const rule = (id: string, value: string) => ({
    id,
    when: { field: "title", op: "regex", value },
    actions: { tags: ["x"] },
  });
  const text = JSON.stringify({
    version: 1,
    rules: [
      rule("nested", "(a+)+$"),
      rule("backref", "(a)\\1"),
      rule("broken", "([a-"),
      rule("long", "a".repeat(600)),
    ],
  });
  const r = await parseJsoncRules(text, "re.jsonc", opts);
  assert.deepEqual(r.rules, []);
  const msg = Object.fromEntries(r.errors.map((e) => [e.rule, e.message]));
  assert.match(msg.nested, /nested quantifier/);
  assert.match(msg.backref, /backreference/);
  assert.match(msg.broken, /does not compile/);
  assert.match(msg.long, /at most 512/);
});

Deno.test("jsonc: operator/value mismatches are refused", async () => {
  const leaf = (id: string, when: unknown) => ({ id, when, actions: { tags: ["x"] } });
  const text = JSON.stringify({
    version: 1,
    rules: [
      leaf("in-scalar", { field: "id", op: "in", value: "x" }),
      leaf("gt-text", { field: "metadata.n", op: "gt", value: "ten" }),
      leaf("exists-value", { field: "id", op: "exists", value: 1 }),
      leaf("two-kinds", { all: [{ field: "id", op: "exists" }], field: "id" }),
      leaf("empty-any", { any: [] }),
      leaf("case-num", { field: "metadata.n", op: "gt", value: 1, ignore_case: true }),
    ],
  });
  const r = await parseJsoncRules(text, "ops.jsonc", opts);
  assert.deepEqual(r.rules, []);
  assert.deepEqual(
    [...new Set(r.errors.map((e) => e.rule))].sort(),
    ["case-num", "empty-any", "exists-value", "gt-text", "in-scalar", "two-kinds"],
  );
});

Deno.test("jsonc: duplicate ids in one file, too-deep conditions", async () => {
  let deep: unknown = { field: "id", op: "exists" };
  for (let i = 0; i < 20; i++) deep = { not: deep };
  const text = JSON.stringify({
    version: 1,
    rules: [
      { id: "same", actions: { tags: ["a"] } },
      { id: "same", actions: { tags: ["b"] } },
      { id: "deep", when: deep, actions: { tags: ["c"] } },
    ],
  });
  const r = await parseJsoncRules(text, "d.jsonc", opts);
  assert.deepEqual(r.rules.map((x) => x.rule.id), ["same"]);
  assert.deepEqual(r.errors.map((e) => e.code).sort(), ["duplicate_id", "too_complex"]);
});

Deno.test("jsonc: versions: newer is refused; older needs --rules-allow-legacy and then warns", async () => {
  const text = (v: number) => JSON.stringify({ version: v, rules: [{ id: "a", actions: { tags: ["x"] } }] });
  const newer = await parseJsoncRules(text(2), "v.jsonc", opts);
  assert.equal(newer.errors[0].code, "unsupported_version");
  assert.match(newer.errors[0].message, /newer/);
  const older = await parseJsoncRules(text(0), "v.jsonc", opts);
  assert.match(older.errors[0].message, /--rules-allow-legacy/);
  const allowed = await parseJsoncRules(text(0), "v.jsonc", { allowLegacy: true });
  assert.deepEqual(allowed.errors, []);
  assert.equal(allowed.rules.length, 1);
  assert.equal(allowed.warnings[0].code, "legacy_version");
});

Deno.test("jsonc: disabled rules are left out with a warning", async () => {
  const text = JSON.stringify({
    version: 1,
    rules: [{ id: "off", enabled: false, actions: { tags: ["x"] } }],
  });
  const r = await parseJsoncRules(text, "e.jsonc", opts);
  assert.deepEqual(r.rules, []);
  assert.equal(r.warnings[0].code, "rule_disabled");
});

Deno.test("jsonc: empty, truncated and garbage input give an error, never a throw", async () => {
  for (
    const text of [
      "",
      "   ",
      '{"version": 1, "rules": [',
      "\u0000\u0001garbage",
      "[1,2,3]",
      "null",
      '{"__proto__": {"x": 1}}',
    ]
  ) {
    const r = await parseJsoncRules(text, "g.jsonc", opts);
    assert.equal(r.rules.length, 0);
    assert.ok(r.errors.length > 0, JSON.stringify(text));
  }
});

Deno.test("jsonc: scope globs may use * and ?; other characters are refused", async () => {
  const rule = (check: string) =>
    `{ "version": 1, "rules": [ { "id": "r", "scope": { "checks": [${
      JSON.stringify(check)
    }] }, "actions": { "tags": ["t"] } } ] }`;
  assert.deepEqual((await parseJsoncRules(rule("kernel.sysctl.ipv?_*"), "ok.jsonc", opts)).errors, []);
  for (const bad of ["a+b", "a(b)", "x[0]", "a{2}", "^a$", "a|b"]) {
    assert.equal((await parseJsoncRules(rule(bad), "bad.jsonc", opts)).errors.length, 1, bad);
  }
});
