import assert from "node:assert/strict";
import dgram from "node:dgram";
import { network } from "../../src/scanners/network/index.ts";
import type { Finding } from "../../src/core/finding.ts";
import { firstLine, fixtureRoot, makeTree, runOne, stopChild, testConfig, testContext } from "../helpers.ts";
import { readTable } from "../../src/scanners/network/collect.ts";
import { inetLine, procs, TCP_HEADER } from "./network_procfs_fixture.ts";
import { needs } from "../host_caps.ts";

const MIXED = fixtureRoot("net-mixed");

const summary = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.id}`).sort();
const byId = (fs: Finding[], id: string) => {
  const f = fs.find((x) => x.id === id);
  assert.ok(f, `no finding ${id} in ${fs.map((x) => x.id).join(", ")}`);
  return f;
};

Deno.test("network: mixed fixture rates listeners, connections, raw and packet sockets", async () => {
  const r = await runOne(network, MIXED);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(summary(r.findings), [
    "critical net.listen.sensitive:tcp:0.0.0.0:2375",
    "high net.listen.sensitive:tcp:0.0.0.0:6379",
    "high net.packet_socket.sniffer:packet:ETH_P_ALL:/dev/shm/sn",
    "high net.raw_socket.unexpected:raw:icmp:/var/tmp/icmpd",
    "info net.listen.exposed:tcp6:[2001:db8::1]:443",
    "info net.listen.exposed:tcp6:[::]:22",
    "info net.listen.exposed:tcp:0.0.0.0:22",
    "info net.listen.exposed:udp:0.0.0.0:68",
    "medium net.connection.suspicious_port:tcp:198.51.100.7:3333",
    "medium net.listen.sensitive:udp:0.0.0.0:161",
    "medium net.listen.suspicious_port:tcp:0.0.0.0:4444",
  ]);
  assert.deepEqual(r.passed, [
    "net.listen.exposed",
    "net.listen.sensitive",
    "net.packet_socket.sniffer",
    "net.raw_socket.unexpected",
  ]);
  const redis = byId(r.findings, "net.listen.sensitive:tcp:0.0.0.0:6379");
  assert.equal(redis.metadata.pid, 200);
  assert.equal(redis.metadata.exe, "/usr/bin/redis-server");
  assert.equal(redis.metadata.service, "redis");
  assert.equal(redis.metadata.bind_scope, "wildcard");
  const docker = byId(r.findings, "net.listen.sensitive:tcp:0.0.0.0:2375");
  assert.equal(docker.metadata.owner_found, false);
  const nginx = byId(r.findings, "net.listen.exposed:tcp6:[2001:db8::1]:443");
  assert.deepEqual(nginx.metadata.owner_pids, ["1300", "1301"]);
  assert.equal(nginx.metadata.bind_scope, "address");
  const miner = byId(r.findings, "net.connection.suspicious_port:tcp:198.51.100.7:3333");
  assert.equal(miner.metadata.exe, "/tmp/.x/kworker");
  assert.equal(miner.location?.pid, 400);
});

Deno.test("network: loopback listeners (v4, ::1, v4-mapped) and expected raw/packet owners are passes", async () => {
  const r = await runOne(network, MIXED, { includePassed: true });
  const passed = r.findings.filter((f) => f.metadata.passed === true).map((f) => f.id).sort();
  assert.deepEqual(passed, [
    "net.listen.exposed:tcp6:[::ffff:127.0.0.1]:8080",
    "net.listen.exposed:udp:127.0.0.1:323",
    "net.listen.sensitive:tcp6:[::1]:5432",
    "net.listen.sensitive:tcp:127.0.0.1:5432",
    "net.packet_socket.sniffer:packet:ETH_P_ALL:/usr/sbin/dhclient",
    "net.raw_socket.unexpected:raw6:ipv6-icmp:/usr/lib/systemd/systemd-networkd",
  ]);
});

Deno.test("network: ids hold no pid or inode and are identical across runs", async () => {
  const a = await runOne(network, MIXED);
  const b = await runOne(network, MIXED);
  assert.deepEqual(a.findings.map((f) => f.id), b.findings.map((f) => f.id));
  for (const f of a.findings) {
    assert.doesNotMatch(f.id, /\b(1001|4001|5001|6001|9001|14001)\b/);
    assert.doesNotMatch(f.id, /:(200|400|600|700|900)\b(?!\.)/);
  }
});

Deno.test("network: a stock server (sshd, dhclient, networkd, loopback chrony) raises nothing above info", async () => {
  const UDP =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
  using root = makeTree({
    "proc/net/tcp": `${TCP_HEADER}\n${inetLine(0, "00000000:0016", "00000000:0000", "0A", 1)}\n`,
    "proc/net/tcp6": `${TCP_HEADER}\n${
      inetLine(0, "00000000000000000000000000000000:0016", "00000000000000000000000000000000:0000", "0A", 2)
    }\n`,
    "proc/net/udp": `${UDP}\n${inetLine(0, "00000000:0044", "00000000:0000", "07", 3)}\n${
      inetLine(1, "0100007F:0143", "00000000:0000", "07", 4)
    }\n`,
    "proc/net/raw6": `${UDP}\n${
      inetLine(0, "00000000000000000000000000000000:003A", "00000000000000000000000000000000:0000", "07", 5)
    }\n`,
    "proc/net/packet": "sk RefCnt Type Proto Iface R Rmem User Inode\n0 3 3 0003 2 1 0 0 6\n",
    ...procs(
      { pid: 1, exe: "/usr/lib/systemd/systemd" },
      { pid: 10, exe: "/usr/sbin/sshd", sockets: [1, 2] },
      { pid: 20, exe: "/usr/sbin/dhclient", sockets: [3, 6] },
      { pid: 30, exe: "/usr/sbin/chronyd", sockets: [4] },
      { pid: 40, exe: "/usr/lib/systemd/systemd-networkd", sockets: [5] },
    ),
  });
  const r = await runOne(network, root.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(summary(r.findings), [
    "info net.listen.exposed:tcp6:[::]:22",
    "info net.listen.exposed:tcp:0.0.0.0:22",
    "info net.listen.exposed:udp:0.0.0.0:68",
  ]);
});

Deno.test("network: look-alike names outside system dirs are not expected; known capture tools are medium", async () => {
  const RAW =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
  using root = makeTree({
    "proc/net/raw": `${RAW}\n${inetLine(0, "00000000:00FF", "00000000:0000", "07", 1)}\n`,
    "proc/net/packet":
      "sk RefCnt Type Proto Iface R Rmem User Inode\n0 3 3 0003 0 1 0 0 2\n0 3 3 0003 0 1 0 0 3\n" +
      "0 3 3 0003 0 1 0 0 4\n",
    ...procs(
      { pid: 10, exe: "/tmp/dhclient", sockets: [2] },
      { pid: 11, exe: "/usr/bin/tcpdump", sockets: [3] },
      { pid: 12, exe: "/tmp/ping", sockets: [1] },
    ),
  });
  const r = await runOne(network, root.path);
  assert.deepEqual(summary(r.findings), [
    "high net.packet_socket.sniffer:packet:ETH_P_ALL:/tmp/dhclient",
    "high net.raw_socket.unexpected:raw:raw:/tmp/ping",
    "medium net.packet_socket.sniffer:packet:ETH_P_ALL:/usr/bin/tcpdump",
    "medium net.packet_socket.sniffer:packet:ETH_P_ALL:unknown",
  ]);
  const unknown = byId(r.findings, "net.packet_socket.sniffer:packet:ETH_P_ALL:unknown");
  assert.equal(unknown.metadata.owner_found, false);
});

Deno.test("network: two instances of one interpreter holding sockets are told apart by pid, argv and exe", async () => {
  const RAW =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
  using root = makeTree({
    "proc/net/raw": `${RAW}\n${inetLine(0, "00000000:0001", "00000000:0000", "07", 7)}\n` +
      `${inetLine(1, "00000000:0001", "00000000:0000", "07", 8)}\n`,
    "proc/net/packet":
      "sk RefCnt Type Proto Iface R Rmem User Inode\n0 3 3 0003 0 1 0 0 5\n0 3 3 0003 0 1 0 0 6\n",
    ...procs(
      {
        pid: 20,
        exe: "/usr/bin/python3.11",
        cmdline: ["python3", "/opt/monitor/arpwatch.py"],
        sockets: [5, 7],
      },
      {
        pid: 21,
        exe: "/usr/bin/python3.11",
        cmdline: ["python3", "-c", "import socket; backdoor()"],
        sockets: [6, 8],
      },
    ),
  });
  const r = await runOne(network, root.path);
  for (
    const id of [
      "net.packet_socket.sniffer:packet:ETH_P_ALL:/usr/bin/python3.11",
      "net.raw_socket.unexpected:raw:icmp:/usr/bin/python3.11",
    ]
  ) {
    const f = byId(r.findings, id);
    assert.deepEqual(f.metadata.owner_pids, ["20", "21"]);
    assert.deepEqual(f.metadata.owner_exes, ["/usr/bin/python3.11", "/usr/bin/python3.11"]);
    assert.deepEqual(f.metadata.owner_cmdlines, [
      "python3 /opt/monitor/arpwatch.py",
      "python3 -c import socket; backdoor()",
    ]);
    assert.deepEqual([f.metadata.pid, f.metadata.argv], [20, ["python3", "/opt/monitor/arpwatch.py"]]);
    assert.equal(f.metadata.sockets, 2);
    assert.match(f.description, /\(pid 20: "python3 \/opt\/monitor\/arpwatch.py"\) and 1 other process/);
  }
});

Deno.test("network: --network-listen-only, --network-proto and --network-states filter TCP/UDP sockets", async () => {
  const listen = await runOne(network, MIXED, { networkListenOnly: true });
  assert.ok(!listen.findings.some((f) => f.check_id === "net.connection.suspicious_port"));
  assert.ok(listen.findings.some((f) => f.id === "net.listen.sensitive:udp:0.0.0.0:161"));

  const udp = await runOne(network, MIXED, { networkProto: "udp" });
  assert.deepEqual(summary(udp.findings), [
    "high net.packet_socket.sniffer:packet:ETH_P_ALL:/dev/shm/sn",
    "high net.raw_socket.unexpected:raw:icmp:/var/tmp/icmpd",
    "info net.listen.exposed:udp:0.0.0.0:68",
    "medium net.listen.sensitive:udp:0.0.0.0:161",
  ]);

  const states = await runOne(network, MIXED, { networkStates: ["established"] });
  const inet = states.findings.filter((f) =>
    f.check_id.startsWith("net.listen") || f.check_id.startsWith("net.conn")
  );
  assert.deepEqual(inet.map((f) => f.id), ["net.connection.suspicious_port:tcp:198.51.100.7:3333"]);
});

Deno.test("network: --max-sockets keeps the most severe socket findings and warns truncated", async () => {
  const r = await runOne(network, MIXED, { maxSockets: 2 });
  const socketFindings = r.findings.filter((f) =>
    f.check_id.startsWith("net.listen") || f.check_id.startsWith("net.conn")
  );
  assert.deepEqual(summary(socketFindings), [
    "critical net.listen.sensitive:tcp:0.0.0.0:2375",
    "high net.listen.sensitive:tcp:0.0.0.0:6379",
  ]);
  assert.ok(r.findings.some((f) => f.check_id === "net.raw_socket.unexpected"), "raw checks are not capped");
  assert.deepEqual(r.warnings.map((w) => w.code), ["truncated"]);
  assert.match(r.warnings[0].detail ?? "", /7 socket finding\(s\) not reported \(--max-sockets 2\)/);
});

Deno.test("network: --network-debug adds the raw line, --network-advanced lists connections and loopback listeners", async () => {
  const dbg = await runOne(network, MIXED, { networkDebug: true });
  const ssh = byId(dbg.findings, "net.listen.exposed:tcp:0.0.0.0:22");
  assert.deepEqual(ssh.metadata.raw_lines, [
    inetLine(0, "00000000:0016", "00000000:0000", "0A", 1001).trim(),
  ]);
  const plain = await runOne(network, MIXED);
  assert.ok(!("raw_lines" in byId(plain.findings, "net.listen.exposed:tcp:0.0.0.0:22").metadata));
  assert.ok(!plain.findings.some((f) => f.check_id === "net.socket.open"));

  const adv = await runOne(network, MIXED, { networkAdvanced: true });
  const open = adv.findings.filter((f) => f.check_id === "net.socket.open");
  assert.deepEqual(open.map((f) => [f.id, f.metadata.exe]), [
    ["net.socket.open:tcp6:[::1]:5432", "/usr/lib/postgresql/15/bin/postgres"],
    ["net.socket.open:tcp6:[::ffff:127.0.0.1]:8080", "/usr/lib/jvm/java-17/bin/java"],
    ["net.socket.open:tcp:10.0.0.5:22->10.0.0.10:54321", "/usr/sbin/sshd"],
    ["net.socket.open:tcp:10.0.0.5:40000->198.51.100.7:3333", "/tmp/.x/kworker"],
    ["net.socket.open:tcp:10.0.0.5:50000->198.51.100.7:443", undefined],
    ["net.socket.open:tcp:127.0.0.1:5432", "/usr/lib/postgresql/15/bin/postgres"],
    ["net.socket.open:udp:127.0.0.1:323", "/usr/sbin/chronyd"],
  ]);
  assert.ok(
    !adv.findings.some((f) => f.id === "net.socket.open:tcp:0.0.0.0:22"),
    "exposed listeners keep their own finding",
  );
});

function fanoutTree(outbound: number, distinct: number) {
  const lines = [TCP_HEADER, inetLine(0, "00000000:0050", "00000000:0000", "0A", 1)];
  const inodes: number[] = [1];
  for (let i = 0; i < outbound; i++) {
    const remote = (10 + (i % distinct)).toString(16).toUpperCase().padStart(2, "0");
    const lport = (40000 + i).toString(16).toUpperCase();
    lines.push(inetLine(i + 1, `0500000A:${lport}`, `${remote}00000A:01BB`, i % 2 ? "01" : "02", 100 + i));
    inodes.push(100 + i);
  }
  for (let i = 0; i < 20; i++) {
    lines.push(inetLine(100 + i, "0500000A:0050", `${(50 + i).toString(16)}00000A:C000`, "01", 500 + i));
    inodes.push(500 + i);
  }
  return makeTree({
    "proc/net/tcp": lines.join("\n") + "\n",
    ...procs({ pid: 1, exe: "/usr/lib/systemd/systemd" }, {
      pid: 77,
      exe: "/usr/bin/scanner",
      sockets: inodes,
    }),
  });
}

Deno.test("network: fan-out counts outbound connections and distinct remotes per process", async () => {
  using root = fanoutTree(12, 6);
  const hit = await runOne(network, root.path, { networkFanout: 12, networkFanoutUnique: 6 });
  const fan = hit.findings.filter((f) => f.check_id.startsWith("net.fanout")).map((
    f,
  ) => [f.id, f.metadata.outbound_connections, f.metadata.distinct_remote_addresses]);
  assert.deepEqual(fan, [
    ["net.fanout.connections:/usr/bin/scanner", 12, 6],
    ["net.fanout.remote_hosts:/usr/bin/scanner", 12, 6],
  ]);
  const quiet = await runOne(network, root.path, { networkFanout: 13, networkFanoutUnique: 7 });
  assert.ok(
    !quiet.findings.some((f) => f.check_id.startsWith("net.fanout")),
    "20 inbound connections do not count",
  );
});

Deno.test("network: other namespaces are read through /proc/<pid>/net, labelled by container, rated for the container network", async () => {
  const id = "ab".repeat(32);
  const line = `${inetLine(0, "00000000:0050", "00000000:0000", "0A", 9)}\n${
    inetLine(1, "00000000:18EB", "00000000:0000", "0A", 10)
  }`;
  using root = makeTree({
    "proc/1/net/tcp": `${TCP_HEADER}\n${inetLine(0, "00000000:0016", "00000000:0000", "0A", 8)}\n`,
    "proc/50/net/tcp": `${TCP_HEADER}\n${line}\n`,
    ...procs(
      { pid: 1, exe: "/usr/lib/systemd/systemd", ns: { net: "net:[100]" }, sockets: [8] },
      {
        pid: 50,
        exe: "/usr/sbin/nginx",
        ns: { net: "net:[200]" },
        sockets: [9, 10],
        cgroup: `0::/system.slice/docker-${id}.scope\n`,
      },
    ),
  });
  const r = await runOne(network, root.path);
  assert.deepEqual(summary(r.findings), [
    "info net.listen.exposed:tcp:0.0.0.0:22",
    "info net.listen.exposed:tcp:0.0.0.0:80@container:abababababab",
    "low net.listen.sensitive:tcp:0.0.0.0:6379@container:abababababab",
  ]);
  const web = byId(r.findings, "net.listen.exposed:tcp:0.0.0.0:80@container:abababababab");
  assert.equal(web.metadata.container_id, id);
  assert.equal(web.metadata.netns, "container:abababababab");

  const only = await runOne(network, root.path, { containerId: "abababababab" });
  assert.deepEqual(only.findings.map((f) => f.id), [
    "net.listen.exposed:tcp:0.0.0.0:80@container:abababababab",
    "net.listen.sensitive:tcp:0.0.0.0:6379@container:abababababab",
  ]);
  const none = await runOne(network, root.path, { containerId: "cdcdcdcdcdcd" });
  assert.deepEqual(none.findings, []);
});

Deno.test("network: a namespace member that moved to another namespace (setns) is not read for it", () => {
  const table = (port: string) =>
    `${TCP_HEADER}\n${inetLine(0, `00000000:${port}`, "00000000:0000", "0A", 7)}\n`;
  using root = makeTree({
    "proc/50/net/tcp": table("0050"), // what pid 50's namespace holds now: another namespace's table
    "proc/60/net/tcp": table("1F90"),
    ...procs(
      { pid: 50, exe: "/usr/sbin/nginx", ns: { net: "net:[300]" } },
      { pid: 60, exe: "/usr/sbin/nginx", ns: { net: "net:[200]" } },
    ),
  });
  const ctx = testContext("network", root.path);
  // The view as the process snapshot saw it: both members in net:[200].
  const view = { label: "netns:nginx", ns: "net:[200]", dirs: ["/proc/50/net", "/proc/60/net"] };
  assert.equal(readTable(ctx, view, "tcp"), table("1F90"), "the member still in the namespace is read");
  assert.equal(readTable(ctx, { ...view, ns: "net:[300]" }, "tcp"), table("0050"), "each member in its own");
  assert.equal(readTable(ctx, { ...view, dirs: ["/proc/50/net"] }, "tcp"), undefined, "none left: unread");
});

Deno.test("network: garbage tables warn, a root without /proc/net is skipped", async () => {
  using bad = makeTree({ "proc/net/tcp": "\u0000garbage\nsl x\n", "proc/net/udp": "" });
  const r = await runOne(network, bad.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.warnings.map((w) => w.code), ["net_malformed"]);
  using empty = makeTree({ "etc/hostname": "x\n" });
  const s = await runOne(network, empty.path);
  assert.equal(s.status, "skipped");
  assert.match(s.reason ?? "", /\/proc\/net/);
});

/** A python child that opens TCP listeners on 0.0.0.0, [::1] and [::] and a UDP socket, and prints their ports. */
const LISTENER = [
  "import socket, time",
  "socks = []",
  "for fam, host, kind in [(socket.AF_INET, '0.0.0.0', socket.SOCK_STREAM), (socket.AF_INET6, '::1', " +
  "socket.SOCK_STREAM), (socket.AF_INET6, '::', socket.SOCK_STREAM), (socket.AF_INET, '0.0.0.0', socket.SOCK_DGRAM)]:",
  "    s = socket.socket(fam, kind); s.bind((host, 0))",
  "    if kind == socket.SOCK_STREAM: s.listen(1)",
  "    socks.append(s)",
  "print(' '.join(str(s.getsockname()[1]) for s in socks), flush=True)",
  "time.sleep(60)",
].join("\n");

Deno.test(needs(["inetSockets"], {
  name:
    "network: real sockets of a child process are found with that process as owner; the scanner's own are not",
  async fn() {
    const child = new Deno.Command("/usr/bin/python3", {
      args: ["-c", LISTENER],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const mine = Deno.listen({ hostname: "0.0.0.0", port: 0 });
    const udp = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => udp.bind(0, "0.0.0.0", resolve));
    try {
      const line = await firstLine(child);
      const [p4, p6, pa, pu] = line.split(" ").map(Number);
      const r = await runOne(network, "/", { includePassed: true });
      assert.equal(r.status, "ok");
      const owned = (id: string) => {
        const f = byId(r.findings, id);
        assert.equal(f.metadata.pid, child.pid, `${id} owner`);
        return f;
      };
      const a = owned(`net.listen.exposed:tcp:0.0.0.0:${p4}`);
      assert.deepEqual([a.severity, a.metadata.bind_scope, a.metadata.passed], [
        "info",
        "wildcard",
        undefined,
      ]);
      assert.deepEqual(a.metadata.argv, ["/usr/bin/python3", "-c", LISTENER]);
      const b = owned(`net.listen.exposed:tcp6:[::1]:${p6}`);
      assert.deepEqual([b.metadata.local_address, b.metadata.bind_scope, b.metadata.passed], [
        "::1",
        "loopback",
        true,
      ]);
      const c = owned(`net.listen.exposed:tcp6:[::]:${pa}`);
      assert.equal(c.metadata.bind_scope, "wildcard");
      const d = owned(`net.listen.exposed:udp:0.0.0.0:${pu}`);
      assert.equal(d.metadata.protocol, "udp");
      assert.match(String(d.metadata.exe), /\/python3[.\d]*$/);
      // The scanner's own sockets (this test process runs the scanner) are the scan's, not the host's.
      const ownPorts = [(mine.addr as Deno.NetAddr).port, udp.address().port];
      const aboutUs = r.findings.filter((f) =>
        f.metadata.pid === Deno.pid || ownPorts.some((port) => f.id.endsWith(`:${port}`))
      );
      assert.deepEqual(aboutUs.map((f) => f.id), []);
    } finally {
      mine.close();
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await stopChild(child);
    }
  },
}));

Deno.test("network flags: --network-states is case-insensitive and rejects unknown states", () => {
  assert.deepEqual(testConfig({ networkStates: ["listen", "Unconn"] }).networkStates, ["LISTEN", "UNCONN"]);
  assert.throws(() => testConfig({ networkStates: ["LISTENING"] }), /a state is one of/);
});
