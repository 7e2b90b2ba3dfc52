/** The one reader of /proc/<pid>/exe (src/host/exe_link.ts): its path, deletion and memfd. */
import assert from "node:assert/strict";
import { parseExeLink, readExeLink } from "../../src/host/exe_link.ts";
import { Host } from "../../src/host/host.ts";
import { makeTree } from "../helpers.ts";
import { procTree } from "./procfs_fixture.ts";

Deno.test("exe_link: by text, the kernel's suffix is stripped once; a memfd is fileless, not deleted", () => {
  assert.deepEqual(parseExeLink("/usr/bin/x (deleted)"), { path: "/usr/bin/x", deleted: true, memfd: false });
  assert.deepEqual(parseExeLink("/tmp/x (deleted) (deleted)"), {
    path: "/tmp/x (deleted)",
    deleted: true,
    memfd: false,
  });
  assert.deepEqual(parseExeLink("/memfd:x (deleted)"), { path: "/memfd:x", deleted: false, memfd: true });
  assert.deepEqual(parseExeLink("/usr/bin/x(deleted)"), {
    path: "/usr/bin/x(deleted)",
    deleted: false,
    memfd: false,
  });
  assert.deepEqual(parseExeLink(""), { path: "", deleted: false, memfd: false });
});

Deno.test("exe_link: read through the Host of a fixture root; no link (kernel thread) is null", () => {
  using root = makeTree(procTree(
    { pid: 10, comm: "agent", exe: "/usr/local/bin/agent (deleted)" },
    { pid: 11, comm: "kthreadd" },
  ));
  const host = new Host(root.path);
  assert.deepEqual(readExeLink(host, 10), { path: "/usr/local/bin/agent", deleted: true, memfd: false });
  assert.equal(readExeLink(host, 11), null);
  assert.equal(readExeLink(host, 12), null);
});
