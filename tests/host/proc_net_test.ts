/**
 * The one /proc/net parser and address formatter (src/host/proc_net.ts, src/host/net_address.ts): what the
 * kernel writes, what a hostile or truncated table holds, and the byte order of the words.
 */
import assert from "node:assert/strict";
import { Host } from "../../src/host/host.ts";
import { formatIpv4, formatIpv6, hostPort, isIpv4Mapped } from "../../src/host/net_address.ts";
import {
  findInetSocket,
  parseInetTable,
  parsePacketTable,
  parseSocketInodes,
  procNetByteOrder,
} from "../../src/host/proc_net.ts";
import { makeTree } from "../helpers.ts";

const HEADER =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const GOOD =
  "   0: 0100007F:A000 0100007F:115C 01 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 20 4";
const GOOD6 = "   0: 0000000000000000FFFF00000100007F:A000 0000000000000000FFFF00000A02000A:01BB 01 " +
  "00000000:00000000 00:00000000 00000000     0        0 5151 1 0 20 4";

Deno.test("proc_net: every kind of malformed line is counted as bad and never misread", () => {
  const malformed = [
    "   1: 0100007F:A000",
    "   1: 0100007F:A000 0100007F:115C", // truncated after the addresses
    "   1: 0100007G:A000 0100007F:115C 01 00000000:00000000 00:00000000 00000000 0 0 7 1", // not hex
    "   1: 0100007F:A0000 0100007F:115C 01 00000000:00000000 00:00000000 00000000 0 0 7 1", // 5-digit port
    "   1: 100007F:A000 0100007F:115C 01 00000000:00000000 00:00000000 00000000 0 0 7 1", // 7-digit address
    "   1: 0100007F:A000 0100007F:115C 01 00000000:00000000 00:00000000 00000000 -5 0 7 1", // negative uid
    "   1: 0100007F:A000 0100007F:115C 01 00000000:00000000 00:00000000 00000000 0 0 x7 1", // bad inode
    "x: 0100007F:A000 0100007F:115C 01 00000000:00000000 00:00000000 00000000 0 0 7 1", // bad slot
    "\u0000\u00ff\u001b[31m",
    ":::::",
  ];
  const r = parseInetTable([HEADER, GOOD, ...malformed, GOOD].join("\n"), "tcp");
  assert.equal(r.bad, malformed.length);
  assert.deepEqual(
    r.entries.map((s) => [s.localAddress, s.localPort, s.remotePort, s.state, s.uid, s.inode]),
    [
      ["127.0.0.1", 0xa000, 4444, "ESTABLISHED", 1000, 4242],
      ["127.0.0.1", 0xa000, 4444, "ESTABLISHED", 1000, 4242],
    ],
  );
});

Deno.test("proc_net: CRLF line ends, blank lines and a table without its header still parse", () => {
  const r = parseInetTable(`\r\n${GOOD}\r\n\n   \n${GOOD}`, "tcp");
  assert.deepEqual([r.entries.length, r.bad], [2, 0]);
});

Deno.test("proc_net: an IPv6 line in an IPv4 table and the reverse are bad", () => {
  assert.deepEqual(parseInetTable(GOOD6, "tcp").bad, 1);
  assert.deepEqual(parseInetTable(GOOD, "tcp6").bad, 1);
});

Deno.test("proc_net: IPv4-mapped IPv6 sockets render as ::ffff:a.b.c.d", () => {
  const [s] = parseInetTable(GOOD6, "tcp6").entries;
  assert.deepEqual([s.localAddress, s.remoteAddress, s.remotePort], [
    "::ffff:127.0.0.1",
    "::ffff:10.0.2.10",
    443,
  ]);
  assert.equal(hostPort(s.remoteAddress, s.remotePort), "[::ffff:10.0.2.10]:443");
});

Deno.test("proc_net: words are in the CPU's byte order; cpu_byteorder says which", () => {
  const big = "   0: 7F000001:A000 7F000001:115C 01 00000000:00000000 00:00000000 00000000 0 0 9 1";
  assert.equal(parseInetTable(big, "tcp", "big").entries[0].localAddress, "127.0.0.1");
  assert.equal(parseInetTable(big, "tcp", "little").entries[0].localAddress, "1.0.0.127");
  using bigHost = makeTree({ "sys/kernel/cpu_byteorder": "big\n" });
  using littleHost = makeTree({ "sys/kernel/cpu_byteorder": "little\n" });
  using noSys = makeTree({ "etc/hostname": "x\n" });
  assert.equal(procNetByteOrder(new Host(bigHost.path)), "big");
  assert.equal(procNetByteOrder(new Host(littleHost.path)), "little");
  assert.equal(procNetByteOrder(new Host(noSys.path)), "little");
});

Deno.test("proc_net: findInetSocket finds by inode, skips bad lines, never matches inode 0", () => {
  const text = [HEADER, "garbage line", GOOD].join("\n");
  assert.equal(findInetSocket(text, "tcp", 4242)?.remotePort, 4444);
  assert.equal(findInetSocket(text, "tcp", 4243), undefined);
  const orphan = GOOD.replace(" 4242 ", " 0 ");
  assert.equal(findInetSocket(orphan, "tcp", 0), undefined);
});

Deno.test("proc_net: packet table lines with missing or non-numeric fields are bad", () => {
  const header = "sk               RefCnt Type Proto  Iface R Rmem   User   Inode";
  const good = "ffff8880041ac800 3      3    0003   0     1 0      0      5001";
  const r = parsePacketTable(
    [header, good, `${good} extra`, good.replace("0003", "00zz"), "ffff 3 3"].join("\n"),
  );
  assert.deepEqual([r.entries.length, r.bad], [1, 3]);
});

Deno.test("net_address: IPv4 and IPv4-mapped bytes", () => {
  assert.equal(formatIpv4([192, 0, 2, 1]), "192.0.2.1");
  assert.equal(formatIpv4([0, 0, 0, 0, 203, 0, 113, 9], 4), "203.0.113.9");
  const mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1];
  assert.equal(isIpv4Mapped(mapped), true);
  assert.equal(formatIpv6(mapped), "::ffff:10.0.0.1");
  assert.equal(isIpv4Mapped([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 10, 0, 0, 1]), false);
  assert.equal(formatIpv6(Uint8Array.from(mapped)), "::ffff:10.0.0.1", "Uint8Array and number[] alike");
});

Deno.test("proc_net: unix, netlink and ICMP tables give their sockets' inodes; malformed lines are bad", () => {
  const unix = "Num       RefCount Protocol Flags    Type St Inode Path\n" +
    "00000000e86b29d6: 00000003 00000000 00000000 0001 03  1061\n" +
    "00000000eee21636: 00000002 00000000 00010000 0001 01 3428636 /run/systemd/journal/stdout\n" +
    "0000000011112222: 00000002 00000000 00010000 0001 01 0 @abstract name with spaces\n" +
    "garbage line\n" +
    "00000000aaaabbbb: 00000002 00000000 00010000 0001 01 12x4\n\n";
  assert.deepEqual(parseSocketInodes(unix, "unix"), { entries: [1061, 3428636], bad: 2 });
  const netlink =
    "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n" +
    "000000009b7af7b4 0   0          00000000 0        0        0     2        0        4       \n" +
    "000000006add014f 4   0          00000000 0        0        0     2        0\n";
  assert.deepEqual(parseSocketInodes(netlink, "netlink"), { entries: [4], bad: 1 });
  const icmp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n" +
    "  1: 00000000:0001 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 99123 2 0000000000000000 0\n";
  assert.deepEqual(parseSocketInodes(icmp, "icmp"), { entries: [99123], bad: 0 });
  assert.deepEqual(parseSocketInodes("", "unix"), { entries: [], bad: 0 }, "an empty file");
  assert.deepEqual(parseSocketInodes("header only\n", "netlink"), { entries: [], bad: 0 });
  const huge = "h\n0: 0 0 0 0 0 99999999999999999999\n";
  assert.deepEqual(
    parseSocketInodes(huge, "unix"),
    { entries: [], bad: 1 },
    "an inode past 15 digits is bad",
  );
});
