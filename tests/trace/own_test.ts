/**
 * The exec trace leaves out what the scan itself starts (src/host/self.ts): a program run through runProgram
 * during the trace is no finding, the same program started any other way is.
 */
import assert from "node:assert/strict";
import { ebpfExecTrace } from "../../src/scanners/ebpf_exec_trace.ts";
import { findLibbpf } from "../../src/host/capabilities.ts";
import { runProgram } from "../../src/host/exec.ts";
import { runOne } from "../helpers.ts";

function traceUnavailable(): string | undefined {
  if (Deno.uid() !== 0) return "tracing needs root";
  if (findLibbpf() === null) return "no libbpf";
  try {
    if (Deno.statSync("/sys/kernel/btf/vmlinux").size > 0) return undefined;
  } catch {
    // below
  }
  return "no kernel BTF";
}
const why = traceUnavailable();
if (why) console.log(`ignored: ${why}`);

Deno.test({
  name:
    "trace: a helper the scan runs (and its child) is not observed; the same program run by another process is",
  ignore: why !== undefined,
  async fn() {
    const dir = Deno.makeTempDirSync({ dir: "/tmp", prefix: "sys-scan-own-trace-" });
    const helper = `${dir}/helper-true`;
    const other = `${dir}/other-true`;
    for (const p of [helper, other]) {
      Deno.copyFileSync("/bin/true", p);
      Deno.chmodSync(p, 0o755);
    }
    try {
      const timer = setTimeout(() => {
        void runProgram("/bin/sh", ["-c", `${helper}; ${helper}`]);
        void new Deno.Command(other, { stdin: "null", stdout: "null", stderr: "null" }).output();
      }, 500);
      const r = await runOne(ebpfExecTrace, "/", { iocExecTrace: 2 });
      clearTimeout(timer);
      assert.equal(r.status, "ok", r.reason);
      const ids = r.findings.map((f) => f.id);
      assert.ok(ids.includes(`trace.exec.suspicious_location:${other}`), ids.join("\n"));
      assert.deepEqual(ids.filter((id) => id.includes(helper)), []);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
