import assert from "node:assert/strict";
import { Catalogue } from "../../src/core/catalogue.ts";
import { evaluateCompliance, FailureObserver } from "../../src/compliance/evaluate.ts";
import { STANDARDS } from "../../src/compliance/standards/index.ts";
import { mountsScanner } from "../../src/scanners/mounts.ts";
import { SCANNERS } from "../../src/scanners/index.ts";
import { makeTree, runOne } from "../helpers.ts";

const catalogue = new Catalogue(SCANNERS.flatMap((s) => s.checks));
const cis = STANDARDS.find((s) => s.id === "cis_linux")!;

function mountinfo(shmOptions: string): string {
  return [
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
    "30 22 0:30 / /tmp rw,nosuid,nodev,noexec shared:2 - tmpfs tmpfs rw",
    `31 22 0:31 / /dev/shm ${shmOptions} shared:3 - tmpfs tmpfs rw`,
    "",
  ].join("\n");
}

async function evaluate(shmOptions: string, hardening = true) {
  using tree = makeTree({ "proc/1/mountinfo": mountinfo(shmOptions) });
  const observer = new FailureObserver();
  const run = await runOne(mountsScanner, tree.path, { minSeverity: "high", hardening }, {
    stages: [observer.stage()],
  });
  assert.equal(run.status, "ok");
  const out = evaluateCompliance({
    standards: [cis],
    catalogue,
    results: run.outcome.results,
    observer,
    hardening,
  });
  return {
    run,
    byId: Object.fromEntries(out.controls.map((c) => [c.control_id, c])),
    summary: out.summary.cis_linux!,
  };
}

Deno.test("compliance end to end: mounts scanner on a fixture host that passes the /tmp controls", async () => {
  const { byId } = await evaluate("rw,nosuid,nodev,noexec");
  for (const id of ["1.1.2.1", "1.1.2.2", "1.1.2.3", "1.1.2.4"]) assert.equal(byId[id].status, "pass", id);
  assert.equal(byId["1.1.3"].status, "not_applicable");
  assert.equal(byId["1.5.1"].status, "not_checked");
  assert.match(byId["1.5.1"].checks[0].reason!, /kernel_params did not run/);
});

Deno.test("compliance end to end: a fixture host that fails nodev/noexec on /dev/shm, seen below --min-severity", async () => {
  const { run, byId, summary } = await evaluate("rw,nosuid");
  assert.deepEqual(run.findings, [], "--min-severity high dropped the medium/low findings from the report");
  assert.equal(byId["1.1.2.2"].status, "fail");
  assert.deepEqual(byId["1.1.2.2"].evidence, ["mount.tmp.nodev_missing:/dev/shm"]);
  assert.equal(byId["1.1.2.4"].status, "fail");
  assert.deepEqual(byId["1.1.2.4"].evidence, ["mount.tmp.noexec_missing:/dev/shm"]);
  assert.equal(byId["1.1.2.3"].status, "pass");
  assert.equal(byId["1.1.2.1"].status, "pass");
  assert.equal(summary.failed, 2);
  assert.equal(summary.passed, 2);
  assert.equal(summary.score, 0.5);
});

Deno.test("compliance end to end: without --hardening the benchmark controls are not checked, not passed", async () => {
  const { run, byId, summary } = await evaluate("rw,nosuid", false);
  assert.deepEqual(run.findings, []);
  for (const id of ["1.1.2.1", "1.1.2.2", "1.1.2.3", "1.1.2.4"]) {
    assert.equal(byId[id].status, "not_checked", id);
    assert.match(byId[id].checks[0].reason!, /hardening check: it runs with --hardening/);
  }
  assert.equal(summary.passed, 0);
  assert.equal(summary.failed, 0);
});
