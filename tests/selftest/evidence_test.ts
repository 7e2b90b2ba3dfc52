import assert from "node:assert/strict";
import { connectOnce, firstFile, hasIpv6Loopback } from "../../src/selftest/evidence.ts";

Deno.test("hasIpv6Loopback: true only when ::1 is listed; empty, truncated and garbage input are false", () => {
  const text = "fd000000000000000000000000000002 04 40 00 82     eth0\n" +
    "00000000000000000000000000000001 01 80 10 80       lo\n";
  assert.equal(hasIpv6Loopback(text), true);
  assert.equal(hasIpv6Loopback("fe8000000000000000fc00fffe000001 04 40 20 80     eth0\n"), false);
  assert.equal(hasIpv6Loopback(""), false);
  assert.equal(hasIpv6Loopback("0000000000000000000000000000000"), false, "31 hex digits");
  assert.equal(
    hasIpv6Loopback("\u0000garbage 00000000000000000000000000000001"),
    false,
    "not the first field",
  );
});

Deno.test("firstFile: the first regular file of a list; directories and missing paths are skipped", () => {
  const dir = Deno.makeTempDirSync({ prefix: "sys-scan-ff-" });
  try {
    Deno.writeTextFileSync(`${dir}/b`, "");
    assert.equal(firstFile([`${dir}/missing`, dir, `${dir}/b`]), `${dir}/b`);
    assert.equal(firstFile([`${dir}/missing`]), null);
    assert.equal(firstFile([]), null);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("connectOnce: null on success, the error text when nothing listens", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    assert.equal(await connectOnce("127.0.0.1", l.addr.port), null);
  } finally {
    l.close();
  }
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = closed.addr.port;
  closed.close();
  assert.match((await connectOnce("127.0.0.1", port))!, /refused/i);
});
