import assert from "node:assert/strict";
import { Catalogue } from "../../src/core/catalogue.ts";
import { ebpfExecTrace } from "../../src/scanners/ebpf_exec_trace.ts";
import { SCANNERS } from "../../src/scanners/index.ts";
import { makeTree, runOne, testConfig } from "../helpers.ts";
import { needs } from "../host_caps.ts";

Deno.test("scanner: opt-in — enabled only with --ioc-exec-trace, slow (skipped by --fast-scan), registered", () => {
  assert.equal(ebpfExecTrace.enabledByDefault(testConfig()), false);
  assert.equal(ebpfExecTrace.enabledByDefault(testConfig({ iocExecTrace: 3 })), true);
  assert.equal(ebpfExecTrace.slow, true);
  assert.equal(ebpfExecTrace.name, "ebpf_exec_trace");
  assert.ok(SCANNERS.some((s) => s.name === ebpfExecTrace.name && s.checks === ebpfExecTrace.checks));
  assert.equal(new Catalogue(ebpfExecTrace.checks).all().length, 4);
});

Deno.test("scanner: under --root DIR it is skipped with the reason (a trace watches the running kernel)", async () => {
  using tree = makeTree({ "etc/hostname": "image\n" });
  const r = await runOne(ebpfExecTrace, tree.path, { iocExecTrace: 1 });
  assert.equal(r.status, "skipped");
  assert.match(r.reason!, /cannot trace an image given with --root/);
  assert.deepEqual(r.findings, []);
});

Deno.test(needs(["root"], {
  name: "scanner: a trace longer than the scanner budget is shortened with a truncated warning",
  fn: async () => {
    const t0 = performance.now();
    const r = await runOne(ebpfExecTrace, "/", { iocExecTrace: 60, scannerTimeout: 3 });
    assert.ok(performance.now() - t0 < 3000);
    assert.ok(
      r.warnings.some((w) => w.code === "truncated" && /exceeds the scanner budget/.test(w.detail ?? "")),
    );
    assert.equal(r.status, "ok");
  },
}));
