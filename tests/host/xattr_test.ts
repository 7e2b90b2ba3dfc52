import assert from "node:assert/strict";
import { DirentCalls } from "../../ffi/dirent.ts";
import { Errno } from "../../ffi/fd.ts";
import { decodeFileCaps } from "../../src/host/xattr.ts";
import { makeTree } from "../helpers.ts";
import { needs } from "../host_caps.ts";

function capBytes(words: number[]): Uint8Array {
  const b = new Uint8Array(words.length * 4);
  const dv = new DataView(b.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return b;
}

Deno.test("xattr: decodes vfs_cap_data v2 with the effective flag", () => {
  // cap_net_bind_service (10) + cap_net_admin (12), effective
  const caps = decodeFileCaps(capBytes([0x02000001, (1 << 10) | (1 << 12), 0, 0, 0]));
  assert.deepEqual(caps, {
    revision: 2,
    effective: true,
    permitted: ["CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN"],
    inheritable: [],
    rootid: null,
  });
});

Deno.test("xattr: decodes v3 (namespaced root id), v1, and capabilities above bit 31", () => {
  const v3 = decodeFileCaps(capBytes([0x03000000, 1 << 7, 1 << 6, 1 << (38 - 32), 0, 1000]));
  assert.deepEqual(v3, {
    revision: 3,
    effective: false,
    permitted: ["CAP_SETUID", "CAP_PERFMON"],
    inheritable: ["CAP_SETGID"],
    rootid: 1000,
  });
  const v1 = decodeFileCaps(capBytes([0x01000001, 1 << 21, 0]));
  assert.deepEqual(v1, {
    revision: 1,
    effective: true,
    permitted: ["CAP_SYS_ADMIN"],
    inheritable: [],
    rootid: null,
  });
  const unknownBit = decodeFileCaps(capBytes([0x02000000, 0, 0, 1 << 30, 0]));
  assert.ok(!("error" in unknownBit) && unknownBit.permitted[0] === "CAP_62");
});

Deno.test("xattr: empty, truncated and garbage capability values are errors, not throws", () => {
  assert.match((decodeFileCaps(new Uint8Array()) as { error: string }).error, /too short/);
  assert.match(
    (decodeFileCaps(capBytes([0x02000001, 1])) as { error: string }).error,
    /8 bytes, expected 20/,
  );
  assert.match(
    (decodeFileCaps(capBytes([0x07000000, 0, 0])) as { error: string }).error,
    /unknown vfs_cap_data revision/,
  );
  assert.match((decodeFileCaps(new Uint8Array(100).fill(0xff)) as { error: string }).error, /unknown/);
});

const enc = new TextEncoder();
const z = (path: string) => enc.encode(path + "\0");

function calls(): DirentCalls {
  const fs = DirentCalls.open();
  if (typeof fs === "string") throw new Error(fs);
  return fs;
}

Deno.test(needs(["root"], {
  name:
    "xattr: fileCaps reads a capability set written by setcap; absent attribute and missing file are told apart",
  fn: () => {
    const fs = calls();
    using t = makeTree({ "prog": { content: "x", mode: 0o755 }, "plain": "y" });
    const r = new Deno.Command("/usr/sbin/setcap", { args: ["cap_setuid,cap_net_raw+ep", `${t.path}/prog`] })
      .outputSync();
    assert.ok(r.success, new TextDecoder().decode(r.stderr));
    const got = fs.fileCaps(z(`${t.path}/prog`));
    assert.ok(got instanceof Uint8Array);
    const caps = decodeFileCaps(got);
    assert.ok(!("error" in caps));
    assert.deepEqual(caps.permitted, ["CAP_SETUID", "CAP_NET_RAW"]);
    assert.equal(caps.effective, true);
    assert.equal(fs.fileCaps(z(`${t.path}/plain`)), null, "no attribute");
    assert.equal(fs.fileCaps(z(`${t.path}/missing`)), Errno.ENOENT);
  },
}));

Deno.test("xattr: a path with a newline or non-ASCII characters is passed through intact", () => {
  using t = makeTree({ "we\nird é": "x" });
  assert.equal(calls().fileCaps(z(`${t.path}/we\nird é`)), null, "found, and it has no attribute");
});
