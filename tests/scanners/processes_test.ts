import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { parseBootTime, processes, processSubject } from "../../src/scanners/processes.ts";
import { ExeHasher } from "../../src/host/proc_exe_hash.ts";
import { Host } from "../../src/host/host.ts";
import { parsePasswd } from "../../src/host/proc_users.ts";
import { fixtureRoot, makeTree, runOne } from "../helpers.ts";
import { type FakeProc, procTree } from "../host/procfs_fixture.ts";

const CID = "b".repeat(64);
const PASSWD = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n";

const nginx = (pid: number, ppid = 1): FakeProc => ({
  pid,
  ppid,
  comm: "nginx",
  uid: 33,
  argv: ["nginx: worker process"],
  exe: "/usr/sbin/nginx",
  cwd: "/",
});

function host(...procs: FakeProc[]) {
  return makeTree({
    ...procTree(...procs),
    "etc/passwd": PASSWD,
    "proc/stat": "cpu 1 2 3\nbtime 1700000000\nprocesses 9\n",
  });
}

Deno.test("processes: nothing without --process-inventory", async () => {
  using root = host({ pid: 10, comm: "bash", exe: "/usr/bin/bash", argv: ["bash"] });
  const r = await runOne(processes, root.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.warnings, []);
});

Deno.test("processes: inventory has identity, full argv, start time; ids carry no pid", async () => {
  using root = host(
    {
      pid: 10,
      comm: "my (weird) app",
      uid: 1000,
      euid: 0,
      gid: 1000,
      startTicks: 500,
      argv: ["/opt/app", "--config", "/etc/app.conf"],
      exe: "/opt/app (deleted)",
      cwd: "/home/alice",
      cgroup: `0::/system.slice/docker-${CID}.scope\n`,
      ns: { net: "net:[4026532000]" },
      fds: { 3: "socket:[99]" },
    },
    { pid: 2, comm: "kthreadd", ppid: 0, flags: 0x208040 },
  );
  const r = await runOne(processes, root.path, { processInventory: true });
  assert.equal(r.findings.length, 1);
  const f = r.findings[0];
  assert.equal(f.severity, "info");
  assert.match(f.id, /^process\.inventory\.entry:\/opt\/app#[0-9a-f]{12}$/);
  assert.ok(!f.id.includes("10"));
  assert.deepEqual(f.metadata.argv, ["/opt/app", "--config", "/etc/app.conf"]);
  assert.equal(f.metadata.pid, 10);
  assert.equal(f.metadata.comm, "my (weird) app");
  assert.deepEqual([f.metadata.uid, f.metadata.euid, f.metadata.user, f.metadata.euser], [
    1000,
    0,
    "alice",
    "root",
  ]);
  assert.equal(f.metadata.start_ticks, 500);
  assert.equal(f.metadata.start_time, new Date((1700000000 + 5) * 1000).toISOString());
  assert.deepEqual([f.metadata.exe, f.metadata.exe_deleted, f.metadata.exe_memfd], ["/opt/app", true, false]);
  assert.equal(f.metadata.container_id, CID);
  assert.deepEqual(f.metadata.namespaces, ["net:[4026532000]"]);
  assert.equal(f.metadata.cwd, "/home/alice");
  assert.equal(f.metadata.socket_count, 1);
  assert.deepEqual(f.location, { path: "/opt/app", pid: 10 });
});

Deno.test("processes: identical processes merge into one finding with every pid", async () => {
  using root = host(nginx(21), nginx(22), nginx(23), {
    pid: 30,
    comm: "nginx",
    exe: "/usr/sbin/nginx",
    argv: ["nginx: master process /usr/sbin/nginx"],
  });
  const r = await runOne(processes, root.path, { processInventory: true });
  assert.equal(r.findings.length, 2);
  const workers = r.findings.find((f) => f.metadata.process_count === 3)!;
  assert.deepEqual(workers.metadata.pids, ["21", "22", "23"]);
  const again = await runOne(processes, root.path, { processInventory: true });
  assert.deepEqual(again.findings.map((f) => f.id).sort(), r.findings.map((f) => f.id).sort());
});

Deno.test("processes: kernel threads only with --all-processes", async () => {
  using root = host({ pid: 2, comm: "kthreadd", ppid: 0, flags: 0x208040 }, nginx(21));
  const without = await runOne(processes, root.path, { processInventory: true });
  assert.deepEqual(without.findings.map((f) => f.metadata.comm), ["nginx"]);
  const withAll = await runOne(processes, root.path, { processInventory: true, allProcesses: true });
  const kt = withAll.findings.find((f) => f.metadata.comm === "kthreadd")!;
  assert.equal(kt.metadata.kernel_thread, true);
  assert.match(kt.id, /:\[kthreadd\]#/);
});

Deno.test("processes: --max-processes caps findings and warns", async () => {
  using root = host(
    { pid: 5, comm: "a", exe: "/usr/bin/a", argv: ["a"] },
    { pid: 6, comm: "b", exe: "/usr/bin/b", argv: ["b"] },
    { pid: 7, comm: "c", exe: "/usr/bin/c", argv: ["c"] },
  );
  const r = await runOne(processes, root.path, { processInventory: true, maxProcesses: 2 });
  assert.equal(r.findings.length, 2);
  assert.deepEqual(r.warnings.map((w) => w.code), ["truncated"]);
});

Deno.test("processes: --container-id keeps only that container's processes (id prefix)", async () => {
  using root = host(nginx(21), {
    pid: 40,
    comm: "redis",
    exe: "/usr/bin/redis-server",
    argv: ["redis-server"],
    cgroup: `0::/system.slice/docker-${CID}.scope\n`,
  });
  const r = await runOne(processes, root.path, {
    processInventory: true,
    containerId: CID.slice(0, 12).toUpperCase(),
  });
  assert.deepEqual(r.findings.map((f) => f.metadata.comm), ["redis"]);
  const none = await runOne(processes, root.path, { processInventory: true, containerId: "c".repeat(12) });
  assert.deepEqual(none.findings, []);
});

Deno.test("processes: --process-hash hashes the whole file; over the cap it says so and gives no sha256", async () => {
  const body = new Uint8Array(3 * (1 << 20) + 17).map((_, i) => i % 251);
  using root = makeTree({
    ...procTree({ pid: 10, comm: "big", exe: "/usr/bin/big", argv: ["big"] }),
    "usr/bin/big": { content: body, mode: 0o755 },
  });
  const r = await runOne(processes, root.path, { processInventory: true, processHash: true });
  const f = r.findings[0];
  assert.equal(f.metadata.sha256, createHash("sha256").update(body).digest("hex"));
  assert.equal(f.metadata.exe_size, body.length);
  const small = new ExeHasher(new Host(root.path), 1 << 20);
  assert.deepEqual(await small.hash(10), { status: "too_large", size: body.length });
  const missing = await new ExeHasher(new Host(root.path)).hash(99);
  assert.equal(missing.status, "error");
});

Deno.test("processes: an executable that cannot be opened is not hashed and says why", async () => {
  using root = host({ pid: 10, comm: "gone", exe: "/usr/bin/gone (deleted)", argv: ["gone"] });
  const r = await runOne(processes, root.path, { processInventory: true, processHash: true });
  assert.equal(r.findings[0].metadata.sha256, null);
  assert.match(String(r.findings[0].metadata.hash_status), /^not hashed: /);
});

Deno.test("processes: a root without /proc is skipped with a reason", async () => {
  using root = makeTree({ "etc/passwd": PASSWD });
  const r = await runOne(processes, root.path, { processInventory: true });
  assert.equal(r.status, "skipped");
  assert.match(r.reason ?? "", /\/proc/);
});

Deno.test("processSubject, parseBootTime and parsePasswd on odd input", () => {
  const p = { exe: null, comm: "x", cmdline: [] } as unknown as Parameters<typeof processSubject>[0];
  assert.match(processSubject(p), /^\[x\]#[0-9a-f]{12}$/);
  assert.equal(parseBootTime("btime 12\n"), 12);
  assert.equal(parseBootTime("btime x\n"), undefined);
  assert.equal(parseBootTime(""), undefined);
  assert.deepEqual(parsePasswd("bad\n#c:x:0:0::/:/bin/sh\nu:x:notnum:0::/:/bin/sh\nok:x:5:5::/h:/bin/sh\n"), [
    { name: "ok", uid: 5, home: "/h" },
  ]);
});

Deno.test("processes: live host inventory with hashes includes a child of this process, not the scanner itself", async () => {
  const child = new Deno.Command("/bin/sleep", {
    args: ["30"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  })
    .spawn();
  try {
    const r = await runOne(processes, "/", { processInventory: true, processHash: true });
    assert.equal(r.status, "ok");
    const has = (pid: number) => r.findings.find((f) => (f.metadata.pids as string[]).includes(String(pid)));
    const sleep = has(child.pid);
    assert.ok(sleep, "the child is inventoried");
    assert.match(String(sleep.metadata.sha256), /^[0-9a-f]{64}$/);
    assert.equal(has(Deno.pid), undefined, "the scanner's own process is not");
    assert.ok(r.findings.every((f) => f.metadata.kernel_thread === false));
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
});

Deno.test("processes: the committed proc-compromised host inventories every user process once", async () => {
  const r = await runOne(processes, fixtureRoot("proc-compromised"), { processInventory: true });
  assert.equal(r.status, "ok");
  assert.equal(r.findings.length, 10);
  const nginx = r.findings.find((f) => f.metadata.exe === "/usr/sbin/nginx")!;
  assert.deepEqual([nginx.metadata.pids, nginx.metadata.user], [["420", "421"], "www-data"]);
  const redis = r.findings.find((f) => f.metadata.comm === "redis (server)")!;
  assert.equal(
    redis.metadata.container_id,
    "4f6e1c0d2b3a49588c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b",
  );
  assert.equal(redis.metadata.user, null);
  assert.equal(redis.metadata.start_time, new Date((1764400000 + 18) * 1000).toISOString());
});
