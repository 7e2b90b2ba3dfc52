import assert from "node:assert/strict";
import fc from "fast-check";
import {
  dpkgOwners,
  listedAmong,
  loadDpkgOwners,
  mergeDpkgScans,
  mergedUsrDirs,
  parseDiversions,
  parseDpkgList,
  parseMd5sums,
  scanDpkgLists,
} from "../../src/host/dpkg_db.ts";
import { Host } from "../../src/host/host.ts";
import { makeTree } from "../helpers.ts";
import { needs } from "../host_caps.ts";

Deno.test("dpkg_db: owners from .list files, with merged-/usr aliases when /bin links to usr/bin", async () => {
  using t = makeTree({
    "var/lib/dpkg/info/passwd.list": "/.\n/usr\n/usr/bin\n/usr/bin/passwd\n/usr/sbin/chpasswd\n",
    "var/lib/dpkg/info/mount.list": "/.\n/bin\n/bin/mount\n",
    "var/lib/dpkg/info/libc6:amd64.list": "/.\n/lib/x86_64-linux-gnu/libc.so.6\n",
    "var/lib/dpkg/info/mount.md5sums": "abc  bin/mount\n",
    "bin": { symlink: "usr/bin" },
    "lib": { symlink: "usr/lib" },
  });
  const r = await loadDpkgOwners(new Host(t.path));
  assert.ok(r.ok);
  assert.equal(r.value.packages, 3);
  assert.equal(r.value.ownerOf("/usr/bin/passwd"), "passwd");
  assert.equal(r.value.ownerOf("/bin/passwd"), "passwd");
  assert.equal(r.value.ownerOf("/usr/bin/mount"), "mount");
  assert.equal(r.value.ownerOf("/usr/lib/x86_64-linux-gnu/libc.so.6"), "libc6:amd64");
  assert.equal(r.value.ownerOf("/usr/bin"), "passwd");
  assert.equal(r.value.ownerOf("/usr/bin/evil"), undefined);
  assert.equal(r.value.ownerOf("/usr/sbin/chpasswd"), "passwd");
  assert.equal(r.value.ownerOf("/sbin/chpasswd"), undefined, "no alias when /sbin is not a symlink");
});

Deno.test("dpkg_db: without merged /usr, /bin and /usr/bin are different files", async () => {
  using t = makeTree({ "var/lib/dpkg/info/mount.list": "/bin/mount\n", "bin/mount": "x" });
  const r = await loadDpkgOwners(new Host(t.path));
  assert.ok(r.ok);
  assert.equal(r.value.ownerOf("/bin/mount"), "mount");
  assert.equal(r.value.ownerOf("/usr/bin/mount"), undefined);
  assert.deepEqual([...mergedUsrDirs(new Host(t.path))], []);
});

Deno.test("dpkg_db: missing database, empty directory and unreadable lists", async () => {
  using none = makeTree({ "etc/hostname": "x" });
  const r = await loadDpkgOwners(new Host(none.path));
  assert.ok(!r.ok && r.reason === "missing");
  using empty = makeTree({ "var/lib/dpkg/info/.keep": "" });
  const e = await loadDpkgOwners(new Host(empty.path));
  assert.ok(!e.ok && e.reason === "missing");
  using odd = makeTree({ "var/lib/dpkg/info/a.list": "/usr/bin/a\n", "var/lib/dpkg/info/dir.list/x": "" });
  const o = await loadDpkgOwners(new Host(odd.path));
  assert.ok(o.ok);
  assert.equal(o.value.packages, 1);
});

Deno.test("dpkg_db: list parser drops blank, relative and garbage lines and keeps odd names", () => {
  assert.deepEqual(parseDpkgList(""), []);
  assert.deepEqual(parseDpkgList("/.\n\nrelative/x\n\u0000\n/usr/bin/a b\n/usr/bin/tr\u00fcncated"), [
    "/usr/bin/a b",
    "/usr/bin/tr\u00fcncated",
  ]);
  assert.deepEqual(parseDpkgList("/etc/dir/\n/"), ["/etc/dir", "/"]);
});

Deno.test("dpkg_db: looking up wanted paths in a list finds exactly what the full parse finds", () => {
  const wanted = new Set(["/usr/bin/su", "/etc/dir", "/", "/usr/bin/a b"]);
  assert.deepEqual(listedAmong("/usr/bin/su\n/etc/dir/\n/usr/bin/sux\n/\n/usr/bin/a b", wanted), [
    "/usr/bin/su",
    "/etc/dir",
    "/",
    "/usr/bin/a b",
  ]);
  assert.deepEqual(listedAmong("", wanted), []);
  const segment = fc.constantFrom("usr", "bin", "su", "etc", "dir", "", ".", "a b", "\u00fc");
  const line = fc.array(segment, { maxLength: 4 }).map((parts) => parts.join("/"));
  fc.assert(
    fc.property(
      fc.array(fc.oneof(line, line.map((l) => `/${l}`), line.map((l) => `/${l}/`)), { maxLength: 30 }),
      fc.array(line.map((l) => `/${l}`), { maxLength: 6 }),
      (lines, want) => {
        const text = lines.join("\n");
        const set = new Set(want.filter((w) => w !== "/."));
        assert.deepEqual(listedAmong(text, set), parseDpkgList(text).filter((p) => set.has(p)));
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test(needs(["dpkgDb"], {
  name: "dpkg_db: the live database knows who owns /usr/bin/passwd",
  fn: async () => {
    const r = await loadDpkgOwners(new Host("/"));
    assert.ok(r.ok);
    assert.equal(r.value.ownerOf("/usr/bin/passwd"), "passwd");
  },
}));

Deno.test("dpkg_db: recorded md5 digests, through merged-/usr aliases; diverted paths have none", async () => {
  using t = makeTree({
    "var/lib/dpkg/info/mount.list": "/bin/mount\n/bin/umount\n",
    "var/lib/dpkg/info/mount.md5sums": "0123456789abcdef0123456789abcdef  bin/mount\n" +
      "fedcba9876543210fedcba9876543210  bin/umount\n",
    "var/lib/dpkg/diversions": "/bin/umount\n/bin/umount.distrib\nlocal\n",
    "bin": { symlink: "usr/bin" },
  });
  const r = await loadDpkgOwners(new Host(t.path));
  assert.ok(r.ok);
  assert.deepEqual(r.value.digestOf("/usr/bin/mount"), {
    algorithm: "md5",
    hex: "0123456789abcdef0123456789abcdef",
  });
  assert.equal(r.value.digestOf("/usr/bin/umount"), undefined);
  assert.equal(r.value.digestOf("/usr/bin/other"), undefined);
});

Deno.test("dpkg_db: md5sums and diversions parsers take empty, truncated and garbage input", () => {
  assert.deepEqual(parseMd5sums(""), new Map());
  assert.deepEqual(
    [...parseMd5sums("0123456789abcdef0123456789abcdef  usr/bin/a b\nnot-a-sum  x\n0123  short\n")],
    [["/usr/bin/a b", "0123456789abcdef0123456789abcdef"]],
  );
  assert.deepEqual(parseDiversions(""), new Set());
  assert.deepEqual(parseDiversions("/a\n/a.distrib\npkg\n/b\n"), new Set(["/a", "/a.distrib"]));
  assert.deepEqual(parseDiversions("garbage\n\u0000\n\n"), new Set());
});

Deno.test("dpkg_db: a pass for some paths, then one for the rest, answers like one pass for all", async () => {
  using t = makeTree({
    "var/lib/dpkg/info/login.list": "/usr\n/usr/bin\n/usr/bin/su\n/usr/bin/newgrp\n",
    "var/lib/dpkg/info/tool.list": "/opt\n/opt/tool/bin/helper\n",
  });
  const host = new Host(t.path);
  let pauses = 0;
  const first = await scanDpkgLists(host, new Set(["/usr/bin/su", "/usr/bin/passwd"]), () => {
    pauses++;
    return Promise.resolve();
  });
  assert.ok(first.ok);
  assert.deepEqual([...first.value.owners], [["/usr/bin/su", "login"]]);
  assert.ok(first.value.sought?.has("/usr/bin/passwd") && !first.value.sought.has("/opt/tool/bin/helper"));
  assert.equal(pauses, 0, "two lists are read without pausing");
  const second = await scanDpkgLists(host, new Set(["/opt/tool/bin/helper"]));
  assert.ok(second.ok);
  const merged = dpkgOwners(host, mergeDpkgScans(first.value, second.value)).value;
  const all = (await loadDpkgOwners(host)) as ReturnType<typeof dpkgOwners>;
  for (const p of ["/usr/bin/su", "/opt/tool/bin/helper", "/usr/bin/passwd", "/usr/bin/newgrp"]) {
    const expected = p === "/usr/bin/newgrp" ? undefined : all.value.ownerOf(p);
    assert.equal(merged.ownerOf(p), expected, p);
  }
  assert.equal(merged.packages, 2);
});
