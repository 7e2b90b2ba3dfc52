import assert from "node:assert/strict";
import { Host } from "../../src/host/host.ts";
import { loadRpmOwners, parseRpmHeader } from "../../src/host/rpm_db.ts";
import { makeTree } from "../helpers.ts";
import { header, pkg, str, writeRpmDb } from "./rpm_fixture.ts";

Deno.test("rpm_db: header parser joins dir names and base names", () => {
  const h = parseRpmHeader(pkg("passwd", ["/usr/bin/", "/etc/"], [[0, "passwd"], [1, "login.defs"]]));
  assert.deepEqual(h, { name: "passwd", paths: ["/usr/bin/passwd", "/etc/login.defs"] });
  assert.deepEqual(parseRpmHeader(header([{ tag: 1000, type: 6, count: 1, data: str("empty") }])), {
    name: "empty",
    paths: [],
  });
});

Deno.test("rpm_db: file digests and their algorithm are read; a count mismatch drops them", () => {
  const h = parseRpmHeader(
    pkg("su", ["/usr/bin/"], [[0, "su"], [0, "dir"]], { algo: 8, hex: ["ab".repeat(32), ""] }),
  );
  assert.deepEqual(h, {
    name: "su",
    paths: ["/usr/bin/su", "/usr/bin/dir"],
    digests: ["ab".repeat(32), ""],
    algorithm: "sha256",
  });
  const bad = parseRpmHeader(pkg("su", ["/usr/bin/"], [[0, "su"]], { algo: 8, hex: ["a", "b"] }));
  assert.deepEqual(bad, { name: "su", paths: ["/usr/bin/su"] });
  const unknownAlgo = parseRpmHeader(pkg("su", ["/usr/bin/"], [[0, "su"]], { algo: 99, hex: ["a"] }));
  assert.deepEqual(unknownAlgo, { name: "su", paths: ["/usr/bin/su"] });
});

Deno.test("rpm_db: empty, truncated and garbage headers are errors, not throws", () => {
  assert.match((parseRpmHeader(new Uint8Array()) as { error: string }).error, /shorter/);
  const good = pkg("x", ["/a/"], [[0, "b"]]);
  assert.match(
    (parseRpmHeader(good.subarray(0, good.length - 5)) as { error: string }).error,
    /out of range/,
  );
  assert.match((parseRpmHeader(new Uint8Array(64).fill(0xff)) as { error: string }).error, /out of range/);
  assert.match((parseRpmHeader(pkg("x", ["/a/"], [[7, "b"]])) as { error: string }).error, /dir index 7/);
  assert.match(
    (parseRpmHeader(header([{ tag: 1117, type: 8, count: 1, data: str("b") }])) as { error: string }).error,
    /name/,
  );
});

Deno.test("rpm_db: owners from an rpmdb.sqlite, merged-/usr aliases, bad rows reported", () => {
  using t = makeTree({ "var/lib/rpm/.keep": "", "sbin": { symlink: "usr/sbin" } });
  writeRpmDb(`${t.path}/var/lib/rpm/rpmdb.sqlite`, [
    pkg("shadow-utils", ["/usr/bin/", "/usr/sbin/"], [[0, "chage"], [1, "useradd"]]),
    pkg("util-linux", ["/usr/bin/"], [[0, "su"]], { algo: 8, hex: ["cd".repeat(32)] }),
    new Uint8Array([1, 2, 3]),
  ]);
  const r = loadRpmOwners(new Host(t.path));
  assert.ok(r.ok);
  assert.equal(r.value.packages, 2);
  assert.equal(r.value.ownerOf("/usr/bin/su"), "util-linux");
  assert.equal(r.value.ownerOf("/sbin/useradd"), "shadow-utils");
  assert.equal(r.value.ownerOf("/usr/bin/evil"), undefined);
  assert.deepEqual(r.value.digestOf("/usr/bin/su"), { algorithm: "sha256", hex: "cd".repeat(32) });
  assert.equal(r.value.digestOf("/usr/sbin/useradd"), undefined);
  assert.equal(r.problems?.length, 1);
  assert.deepEqual([...Deno.readDirSync(`${t.path}/var/lib/rpm`)].map((e) => e.name).sort(), [
    ".keep",
    "rpmdb.sqlite",
  ]);
});

Deno.test("rpm_db: no database is missing; a file that is not sqlite is an error", () => {
  using none = makeTree({ "etc/hostname": "x" });
  const r = loadRpmOwners(new Host(none.path));
  assert.ok(!r.ok && r.reason === "missing");
  using bad = makeTree({ "var/lib/rpm/rpmdb.sqlite": "not a database at all, just text".repeat(100) });
  const b = loadRpmOwners(new Host(bad.path));
  assert.ok(!b.ok && b.reason === "error", JSON.stringify(b));
});
