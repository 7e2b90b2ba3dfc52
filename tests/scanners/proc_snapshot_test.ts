/** The /proc snapshot scanners share: taken once per scan through the context memo. */
import assert from "node:assert/strict";
import { ScanShared } from "../../src/core/context.ts";
import { Host } from "../../src/host/host.ts";
import { procSnapshot } from "../../src/scanners/proc_snapshot.ts";
import { procTree } from "../host/procfs_fixture.ts";
import { makeTree, testContext } from "../helpers.ts";

Deno.test("procSnapshot: taken once per scan and shared between scanners", () => {
  using root = makeTree(procTree({ pid: 3, comm: "a" }));
  const host = new Host(root.path);
  const shared = new ScanShared();
  const mk = (name: string) => testContext(name, root.path, { host, shared });
  const a = procSnapshot(mk("processes"));
  Deno.removeSync(`${root.path}/proc/3`, { recursive: true });
  const b = procSnapshot(mk("network"));
  assert.equal(a, b);
  assert.equal(b.processes.length, 1);
});
