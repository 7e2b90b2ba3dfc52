import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ExecHasher, MAX_PENDING } from "../../src/trace/hash.ts";
import { makeTree } from "../helpers.ts";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

Deno.test("hash: a live process is hashed through /proc/<pid>/exe, once per file", () => {
  const h = new ExecHasher();
  const a = h.capture(Deno.pid, "/ignored");
  const b = h.capture(Deno.pid, "/ignored");
  assert.ok(a && b);
  assert.equal(a.via, "proc_exe");
  assert.equal(a.key, b.key);
  h.flush();
  assert.equal(h.get(a.key), sha(Deno.readFileSync(Deno.execPath())));
  assert.equal(h.stats.computed, 1);
  assert.equal(h.stats.cached, 1);
});

Deno.test("hash: an exited process is hashed by path; /dev/fd paths and missing files are not", () => {
  using tree = makeTree({ "bin/tool": "#!/bin/sh\necho hi\n" });
  const h = new ExecHasher();
  const gone = 2 ** 22 + 12345; // above pid_max: no such process
  const r = h.capture(gone, `${tree.path}/bin/tool`);
  assert.equal(r?.via, "path");
  assert.equal(h.capture(gone, "/dev/fd/3"), null);
  assert.equal(h.capture(gone, `${tree.path}/bin/missing`), null);
  assert.equal(h.capture(gone, "relative/path"), null);
  h.flush();
  assert.equal(h.get(r!.key), sha(new TextEncoder().encode("#!/bin/sh\necho hi\n")));
  assert.equal(h.stats.by_path, 1);
  assert.equal(h.stats.failed, 3);
});

Deno.test("hash: files over the cap are not hashed, and pending files are bounded", () => {
  using tree = makeTree({ "big": "x".repeat(100) });
  const small = new ExecHasher(10);
  const r = small.capture(2 ** 22 + 1, `${tree.path}/big`);
  small.flush();
  assert.equal(small.get(r!.key), null);
  assert.equal(small.stats.too_large, 1);
  const entries: Record<string, string> = {};
  for (let i = 0; i <= MAX_PENDING; i++) entries[`f${i}`] = String(i);
  using many = makeTree(entries);
  const h = new ExecHasher();
  for (let i = 0; i <= MAX_PENDING; i++) h.capture(2 ** 22 + 1, `${many.path}/f${i}`);
  assert.equal(h.stats.skipped, 1);
  h.close();
});

Deno.test("hash: an executed path swapped for a FIFO or a symlink to a device is refused at once, never waited on", () => {
  using tree = makeTree({ "bin/dev": { symlink: "/dev/zero" } });
  const out = new Deno.Command("/usr/bin/mkfifo", { args: [`${tree.path}/bin/fifo`] }).outputSync();
  assert.ok(out.success);
  const h = new ExecHasher();
  const gone = 2 ** 22 + 7;
  const started = performance.now();
  assert.equal(h.capture(gone, `${tree.path}/bin/fifo`), null);
  assert.equal(h.capture(gone, `${tree.path}/bin/dev`), null);
  assert.ok(performance.now() - started < 1000);
  assert.equal(h.stats.failed, 2);
});
