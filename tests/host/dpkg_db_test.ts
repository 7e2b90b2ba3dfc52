import assert from "node:assert/strict";
import fc from "fast-check";
import {
  DpkgCache,
  dpkgOwners,
  listedAmong,
  listMatcher,
  loadDpkgOwners,
  md5sumOf,
  mergeDpkgScans,
  mergedUsrDirs,
  parseDiversions,
  parseDpkgList,
  parseMd5sums,
  scanDpkgLists,
} from "../../src/host/dpkg_db.ts";
import { Host } from "../../src/host/host.ts";
import { PackageDb } from "../../src/host/package_owners.ts";
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

Deno.test("dpkg_db: one matcher serves many lists; regex characters and odd directories in wanted paths", () => {
  const wanted = new Set([
    "/usr/lib/a+b (x)/f.so",
    "/usr/bin/[",
    "/x",
    "/opt//y",
    "relative/z",
    "/new\nline",
  ]);
  const find = listMatcher(wanted);
  assert.deepEqual(find("/usr/lib/a+b (x)/f.so\n/usr/lib/aab (x)/f.so\n/usr/bin/[\n/x/\n"), [
    "/usr/lib/a+b (x)/f.so",
    "/usr/bin/[",
    "/x",
  ]);
  assert.deepEqual(find("/opt//y\nrelative/z\n/new\nline\n/usr/bin/[ \n/usr/bin/[\r"), ["/opt//y"]);
  assert.deepEqual(listMatcher(new Set())("/usr/bin/a\n"), []);
});

Deno.test("dpkg_db: md5sumOf answers like the full md5sums parse, the last line for a path winning", () => {
  const a = "0123456789abcdef0123456789abcdef";
  const b = "fedcba9876543210fedcba9876543210";
  const text =
    `${a}  usr/bin/x\n${a} *usr/bin/y\n${b}  /usr/bin/x\n${a}  usr/bin/xx\nnot-a-sum  usr/bin/z\n${a}  usr/bin/z2`;
  assert.equal(md5sumOf(text, "/usr/bin/x"), b);
  assert.equal(md5sumOf(text, "/usr/bin/y"), a);
  assert.equal(md5sumOf(text, "/usr/bin/z"), undefined);
  assert.equal(md5sumOf(text, "/usr/bin/z2"), a, "the last line has no newline");
  assert.equal(md5sumOf(text, "usr/bin/x"), undefined, "only absolute paths are keys");
  const hex = fc.constantFrom(a, b, a.toUpperCase(), "0123");
  const name = fc.constantFrom(
    "usr/bin/x",
    "/usr/bin/x",
    "//usr/bin/x",
    "usr/bin/xx",
    "bin/x",
    "x",
    "/",
    "a b",
    "\u00fc",
  );
  const line = fc.tuple(
    hex,
    fc.constantFrom(" ", "  ", " *", "\t", "   "),
    name,
    fc.constantFrom("", "\r", " "),
  )
    .map(([h, sep, n, end]) => `${h}${sep}${n}${end}`);
  fc.assert(
    fc.property(
      fc.array(line, { maxLength: 12 }),
      fc.constantFrom("/usr/bin/x", "/x", "/", "/a b", "//x"),
      (ls, p) => {
        const t = ls.join("\n");
        assert.equal(md5sumOf(t, p), parseMd5sums(t).get(p));
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("dpkg_db: with a cache, the lists are read once for every pass and md5sums once per package", async () => {
  using t = makeTree({
    "var/lib/dpkg/info/login.list": "/usr\n/usr/bin\n/usr/bin/su\n/usr/bin/newgrp\n",
    "var/lib/dpkg/info/login.md5sums": "0123456789abcdef0123456789abcdef  usr/bin/su\n",
    "var/lib/dpkg/info/tool.list": "/opt/tool/bin/helper\n",
  });
  const host = new Host(t.path);
  const cache = new DpkgCache();
  const first = await loadDpkgOwners(host, new Set(["/usr/bin/su"]), undefined, cache);
  assert.ok(first.ok);
  assert.equal(first.value.digestOf("/usr/bin/su")?.hex, "0123456789abcdef0123456789abcdef");
  Deno.removeSync(`${t.path}/var/lib/dpkg/info`, { recursive: true });
  const second = await loadDpkgOwners(
    host,
    new Set(["/opt/tool/bin/helper", "/usr/bin/su"]),
    undefined,
    cache,
  );
  assert.ok(second.ok, "answered from the lists the first pass kept");
  assert.equal(second.value.ownerOf("/opt/tool/bin/helper"), "tool");
  assert.equal(second.value.ownerOf("/usr/bin/newgrp"), undefined, "only the paths asked about");
  assert.equal(second.value.digestOf("/usr/bin/su")?.hex, "0123456789abcdef0123456789abcdef");
  const fresh = await loadDpkgOwners(host, new Set(["/opt/tool/bin/helper"]));
  assert.ok(!fresh.ok && fresh.reason === "missing", "without the cache the lists are read again");
});

Deno.test("dpkg_db: passes running together both get their answers (the later waits for the first read); a read cut off is not shared", async () => {
  using t = makeTree(Object.fromEntries(
    Array.from({ length: 40 }, (_, i) => [`var/lib/dpkg/info/p${i}.list`, `/usr/bin/p${i}\n`]),
  ));
  const host = new Host(t.path);
  const cache = new DpkgCache();
  const [a, b] = await Promise.all([
    loadDpkgOwners(host, new Set(["/usr/bin/p1"]), () => new Promise((r) => setTimeout(r, 1)), cache),
    loadDpkgOwners(host, new Set(["/usr/bin/p39"]), undefined, cache),
  ]);
  assert.ok(a.ok && b.ok);
  assert.equal(a.value.ownerOf("/usr/bin/p1"), "p1");
  assert.equal(b.value.ownerOf("/usr/bin/p39"), "p39");
  const cut = new DpkgCache();
  await assert.rejects(
    loadDpkgOwners(host, new Set(["/usr/bin/p1"]), () => Promise.reject(new Error("cut")), cut),
  );
  const after = await loadDpkgOwners(host, new Set(["/usr/bin/p2"]), undefined, cut);
  assert.ok(after.ok && after.value.ownerOf("/usr/bin/p2") === "p2" && after.value.packages === 40);
});

Deno.test("dpkg_db: a PackageDb answers each question of a scan from one read of the lists", async () => {
  using t = makeTree({ "var/lib/dpkg/info/login.list": "/usr/bin/su\n/usr/bin/newgrp\n" });
  const db = new PackageDb(new Host(t.path));
  const su = await db.owners(new Set(["/usr/bin/su"]));
  Deno.removeSync(`${t.path}/var/lib/dpkg/info/login.list`);
  const newgrp = await db.owners(new Set(["/usr/bin/newgrp"]));
  assert.ok(su.tool === "dpkg" && newgrp.tool === "dpkg");
  assert.equal(su.owners.ownerOf("/usr/bin/su"), "login");
  assert.equal(newgrp.owners.ownerOf("/usr/bin/newgrp"), "login");
});
