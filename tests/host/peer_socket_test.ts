/**
 * peekInetSocket reads a process's socket through a duplicate of its descriptor (pidfd_getfd): what it is,
 * whatever network namespace it is in, and only while the descriptor still holds the inode the caller saw.
 */
import assert from "node:assert/strict";
import { inetFromRaw, peekInetSocket } from "../../src/host/peer_socket.ts";
import { makeTree, repoPath, runAsNobody } from "../helpers.ts";
import { needs } from "../host_caps.ts";

/** This process's descriptors that are sockets, with their inodes. */
function ownSockets(): { fd: number; ino: number }[] {
  const out: { fd: number; ino: number }[] = [];
  for (const e of Deno.readDirSync("/proc/self/fd")) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/self/fd/${e.name}`));
      if (m) out.push({ fd: Number(e.name), ino: Number(m[1]) });
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** The inode of the socket at descriptor `fd` of process `pid`. */
function inodeOf(fd: number, pid: number): number {
  return Number(/\d+/.exec(Deno.readLinkSync(`/proc/${pid}/fd/${fd}`))![0]);
}

Deno.test("peekInetSocket: a TCP connection's family, both ends and state, read through its descriptor", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = listener.accept();
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  using _server = await accepting;
  const seen = ownSockets().map(({ fd, ino }) => peekInetSocket(Deno.pid, fd, ino));
  const client = seen.find((r) => r.ok && r.socket?.localPort === conn.localAddr.port);
  assert.ok(client?.ok && client.socket, JSON.stringify(seen));
  const s = client.socket;
  assert.equal(
    client.netns,
    Deno.readLinkSync("/proc/self/ns/net"),
    "the namespace it is in, as /proc names it",
  );
  assert.deepEqual(
    [s.table, s.family, s.localAddress, s.remoteAddress, s.remotePort, s.state],
    ["tcp", 4, "127.0.0.1", "127.0.0.1", listener.addr.port, "ESTABLISHED"],
  );
  const listening = seen.find((r) =>
    r.ok && r.socket?.localPort === listener.addr.port && r.socket.remotePort === 0
  );
  assert.ok(listening?.ok && listening.socket?.state === "LISTEN", "the listener is LISTEN, with no peer");
});

Deno.test("peekInetSocket: a unix socket is no inet socket; a reused descriptor, a file and a gone pid are refused", () => {
  using t = makeTree({ "f": "x" });
  // This test's own listener: the socket that appears with it (other modules' sockets come and go meanwhile).
  const before = new Set(ownSockets().map((s) => s.ino));
  using unix = Deno.listen({ transport: "unix", path: `${t.path}/s` });
  const mine = ownSockets().find((s) => !before.has(s.ino));
  assert.ok(mine, "the listener's descriptor");
  const r = peekInetSocket(Deno.pid, mine.fd, mine.ino);
  assert.ok(r.ok && r.socket === null, `the unix listener (${unix.addr.transport}) reads as no inet socket`);
  const other = peekInetSocket(Deno.pid, mine.fd, mine.ino + 1);
  assert.ok(
    !other.ok && other.gone && /holds socket \d+ now, not \d+/.test(other.reason),
    JSON.stringify(other),
  );
  using file = Deno.openSync(`${t.path}/f`);
  const fileFd = [...Deno.readDirSync("/proc/self/fd")].map((e) => Number(e.name)).find((fd) => {
    try {
      return Deno.readLinkSync(`/proc/self/fd/${fd}`) === Deno.realPathSync(`${t.path}/f`);
    } catch {
      return false;
    }
  });
  assert.ok(fileFd !== undefined && file.statSync().isFile);
  const notSocket = peekInetSocket(Deno.pid, fileFd, 1);
  assert.ok(!notSocket.ok && notSocket.gone && /no longer a socket/.test(notSocket.reason));
  const gone = peekInetSocket(2 ** 22 + 1, 0, mine.ino);
  assert.ok(!gone.ok && gone.gone && /pidfd_open: No such process/.test(gone.reason), JSON.stringify(gone));
});

Deno.test("inetFromRaw: IPv6 and IPv4-mapped ends are rendered as the tables render them; short addresses are refused", () => {
  const v6 = (port: number, last: number[]) => {
    const sa = new Uint8Array(28);
    sa.set([10, 0, port >> 8, port & 0xff]);
    sa.set(last, 24 - last.length);
    return sa;
  };
  const udp = inetFromRaw({
    ino: 7,
    domain: 10,
    type: 2,
    protocol: 17,
    local: v6(53, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]),
    remote: v6(4444, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    tcpState: null,
    netnsIno: null,
  }, "test");
  assert.deepEqual(
    [udp?.table, udp?.localAddress, udp?.localPort, udp?.remoteAddress, udp?.remotePort, udp?.state],
    ["udp6", "::ffff:10.0.0.1", 53, "::1", 4444, "ESTABLISHED"],
  );
  const unconnected = inetFromRaw({
    ino: 8,
    domain: 2,
    type: 2,
    protocol: 17,
    local: new Uint8Array([2, 0, 0, 53, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    remote: null,
    tcpState: null,
    netnsIno: null,
  }, "test");
  assert.deepEqual([unconnected?.remoteAddress, unconnected?.remotePort, unconnected?.state], [
    "0.0.0.0",
    0,
    "UNCONN",
  ]);
  const short = {
    ino: 9,
    domain: 2,
    type: 1,
    protocol: 6,
    local: new Uint8Array(3),
    remote: null,
    tcpState: 1,
    netnsIno: null,
  };
  assert.equal(inetFromRaw(short, "test"), null, "a sockaddr too short for its family");
  assert.equal(inetFromRaw({ ...short, local: new Uint8Array(16), domain: 1 }, "test"), null, "AF_UNIX");
  assert.equal(
    inetFromRaw({ ...short, local: new Uint8Array(16), type: 3, protocol: 1 }, "test"),
    null,
    "raw",
  );
  const odd = inetFromRaw(
    { ...short, local: new Uint8Array([2, 0, 0, 22, 127, 0, 0, 1]), tcpState: 99 },
    "test",
  );
  assert.equal(odd?.state, "0x63", "an unknown TCP state code is shown as the tables show it");
});

Deno.test(needs(["root", "setpriv"], {
  name:
    "peekInetSocket: without ptrace rights over the process (as nobody) it says so, and the socket is not gone",
  fn: async () => {
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepting = listener.accept();
    // A root-owned child with stdin on a TCP connection that lingers on close (so the scanner's duplicate is
    // closed on another thread).
    const child = new Deno.Command("/usr/bin/python3", {
      args: [
        "-c",
        `import socket,os,struct,time
s=socket.create_connection(("127.0.0.1",${listener.addr.port}))
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 30))
os.dup2(s.fileno(),0); print(1,flush=True); time.sleep(30)`,
      ],
      stdin: "null",
      stdout: "piped",
    }).spawn();
    using _server = await accepting;
    try {
      const reader = child.stdout.getReader();
      await reader.read();
      reader.releaseLock();
      const ino = inodeOf(0, child.pid);
      const r = runAsNobody(repoPath("tests/host/peer_socket_child.ts"), ["--allow-ffi"], [
        String(child.pid),
        String(ino),
      ]);
      assert.deepEqual(r, {
        ok: false,
        reason: `fd 0 of pid ${child.pid}: pidfd_getfd: Operation not permitted`,
        gone: false,
      });
      const asRoot = peekInetSocket(child.pid, 0, ino);
      assert.ok(asRoot.ok && asRoot.socket?.remotePort === listener.addr.port, JSON.stringify(asRoot));
    } finally {
      child.kill("SIGKILL");
      await child.stdout.cancel().catch(() => {});
      await child.status;
    }
  },
}));
