import assert from "node:assert/strict";
import { compileCondition } from "../../src/core/match.ts";
import { legacyField, parseLegacyRules } from "../../src/rules/legacy.ts";
import { formatProblem } from "../../src/rules/model.ts";
import { sampleFinding } from "../core/sample.ts";

const opts = { allowLegacy: false };

// The upstream example.rule shape: two rules in one file, which upstream collapsed into one.
const UPSTREAM = `# example rules
id=ww_tmp
scope=world_writable
field=path
contains=/tmp
severity=high
mitre=T1222, T1070
id=ww_demo
scope=world_writable
condition0.field=path
condition0.contains=/var/tmp
condition1.field=path
condition1.regex=demo$
logic=any
severity=low
`;

Deno.test("legacy: a new id= starts a new rule (the upstream one-rule-per-file collapse is fixed)", () => {
  const r = parseLegacyRules(UPSTREAM, "example.rule", opts);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.rules.map((x) => x.rule.id), ["ww_tmp", "ww_demo"]);
  const [a, b] = r.rules.map((x) => x.rule);
  assert.deepEqual(a.scope, { scanners: ["world_writable"] });
  assert.deepEqual(a.when, { field: "metadata.path", op: "contains", value: "/tmp" });
  assert.deepEqual(a.actions, { severity: "high", mitre: ["T1222", "T1070"] });
  assert.deepEqual(b.when, {
    any: [
      { field: "metadata.path", op: "contains", value: "/var/tmp" },
      { field: "metadata.path", op: "regex", value: "demo$" },
    ],
  });
  assert.deepEqual(r.rules[1].at, { file: "example.rule", line: 8, column: 1 });
});

Deno.test("legacy: --- separates rules; extended operators, not=, tags=, suppress=, check= scope", () => {
  const text = `id=first
field=title
equals=Some title
tags=t
---
id=second
check=kernel.sysctl.*
condition1.field=current
condition1.gte=2
condition2.field=key
condition2.in=kernel.a, kernel.b
condition2.not=true
condition3.field=metadata.note
condition3.exists=true
tags=policy,reviewed
suppress=accepted risk, ticket SEC-12
`;
  const r = parseLegacyRules(text, "x.rule", opts);
  assert.deepEqual(r.errors, []);
  assert.equal(r.rules.length, 2);
  const second = r.rules[1].rule;
  assert.deepEqual(second.scope, { checks: ["kernel.sysctl.*"] });
  assert.deepEqual(second.when, {
    all: [
      { field: "metadata.current", op: "gte", value: 2 },
      { not: { field: "metadata.key", op: "in", value: ["kernel.a", "kernel.b"] } },
      { field: "metadata.note", op: "exists" },
    ],
  });
  assert.deepEqual(second.actions, {
    tags: ["policy", "reviewed"],
    suppress: { reason: "accepted risk, ticket SEC-12" },
  });
});

Deno.test("legacy: several operators on one condition must all hold; conditions sort numerically", () => {
  const text = `id=r
condition10.field=title
condition10.contains=noexec
condition2.field=id
condition2.starts_with=mount.
condition2.ends_with=/tmp
severity=critical
`;
  const r = parseLegacyRules(text, "n.rule", opts);
  assert.deepEqual(r.errors, []);
  const when = r.rules[0].rule.when!;
  assert.deepEqual(when, {
    all: [
      {
        all: [{ field: "id", op: "starts_with", value: "mount." }, {
          field: "id",
          op: "ends_with",
          value: "/tmp",
        }],
      },
      { field: "title", op: "contains", value: "noexec" },
    ],
  });
  assert.ok(compileCondition(when)(sampleFinding()));
  assert.ok(!compileCondition(when)(sampleFinding({ id: "mount.tmp.noexec_missing:/var/tmp2" })));
});

Deno.test("legacy: an empty field means description; known names stay; other names are metadata keys", () => {
  assert.equal(legacyField(""), "description");
  assert.equal(legacyField("title"), "title");
  assert.equal(legacyField("location.path"), "location.path");
  assert.equal(legacyField("path"), "metadata.path");
  assert.equal(legacyField("metadata.path"), "metadata.path");
});

Deno.test("legacy: errors carry file, line, column and rule id", () => {
  const text = `id=sev
field=title
contains=x
severity=urgent
---
id=re
field=title
regex=(a+)+
---
id=num
field=count
gt=many
---
id=noop
field=title
`;
  const r = parseLegacyRules(text, "bad.rule", opts);
  assert.deepEqual(r.rules, []);
  const lines = r.errors.map(formatProblem);
  assert.ok(lines.some((l) => /^bad\.rule:4:10: rule sev: severity: /.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => /^bad\.rule:8:7: rule re: .*nested quantifier/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => /^bad\.rule:12:\d+: rule num: gt needs a number/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => /^bad\.rule:15:1: rule noop: condition without/.test(l)), lines.join("\n"));
});

Deno.test("legacy: unknown severity is an error, not a silent downgrade to info (upstream bug 14)", () => {
  const r = parseLegacyRules("id=a\nfield=title\ncontains=x\nseverity=severe\n", "s.rule", opts);
  assert.equal(r.rules.length, 0);
  assert.equal(r.errors[0].rule, "a");
});

Deno.test("legacy: a rule without conditions or without id is refused", () => {
  const r = parseLegacyRules("id=a\nseverity=high\n---\nfield=title\ncontains=x\n", "c.rule", opts);
  assert.deepEqual(r.errors.map((e) => e.code).sort(), ["missing_id", "no_conditions"]);
});

Deno.test("legacy: YARA text, NUL bytes, control characters and over-long lines are refused", () => {
  assert.equal(
    parseLegacyRules('rule evil {\n strings: $a = "x"\n}', "y.rule", opts).errors[0].code,
    "yara_text",
  );
  assert.equal(parseLegacyRules("id=a\0\n", "z.rule", opts).errors[0].code, "nul_byte");
  assert.equal(
    parseLegacyRules("id=a\nfield=title\ncontains=x\x1b[31m\n", "c.rule", opts).errors[0].code,
    "control_char",
  );
  assert.equal(parseLegacyRules("id=" + "a".repeat(5000), "l.rule", opts).errors[0].code, "line_too_long");
});

Deno.test("legacy: unknown keys and lines without '=' become warnings; the rule still loads", () => {
  const r = parseLegacyRules(
    "id=a\ntype=demo\ntag.category=x\njust words\nfield=title\ncontains=x\ntags=t\n",
    "w.rule",
    opts,
  );
  assert.deepEqual(r.errors, []);
  assert.equal(r.rules.length, 1);
  assert.deepEqual(r.warnings.map((w) => w.code).sort(), ["ignored_line", "unknown_key", "unknown_key"]);
  assert.equal(r.warnings.find((w) => w.code === "unknown_key")?.line, 2);
});

Deno.test("legacy: rule_version 1 loads; newer is refused; older needs --rules-allow-legacy", () => {
  const body = "field=title\ncontains=x\ntags=t\n";
  assert.deepEqual(parseLegacyRules(`id=a\nrule_version=1\n${body}`, "v.rule", opts).errors, []);
  assert.match(parseLegacyRules(`id=a\nrule_version=2\n${body}`, "v.rule", opts).errors[0].message, /newer/);
  assert.match(
    parseLegacyRules(`id=a\nrule_version=abc\n${body}`, "v.rule", opts).errors[0].message,
    /whole number/,
  );
  const old = parseLegacyRules(`id=a\nrule_version=0\n${body}`, "v.rule", opts);
  assert.match(old.errors[0].message, /--rules-allow-legacy/);
  const allowed = parseLegacyRules(`id=a\nrule_version=0\n${body}`, "v.rule", { allowLegacy: true });
  assert.equal(allowed.rules.length, 1);
  assert.equal(allowed.warnings[0].code, "legacy_version");
});

Deno.test("legacy: duplicate ids in one file are refused with the first line", () => {
  const r = parseLegacyRules(
    "id=a\nfield=title\ncontains=x\ntags=t\n---\nid=a\nfield=title\ncontains=y\ntags=t\n",
    "d.rule",
    opts,
  );
  assert.equal(r.rules.length, 1);
  assert.match(r.errors[0].message, /line 1/);
});

Deno.test("legacy: empty, truncated and garbage input never throw", () => {
  for (
    const text of [
      "",
      "\n\n# only comments\n",
      "id=",
      "=\n=\n",
      "\uFFFD\uFFFD=\uFFFD",
      "id=a\ncondition.field=",
    ]
  ) {
    const r = parseLegacyRules(text, "g.rule", opts);
    assert.equal(r.rules.length, 0, JSON.stringify(text));
  }
});

Deno.test("legacy: upstream regexes that are not valid in unicode mode still load (e.g. \\-)", () => {
  const r = parseLegacyRules("id=a\nfield=title\nregex=no\\-exec|noexec\ntags=t\n", "u.rule", opts);
  assert.deepEqual(r.errors, []);
  assert.ok(compileCondition(r.rules[0].rule.when!)(sampleFinding({ title: "no-exec here" })));
});

Deno.test("legacy: keys named like Object.prototype members are not operators", () => {
  const r = parseLegacyRules(
    "id=a\nfield=title\ntoString=x\nconstructor=y\ncontains=z\ntags=t\n",
    "p.rule",
    opts,
  );
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.rules[0].rule.when, { field: "title", op: "contains", value: "z" });
  assert.deepEqual(r.warnings.map((w) => w.code), ["unknown_key", "unknown_key"]);
});
