import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeEvent, Decoder, splitArgs } from "../../src/trace/decode.ts";
import { formatIpv6 } from "../../src/host/net_address.ts";
import { CONNECT, EXEC, ExecFlag, HEADER } from "../../src/trace/layout.ts";
import { connectRecord, execRecord } from "./synth.ts";

Deno.test("decode: exec record with every field", () => {
  const r = decodeEvent(execRecord({
    pid: 4242,
    tid: 4243,
    ppid: 17,
    uid: 1000,
    gid: 1001,
    loginuid: 1000,
    cgroupId: 987654321n,
    comm: "sh",
    filename: "/tmp/x.sh",
    interp: "/bin/sh",
    argv: ["/bin/sh", "/tmp/x.sh", "a b", ""],
    argc: 4,
    hook: 2,
  }));
  assert.ok(r.ok);
  assert.deepEqual(r.event, {
    type: "exec",
    tsNs: 123456789n,
    pid: 4242,
    tid: 4243,
    ppid: 17,
    uid: 1000,
    gid: 1001,
    loginuid: 1000,
    cgroupId: 987654321n,
    comm: "sh",
    filename: "/tmp/x.sh",
    interp: "/bin/sh",
    argv: ["/bin/sh", "/tmp/x.sh", "a b", ""],
    argc: 4,
    argsTruncated: false,
    argsUnreadable: false,
    filenameTruncated: false,
    hook: 2,
  });
});

Deno.test("decode: exec flags, unset loginuid and args without a final NUL", () => {
  const r = decodeEvent(execRecord({
    flags: ExecFlag.argsTruncated | ExecFlag.filenameTruncated,
    args: new TextEncoder().encode("python3\0-c\0print(1"),
  }));
  assert.ok(r.ok && r.event.type === "exec");
  assert.equal(r.event.loginuid, null);
  assert.equal(r.event.argsTruncated, true);
  assert.equal(r.event.filenameTruncated, true);
  assert.deepEqual(r.event.argv, ["python3", "-c", "print(1"]);
});

Deno.test("decode: an args_len larger than the field is clamped, never read past it", () => {
  const rec = execRecord({ argv: ["a"] });
  new DataView(rec.buffer).setUint32(EXEC.argsLen, 0xffffffff, true);
  const r = decodeEvent(rec);
  assert.ok(r.ok && r.event.type === "exec");
  assert.equal(r.event.argv[0], "a");
});

Deno.test("decode: invalid UTF-8 in comm and filename is replaced, not thrown", () => {
  const rec = execRecord();
  rec.set([0xff, 0xfe, 0x41, 0], EXEC.comm);
  const r = decodeEvent(rec);
  assert.ok(r.ok && r.event.type === "exec");
  assert.equal(r.event.comm, "\uFFFD\uFFFDA");
});

Deno.test("decode: connect IPv4 with a known result", () => {
  const r = decodeEvent(
    connectRecord({ daddr: [10, 1, 2, 3], dport: 8443, ret: -111, flags: 1, pid: 9, ppid: 8 }),
  );
  assert.ok(r.ok && r.event.type === "connect");
  assert.equal(r.event.daddr, "10.1.2.3");
  assert.equal(r.event.dport, 8443);
  assert.equal(r.event.ret, -111);
  assert.equal(r.event.family, 2);
  assert.equal(r.event.v4mapped, false);
  assert.equal(r.event.pid, 9);
  assert.equal(r.event.ppid, 8);
});

Deno.test("decode: connect result is null when the hook did not see it", () => {
  const r = decodeEvent(connectRecord({ ret: -5, flags: 0 }));
  assert.ok(r.ok && r.event.type === "connect");
  assert.equal(r.event.ret, null);
});

Deno.test("decode: connect IPv6, loopback and v4-mapped", () => {
  const v6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34];
  const a = decodeEvent(connectRecord({ family: 10, daddr: v6 }));
  assert.ok(a.ok && a.event.type === "connect");
  assert.equal(a.event.daddr, "2001:db8::1234");
  const lo = decodeEvent(connectRecord({ family: 10, daddr: [...Array(15).fill(0), 1] }));
  assert.ok(lo.ok && lo.event.type === "connect");
  assert.equal(lo.event.daddr, "::1");
  const mapped = decodeEvent(
    connectRecord({ family: 10, daddr: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4] }),
  );
  assert.ok(mapped.ok && mapped.event.type === "connect");
  assert.equal(mapped.event.daddr, "1.2.3.4");
  assert.equal(mapped.event.v4mapped, true);
  assert.equal(mapped.event.family, 10);
});

Deno.test("decode: connect addresses use formatIpv6, which compresses the longest zero run only", () => {
  assert.equal(formatIpv6(new Uint8Array(16)), "::");
  assert.equal(formatIpv6(Uint8Array.from([0xfe, 0x80, ...Array(13).fill(0), 1])), "fe80::1");
  assert.equal(formatIpv6(Uint8Array.from([0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3])), "1:0:2::3");
  assert.equal(
    formatIpv6(Uint8Array.from([0x20, 1, 0xd, 0xb8, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6])),
    "2001:db8:1:2:3:4:5:6",
  );
});

Deno.test("decode: splitArgs on empty, single and trailing-NUL input", () => {
  assert.deepEqual(splitArgs(new Uint8Array()), []);
  assert.deepEqual(splitArgs(new TextEncoder().encode("a")), ["a"]);
  assert.deepEqual(splitArgs(new TextEncoder().encode("a\0\0")), ["a", ""]);
});

Deno.test("decode: rejects truncated, oversized, unknown version, unknown type and other families", () => {
  const cases: [Uint8Array, string][] = [
    [new Uint8Array(0), "short"],
    [new Uint8Array(HEADER.SIZE - 1), "short"],
    [execRecord().subarray(0, EXEC.SIZE - 1), "size"],
    [Uint8Array.from([...execRecord(), 0, 0, 0, 0, 0, 0, 0, 0]), "size"],
    [connectRecord().subarray(0, 40), "size"],
    [execRecord({ version: 2 }), "version"],
    [execRecord({ version: 0 }), "version"],
    [connectRecord({ family: 1 }), "family"],
  ];
  const badType = execRecord();
  new DataView(badType.buffer).setUint16(HEADER.type, 9, true);
  cases.push([badType, "type"]);
  const lying = connectRecord();
  new DataView(lying.buffer).setUint32(HEADER.size, EXEC.SIZE, true);
  cases.push([lying, "size"]);
  const d = new Decoder();
  for (const [bytes, reason] of cases) {
    const r = decodeEvent(bytes);
    assert.equal(r.ok, false, reason);
    if (!r.ok) assert.equal(r.reason, reason);
    assert.equal(d.decode(bytes), null);
  }
  assert.equal(d.stats.malformed, cases.length);
  assert.equal(d.stats.decoded, 0);
  assert.deepEqual(d.stats.malformedByReason, { short: 2, version: 2, type: 1, size: 4, family: 1 });
  assert.match(d.stats.firstMalformed!, /0 bytes/);
});

Deno.test("decode: a Decoder counts good records", () => {
  const d = new Decoder();
  assert.equal(d.decode(execRecord())?.type, "exec");
  assert.equal(d.decode(connectRecord())?.type, "connect");
  assert.equal(d.stats.decoded, 2);
  assert.equal(d.stats.malformed, 0);
});

Deno.test("decode: random garbage never throws and is never misread", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
      const r = decodeEvent(bytes);
      if (r.ok) {
        // Only a record with the right version, type and exact size may decode.
        const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        assert.equal(v.getUint16(0, true), 1);
        assert.ok(bytes.length === EXEC.SIZE || bytes.length === CONNECT.SIZE);
      }
    }),
    { numRuns: 2000 },
  );
});

Deno.test("decode: a valid header over random bodies decodes without throwing", () => {
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.uint8Array({ minLength: CONNECT.SIZE, maxLength: CONNECT.SIZE }),
      (isExec, body) => {
        const rec = isExec ? execRecord() : connectRecord();
        rec.set(body.subarray(0, Math.min(body.length, rec.length - HEADER.SIZE)), HEADER.SIZE);
        decodeEvent(rec);
      },
    ),
    { numRuns: 500 },
  );
});
