import assert from "node:assert/strict";
import { Findings } from "../../src/scanners/ioc/collect.ts";
import type { ProcessInfo } from "../../src/host/proc_types.ts";

const proc = (pid: number, exe: string, cmdline: string[] = [exe]) =>
  ({ pid, exe, cmdline, comm: "x" }) as ProcessInfo;

Deno.test("Findings: same check and subject merge; worst severity wins; values unite", () => {
  const out = new Findings([]);
  const draft = (severity: "medium" | "high", value: string) => ({
    check_id: "ioc.process.ld_library_path",
    subject: "/usr/bin/app",
    severity,
    metadata: { values: [value] },
  });
  out.add(draft("medium", "/opt/a"), proc(1, "/usr/bin/app"));
  out.add(draft("high", "/tmp/b"), proc(2, "/usr/bin/app"));
  out.add(draft("medium", "/opt/a"), proc(3, "/usr/bin/app"));
  const [f, ...rest] = [...out.drafts()];
  assert.deepEqual(rest, []);
  assert.equal(f.severity, "high");
  assert.deepEqual(f.metadata?.values, ["/opt/a", "/tmp/b"]);
  assert.deepEqual(f.metadata?.pids, ["1", "2", "3"]);
  assert.equal(f.metadata?.process_count, 3);
});

Deno.test("Findings: allowlisted only when every merged process is allowed", () => {
  const out = new Findings(["--safe"]);
  const d = { check_id: "ioc.process.fileless_exe", subject: "/memfd:x" };
  out.add(d, proc(1, "/memfd:x", ["x", "--safe"]));
  assert.equal([...out.drafts()][0].severity, "info");
  assert.equal([...out.drafts()][0].metadata?.severity_before_allowlist, "high");
  out.add(d, proc(2, "/memfd:x", ["x"]));
  const [f] = [...out.drafts()];
  assert.equal(f.severity, undefined, "the catalogue severity (high) applies again");
  assert.equal(f.metadata?.allowlisted, undefined);
  assert.deepEqual(f.metadata?.pids, ["1", "2"]);
});

Deno.test("Findings: host-wide findings carry no pids", () => {
  const out = new Findings([]);
  out.add({
    check_id: "ioc.ld_so_preload.entries",
    subject: "/etc/ld.so.preload",
    metadata: { entries: ["/a"] },
  }, undefined);
  const [f] = [...out.drafts()];
  assert.equal(f.metadata?.pids, undefined);
  assert.deepEqual(f.metadata?.entries, ["/a"]);
});
