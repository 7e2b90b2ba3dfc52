/**
 * A scanner's warnings are bounded per kind and in all, each cut said once: a flood of one kind (a thousand FIFOs
 * where files should be) cannot push the other kinds of warning out of the report.
 */
import assert from "node:assert/strict";
import { WARNINGS_MAX, WARNINGS_PER_CODE } from "../../src/core/context.ts";
import { testContext } from "../helpers.ts";

Deno.test("warnings: a flood of one code keeps room for the others; the total is bounded too", () => {
  const ctx = testContext("persistence", "/nonexistent");
  for (let i = 0; i < 5000; i++) ctx.warn("persistence_unreadable", `/etc/cron.d/q${i}: a FIFO`);
  ctx.warn("persistence_unreadable_name", "/etc/sudoers.d/\uFFFD");
  const codes = ctx.warnings.map((w) => w.code);
  assert.equal(codes.filter((c) => c === "persistence_unreadable").length, WARNINGS_PER_CODE);
  assert.deepEqual(ctx.warnings.at(-2), {
    scanner: "persistence",
    code: "truncated",
    detail: `more than ${WARNINGS_PER_CODE} persistence_unreadable warnings: the rest are not listed`,
  });
  assert.equal(ctx.warnings.at(-1)!.code, "persistence_unreadable_name", "the other kind is still reported");
  for (let c = 0; c < 50; c++) for (let i = 0; i < 100; i++) ctx.warn(`code${c}`, String(i));
  assert.equal(ctx.warnings.length, WARNINGS_MAX + 1);
  assert.equal(ctx.warnings.at(-1)!.detail, `more than ${WARNINGS_MAX} warnings`);
});
