import assert from "node:assert/strict";
import type { ProcessInfo } from "../../src/host/proc_types.ts";
import { Host } from "../../src/host/host.ts";
import { isExpectedProgram } from "../../src/host/location.ts";
import {
  EXPECTED_PACKET_OWNERS,
  ownerMetadata,
  ownersByInode,
  programName,
} from "../../src/scanners/network/owners.ts";
import { netViews } from "../../src/scanners/network/views.ts";
import { makeTree } from "../helpers.ts";

function proc(pid: number, extra: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    pid,
    ppid: 1,
    comm: `p${pid}`,
    state: "S",
    startTicks: pid,
    flags: 0,
    uid: 0,
    euid: 0,
    gid: 0,
    cmdline: [],
    cmdlineTruncated: false,
    exe: null,
    exeDeleted: false,
    exeMemfd: false,
    cwd: null,
    kernelThread: false,
    cgroup: "",
    containerId: null,
    namespaces: {},
    socketInodes: [],
    pipeInodes: [],
    ptmxFds: [],
    bpfFds: [],
    stdio: [null, null, null],
    ...extra,
  };
}

Deno.test("owners: inode map is lowest pid first, skips inode 0, and shared sockets list every holder", () => {
  const map = ownersByInode([proc(30, { socketInodes: [5, 0] }), proc(10, { socketInodes: [5, 7] })]);
  assert.deepEqual(map.get(5)?.map((p) => p.pid), [10, 30]);
  assert.deepEqual(map.get(7)?.map((p) => p.pid), [10]);
  assert.equal(map.has(0), false);
  assert.deepEqual(ownerMetadata([]), { owner_found: false });
  assert.deepEqual(ownerMetadata(map.get(5)!).owner_pids, ["10", "30"]);
  assert.equal(ownerMetadata(map.get(5)!).exe_deleted, undefined);
  const gone = ownerMetadata([
    proc(40, { exe: "/tmp/x", exeDeleted: true }),
    proc(41, { exe: "/memfd:y", exeMemfd: true }),
  ]);
  assert.deepEqual([gone.exe_deleted, gone.exe_memfd], [true, undefined]);
  assert.equal(ownerMetadata([proc(42, { exe: "/memfd:y", exeMemfd: true })]).exe_memfd, true);
});

Deno.test("owners: expected programs must run from a system directory, undeleted, not from memfd", () => {
  const ok = proc(1, { exe: "/usr/sbin/dhclient" });
  assert.ok(isExpectedProgram(ok, EXPECTED_PACKET_OWNERS));
  assert.ok(!isExpectedProgram(proc(2, { exe: "/tmp/dhclient" }), EXPECTED_PACKET_OWNERS));
  assert.ok(
    !isExpectedProgram(proc(3, { exe: "/usr/sbin/dhclient", exeDeleted: true }), EXPECTED_PACKET_OWNERS),
  );
  assert.ok(!isExpectedProgram(proc(4, { exe: "/memfd:dhclient", exeMemfd: true }), EXPECTED_PACKET_OWNERS));
  assert.ok(!isExpectedProgram(proc(5, { exe: null, comm: "dhclient" }), EXPECTED_PACKET_OWNERS));
  assert.equal(programName(ok), "dhclient");
  assert.equal(programName(proc(6, { comm: "kworker/0:1" })), "kworker/0:1");
});

Deno.test("views: one view per network namespace, host first, others labelled by container or program", () => {
  using t = makeTree({ "x": "" });
  const host = new Host(t.path);
  const id = "f".repeat(64);
  const views = netViews(host, [
    proc(1, { namespaces: { net: "net:[1]" } }),
    proc(9, { namespaces: { net: "net:[1]" } }),
    proc(50, { namespaces: { net: "net:[2]" }, containerId: id }),
    proc(60, { namespaces: { net: "net:[3]" }, exe: "/usr/bin/chromium" }),
    proc(70),
  ]);
  assert.deepEqual(views, [
    { label: "", ns: "net:[1]", dirs: ["/proc/1/net", "/proc/9/net", "/proc/net"] },
    { label: "container:ffffffffffff", ns: "net:[2]", dirs: ["/proc/50/net"] },
    { label: "netns:chromium", ns: "net:[3]", dirs: ["/proc/60/net"] },
  ]);
});

Deno.test("views: without namespace links there is one view of /proc/net", () => {
  using t = makeTree({ "x": "" });
  assert.deepEqual(netViews(new Host(t.path), [proc(1), proc(2)]), [{
    label: "",
    ns: null,
    dirs: ["/proc/net"],
  }]);
});
