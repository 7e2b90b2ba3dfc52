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
