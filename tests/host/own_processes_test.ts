/**
 * The scanner's own processes (src/host/self.ts): itself and the helpers runProgram started, by pid and parent
 * chain, never by name; and the live /proc snapshot setting them apart.
 */
import assert from "node:assert/strict";
import { runProgram } from "../../src/host/exec.ts";
import { Host } from "../../src/host/host.ts";
import { takeSnapshot } from "../../src/host/procfs.ts";
import { ownPids, OwnTree, registerHelper, runningHelpers, unregisterHelper } from "../../src/host/self.ts";

const tree = (pairs: [number, number][]) => pairs.map(([pid, ppid]) => ({ pid, ppid }));

Deno.test("ownPids: the scanner, its registered helpers and their descendants; nothing else", () => {
  const procs = tree([
    [1, 0],
    [100, 1], // the scanner
    [200, 100], // a helper (dpkg)
    [201, 200], // the helper's child
    [202, 201], // and grandchild
    [300, 100], // a child the scanner did not register (self-test evidence, a test's process)
    [301, 300],
    [400, 1], // a process elsewhere that reused a pid once registered
    [500, 1],
  ]);
  const own = ownPids(procs, 100, new Set([200, 400]));
  assert.deepEqual([...own].sort((a, b) => a - b), [100, 200, 201, 202]);
});

Deno.test("ownPids: a parent loop in a garbled snapshot ends; an unknown scanner pid owns only itself", () => {
  const loop = tree([[10, 11], [11, 10], [12, 10]]);
  assert.deepEqual([...ownPids(loop, 100, new Set([10]))], [100]);
  assert.deepEqual([...ownPids([], 7, new Set())], [7]);
});

Deno.test("takeSnapshot: a helper runProgram started is the scanner's own while it runs; a plain child is not", async () => {
  const plain = new Deno.Command("/bin/sleep", {
    args: ["30"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  })
    .spawn();
  const running = runProgram("/bin/sleep", ["30"], { timeoutMs: 1500 });
  try {
    const helpers = runningHelpers();
    assert.equal(helpers.length, 1, "runProgram registered its child");
    const snap = takeSnapshot(new Host("/"));
    const own = snap.own.map((p) => p.pid);
    assert.ok(own.includes(Deno.pid) && own.includes(helpers[0]), `own: ${own}`);
    assert.equal(snap.processes.some((p) => own.includes(p.pid)), false);
    assert.ok(snap.processes.some((p) => p.pid === plain.pid), "the plain child is a host process");
    assert.ok(snap.listed.has(helpers[0]), "own processes stay in the listing (not 'hidden')");
  } finally {
    plain.kill("SIGKILL");
    await plain.status;
    const r = await running;
    assert.equal(r.timedOut, true);
  }
  assert.deepEqual(runningHelpers(), [], "forgotten once it exited");
});

Deno.test("takeSnapshot: under --root no pid is the scanner's own", () => {
  const dir = Deno.makeTempDirSync({ prefix: "sys-scan-own-" });
  try {
    Deno.mkdirSync(`${dir}/proc/${Deno.pid}`, { recursive: true });
    Deno.writeTextFileSync(`${dir}/proc/${Deno.pid}/stat`, `${Deno.pid} (x) S 1 ${"0 ".repeat(48)}\n`);
    const snap = takeSnapshot(new Host(dir));
    assert.deepEqual([snap.processes.map((p) => p.pid), snap.own], [[Deno.pid], []]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("OwnTree: a running helper and what it starts are own, in exec order; the scanner's other children are not", () => {
  const t = new OwnTree(new Set([200]));
  assert.equal(t.isOwn(200, 100), true, "the helper itself");
  assert.equal(t.isOwn(201, 200), true, "its child");
  assert.equal(t.isOwn(202, 201), true, "and grandchild");
  assert.equal(t.isOwn(300, 100), false, "a child of the scanner it did not register");
  assert.equal(t.isOwn(301, 300), false);
  assert.deepEqual([t.has(202), t.has(200), t.has(301)], [true, true, false]);
});

Deno.test("OwnTree: a helper that exited before its exec events were read is still own; disposing stops listening", () => {
  const tree = new OwnTree();
  const pid = 2_000_000_001;
  registerHelper(pid);
  unregisterHelper(pid);
  assert.equal(runningHelpers().includes(pid), false, "the registry forgot it");
  assert.equal(tree.isOwn(pid, Deno.pid), true, "the tree did not");
  assert.equal(tree.isOwn(pid + 1, pid), true, "nor its child");
  tree[Symbol.dispose]();
  registerHelper(pid + 2);
  unregisterHelper(pid + 2);
  assert.equal(tree.isOwn(pid + 2, Deno.pid), false, "a helper started after disposal is not recorded");
  const fresh = new OwnTree();
  assert.equal(fresh.isOwn(pid, Deno.pid), false, "a tree made later knows nothing of earlier helpers");
  fresh[Symbol.dispose]();
});
