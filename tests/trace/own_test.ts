/**
 * The exec trace leaves out what the scan itself starts (src/host/self.ts): a program run through runProgram
 * during the trace is no finding, the same program started any other way is.
 */
import assert from "node:assert/strict";
import { ebpfExecTrace } from "../../src/scanners/ebpf_exec_trace.ts";
import { runProgram } from "../../src/host/exec.ts";
import { ScanShared } from "../../src/core/context.ts";
import { runOne, traceStarted } from "../helpers.ts";
import { needs } from "../host_caps.ts";

Deno.test(needs(["root", "btf", "libbpf"], {
  name:
    "trace: a helper the scan runs (and its child) is not observed; the same program run by another process is",
  async fn() {
    const dir = Deno.makeTempDirSync({ dir: "/tmp", prefix: "sys-scan-own-trace-" });
    const helper = `${dir}/helper-true`;
    const other = `${dir}/other-true`;
    for (const p of [helper, other]) {
      Deno.copyFileSync("/bin/true", p);
      Deno.chmodSync(p, 0o755);
    }
    try {
      const shared = new ScanShared();
      // Long enough for both programs to run inside it on a loaded machine (one run in 16 missed both with 3 s).
      const scan = runOne(ebpfExecTrace, "/", { iocExecTrace: 10 }, { shared });
      let traceEnded = false;
      scan.then(() => traceEnded = true, () => traceEnded = true);
      await traceStarted(shared);
      // The helper's shell exits (and is unregistered) long before the trace reads its exec events.
      await runProgram("/bin/sh", ["-c", `${helper}; ${helper}`]);
      await new Deno.Command(other, { stdin: "null", stdout: "null", stderr: "null" }).output();
      assert.ok(!traceEnded, "both programs ran while the trace was on");
      const r = await scan;
      assert.equal(r.status, "ok", r.reason);
      const ids = r.findings.map((f) => f.id);
      assert.ok(ids.includes(`trace.exec.suspicious_location:${other}`), ids.join("\n"));
      assert.deepEqual(ids.filter((id) => id.includes(helper)), []);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
}));
