import assert from "node:assert/strict";
import type { Finding } from "../../src/core/finding.ts";
import type { ScannerResult } from "../../src/core/report.ts";
import type { RunOutcome } from "../../src/core/runner.ts";
import type { Capabilities } from "../../src/host/capabilities.ts";
import type { EvidenceFacts } from "../../src/selftest/evidence.ts";
import { renderSelfTest, verdictLines } from "../../src/selftest/render.ts";
import type { SelfTestScan, StreamedEvent } from "../../src/selftest/scan.ts";
import { allSeen, verdicts } from "../../src/selftest/verdicts.ts";

const FACTS: EvidenceFacts = {
  systemDir: "/opt",
  programKept: [],
  worldWritable: { ok: true, value: { path: "/opt/sys-scan-self-test.conf" } },
  suidCopy: { ok: true, value: { path: "/tmp/sys-scan-self-test/suid-copy-of-true" } },
  deletedExe: { ok: true, value: { path: "/tmp/sys-scan-self-test/deleted-sleep", pid: 101 } },
  memfdExe: { ok: true, value: { pid: 102, name: "sys-scan-self-test" } },
  listenerV4: { ok: true, value: { port: 4000, pid: 4001 } },
  listenerV6: { ok: true, value: { port: 6000, pid: 6001 } },
  tempProgram: { ok: true, value: { path: "/tmp/sys-scan-self-test/run-from-tmp" } },
};

const CAPS: Capabilities = {
  euid: 0,
  effective_caps: ["CAP_SYS_ADMIN", "CAP_BPF", "CAP_PERFMON"],
  kernel: "6.1.0-test",
  btf: true,
  tracefs: false,
  kallsyms_readable: true,
  libbpf: "/usr/lib/libbpf.so.1",
  lsms: [],
  containerized: false,
  missing: [],
};

function finding(
  scanner: string,
  check: string,
  location: Finding["location"],
  metadata: Finding["metadata"] = {},
): Finding {
  return {
    id: `${check}:x`,
    check_id: check,
    scanner,
    title: check,
    description: "",
    severity: "high",
    base_severity_score: 50,
    risk_score: 50,
    metadata,
    location,
    mitre: [],
    tags: [],
  };
}

function result(
  scanner: string,
  findings: Finding[],
  status: ScannerResult["status"] = "ok",
  reason?: string,
): ScannerResult {
  return {
    scanner,
    status,
    ...(reason ? { reason } : {}),
    start_time: "",
    end_time: "",
    elapsed_ms: 1,
    finding_count: findings.length,
    findings,
    checks_passed: 0,
    passed_check_ids: [],
    findings_below_min_severity: 0,
  };
}

function outcome(results: ScannerResult[], extra: Partial<RunOutcome> = {}): RunOutcome {
  return { results, warnings: [], errors: [], deadlineHit: false, cutShort: [], meta: {}, ...extra };
}

const STATIC_OK = () =>
  outcome([
    result("world_writable", [
      finding("world_writable", "fs.world_writable.file", { path: "/opt/sys-scan-self-test.conf" }),
    ]),
    result("suid_sgid", [
      finding("suid_sgid", "suid.file.writable_location", {
        path: "/tmp/sys-scan-self-test/suid-copy-of-true",
      }),
    ]),
    result("ioc", [
      finding("ioc", "ioc.process.deleted_exe", { pid: 101 }),
      finding("ioc", "ioc.process.fileless_exe", { pid: 7 }, { pids: ["7", "102"] }),
    ]),
    result("network", [
      finding("network", "net.listen.exposed", { pid: 1 }, { local_port: 4000, family: "ipv4" }),
      finding("network", "net.listen.exposed", { pid: 1 }, { local_port: 6000, family: "ipv6" }),
    ]),
  ]);

const TRACE_META = {
  trace: {
    attach: { connect: { section: "tp_btf/sys_enter" }, rejected: [] },
    stopped_by: "duration",
  },
};

const EVENTS: StreamedEvent[] = [
  { type: "net.connect", record: { dst_ip: "127.0.0.1", dst_port: 4000 } },
  { type: "net.connect", record: { dst_ip: "::1", dst_port: 6000 } },
];

const TRACE_OK = () =>
  outcome([
    result("ebpf_exec_trace", [
      finding("ebpf_exec_trace", "trace.exec.suspicious_location", {
        path: "/tmp/sys-scan-self-test/run-from-tmp",
      }),
    ]),
  ], { meta: TRACE_META });

function scan(over: Partial<SelfTestScan> = {}): SelfTestScan {
  return {
    caps: CAPS,
    static: STATIC_OK(),
    trace: TRACE_OK(),
    events: EVENTS,
    actions: { attached: true, tempRun: { ok: true, value: { pid: 5 } }, connectV4: null, connectV6: null },
    ...over,
  };
}

function byEvidence(vs: ReturnType<typeof verdicts>, needle: string) {
  const v = vs.find((x) => x.evidence.includes(needle));
  assert.ok(v, `no verdict for ${needle}`);
  return v;
}

Deno.test("verdicts: every piece seen when each scanner reported its own evidence", () => {
  const vs = verdicts(FACTS, scan());
  assert.equal(vs.length, 9);
  assert.deepEqual(vs.filter((v) => !v.seen), []);
  assert.deepEqual(vs.map((v) => v.check), [
    "fs.world_writable.file",
    "suid.file.writable_location",
    "ioc.process.deleted_exe",
    "ioc.process.fileless_exe",
    "net.listen.exposed",
    "net.listen.exposed",
    "trace.exec.suspicious_location",
    "net.connect (event)",
    "net.connect (event)",
  ]);
});

Deno.test("verdicts: a finding about something else does not count (path, pid, port and family must match)", () => {
  const s = scan({
    static: outcome([
      result("world_writable", [finding("world_writable", "fs.world_writable.file", { path: "/opt/other" })]),
      result("suid_sgid", [
        finding("suid_sgid", "suid.file.unexpected", { path: "/tmp/sys-scan-self-test/suid-copy-of-true" }),
      ]),
      result("ioc", [finding("ioc", "ioc.process.deleted_exe", { pid: 999 })]),
      result("network", [finding("network", "net.listen.exposed", {}, { local_port: 6000, family: "ipv4" })]),
    ], { warnings: [{ scanner: "ioc", code: "proc_exe_unreadable", detail: "2 processes" }] }),
    events: [{ type: "net.connect", record: { dst_ip: "127.0.0.1", dst_port: 6000 } }],
  });
  const vs = verdicts(FACTS, s);
  const unseen = vs.filter((v) => !v.seen).map((v) => v.evidence);
  assert.equal(unseen.length, 8);
  assert.match(
    byEvidence(vs, "deleted").reason!,
    /ran but did not report it; its warnings: proc_exe_unreadable \(2 processes\)/,
  );
  assert.match(byEvidence(vs, "mode 0666").reason!, /the scanner ran but did not report it$/);
});

Deno.test("verdicts: evidence that could not be created says so, before anything else", () => {
  const facts: EvidenceFacts = {
    ...FACTS,
    memfdExe: { ok: false, error: "memfd_create: Operation not permitted (errno 1)" },
    listenerV6: { ok: false, error: "Address family not supported" },
  };
  const vs = verdicts(facts, scan());
  assert.equal(
    byEvidence(vs, "process executed from a memfd").reason,
    "could not create the evidence: memfd_create: Operation not permitted (errno 1)",
  );
  assert.equal(
    byEvidence(vs, "[::]:?").reason,
    "could not create the evidence: Address family not supported",
  );
  assert.equal(
    byEvidence(vs, "[::1]:?").reason,
    "could not create the evidence: Address family not supported",
  );
});

Deno.test("verdicts: a skipped, failed or missing scanner is named with its reason", () => {
  const s = scan({
    static: outcome([
      result("world_writable", [], "skipped", "needs root"),
      result("suid_sgid", [], "timeout", "over its 30 s budget"),
      result("ioc", []),
    ], { errors: [{ scanner: "ioc", message: "boom" }] }),
  });
  const vs = verdicts(FACTS, s);
  assert.equal(byEvidence(vs, "mode 0666").reason, "scanner skipped: needs root");
  assert.equal(byEvidence(vs, "SUID copy").reason, "scanner timeout: over its 30 s budget");
  assert.equal(byEvidence(vs, "memfd").reason, "scanner error: boom");
  assert.equal(byEvidence(vs, "0.0.0.0").reason, "scanner did not run");
});

Deno.test("verdicts: eBPF unavailable names the loader's code and sentence for every trace line", () => {
  const s = scan({
    trace: outcome([result("ebpf_exec_trace", [])], {
      meta: { trace: { unavailable: { code: "no_btf", reason: "the kernel has no BTF type information" } } },
    }),
    events: [],
  });
  const trace = verdicts(FACTS, s).filter((v) => v.scanner === "ebpf_exec_trace");
  assert.equal(trace.length, 3);
  for (const v of trace) {
    assert.equal(v.seen, false);
    assert.equal(v.reason, "eBPF unavailable (no_btf): the kernel has no BTF type information");
  }
});

Deno.test("verdicts: no connect hook, a failed connect, a failed exec and a trace that never attached", () => {
  const noHook = verdicts(
    FACTS,
    scan({
      trace: outcome([result("ebpf_exec_trace", TRACE_OK().results[0].findings)], {
        meta: {
          trace: {
            attach: { connect: null, rejected: [{ program: "connect_btf", reason: "Invalid argument" }] },
          },
        },
      }),
      events: [],
    }),
  );
  assert.equal(
    byEvidence(noHook, "run-from-tmp").seen,
    true,
    "exec tracing still works without a connect hook",
  );
  assert.equal(
    byEvidence(noHook, "127.0.0.1").reason,
    "no connect hook could be attached (connect_btf: Invalid argument)",
  );

  const refused = verdicts(
    FACTS,
    scan({
      trace: outcome([result("ebpf_exec_trace", [])], { meta: TRACE_META }),
      events: [],
      actions: {
        attached: true,
        tempRun: { ok: false, error: "Permission denied" },
        connectV4: "Connection refused",
        connectV6: null,
      },
    }),
  );
  assert.equal(byEvidence(refused, "127.0.0.1").reason, "the connect itself failed: Connection refused");
  assert.match(byEvidence(refused, "[::1]").reason!, /the scanner ran but did not report it/);
  assert.equal(byEvidence(refused, "run-from-tmp").reason, "the exec itself failed: Permission denied");

  const late = verdicts(
    FACTS,
    scan({
      trace: outcome([result("ebpf_exec_trace", [])], { meta: { trace: { stopped_by: "no_events" } } }),
      events: [],
      actions: { attached: false, tempRun: null, connectV4: undefined, connectV6: undefined },
    }),
  );
  assert.equal(
    byEvidence(late, "127.0.0.1").reason,
    "the trace did not attach in time (stopped by no_events)",
  );
});

Deno.test("verdicts: --no-trace leaves the trace lines out", () => {
  const vs = verdicts(FACTS, scan({ trace: null, events: [], actions: null }));
  assert.equal(vs.length, 6);
  assert.ok(vs.every((v) => v.scanner !== "ebpf_exec_trace"));
});

Deno.test("render: one line per verdict, seen or NOT SEEN with the reason, and a summary", () => {
  const vs = verdicts(FACTS, scan({ trace: null, events: [], actions: null }));
  vs[1] = { ...vs[1], seen: false, applicable: true, reason: "scanner skipped: needs root" };
  const lines = verdictLines(vs);
  assert.equal(lines.length, 6);
  assert.match(
    lines[0],
    /^ {2}world_writable +fs\.world_writable\.file +mode 0666 file \/opt\/sys-scan-self-test\.conf +seen$/,
  );
  assert.match(lines[1], /NOT SEEN \(scanner skipped: needs root\)$/);
  const text = renderSelfTest(CAPS, vs, 4200);
  assert.match(
    text,
    /^sys-scan self-test: kernel 6\.1\.0-test, euid 0, BTF yes, tracefs no, libbpf \/usr\/lib\/libbpf\.so\.1/,
  );
  assert.match(text, /5 of 6 seen in 4\.2 s — 1 NOT SEEN\./);
});

Deno.test("verdicts: evidence this host cannot have (IPv6 off) is n/a, shown with its reason, not a failure", () => {
  const facts: EvidenceFacts = {
    ...FACTS,
    listenerV6: { ok: false, error: "IPv6 is turned off on this host", notApplicable: true },
  };
  const vs = verdicts(facts, scan({ events: EVENTS.slice(0, 1) }));
  const na = vs.filter((v) => !v.applicable);
  assert.deepEqual(na.map((v) => v.evidence), ["TCP listener on [::]:?", "connect to [::1]:?"]);
  assert.ok(na.every((v) => v.reason === "not applicable here: IPv6 is turned off on this host"));
  assert.equal(allSeen(vs), true);
  const lines = verdictLines(vs);
  assert.match(lines[5], /n\/a \(not applicable here: IPv6 is turned off on this host\)$/);
  assert.match(renderSelfTest(CAPS, vs, 1000), /7 of 7 seen in 1\.0 s \(2 not applicable here\)\./);
  vs[0] = { ...vs[0], seen: false, reason: "x" };
  assert.equal(allSeen(vs), false);
  assert.match(
    renderSelfTest(CAPS, vs, 1000),
    /6 of 7 seen in 1\.0 s — 1 NOT SEEN \(2 not applicable here\)\./,
  );
});
