import assert from "node:assert/strict";
import { Catalogue } from "../../src/core/catalogue.ts";
import { materialize } from "../../src/core/pipeline.ts";
import { Aggregator, connectRiskReasons, MAX_SUBJECTS } from "../../src/trace/aggregate.ts";
import { SCANNER, TRACE_CHECKS } from "../../src/trace/checks.ts";
import { addressScope } from "../../src/trace/classify.ts";
import { Host } from "../../src/host/host.ts";
import { LocationJudge } from "../../src/host/location.ts";
import { makeTree } from "../helpers.ts";
import type { ConnectRecord, ExecRecord } from "../../src/trace/records.ts";

function exec(over: Partial<ExecRecord> = {}): ExecRecord {
  return {
    source: "ebpf",
    fidelity: "full",
    ts: "2026-01-01T00:00:00.000Z",
    pid: 100,
    ppid: 1,
    comm: "true",
    filename: "/usr/bin/true",
    exe: "/usr/bin/true",
    exe_deleted: false,
    interp: null,
    argv: ["true"],
    args_truncated: false,
    uid: 0,
    gid: 0,
    loginuid: null,
    cgroup_id: "1",
    parent_comm: "bash",
    lineage: ["bash[1]"],
    sha256: null,
    sha256_source: null,
    start_ticks: null,
    ...over,
  };
}

function connect(over: Partial<ConnectRecord> = {}): ConnectRecord {
  const dst = over.dst_ip ?? "93.184.216.34";
  return {
    source: "ebpf",
    ts: "2026-01-01T00:00:00.000Z",
    pid: 200,
    ppid: 1,
    uid: 0,
    comm: "curl",
    family: "ipv4",
    dst_ip: dst,
    dst_port: 443,
    v4mapped: false,
    scope: addressScope(dst),
    result: 0,
    exe: "/usr/bin/curl",
    exec_argv: ["curl", "https://example.org"],
    exec_traced: true,
    lineage: ["bash[1]"],
    ...over,
  };
}

const catalogue = new Catalogue(TRACE_CHECKS);

function findings(a: Aggregator) {
  return a.findings().map((d) => materialize(d, SCANNER, catalogue));
}

Deno.test("aggregate: repeated execs of one file are one finding with a count and sample pids", () => {
  const a = new Aggregator();
  for (let i = 0; i < 30; i++) a.addExec(exec({ pid: 100 + i }));
  const f = findings(a);
  assert.equal(f.length, 1);
  assert.equal(f[0].id, "trace.exec.observed:/usr/bin/true");
  assert.equal(f[0].severity, "info");
  assert.equal(f[0].metadata.count, 30);
  assert.equal(f[0].metadata.pid, 100);
  assert.equal(f[0].metadata.comm, "true");
  assert.equal((f[0].metadata.pids as string[]).length, 20);
});

Deno.test("aggregate: execs from /tmp, memfd and deleted files fire suspicious_location; /usr does not", () => {
  const a = new Aggregator();
  a.addExec(exec({ filename: "/tmp/x", exe: "/tmp/x" }));
  a.addExec(exec({ filename: "/dev/fd/3", exe: "/memfd:p" }));
  a.addExec(exec({ filename: "/opt/app/bin", exe: "/opt/app/bin", exe_deleted: true }));
  a.addExec(exec());
  const sus = findings(a).filter((f) => f.check_id === "trace.exec.suspicious_location");
  assert.deepEqual(sus.map((f) => [f.id, f.severity]).sort(), [
    ["trace.exec.suspicious_location:/memfd:p", "high"],
    ["trace.exec.suspicious_location:/opt/app/bin", "high"],
    ["trace.exec.suspicious_location:/tmp/x", "medium"],
  ]);
});

Deno.test("aggregate: with a judge, programs a non-root account can replace fire; root-owned ones do not", () => {
  using t = makeTree({
    "var/www/app/server": { content: "ELF", mode: 0o755 },
    "srv/devs/tool": { content: "ELF", mode: 0o755 },
    "srv/drop/run": { content: "ELF", mode: 0o755 },
    "opt/vendor/bin/agent": { content: "ELF", mode: 0o755 },
    "usr/local/bin/job": { content: "ELF", mode: 0o755 },
  });
  Deno.chownSync(`${t.path}/var/www`, 33, 33);
  Deno.chownSync(`${t.path}/srv/devs`, 0, 1001);
  Deno.chmodSync(`${t.path}/srv/devs`, 0o775);
  Deno.chmodSync(`${t.path}/srv/drop`, 0o777);
  Deno.chownSync(`${t.path}/usr/local/bin/job`, 1000, 1000);
  const a = new Aggregator(new LocationJudge(new Host(t.path)));
  for (
    const path of [
      "/var/www/app/server",
      "/srv/devs/tool",
      "/srv/drop/run",
      "/opt/vendor/bin/agent",
      "/usr/local/bin/job",
    ]
  ) {
    a.addExec(exec({ filename: path, exe: path }));
  }
  const sus = findings(a).filter((f) => f.check_id === "trace.exec.suspicious_location");
  assert.deepEqual(sus.map((f) => [f.location?.path, f.severity, f.metadata.location_kind, f.title]).sort(), [
    ["/srv/devs/tool", "medium", "user_writable", "Executed from a user-writable location: /srv/devs/tool"],
    ["/srv/drop/run", "medium", "world_writable", "Executed from a world-writable location: /srv/drop/run"],
    [
      "/usr/local/bin/job",
      "medium",
      "user_writable",
      "Executed from a user-writable location: /usr/local/bin/job",
    ],
    [
      "/var/www/app/server",
      "medium",
      "user_writable",
      "Executed from a user-writable location: /var/www/app/server",
    ],
  ]);
  const byName = new Aggregator();
  byName.addExec(exec({ filename: "/var/www/app/server", exe: "/var/www/app/server" }));
  assert.deepEqual(findings(byName).filter((f) => f.check_id === "trace.exec.suspicious_location"), []);
});

Deno.test("aggregate: home executions are one low finding per home area", () => {
  const a = new Aggregator();
  a.addExec(exec({ filename: "/root/.pyenv/shims/python3", exe: "/root/.pyenv/shims/python3" }));
  a.addExec(exec({ filename: "/root/.pyenv/libexec/pyenv", exe: "/root/.pyenv/libexec/pyenv" }));
  const sus = findings(a).filter((f) => f.check_id === "trace.exec.suspicious_location");
  assert.equal(sus.length, 1);
  assert.equal(sus[0].id, "trace.exec.suspicious_location:/root/.pyenv");
  assert.equal(sus[0].severity, "low");
  assert.deepEqual(sus[0].metadata.programs, ["/root/.pyenv/libexec/pyenv", "/root/.pyenv/shims/python3"]);
});

Deno.test("aggregate: an ordinary HTTPS client to an external address is low, per destination", () => {
  const a = new Aggregator();
  a.addConnect(connect());
  a.addConnect(connect({ pid: 201 }));
  const f = findings(a);
  assert.equal(f.length, 1);
  assert.equal(f[0].id, "trace.connect.external:/usr/bin/curl->93.184.216.34:443");
  assert.equal(f[0].severity, "low");
  assert.equal(f[0].metadata.count, 2);
  assert.equal(f[0].metadata.dst_ip, "93.184.216.34");
  assert.equal(f[0].metadata.dst_port, 443);
  assert.equal(f[0].metadata.pid, 200);
  assert.deepEqual(f[0].metadata.risk_reasons, []);
});

Deno.test("aggregate: a shell to an unusual external port is high; an interpreter on 443 is medium", () => {
  const a = new Aggregator();
  a.addConnect(connect({ comm: "bash", exe: "/usr/bin/bash", dst_port: 4444 }));
  a.addConnect(connect({ comm: "python3", exe: "/usr/bin/python3.11", dst_port: 443 }));
  const f = findings(a);
  const byExe = new Map(f.map((x) => [x.metadata.exe, x]));
  assert.equal(byExe.get("/usr/bin/bash")!.severity, "high");
  assert.deepEqual(byExe.get("/usr/bin/bash")!.metadata.risk_reasons, [
    "shell_connecting_out",
    "unusual_port",
  ]);
  assert.equal(byExe.get("/usr/bin/python3.11")!.severity, "medium");
});

Deno.test("aggregate: loopback connects are not findings; private ones are info unless risky", () => {
  const a = new Aggregator();
  a.addConnect(connect({ dst_ip: "127.0.0.1", dst_port: 5432 }));
  a.addConnect(connect({ family: "ipv6", dst_ip: "::1" }));
  a.addConnect(
    connect({
      dst_ip: "10.0.0.5",
      dst_port: 53,
      comm: "systemd-resolve",
      exe: "/usr/lib/systemd/systemd-resolved",
    }),
  );
  a.addConnect(connect({ dst_ip: "10.0.0.6", dst_port: 9999, comm: "x", exe: "/tmp/x" }));
  const f = findings(a);
  assert.deepEqual(a.quietConnects, { loopback: 2 });
  assert.deepEqual(f.map((x) => [x.check_id, x.severity]), [
    ["trace.connect.private", "medium"],
    ["trace.connect.private", "info"],
  ]);
});

Deno.test("aggregate: connect risk reasons (memfd, deleted, network tools)", () => {
  assert.deepEqual(connectRiskReasons(connect({ exe: "/memfd:x", dst_port: 443 })), ["exe_in_memfd"]);
  assert.deepEqual(connectRiskReasons(connect({ comm: "nc", exe: "/usr/bin/nc", dst_port: 80 })), [
    "network_tool",
  ]);
  assert.deepEqual(connectRiskReasons(connect({ exe: null, comm: "sh", dst_port: 22 })), [
    "shell_connecting_out",
  ]);
});

Deno.test("aggregate: ids never hold pids and the subject cap counts overflow", () => {
  const a = new Aggregator();
  for (let i = 0; i < MAX_SUBJECTS + 5; i++) {
    a.addExec(exec({ filename: `/usr/bin/t${i}`, exe: `/usr/bin/t${i}`, pid: i }));
  }
  assert.equal(a.overflow, 5);
  const f = findings(a);
  assert.equal(f.length, MAX_SUBJECTS);
  assert.ok(f.every((x) => !/:\d+$/.test(x.id.replace(/^trace\.exec\.observed:/, ""))));
});

Deno.test("aggregate: no records, no findings", () => {
  assert.deepEqual(new Aggregator().findings(), []);
});
