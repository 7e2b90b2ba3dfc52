/**
 * Reads a fixed set of paths through a Host and prints the outcomes as JSON, so a test can compare the libc
 * read path (with --allow-ffi) with the Deno one (without). Argument: the root.
 */
import { Host } from "../../src/host/host.ts";

const h = new Host(Deno.args[0]);
const out: Record<string, unknown> = {};
for (const p of ["/file", "/big", "/fifo", "/dir", "/missing", "/dir/missing/x", "/link", "/proc-like"]) {
  const r = h.readText(p, 100);
  out[p] = r.ok ? { text: r.value, truncated: r.truncated } : { reason: r.reason };
}
for (const p of ["/link", "/file", "/missing", "/dir/x/y", "/bad-link"]) {
  const r = h.readLink(p);
  out[`link ${p}`] = r.ok ? { target: r.value } : { reason: r.reason };
}
console.log(JSON.stringify(out));
