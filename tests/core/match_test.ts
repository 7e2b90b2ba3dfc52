import assert from "node:assert/strict";
import { type Condition, ConditionSchema } from "../../src/core/condition.ts";
import { compileCondition, compilePatterns, fieldValue } from "../../src/core/match.ts";
import { sampleFinding } from "./sample.ts";

const f = sampleFinding();

function holds(c: Condition, finding = f): boolean {
  const parsed = ConditionSchema.parse(c);
  return compileCondition(parsed)(finding);
}

Deno.test("fieldValue reads top-level fields, location and metadata; null metadata counts as absent", () => {
  assert.equal(fieldValue(f, "check_id"), "mount.tmp.noexec_missing");
  assert.equal(fieldValue(f, "location.path"), "/tmp");
  assert.equal(fieldValue(f, "metadata.count"), 3);
  assert.deepEqual(fieldValue(f, "tags"), ["fs"]);
  assert.equal(fieldValue(sampleFinding({ metadata: { x: null } }), "metadata.x"), undefined);
  assert.equal(fieldValue(f, "metadata.nope"), undefined);
  assert.equal(fieldValue(f, "metadata.constructor"), undefined, "prototype members are not metadata");
  assert.equal(fieldValue(f, "metadata.__proto__"), undefined);
});

Deno.test("equals: strings exactly, numbers against numbers or numeric text, booleans", () => {
  assert.ok(holds({ field: "metadata.mount", op: "equals", value: "/tmp" }));
  assert.ok(!holds({ field: "metadata.mount", op: "equals", value: "/TMP" }));
  assert.ok(holds({ field: "metadata.mount", op: "equals", value: "/TMP", ignore_case: true }));
  assert.ok(holds({ field: "metadata.count", op: "equals", value: 3 }));
  assert.ok(holds({ field: "metadata.count", op: "equals", value: "3" }));
  assert.ok(!holds({ field: "metadata.count", op: "equals", value: 4 }));
  assert.ok(holds({ field: "metadata.exposed", op: "equals", value: false }));
  assert.ok(!holds({ field: "metadata.exposed", op: "equals", value: true }));
});

Deno.test("contains, starts_with, ends_with (case-sensitive unless ignore_case)", () => {
  assert.ok(holds({ field: "title", op: "contains", value: "noexec" }));
  assert.ok(!holds({ field: "title", op: "contains", value: "NOEXEC" }));
  assert.ok(holds({ field: "title", op: "contains", value: "NOEXEC", ignore_case: true }));
  assert.ok(holds({ field: "id", op: "starts_with", value: "mount.tmp." }));
  assert.ok(!holds({ field: "id", op: "starts_with", value: "tmp" }));
  assert.ok(holds({ field: "id", op: "ends_with", value: ":/tmp" }));
  assert.ok(!holds({ field: "id", op: "ends_with", value: "/var/tmp" }));
});

Deno.test("regex searches anywhere in the value and is compiled once", () => {
  assert.ok(holds({ field: "metadata.options", op: "regex", value: "(^|,)nosuid(,|$)" }));
  assert.ok(!holds({ field: "metadata.options", op: "regex", value: "^nosuid" }));
  assert.ok(holds({ field: "description", op: "regex", value: "PAYLOADS", ignore_case: true }));
});

Deno.test("in matches any listed value; on list fields any element", () => {
  assert.ok(holds({ field: "severity", op: "in", value: ["high", "medium"] }));
  assert.ok(!holds({ field: "severity", op: "in", value: ["high", "critical"] }));
  assert.ok(holds({ field: "metadata.users", op: "in", value: ["bob", "carol"] }));
  assert.ok(holds({ field: "metadata.count", op: "in", value: [1, 2, 3] }));
});

Deno.test("exists: present and non-null", () => {
  assert.ok(holds({ field: "metadata.mount", op: "exists" }));
  assert.ok(!holds({ field: "metadata.missing", op: "exists" }));
  assert.ok(!holds({ field: "location.pid", op: "exists" }));
  assert.ok(!holds({ field: "metadata.x", op: "exists" }, sampleFinding({ metadata: { x: null } })));
});

Deno.test("numeric comparisons on numbers and numeric text; non-numbers never compare", () => {
  assert.ok(holds({ field: "metadata.count", op: "gt", value: 2 }));
  assert.ok(!holds({ field: "metadata.count", op: "gt", value: 3 }));
  assert.ok(holds({ field: "metadata.count", op: "gte", value: 3 }));
  assert.ok(holds({ field: "metadata.count", op: "lt", value: 3.5 }));
  assert.ok(!holds({ field: "metadata.count", op: "lt", value: 3 }));
  assert.ok(holds({ field: "metadata.count", op: "lte", value: 3 }));
  assert.ok(holds({ field: "metadata.n", op: "gt", value: 9 }, sampleFinding({ metadata: { n: "10" } })));
  assert.ok(!holds({ field: "metadata.mount", op: "gt", value: 0 }));
  assert.ok(!holds({ field: "metadata.missing", op: "lt", value: 100 }));
});

Deno.test("severity compares by rank with severity names", () => {
  assert.ok(holds({ field: "severity", op: "gte", value: "medium" }));
  assert.ok(holds({ field: "severity", op: "gt", value: "low" }));
  assert.ok(!holds({ field: "severity", op: "gte", value: "high" }));
  assert.ok(holds({ field: "severity", op: "lt", value: "critical" }));
});

Deno.test("not negates; a leaf on an absent field is false, so its negation is true", () => {
  assert.ok(!holds({ not: { field: "metadata.mount", op: "equals", value: "/tmp" } }));
  assert.ok(holds({ not: { field: "metadata.absent", op: "equals", value: "x" } }));
  assert.ok(holds({ not: { not: { field: "scanner", op: "equals", value: "mounts" } } }));
});

Deno.test("all / any groups nest", () => {
  const c: Condition = {
    all: [
      { field: "scanner", op: "equals", value: "mounts" },
      {
        any: [
          { field: "metadata.mount", op: "equals", value: "/var/tmp" },
          {
            all: [{ field: "metadata.count", op: "gte", value: 3 }, {
              not: { field: "tags", op: "equals", value: "x" },
            }],
          },
        ],
      },
    ],
  };
  assert.ok(holds(c));
  assert.ok(!holds(c, sampleFinding({ metadata: { count: 1 } })));
  assert.ok(!holds(c, sampleFinding({ scanner: "other" })));
});

Deno.test("hostile input: a long value is matched on a bounded prefix without error", () => {
  const big = sampleFinding({ description: "a".repeat(1 << 20) + "needle" });
  assert.ok(!holds({ field: "description", op: "contains", value: "needle" }, big));
  assert.ok(holds({ field: "description", op: "starts_with", value: "aaaa" }, big));
});

Deno.test("scope patterns: exact names, globs anywhere, * for all, undefined for all", () => {
  const t = compilePatterns(["kernel.sysctl.ipv4_*_redirects", "mounts"]);
  assert.ok(t("kernel.sysctl.ipv4_all_redirects"));
  assert.ok(t("mounts"));
  assert.ok(!t("mounts2"));
  assert.ok(!t("kernel.sysctl.ipv6_all_redirects"));
  assert.ok(!t("kernelXsysctl.ipv4_all_redirects"), "dots are literal");
  assert.ok(compilePatterns(["*"])("anything"));
  assert.ok(compilePatterns(undefined)("anything"));
});

Deno.test("glob patterns: every regex metacharacter stands for itself", () => {
  const cases: [glob: string, matches: string[], misses: string[]][] = [
    ["a+b*", ["a+b", "a+bc"], ["aab", "abc", "ab"]],
    ["f(x)*", ["f(x)", "f(x)1"], ["fx", "fx1"]],
    ["x[0]*", ["x[0]", "x[0]y"], ["x0", "x0y"]],
    ["a{2}*", ["a{2}", "a{2}z"], ["aa", "aaz"]],
    ["^a$*", ["^a$", "^a$b"], ["a", "ab"]],
    ["a|b*", ["a|b", "a|bc"], ["a", "b", "bc"]],
    ["a.b*", ["a.b", "a.bc"], ["axb", "axbc"]],
    ["a\\d*", ["a\\d", "a\\dx"], ["a1", "a1x"]],
    ["(a+)+$*", ["(a+)+$"], ["aaaa", "a"]],
  ];
  for (const [glob, matches, misses] of cases) {
    const test = compilePatterns([glob]);
    for (const m of matches) assert.ok(test(m), `${glob} should match ${m}`);
    for (const m of misses) assert.ok(!test(m), `${glob} should not match ${m}`);
  }
});

Deno.test("glob patterns: a pattern that would be a broken regex compiles and matches itself", () => {
  const cases: [glob: string, name: string][] = [
    ["a(*", "a(b"],
    ["x[*", "x["],
    ["{*", "{}"],
    ["*)", ")"],
    ["a\\*", "a\\z"],
    ["+*", "+1"],
    ["?*)", "q)"],
  ];
  for (const [glob, name] of cases) {
    const test = compilePatterns([glob]);
    assert.ok(test(name), `${glob} should match ${name}`);
  }
});

Deno.test("glob patterns: * is any run (also empty), ? exactly one character, anchored at both ends", () => {
  const t = compilePatterns(["kernel.sysctl.ipv?_forward", "mount*"]);
  assert.ok(t("kernel.sysctl.ipv4_forward"));
  assert.ok(t("kernel.sysctl.ipv6_forward"));
  assert.ok(!t("kernel.sysctl.ipv_forward"), "? needs one character");
  assert.ok(!t("kernel.sysctl.ipv44_forward"), "? takes only one character");
  assert.ok(t("mount"), "* also matches nothing");
  assert.ok(t("mounts"));
  assert.ok(!t("xmounts"), "anchored at the start");
  assert.ok(!t("kernel.sysctl.ipv4_forward2"), "anchored at the end");
  assert.ok(compilePatterns(["a*b"])("a\nb"), "* runs over any character, newlines too");
  assert.ok(compilePatterns(["?"])("é"), "? is one character, not one UTF-16 unit");
  assert.ok(compilePatterns(["?"])("𝔸"), "? is one character, not one UTF-16 unit");
});

Deno.test("name patterns without * or ? are exact names, metacharacters and all", () => {
  const t = compilePatterns(["a+b", "c.d"]);
  assert.ok(t("a+b"));
  assert.ok(!t("aab"));
  assert.ok(t("c.d"));
  assert.ok(!t("cxd"));
});
