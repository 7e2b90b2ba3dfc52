import assert from "node:assert/strict";
import { MAX_LINEAGE, ProcessTable } from "../../src/trace/lineage.ts";

function node(pid: number, ppid: number, comm: string) {
  return { pid, ppid, comm, exe: null, argv: [], source: "snapshot" as const };
}

Deno.test("lineage: walks parents to init, nearest first", () => {
  const t = new ProcessTable();
  t.set(node(1, 0, "systemd"));
  t.set(node(10, 1, "sshd"));
  t.set(node(20, 10, "bash"));
  assert.deepEqual(t.lineage(20), ["bash[20]", "sshd[10]", "systemd[1]"]);
  assert.deepEqual(t.lineage(0), []);
});

Deno.test("lineage: an unknown parent ends the walk with a marker", () => {
  const t = new ProcessTable();
  t.set(node(20, 15, "bash"));
  assert.deepEqual(t.lineage(20), ["bash[20]", "?[15]"]);
});

Deno.test("lineage: a parent loop or a very deep chain cannot hang the walk", () => {
  const t = new ProcessTable();
  t.set(node(5, 6, "a"));
  t.set(node(6, 5, "b"));
  assert.deepEqual(t.lineage(5), ["a[5]", "b[6]"]);
  const deep = new ProcessTable();
  for (let i = 2; i < 100; i++) deep.set(node(i, i - 1, `p${i}`));
  assert.equal(deep.lineage(99).length, MAX_LINEAGE);
});

Deno.test("lineage: an exec replaces the image of its pid", () => {
  const t = new ProcessTable();
  t.set(node(7, 1, "bash"));
  t.set({ ...node(7, 1, "curl"), source: "exec" });
  assert.equal(t.get(7)?.comm, "curl");
  assert.equal(t.size, 1);
});
