import assert from "node:assert/strict";
import fc from "fast-check";
import {
  bindScope,
  decodeIpv4Hex,
  decodeIpv6Bytes,
  decodeIpv6Hex,
  formatIpv6,
  hostPort,
} from "../../src/host/net_address.ts";
import { isListening, parseInetTable, parsePacketTable } from "../../src/host/proc_net.ts";
import { inetLine, TCP_HEADER } from "./network_procfs_fixture.ts";

Deno.test("ip: IPv4 words are little-endian on x86 and big-endian when the CPU is", () => {
  assert.equal(decodeIpv4Hex("0100007F"), "127.0.0.1");
  assert.equal(decodeIpv4Hex("0A01A8C0"), "192.168.1.10");
  assert.equal(decodeIpv4Hex("00000000"), "0.0.0.0");
  assert.equal(decodeIpv4Hex("7F000001", "big"), "127.0.0.1");
  assert.equal(decodeIpv4Hex("7F00001"), undefined);
  assert.equal(decodeIpv4Hex("ZZ000001"), undefined);
  assert.equal(decodeIpv4Hex(""), undefined);
});

Deno.test("ip: IPv6 is four host-order words rendered in RFC 5952 form", () => {
  assert.equal(decodeIpv6Hex("00000000000000000000000000000000"), "::");
  assert.equal(decodeIpv6Hex("00000000000000000000000001000000"), "::1");
  assert.equal(decodeIpv6Hex("B80D0120000000000000000001000000"), "2001:db8::1");
  assert.equal(decodeIpv6Hex("000080FE000000000000000001000000"), "fe80::1");
  assert.equal(decodeIpv6Hex("0000000000000000FFFF00000100007F"), "::ffff:127.0.0.1");
  assert.equal(decodeIpv6Hex("20010DB8000000000000000000000001", "big"), "2001:db8::1");
  assert.equal(decodeIpv6Hex("B80D012000000000000000000100000"), undefined);
  assert.equal(decodeIpv6Hex("X".repeat(32)), undefined);
});

Deno.test("ip: RFC 5952 corner cases (single zero group, ties, trailing run)", () => {
  const g = (...groups: number[]) => groups.flatMap((x) => [x >> 8, x & 0xff]);
  assert.equal(formatIpv6(g(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1)), "2001:db8:0:1:1:1:1:1");
  assert.equal(formatIpv6(g(0x2001, 0, 0, 1, 0, 0, 1, 1)), "2001::1:0:0:1:1");
  assert.equal(formatIpv6(g(0x2001, 0xdb8, 0, 0, 1, 0, 0, 0)), "2001:db8:0:0:1::");
  assert.equal(formatIpv6(g(0xABCD, 0, 0, 0, 0, 0, 0, 0)), "abcd::");
  assert.equal(formatIpv6(g(0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001)), "::ffff:10.0.0.1");
});

Deno.test("ip: formatIpv6 matches the WHATWG URL serializer for every non-mapped address", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }),
      (groups) => {
        const bytes = groups.flatMap((x) => [x >> 8, x & 0xff]);
        fc.pre(!(groups.slice(0, 5).every((x) => x === 0) && groups[5] === 0xffff));
        const full = groups.map((x) => x.toString(16)).join(":");
        assert.equal(`[${formatIpv6(bytes)}]`, new URL(`http://[${full}]/`).hostname);
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("ip: decodeIpv6Bytes swaps each word on little-endian", () => {
  assert.deepEqual(decodeIpv6Bytes("04030201080706050C0B0A09100F0E0D"), [
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
    16,
  ]);
});

Deno.test("ip: bind scope recognises wildcard, v4, v6 and v4-mapped loopback", () => {
  assert.equal(bindScope("0.0.0.0"), "wildcard");
  assert.equal(bindScope("::"), "wildcard");
  assert.equal(bindScope("127.0.0.53"), "loopback");
  assert.equal(bindScope("::1"), "loopback");
  assert.equal(bindScope("::ffff:127.0.0.1"), "loopback");
  assert.equal(bindScope("::ffff:10.1.2.3"), "address");
  assert.equal(bindScope("fe80::1"), "address");
  assert.equal(bindScope("10.0.0.1"), "address");
  assert.equal(hostPort("::1", 631), "[::1]:631");
  assert.equal(hostPort("10.0.0.1", 22), "10.0.0.1:22");
});

const V4_LISTEN = inetLine(0, "00000000:0016", "00000000:0000", "0A", 1001);

Deno.test("proc_net: a TCP LISTEN line (remote port 0) is parsed, not rejected", () => {
  const r = parseInetTable(`${TCP_HEADER}\n${V4_LISTEN}\n`, "tcp");
  assert.equal(r.bad, 0);
  assert.equal(r.entries.length, 1);
  const s = r.entries[0];
  assert.deepEqual(
    [s.proto, s.family, s.localAddress, s.localPort, s.remoteAddress, s.remotePort, s.state, s.inode],
    ["tcp", 4, "0.0.0.0", 22, "0.0.0.0", 0, "LISTEN", 1001],
  );
  assert.ok(isListening(s));
});

Deno.test("proc_net: real kernel lines (tcp6, udp, raw, long timer field) parse", () => {
  const tcp6 =
    "   0: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 22435 1 0000000000000000 100 0 0 10 0";
  const udp =
    "  763: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   991        0 19221 2 0000000000000000 0";
  const est =
    "   1: 020200C0:E024 507100CB:01BB 01 00000000:00000000 02:000000000A4F 00000000     0        0 55 3 0000000000000000 20 4 30 10 -1";
  const raw =
    "   1: 00000000:0001 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 8001 2 0000000000000000 0";
  const t6 = parseInetTable(tcp6, "tcp6").entries[0];
  assert.deepEqual([t6.localAddress, t6.localPort, t6.state], ["::1", 631, "LISTEN"]);
  const u = parseInetTable(udp, "udp").entries[0];
  assert.deepEqual([u.localAddress, u.localPort, u.state, u.uid], ["127.0.0.53", 53, "UNCONN", 991]);
  assert.ok(isListening(u));
  const e = parseInetTable(est, "tcp").entries[0];
  assert.deepEqual([e.localAddress, e.remoteAddress, e.remotePort, e.state], [
    "192.0.2.2",
    "203.0.113.80",
    443,
    "ESTABLISHED",
  ]);
  assert.equal(isListening(e), false);
  const r = parseInetTable(raw, "raw").entries[0];
  assert.deepEqual([r.proto, r.localPort, r.inode], ["raw", 1, 8001]);
});

Deno.test("proc_net: empty, header-only, truncated and garbage input", () => {
  assert.deepEqual(parseInetTable("", "tcp"), { entries: [], bad: 0 });
  assert.deepEqual(parseInetTable(`${TCP_HEADER}\n`, "tcp"), { entries: [], bad: 0 });
  const truncated = V4_LISTEN.slice(0, 40);
  assert.deepEqual(parseInetTable(`${TCP_HEADER}\n${V4_LISTEN}\n${truncated}`, "tcp").bad, 1);
  assert.equal(parseInetTable(`${TCP_HEADER}\n${V4_LISTEN}\n${truncated}`, "tcp").entries.length, 1);
  assert.deepEqual(parseInetTable("\u0000\u00ff garbage\n:::::\n", "udp"), { entries: [], bad: 2 });
  assert.equal(parseInetTable(V4_LISTEN, "tcp6").bad, 1, "a v4 line in a v6 table is bad");
  const unknownState = inetLine(0, "00000000:0016", "00000000:0000", "FE", 1);
  assert.equal(parseInetTable(unknownState, "tcp").entries[0].state, "0xFE");
});

Deno.test("proc_net: packet table", () => {
  const text = "sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n" +
    "0000000000000000 3      3    0003   0     1 0      0      5001  \n" +
    "ffff8880041ac800 3      2    0800   2     1 0      101    5002  \n" +
    "ffff8880041ac800 3      2    08\n";
  const r = parsePacketTable(text);
  assert.equal(r.bad, 1);
  assert.deepEqual(r.entries.map((e) => [e.type, e.ethertype, e.ifindex, e.running, e.uid, e.inode]), [
    [3, 3, 0, true, 0, 5001],
    [2, 0x800, 2, true, 101, 5002],
  ]);
  assert.deepEqual(parsePacketTable(""), { entries: [], bad: 0 });
  assert.deepEqual(parsePacketTable("garbage"), { entries: [], bad: 1 });
});
