/**
 * InetIndex on the live host: a socket in no table the scan read is read through its descriptor, and called
 * unlisted only when a fresh reading of every namespace's tables confirms it is in none (a socket made after the
 * scan's reading is listed by then).
 */
import assert from "node:assert/strict";
import { InetIndex } from "../../src/scanners/ioc/reverse_shell.ts";
import { socketTables } from "../../src/scanners/network/collect.ts";
import type { ProcessInfo } from "../../src/host/proc_types.ts";
import { inetSocketsRefused, testContext } from "../helpers.ts";

const refused = inetSocketsRefused();
if (refused) console.log(`ignored: ${refused}`);

/** This process's descriptor holding the socket whose local port is `port`, with its inode. */
function descriptorOf(port: number, index: InetIndex, self: ProcessInfo): { fd: number; inode: number } {
  for (const e of Deno.readDirSync("/proc/self/fd")) {
    const m = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/self/fd/${e.name}`));
    if (!m) continue;
    const s = index.atFd(self, Number(e.name), Number(m[1]));
    if (s?.local.endsWith(`:${port}`)) return { fd: Number(e.name), inode: Number(m[1]) };
  }
  throw new Error(`no descriptor of this process is the socket on port ${port}`);
}

Deno.test({
  name:
    "InetIndex: a socket made after the scan read the tables is read through its descriptor, not 'unlisted'",
  ignore: refused !== undefined,
  async fn() {
    const ctx = testContext("ioc", "/");
    socketTables(ctx); // the scan's one reading, before the connection exists
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepting = listener.accept();
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    using _server = await accepting;
    const self = {
      pid: Deno.pid,
      namespaces: { net: Deno.readLinkSync("/proc/self/ns/net") },
    } as unknown as ProcessInfo;
    const index = new InetIndex(ctx);
    const { fd, inode } = descriptorOf(conn.localAddr.port, index, self);
    assert.equal(index.lookup(self, inode), undefined, "not in the scan's reading");
    const s = index.atFd(self, fd, inode);
    assert.deepEqual(s, {
      proto: "tcp",
      local: `127.0.0.1:${conn.localAddr.port}`,
      remote: `127.0.0.1:${listener.addr.port}`,
      state: "ESTABLISHED",
    }, "read through the descriptor, and listed in a fresh reading: no 'unlisted'");
    assert.deepEqual(ctx.warnings, []);
  },
});
