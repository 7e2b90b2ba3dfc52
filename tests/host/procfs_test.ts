import assert from "node:assert/strict";
import { parseExeLink } from "../../src/host/exe_link.ts";
import { Host } from "../../src/host/host.ts";
import {
  containerIdFromCgroup,
  parseEnviron,
  parseStat,
  parseStatus,
  socketInode,
  splitNul,
} from "../../src/host/proc_stat.ts";
import { listPids, PROC_LIMITS, readProcess, takeSnapshot } from "../../src/host/procfs.ts";
import { makeTree } from "../helpers.ts";
import { procTree, statLine } from "./procfs_fixture.ts";

const ID = "a".repeat(64);

Deno.test("parseStat: comm with spaces and parentheses, fields 4, 9 and 22", () => {
  const line = statLine({ pid: 42, comm: "a) b (c)", ppid: 7, flags: 0x200040, startTicks: 123456 });
  assert.deepEqual(parseStat(line), {
    pid: 42,
    comm: "a) b (c)",
    state: "S",
    ppid: 7,
    flags: 0x200040,
    startTicks: 123456,
  });
  assert.equal(parseStat(statLine({ pid: 1, comm: "" }))?.comm, "");
});

Deno.test("parseStat: empty, truncated and garbage input", () => {
  assert.equal(parseStat(""), undefined);
  assert.equal(parseStat("42 (bash) S 1 42 42"), undefined);
  assert.equal(parseStat("garbage"), undefined);
  assert.equal(parseStat("x (bash) " + "1 ".repeat(50)), undefined);
  assert.equal(parseStat(") (" + "1 ".repeat(50)), undefined);
  const good = statLine({ pid: 5, comm: "x" });
  assert.equal(parseStat(good.replace(" S ", " 9 ")), undefined);
});

Deno.test("parseStatus: tgid, real and effective uid, real gid; garbage ignored", () => {
  assert.deepEqual(parseStatus("Name:\tx\nTgid:\t9\nUid:\t1000\t0\t0\t0\nGid:\t100\t100\t100\t100\n"), {
    tgid: 9,
    uid: 1000,
    euid: 0,
    gid: 100,
  });
  assert.deepEqual(parseStatus(""), {});
  assert.deepEqual(parseStatus("Uid:\tabc\nGid\n::::"), {});
});

Deno.test("splitNul and parseEnviron: trailing NUL, empty block, first value wins, invalid UTF-8", () => {
  const enc = new TextEncoder();
  assert.deepEqual(splitNul(enc.encode("a\0b c\0")), ["a", "b c"]);
  assert.deepEqual(splitNul(new Uint8Array()), []);
  assert.deepEqual(splitNul(enc.encode("only")), ["only"]);
  assert.deepEqual(splitNul(new Uint8Array([0xff, 0])), ["\uFFFD"]);
  assert.deepEqual(
    splitNul(enc.encode("a\0\0b\0")),
    ["a", "", "b"],
    "empty arguments in the middle are kept",
  );
  assert.deepEqual(splitNul(new Uint8Array(5)), ["", "", "", "", ""]);
  assert.deepEqual(splitNul(new Uint8Array(1 << 20), 3), ["", "", ""], "at most maxParts strings are made");
  const env = parseEnviron(enc.encode("A=1\0=bad\0noeq\0A=2\0B=x=y\0"));
  assert.deepEqual([...env], [["A", "1"], ["B", "x=y"]]);
});

Deno.test("containerIdFromCgroup: v1 and v2 runtimes, conmon excluded, none on plain hosts", () => {
  assert.equal(containerIdFromCgroup(`0::/system.slice/docker-${ID}.scope\n`), ID);
  assert.equal(containerIdFromCgroup(`12:memory:/docker/${ID}\n0::/\n`), ID);
  assert.equal(
    containerIdFromCgroup(`0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-${ID}.scope`),
    ID,
  );
  assert.equal(containerIdFromCgroup(`0::/machine.slice/libpod-${ID}.scope/container`), ID);
  assert.equal(containerIdFromCgroup(`0::/system.slice/crio-${ID}.scope`), ID);
  assert.equal(containerIdFromCgroup(`0::/machine.slice/libpod-conmon-${ID}.scope`), null);
  assert.equal(containerIdFromCgroup("0::/user.slice/user-1000.slice/session-2.scope\n"), null);
  assert.equal(containerIdFromCgroup(`0::/docker-${ID.slice(1)}.scope`), null);
  assert.equal(containerIdFromCgroup(""), null);
  assert.equal(containerIdFromCgroup(`garbage ${ID}`), null);
});

Deno.test("parseExeLink: deleted versus memfd", () => {
  assert.deepEqual(parseExeLink("/usr/bin/x (deleted)"), { path: "/usr/bin/x", deleted: true, memfd: false });
  assert.deepEqual(parseExeLink("/memfd:x (deleted)"), { path: "/memfd:x", deleted: false, memfd: true });
  assert.deepEqual(parseExeLink("/usr/bin/x"), { path: "/usr/bin/x", deleted: false, memfd: false });
  assert.equal(socketInode("socket:[123]"), 123);
  assert.equal(socketInode("pipe:[123]"), undefined);
  assert.equal(socketInode("socket:[12a]"), undefined);
});

Deno.test("takeSnapshot: reads every field through the root, kernel threads by PF_KTHREAD", () => {
  using root = makeTree({
    ...procTree(
      {
        pid: 10,
        comm: "we(ird) name",
        ppid: 1,
        uid: 1000,
        euid: 0,
        gid: 100,
        argv: ["/opt/app", "--flag", "two words"],
        exe: "/opt/app (deleted)",
        cwd: "/srv",
        cgroup: `0::/system.slice/docker-${ID}.scope\n`,
        fds: { 0: "/dev/null", 1: "socket:[77]", 5: "socket:[66]", 6: "socket:[77]", 7: "pipe:[1]" },
        ns: { net: "net:[4026531840]", pid: "pid:[4026531836]" },
      },
      { pid: 2, comm: "kthreadd", ppid: 0, flags: 0x208040 },
      { pid: 20, comm: "memfd:x", exe: "/memfd:x (deleted)", argv: ["x"] },
    ),
    "proc/self": { symlink: "20" },
    "proc/sys/kernel/pid_max": "32768\n",
  });
  const snap = takeSnapshot(new Host(root.path));
  assert.deepEqual([...snap.listed].sort((a, b) => a - b), [2, 10, 20]);
  assert.equal(snap.truncated, false);
  assert.equal(snap.vanished, 0);
  const p = snap.processes.find((x) => x.pid === 10)!;
  assert.equal(p.comm, "we(ird) name");
  assert.deepEqual([p.uid, p.euid, p.gid, p.ppid], [1000, 0, 100, 1]);
  assert.deepEqual(p.cmdline, ["/opt/app", "--flag", "two words"]);
  assert.deepEqual([p.exe, p.exeDeleted, p.exeMemfd, p.cwd], ["/opt/app", true, false, "/srv"]);
  assert.equal(p.containerId, ID);
  assert.deepEqual(p.namespaces, { net: "net:[4026531840]", pid: "pid:[4026531836]" });
  assert.deepEqual(p.socketInodes, [66, 77]);
  assert.deepEqual(p.stdio, ["/dev/null", "socket:[77]", null]);
  assert.equal(p.kernelThread, false);
  const k = snap.processes.find((x) => x.pid === 2)!;
  assert.deepEqual([k.kernelThread, k.exe, k.cmdline], [true, null, []]);
  const m = snap.processes.find((x) => x.pid === 20)!;
  assert.deepEqual([m.exe, m.exeMemfd, m.exeDeleted], ["/memfd:x", true, false]);
});

Deno.test("takeSnapshot: a vanished or garbage pid is counted, not an error; caps warn", () => {
  using root = makeTree({
    ...procTree({ pid: 3, comm: "a" }, { pid: 4, comm: "b" }, { pid: 5, comm: "c", argv: ["x".repeat(100)] }),
    "proc/6/status": "Name:\tgone\n",
    "proc/7/stat": "7 (trunc) S 1",
    "proc/0/stat": "not a pid",
    "proc/abc/stat": "x",
  });
  const snap = takeSnapshot(new Host(root.path), {
    ...PROC_LIMITS,
    maxPids: 4,
    maxCmdlineBytes: 16,
    maxCgroupBytes: 64,
    maxFds: 8,
  });
  assert.deepEqual(snap.processes.map((p) => p.pid), [3, 4, 5]);
  assert.equal(snap.vanished, 1);
  assert.equal(snap.truncated, true);
  assert.deepEqual([...snap.listed], [3, 4, 5, 6, 7], "listed keeps every pid, read or not");
  assert.deepEqual(snap.warnings.map((w) => w.code), ["truncated", "truncated"]);
  assert.match(snap.warnings[1].detail, /command line longer than 16 bytes .* 1 process\(es\) \(pids 5\)/);
  const five = snap.processes.find((p) => p.pid === 5)!;
  assert.equal(five.cmdlineTruncated, true);
  assert.equal(five.cmdline[0].length, 16);
});

Deno.test("takeSnapshot: a command line of NULs keeps at most maxCmdlineArgs empty arguments, and says so", () => {
  using root = makeTree({
    ...procTree({ pid: 3, comm: "nuls" }, { pid: 4, comm: "ok", argv: ["/bin/sh", "-c", ""] }),
    "proc/3/cmdline": { content: new Uint8Array(32 << 10) },
  });
  const snap = takeSnapshot(new Host(root.path));
  const [nuls, ok] = snap.processes;
  assert.equal(nuls.cmdline.length, PROC_LIMITS.maxCmdlineArgs);
  assert.ok(nuls.cmdline.every((a) => a === ""));
  assert.equal(nuls.cmdlineTruncated, true);
  assert.deepEqual(ok.cmdline, ["/bin/sh", "-c", ""], "an empty last argument is kept");
  assert.equal(ok.cmdlineTruncated, false);
  assert.equal(snap.warnings.length, 1);
  assert.match(snap.warnings[0].detail, /more than 1024 arguments in 1 process\(es\) \(pids 3\)/);
});

Deno.test("takeSnapshot: once the command-line budget is spent, later processes keep a short prefix, with a warning", () => {
  const procs = Array.from({ length: 6 }, (_, i) => ({ pid: 10 + i, comm: "c", argv: ["x".repeat(1000)] }));
  using root = makeTree(procTree(...procs));
  const snap = takeSnapshot(new Host(root.path), {
    ...PROC_LIMITS,
    cmdlineBudgetBytes: 3020,
    cmdlineAfterBudgetBytes: 100,
  });
  assert.deepEqual(snap.processes.map((p) => p.cmdline[0].length), [1000, 1000, 1000, 100, 100, 100]);
  assert.deepEqual(snap.processes.map((p) => p.cmdlineTruncated), [false, false, false, true, true, true]);
  assert.equal(snap.warnings.length, 1);
  assert.match(
    snap.warnings[0].detail,
    /kept to 100 bytes and 6 arguments in 3 process\(es\) \(pids 13, 14, 15\)/,
  );
});

Deno.test("takeSnapshot: a root without /proc gives an empty snapshot with a warning", () => {
  using root = makeTree({ "etc/hostname": "x\n" });
  const snap = takeSnapshot(new Host(root.path));
  assert.deepEqual(snap.processes, []);
  assert.deepEqual(snap.warnings.map((w) => w.code), ["proc_unreadable"]);
  assert.equal(typeof listPids(new Host(root.path)), "string");
});

Deno.test("readProcess: a pid that does not exist is vanished", () => {
  using root = makeTree({ "proc/.keep": "" });
  assert.deepEqual(readProcess(new Host(root.path), 12345), { ok: false, vanished: true });
});

Deno.test("takeSnapshot: the live host has this very process, set apart as the scanner's own, with its exe and argv", () => {
  const snap = takeSnapshot(new Host("/"));
  assert.equal(
    snap.processes.find((p) => p.pid === Deno.pid),
    undefined,
    "the scanner is not among the host's",
  );
  const self = snap.own.find((p) => p.pid === Deno.pid);
  assert.ok(self, "own pid in the snapshot's own processes");
  assert.equal(self.exe, Deno.execPath());
  assert.ok(self.cmdline.length > 1);
  assert.ok(snap.listed.has(Deno.pid));
  assert.ok(snap.processes.some((p) => p.kernelThread), "kernel threads detected by PF_KTHREAD");
});
