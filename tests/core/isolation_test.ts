/**
 * Scanners stuck in a system call that never returns cannot stop the report: the scan worker running them is
 * abandoned at the budget or the deadline (plus a grace), the stuck scanner is `timeout` with what it sent
 * before, and the others finish in a new worker.
 */
import assert from "node:assert/strict";
import { scanCommand } from "../../src/cli/scan.ts";
import { REPORT_FORMATS } from "../../src/core/config.ts";
import { GRACE_MS } from "../../src/core/isolation.ts";
import { fifoWithRelease, makeTree, mountHungFuse } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const STUCK = new URL("../fixtures/scanners/stuck.ts", import.meta.url).href;

interface Result {
  scanner: string;
  status: string;
  reason?: string;
  findings: { id: string }[];
}

function results(path: string): Result[] {
  return JSON.parse(Deno.readTextFileSync(path)).results;
}

/**
 * One quick scan through the worker first, so the timed scan does not include loading (and, under `deno test`,
 * type-checking) the worker's modules.
 */
async function warmUp(root: string, out: string): Promise<void> {
  const r = await scanCommand(["--root", root, "--enable", "test_quick", "--output", `${out}/warm.json`], {
    scannerModules: [STUCK],
    stderr: () => {},
  });
  assert.ok(r.ok);
}

Deno.test("isolation: a scanner blocked in open(2) on a FIFO is cut off at its budget; the others finish", async () => {
  using root = makeTree({ "etc/hostname": "t\n" });
  using _fifo = fifoWithRelease(`${root.path}/fifo`);
  using out = makeTree({});
  await warmUp(root.path, out.path);
  const started = performance.now();
  const r = await scanCommand(
    [
      "--root",
      root.path,
      "--enable",
      "test_stuck,test_quick",
      "--scanner-timeout",
      "2",
      "--output",
      `${out.path}/r.json`,
    ],
    { scannerModules: [STUCK], stderr: () => {} },
  );
  const elapsed = performance.now() - started;
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  const byName = new Map(results(`${out.path}/r.json`).map((x) => [x.scanner, x]));
  const stuck = byName.get("test_stuck")!;
  assert.equal(stuck.status, "timeout");
  assert.match(stuck.reason ?? "", /did not return within 2s after its budget of 2s/);
  assert.deepEqual(stuck.findings.map((f) => f.id), ["test.test_stuck.before:before the block"]);
  const quick = byName.get("test_quick")!;
  assert.equal(quick.status, "ok", "the scanner that shared the blocked worker ran again and finished");
  assert.deepEqual(quick.findings.map((f) => f.id), ["test.test_quick.found:quick"]);
  assert.ok(
    elapsed < 2000 + GRACE_MS + 8000,
    `report within budget + grace + margin (${Math.round(elapsed)} ms)`,
  );
});

Deno.test("isolation: at the deadline a blocked worker is abandoned; the report arrives in every format", async () => {
  using root = makeTree({ "etc/hostname": "t\n" });
  using _fifo = fifoWithRelease(`${root.path}/fifo`);
  using out = makeTree({});
  await warmUp(root.path, out.path);
  for (const format of REPORT_FORMATS) {
    const file = `${out.path}/r.${format}`;
    const started = performance.now();
    const r = await scanCommand(
      [
        "--root",
        root.path,
        "--enable",
        "test_stuck",
        "--max-duration",
        "2",
        "--format",
        format,
        "--output",
        file,
      ],
      { scannerModules: [STUCK], stderr: () => {} },
    );
    const elapsed = performance.now() - started;
    assert.ok(r.ok, r.ok ? "" : r.error.message);
    assert.ok(
      elapsed < 2000 + GRACE_MS + 6000,
      `${format}: within the deadline + grace + margin (${elapsed} ms)`,
    );
    const text = Deno.readTextFileSync(file);
    if (format === "json") {
      const report = JSON.parse(text);
      assert.equal(report.meta.deadline_hit, true);
      assert.equal(report.results[0].status, "timeout");
      assert.match(report.results[0].reason, /after the scan's deadline or interruption/);
    } else assert.ok(text.includes("test_stuck"), `${format} names the stuck scanner`);
  }
});

Deno.test(needs(["fuse"], {
  name: "isolation: with --remote-fs, a real scanner reading a hung FUSE mount is cut off; the others finish",
  fn: async () => {
    using root = makeTree({ "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n", "etc/cron.d/.keep": "" });
    using _mount = mountHungFuse(`${root.path}/etc/cron.d`);
    using out = makeTree({});
    await warmUp(root.path, out.path);
    const file = `${out.path}/r.json`;
    const started = performance.now();
    const r = await scanCommand(
      [
        "--root",
        root.path,
        "--remote-fs",
        "--enable",
        "persistence,kernel_params,mounts",
        "--scanner-timeout",
        "2",
      ]
        .concat(["--max-duration", "60", "--output", file]),
      { stderr: () => {} },
    );
    const elapsed = performance.now() - started;
    assert.ok(r.ok, r.ok ? "" : r.error.message);
    assert.ok(elapsed < 2000 + GRACE_MS + 8000, `within the budget + grace + margin (${elapsed} ms)`);
    const byName = new Map(results(file).map((x) => [x.scanner, x]));
    assert.equal(byName.get("persistence")?.status, "timeout");
    for (const other of ["kernel_params", "mounts"]) {
      const status = byName.get(other)?.status;
      assert.ok(status === "ok" || status === "skipped", `${other} finished in a new worker: ${status}`);
    }
  },
}));
