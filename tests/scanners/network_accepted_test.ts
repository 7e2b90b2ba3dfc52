/**
 * Which connections count as outbound: a socket is accepted from a listener only when a listener of its
 * namespace is bound to its local address and port (or to a wildcard covering that address), as the kernel
 * gives an accepted socket the address the client reached and the listener's port. A shared port alone says
 * nothing: any process can bind a client socket to a port some listener uses on another address.
 */
import assert from "node:assert/strict";
import { network } from "../../src/scanners/network/index.ts";
import { makeTree, runOne } from "../helpers.ts";
import { inetLine, procs, TCP_HEADER } from "./network_procfs_fixture.ts";

const TCP6_HEADER =
  "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";

/** ::ffff:a.b.c.d in /proc/net/tcp6 form (four little-endian 32-bit words). */
function mapped6(v4le: string): string {
  return `0000000000000000FFFF0000${v4le}`;
}

Deno.test("a client bound to a listener's port on another address is outbound: its C2 port is reported", async () => {
  using root = makeTree({
    // The red-team decoy: a listener on 127.0.0.2:41000 and, in the same process, a client bound to
    // 127.0.0.3:41000 connected to 127.0.0.1:4444.
    "proc/net/tcp": [
      TCP_HEADER,
      inetLine(0, "0200007F:A028", "00000000:0000", "0A", 10),
      inetLine(1, "0300007F:A028", "0100007F:115C", "01", 11),
    ].join("\n") + "\n",
    ...procs({ pid: 1, exe: "/usr/lib/systemd/systemd" }, {
      pid: 40,
      exe: "/usr/bin/python3.11",
      sockets: [10, 11],
    }),
  });
  const r = await runOne(network, root.path);
  const hits = r.findings.filter((f) => f.check_id === "net.connection.suspicious_port");
  assert.deepEqual(hits.map((f) => f.id), ["net.connection.suspicious_port:tcp:127.0.0.1:4444"]);
  assert.equal(hits[0].metadata.pid, 40);
});

Deno.test("connections accepted by a listener stay quiet, wildcard and IPv4-mapped binds included", async () => {
  // Clients whose ephemeral source port happens to be a listed port (45700 lies in Linux's default ephemeral
  // range 32768-60999) reach sshd on 0.0.0.0:22, a Java server on [::]:8080 over IPv4 (the tcp6 table shows
  // the accepted socket as ::ffff:10.0.0.5) and a service bound to 10.0.0.5:8443 alone.
  using root = makeTree({
    "proc/net/tcp": [
      TCP_HEADER,
      inetLine(0, "00000000:0016", "00000000:0000", "0A", 20),
      inetLine(1, "0500000A:0016", "0A00000A:B284", "01", 21),
      inetLine(2, "0500000A:20FB", "00000000:0000", "0A", 30),
      inetLine(3, "0500000A:20FB", "0B00000A:B284", "01", 31),
    ].join("\n") + "\n",
    "proc/net/tcp6": [
      TCP6_HEADER,
      inetLine(0, "00000000000000000000000000000000:1F90", "00000000000000000000000000000000:0000", "0A", 40),
      inetLine(1, `${mapped6("0500000A")}:1F90`, `${mapped6("0C00000A")}:B284`, "01", 41),
    ].join("\n") + "\n",
    ...procs(
      { pid: 1, exe: "/usr/lib/systemd/systemd" },
      { pid: 50, exe: "/usr/sbin/sshd", sockets: [20, 21] },
      { pid: 51, exe: "/usr/bin/java", sockets: [40, 41] },
      { pid: 52, exe: "/usr/sbin/nginx", sockets: [30, 31] },
    ),
  });
  const r = await runOne(network, root.path);
  assert.deepEqual(r.findings.filter((f) => f.check_id.startsWith("net.connection")).map((f) => f.id), []);
});

Deno.test("a listener on one address does not cover a connection from another address of the same port", async () => {
  // 10.0.0.5:8443 listens; a socket from 10.0.0.6:8443 to a mining pool port was connected, not accepted.
  using root = makeTree({
    "proc/net/tcp": [
      TCP_HEADER,
      inetLine(0, "0500000A:20FB", "00000000:0000", "0A", 30),
      inetLine(1, "0600000A:20FB", "076433C6:0D05", "01", 31),
    ].join("\n") + "\n",
    ...procs({ pid: 1, exe: "/usr/lib/systemd/systemd" }, { pid: 52, exe: "/tmp/x", sockets: [30, 31] }),
  });
  const r = await runOne(network, root.path);
  assert.deepEqual(
    r.findings.filter((f) => f.check_id === "net.connection.suspicious_port").map((f) => f.id),
    ["net.connection.suspicious_port:tcp:198.51.100.7:3333"],
  );
});
