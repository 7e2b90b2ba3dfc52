import assert from "node:assert/strict";
import { Host } from "../../src/host/host.ts";
import { makeTree } from "../helpers.ts";

const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

Deno.test("readRange: a negative offset reads the tail, a positive one a slice, both bounded", () => {
  using t = makeTree({ "var/log/wtmp": { content: bytes } });
  const h = new Host(t.path);
  const tail = h.readRange("/var/log/wtmp", -384, 384);
  assert.ok(tail.ok);
  assert.equal(tail.value.start, 616);
  assert.equal(tail.value.size, 1000);
  assert.deepEqual(tail.value.bytes, bytes.slice(616));
  assert.equal(tail.truncated, true, "the head was not read");
  const slot = h.readRange("/var/log/wtmp", 292, 292);
  assert.ok(slot.ok);
  assert.deepEqual(slot.value.bytes, bytes.slice(292, 584));
  const all = h.readRange("/var/log/wtmp", -5000, 5000);
  assert.ok(all.ok);
  assert.equal(all.truncated, false);
  assert.equal(all.value.bytes.length, 1000);
  const past = h.readRange("/var/log/wtmp", 5000, 10);
  assert.ok(past.ok);
  assert.equal(past.value.bytes.length, 0, "a slot past the end of a sparse lastlog is empty");
});

Deno.test("readRange refuses FIFOs and devices, and stays in the root", () => {
  using t = makeTree({ "dev/null": "", "var/log/null": { symlink: "/dev/null" }, "var/log/ok": "x" });
  new Deno.Command("mkfifo", { args: [`${t.path}/var/log/fifo`] }).outputSync();
  const h = new Host(t.path);
  const fifo = h.readRange("/var/log/fifo", -10, 10);
  assert.ok(!fifo.ok && fifo.reason === "not_file");
  assert.equal(new Host("/").readRange("/dev/null", 0, 10).ok, false, "a character device is not read");
  const viaRoot = h.readRange("/var/log/null", 0, 10);
  assert.ok(viaRoot.ok && viaRoot.value.size === 0, "the link is resolved inside the root");
});
