/** The one reader of /proc/<pid>/exe (src/host/exe_link.ts): its path, deletion and memfd. */
import assert from "node:assert/strict";
import { judgeExeLink, parseExeLink, readExeLink } from "../../src/host/exe_link.ts";
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

Deno.test("exe_link: the link count decides, the text only gives the path", () => {
  const live = (target: string, nlink: number, textIsPath: boolean) =>
    judgeExeLink(target, { nlink, textIsPath });
  // A program run from a file literally named "prog (deleted)" that still exists.
  assert.deepEqual(live("/opt/prog (deleted)", 1, true), {
    path: "/opt/prog (deleted)",
    deleted: false,
    memfd: false,
  });
  // That file deleted: the kernel appends its own suffix.
  assert.deepEqual(live("/opt/prog (deleted) (deleted)", 0, false), {
    path: "/opt/prog (deleted)",
    deleted: true,
    memfd: false,
  });
  // No name left, whatever the text says.
  assert.deepEqual(live("/opt/prog", 0, false), { path: "/opt/prog", deleted: true, memfd: false });
  // The name it ran under was unlinked, another hard link keeps the file: gone from where it ran.
  assert.deepEqual(live("/tmp/x (deleted)", 1, false), { path: "/tmp/x", deleted: true, memfd: false });
  assert.deepEqual(live("/usr/bin/x", 1, true), { path: "/usr/bin/x", deleted: false, memfd: false });
  assert.deepEqual(live("/usr/bin/x", 1, false), { path: "/usr/bin/x", deleted: false, memfd: false });
  assert.deepEqual(live("/memfd:x (deleted)", 0, false), { path: "/memfd:x", deleted: false, memfd: true });
});

/** Copies /bin/sleep to `path`, runs it, waits until its exe link is set, and returns the child. */
async function runCopy(path: string): Promise<Deno.ChildProcess> {
  Deno.copyFileSync("/bin/sleep", path);
  Deno.chmodSync(path, 0o755);
  const child = new Deno.Command(path, { args: ["60"], stdin: "null", stdout: "null", stderr: "null" })
    .spawn();
  for (let i = 0; i < 500; i++) {
    try {
      if (Deno.readLinkSync(`/proc/${child.pid}/exe`) === path) return child;
    } catch {
      // not exec'd yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill("SIGKILL");
  await child.status;
  throw new Error(`${path} never became pid ${child.pid}'s executable`);
}

async function stop(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch {
    // already gone
  }
  await child.status;
}

Deno.test("exe_link live: a running file named 'prog (deleted)' is not deleted; deleted, it is", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "exe-link-" });
  const prog = `${dir}/prog (deleted)`;
  const child = await runCopy(prog);
  try {
    const live = new Host("/");
    assert.deepEqual(readExeLink(live, child.pid), { path: prog, deleted: false, memfd: false });
    Deno.removeSync(prog);
    assert.equal(Deno.readLinkSync(`/proc/${child.pid}/exe`), `${prog} (deleted)`);
    assert.deepEqual(readExeLink(live, child.pid), { path: prog, deleted: true, memfd: false });
  } finally {
    await stop(child);
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("exe_link live: unlinked under the name it ran as, kept by a hard link elsewhere, is still deleted", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "exe-link-" });
  const ran = `${dir}/payload`;
  const child = await runCopy(ran);
  try {
    Deno.linkSync(ran, `${dir}/.kept`);
    Deno.removeSync(ran);
    assert.equal(Deno.statSync(`/proc/${child.pid}/exe`).nlink, 1);
    assert.deepEqual(readExeLink(new Host("/"), child.pid), { path: ran, deleted: true, memfd: false });
  } finally {
    await stop(child);
    Deno.removeSync(dir, { recursive: true });
  }
});
