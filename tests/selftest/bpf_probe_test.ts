import assert from "node:assert/strict";
import { bpfSelftestCommand } from "../../src/cli/commands/bpf_selftest.ts";
import { activeLockdown, type BpfProbe, probeBpf, renderBpfProbe } from "../../src/selftest/bpf_probe.ts";

Deno.test("activeLockdown: the bracketed mode, or null for empty and garbage input", () => {
  assert.equal(activeLockdown("none [integrity] confidentiality\n"), "integrity");
  assert.equal(activeLockdown("[none] integrity confidentiality"), "none");
  assert.equal(activeLockdown(""), null);
  assert.equal(activeLockdown("none integrity"), null);
  assert.equal(activeLockdown("[\u0000]"), null);
});

Deno.test("probeBpf: a missing object is reported, nothing is tried, and the tracer says object_missing", async () => {
  const p = await probeBpf({ objectUrl: new URL("file:///nonexistent/sys-scan/missing.bpf.o") });
  assert.equal(p.object.name, "missing.bpf.o");
  assert.match(p.object.error!, /missing \(rebuild it with scripts\/build-bpf\.sh\)/);
  if (p.libbpf.path !== null && p.libbpf.error === null) {
    assert.ok(p.hooks.every((h) => h.load === "not tried (no BPF object)"));
  }
  assert.equal(p.tracer.ok, false);
  if (!p.tracer.ok && p.privileged) assert.equal(p.tracer.code, "object_missing");
});

Deno.test("probeBpf: without libbpf every hook is 'not tried' and the tracer names the missing library", async () => {
  const p = await probeBpf({ libbpfPath: null });
  assert.equal(p.libbpf.path, null);
  assert.match(p.libbpf.error!, /not found \(install libbpf1, or set SYS_SCAN_LIBBPF\)/);
  assert.equal(p.hooks.length, 5);
  assert.ok(p.hooks.every((h) => h.load === "not tried (no libbpf)" && h.attach === "not tried"));
  assert.equal(p.tracer.ok, false);
  if (!p.tracer.ok && p.privileged) assert.equal(p.tracer.code, "no_libbpf");
});

Deno.test("probeBpf: a library that is not libbpf is reported with dlopen's reason", async () => {
  const p = await probeBpf({ libbpfPath: "/nonexistent/libbpf.so.1" });
  assert.match(p.libbpf.error!, /cannot load \/nonexistent\/libbpf\.so\.1/);
  assert.ok(p.hooks.every((h) => h.load === "not tried (libbpf unusable)"));
});

const SAMPLE: BpfProbe = {
  caps: {
    euid: 0,
    effective_caps: ["CAP_BPF", "CAP_PERFMON"],
    kernel: "6.1.0-x",
    btf: false,
    tracefs: false,
    kallsyms_readable: false,
    libbpf: null,
    lsms: [],
    containerized: false,
    missing: [],
  },
  privileged: true,
  tracefsPath: null,
  lockdown: "none",
  libbpf: { path: "/usr/lib/libbpf.so.1", version: "1.1", error: null },
  object: { name: "process_exec.bpf.o", size: 10, sha256: "ab", error: null },
  hooks: [
    {
      hook: "exec",
      program: "exec_btf",
      section: "tp_btf/sched_process_exec",
      load: "No such process",
      attach: "not tried (not loaded)",
      ms: 3,
    },
    {
      hook: "exec",
      program: "exec_tp",
      section: "tracepoint/sched/sched_process_exec",
      load: "ok",
      attach: "No such file or directory",
      ms: 2,
    },
  ],
  tracer: { ok: false, code: "no_btf", reason: "the kernel has no BTF type information." },
};

Deno.test("renderBpfProbe: facts, one line per hook with load or attach reason, and the verdict", () => {
  const text = renderBpfProbe(SAMPLE);
  assert.match(
    text,
    /privileges {2}euid 0; CAP_SYS_ADMIN no, CAP_BPF yes, CAP_PERFMON yes → enough to trace/,
  );
  assert.match(text, /BTF {9}no \(\/sys\/kernel\/btf\/vmlinux missing or empty\)/);
  assert.match(text, /tracefs {5}not mounted/);
  assert.match(text, /exec {5}exec_btf +tp_btf\/sched_process_exec +load: No such process\n/);
  assert.match(text, /exec_tp +tracepoint\/sched\/sched_process_exec +attach: No such file or directory\n/);
  assert.match(text, /\ntrace CANNOT run here \(no_btf\): the kernel has no BTF type information\.\n/);
  const okText = renderBpfProbe({
    ...SAMPLE,
    tracer: {
      ok: true,
      exec: "tp_btf/x",
      connect: null,
      timeToAttachMs: 5,
      loadMs: 4,
      attachMs: 1,
      rejected: [],
    },
  });
  assert.match(
    okText,
    /trace can run here: exec via tp_btf\/x, connect via NONE \(execs only\); time to attach 5 ms/,
  );
});

Deno.test("bpf-selftest command: exit 1 when the trace cannot run, 2 on an unknown flag", async () => {
  let printed = "";
  const r = await bpfSelftestCommand(["--json"], (t) => (printed += t), { libbpfPath: null });
  assert.deepEqual(r, { ok: true, value: 1 });
  assert.equal(JSON.parse(printed).tracer.ok, false);
  const bad = await bpfSelftestCommand(["--nope"], () => {});
  assert.equal(bad.ok, false);
  if (!bad.ok) {
    assert.equal(bad.error.exit, 2);
    assert.match(bad.error.message, /usage: sys-scan bpf-selftest \[--json\]/);
  }
});
