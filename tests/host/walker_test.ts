import assert from "node:assert/strict";
import { Host } from "../../src/host/host.ts";
import { walk, type WalkEntry, type WalkOptions } from "../../src/host/walker.ts";
import { devString, isSkippedFsType, parseMountDevices } from "../../src/host/mountinfo.ts";
import { digestEntry, readEntryHead, sha256Entry } from "../../src/host/entry_io.ts";
import { makeTree, repoPath, runAsNobody } from "../helpers.ts";
import { needs } from "../host_caps.ts";

interface Collected {
  entries: WalkEntry[];
  warnings: { code: string; detail?: string }[];
}

async function collect(root: string, opts: WalkOptions): Promise<Collected> {
  const warnings: Collected["warnings"] = [];
  const ctx = {
    host: new Host(root),
    warn: (code: string, detail?: string) => warnings.push({ code, detail }),
    checkpoint: () => Promise.resolve(),
  };
  const entries: WalkEntry[] = [];
  for await (const e of walk(ctx, opts)) entries.push(e);
  return { entries, warnings };
}

const paths = (c: Collected) => c.entries.map((e) => e.path);

function sh(cmd: string, cwd: string): void {
  const r = new Deno.Command("/bin/sh", { args: ["-c", cmd], cwd }).outputSync();
  if (!r.success) throw new Error(`${cmd}: ${new TextDecoder().decode(r.stderr)}`);
}

Deno.test("walker: yields roots and entries depth-first in name order with lstat info", async () => {
  using t = makeTree({
    "etc/b.conf": "b",
    "etc/a.conf": { content: "aa", mode: 0o4755 },
    "etc/sub/z": "z",
    "etc/sub/deeper/x": "x",
  });
  const c = await collect(t.path, { roots: ["/etc"] });
  assert.deepEqual(paths(c), [
    "/etc",
    "/etc/a.conf",
    "/etc/b.conf",
    "/etc/sub",
    "/etc/sub/deeper",
    "/etc/sub/deeper/x",
    "/etc/sub/z",
  ]);
  const a = c.entries[1];
  assert.equal(a.kind, "file");
  assert.equal(a.mode, 0o4755);
  assert.equal(a.size, 2);
  assert.equal(a.nlink, 1);
  assert.equal(a.depth, 1);
  assert.equal(a.realPath, `${t.path}/etc/a.conf`);
  assert.equal(c.entries[0].depth, 0);
  assert.equal(c.entries[0].kind, "dir");
  assert.deepEqual(c.warnings, []);
});

Deno.test("walker: symlinks are yielded as symlinks and never followed (loops, links out of the root)", async () => {
  using t = makeTree({
    "data/real/file": "x",
    "data/loop": { symlink: "." },
    "data/up": { symlink: "../.." },
    "data/abs": { symlink: "/etc" },
    "data/a": { symlink: "b" },
    "data/b": { symlink: "a" },
  });
  const c = await collect(t.path, { roots: ["/data"] });
  assert.deepEqual(paths(c), [
    "/data",
    "/data/a",
    "/data/abs",
    "/data/b",
    "/data/loop",
    "/data/real",
    "/data/real/file",
    "/data/up",
  ]);
  assert.deepEqual(c.entries.filter((e) => e.kind === "symlink").map((e) => e.name), [
    "a",
    "abs",
    "b",
    "loop",
    "up",
  ]);
});

Deno.test("walker: a symlinked root is resolved inside the scan root and walked once", async () => {
  using t = makeTree({ "usr/bin/ls": "elf", "bin": { symlink: "/usr/bin" }, "sbin": { symlink: "usr/bin" } });
  const c = await collect(t.path, { roots: ["/usr", "/bin", "/sbin"] });
  assert.deepEqual(paths(c), ["/usr", "/usr/bin", "/usr/bin/ls"]);
});

Deno.test("walker: FIFOs, sockets and devices are listed, never opened", async () => {
  using t = makeTree({ "var/x": "x" });
  sh(Deno.uid() === 0 ? "mkfifo var/fifo && mknod var/null c 1 3" : "mkfifo var/fifo", t.path);
  const listener = Deno.listen({ transport: "unix", path: `${t.path}/var/sock` });
  try {
    const c = await collect(t.path, { roots: ["/var"] });
    const kinds = Object.fromEntries(c.entries.map((e) => [e.name, e.kind]));
    const expected: Record<string, string> = { var: "dir", fifo: "fifo", sock: "socket", x: "file" };
    if (Deno.uid() === 0) expected.null = "char";
    assert.deepEqual(kinds, expected);
  } finally {
    listener.close();
  }
});

Deno.test("walker: depth limit stops descent with one truncated warning", async () => {
  using t = makeTree({ "r/1/2/3/4/5/f": "x", "r/a/b/c/d/e/g": "y" });
  const c = await collect(t.path, { roots: ["/r"], maxDepth: 2 });
  assert.deepEqual(paths(c), ["/r", "/r/1", "/r/1/2", "/r/a", "/r/a/b"]);
  assert.equal(c.warnings.length, 1);
  assert.equal(c.warnings[0].code, "truncated");
  assert.match(c.warnings[0].detail!, /2 directories deeper than 2 not entered \(e\.g\. \/r\/1\/2\)/);
});

Deno.test("walker: with onCut, each bound is handed to the caller (kind, place, words) instead of warned", async () => {
  const files: Record<string, string> = { "r/1/2/3/4/f": "x" };
  for (let i = 0; i < 30; i++) files[`r/big/f${i}`] = "x";
  using t = makeTree(files);
  const cuts: unknown[] = [];
  const c = await collect(t.path, {
    roots: ["/r"],
    maxDepth: 2,
    maxDirEntries: 10,
    onCut: (cut) => cuts.push([cut.kind, cut.path]),
  });
  assert.deepEqual(c.warnings, []);
  assert.deepEqual(cuts, [["depth", "/r/1/2"], ["dir_entries", "/r/big"]]);
  const stopped: unknown[] = [];
  await collect(t.path, { roots: ["/r"], maxEntries: 5, onCut: (cut) => stopped.push(cut.kind) });
  assert.deepEqual(stopped, ["entries"]);
});

Deno.test("walker: entry limit stops the whole walk with a warning", async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 50; i++) files[`r/d${i % 5}/f${String(i).padStart(2, "0")}`] = "x";
  using t = makeTree(files);
  const c = await collect(t.path, { roots: ["/r"], maxEntries: 12 });
  assert.ok(c.entries.length <= 13, `yielded ${c.entries.length}`);
  assert.deepEqual(c.warnings.map((w) => w.code), ["truncated"]);
  assert.match(c.warnings[0].detail!, /after 12 entries/);
});

Deno.test("walker: a huge directory is read up to the per-directory cap", async () => {
  using t = makeTree({ "big/.keep": "" });
  for (let i = 0; i < 3000; i++) Deno.writeTextFileSync(`${t.path}/big/f${i}`, "");
  const c = await collect(t.path, { roots: ["/big"], maxDirEntries: 1000 });
  assert.equal(c.entries.length, 1001);
  assert.deepEqual(c.warnings.map((w) => w.code), ["truncated"]);
  assert.match(c.warnings[0].detail!, /more than 1000 entries read partly \(e\.g\. \/big\)/);
  const all = await collect(t.path, { roots: ["/big"] });
  assert.equal(all.entries.length, 3002);
  assert.deepEqual(all.warnings, []);
});

Deno.test("walker: time budget stops the walk with a warning", async () => {
  using t = makeTree({ "r/.keep": "" });
  for (let i = 0; i < 600; i++) Deno.writeTextFileSync(`${t.path}/r/f${i}`, "");
  const c = await collect(t.path, { roots: ["/r"], maxMillis: 0 });
  assert.ok(c.entries.length < 600);
  assert.deepEqual(c.warnings.map((w) => w.code), ["truncated"]);
  assert.match(c.warnings[0].detail!, /after 0 ms/);
});

Deno.test("walker: prune skips entries and whole subtrees; an explicit root is still yielded", async () => {
  using t = makeTree({ "var/tmp/x": "x", "var/lib/y": "y", "var/tmpfile": "z" });
  const prune = (p: string) => p === "/var/tmp" || p.startsWith("/var/tmp/");
  const c = await collect(t.path, { roots: ["/var", "/var/tmp"], prune });
  assert.deepEqual(paths(c), ["/var", "/var/lib", "/var/lib/y", "/var/tmpfile", "/var/tmp"]);
});

Deno.test("walker: names with newlines are kept; names that are not UTF-8 become warnings", async () => {
  using t = makeTree({ "d/ok": "x" });
  Deno.writeTextFileSync(`${t.path}/d/new\nline`, "x");
  sh(`touch "$(printf 'bad\\377\\376name')"`, `${t.path}/d`);
  const c = await collect(t.path, { roots: ["/d"] });
  // Deno decodes directory entry names lossily (U+FFFD), so the real file cannot be opened by that name.
  assert.deepEqual(paths(c), ["/d", "/d/new\nline", "/d/ok"]);
  assert.deepEqual(c.warnings.map((w) => w.code), ["name_not_utf8"]);
  assert.match(c.warnings[0].detail!, /^\/d\/bad\uFFFD\uFFFDname: name is not valid UTF-8/);
});

Deno.test("walker: missing roots are silent; a pseudo-filesystem root is skipped with a warning", async () => {
  const c = await collect("/", { roots: ["/nonexistent-sys-scan-root", "/proc"] });
  assert.deepEqual(c.entries, []);
  assert.deepEqual(c.warnings.map((w) => w.code), ["walk_skipped_fs"]);
  assert.match(c.warnings[0].detail!, /\/proc: on a proc filesystem/);
});

Deno.test("walker: a directory on a network filesystem type is not entered even across filesystems", async () => {
  using t = makeTree({ "r/f": "x" });
  const dev = Deno.lstatSync(t.path).dev!;
  const fsTypes = new Map([[devString(dev), "nfs4"]]);
  const c = await collect(t.path, { roots: ["/r"], oneFilesystem: false, fsTypes });
  assert.deepEqual(c.entries, []);
  assert.deepEqual(c.warnings.map((w) => w.code), ["walk_skipped_fs"]);
});

Deno.test(needs(["root"], {
  name: "walker: stays on one filesystem, crosses into local ones on request, survives a bind-mount loop",
  fn: async () => {
    using t = makeTree({ "r/mnt/.keep": "", "r/a/b/.keep": "", "r/top": "x" });
    sh(
      "mount -t tmpfs sys-scan-test r/mnt && touch r/mnt/inside && mkdir r/a/b/loop && mount --bind r r/a/b/loop",
      t.path,
    );
    try {
      const one = await collect(t.path, { roots: ["/r"] });
      assert.ok(paths(one).includes("/r/mnt"), "the mount point itself is listed");
      assert.ok(!paths(one).includes("/r/mnt/inside"));
      assert.ok(!paths(one).some((p) => p.startsWith("/r/a/b/loop/")), "bind-mount loop not re-entered");
      const cross = await collect(t.path, { roots: ["/r"], oneFilesystem: false });
      assert.ok(paths(cross).includes("/r/mnt/inside"));
      const tmpfsDev = devString(Deno.lstatSync(`${t.path}/r/mnt`).dev!);
      const skipped = await collect(t.path, {
        roots: ["/r"],
        oneFilesystem: false,
        fsTypes: new Map([[tmpfsDev, "fuse.sshfs"]]),
      });
      assert.ok(!paths(skipped).includes("/r/mnt/inside"));
      const image = await collect(t.path, {
        roots: ["/r"],
        oneFilesystem: false,
        skipFsTypes: new Set(["tmpfs"]),
      });
      assert.ok(paths(image).includes("/r/mnt") && !paths(image).includes("/r/mnt/inside"));
      const asRoot = await collect(t.path, { roots: ["/r/mnt"], skipFsTypes: new Set(["tmpfs"]) });
      assert.deepEqual(paths(asRoot), ["/r/mnt", "/r/mnt/inside"], "skipFsTypes applies only when crossing");
    } finally {
      sh("umount r/a/b/loop; umount r/mnt", t.path);
    }
  },
}));

Deno.test(needs(["root"], {
  name: "walker: unreadable directories become perm_denied warnings (run as nobody via setpriv)",
  fn: () => {
    // Root bypasses directory permissions, so the walk runs in a child process as uid/gid 65534.
    using t = makeTree({ "r/open/f": "x", "r/closed/secret": "y" });
    Deno.chmodSync(t.path, 0o755);
    Deno.chmodSync(`${t.path}/r/closed`, 0o700);
    const child = repoPath("tests/host/walker_unpriv_child.ts");
    const r = runAsNobody(child, ["--allow-read", "--allow-env"], [t.path]) as {
      paths: string[];
      warnings: { code: string; detail: string }[];
    };
    assert.deepEqual(r.paths, ["/r", "/r/closed", "/r/open", "/r/open/f"]);
    assert.deepEqual(r.warnings.map((w) => w.code), ["perm_denied"]);
    assert.match(r.warnings[0].detail, /^\/r\/closed: /);
  },
}));

Deno.test("walker: mountinfo device parser handles real, empty, truncated and garbage input", () => {
  const text = "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n" +
    "25 22 0:22 / /proc rw - proc proc rw\n" +
    "26 22 0:5 / /dev rw shared:2 - devtmpfs udev rw\n";
  assert.deepEqual([...parseMountDevices(text)], [["254:1", "ext4"], ["0:22", "proc"], ["0:5", "devtmpfs"]]);
  assert.deepEqual(parseMountDevices(""), new Map());
  assert.deepEqual(parseMountDevices("22 1 254:1 / / rw,relatime shared:1"), new Map());
  assert.deepEqual(parseMountDevices("\u0000garbage - - -\nx y z - a b c\n"), new Map());
});

Deno.test("walker: dev numbers split into major:minor; skipped filesystem types", () => {
  assert.equal(devString(65024), "254:0");
  assert.equal(devString(2049), "8:1");
  assert.equal(devString(0x100003), "0:259");
  assert.equal(devString(2 ** 32 * 0x1000 + 0x0102), "4097:2");
  for (const t of ["proc", "sysfs", "cgroup2", "nfs", "cifs", "smb3", "9p", "fuse.sshfs", "fuse.rclone"]) {
    assert.ok(isSkippedFsType(t), t);
  }
  for (const t of ["ext4", "xfs", "btrfs", "tmpfs", "overlay", "fuseblk", "vfat"]) {
    assert.ok(!isSkippedFsType(t), t);
  }
});

Deno.test("walker: an entry that vanishes between listing and lstat is counted in one warning", async () => {
  using t = makeTree({ "r/a": "x", "r/b": "y", "r/c": "z" });
  const prune = (p: string) => {
    if (p === "/r/a") {
      Deno.removeSync(`${t.path}/r/b`);
      Deno.removeSync(`${t.path}/r/c`);
    }
    return false;
  };
  const c = await collect(t.path, { roots: ["/r"], prune });
  assert.deepEqual(paths(c), ["/r", "/r/a"]);
  assert.deepEqual(c.warnings, [{ code: "vanished", detail: "2 entries vanished while the walk read them" }]);
});

Deno.test("walker: a file swapped between the walk and the read is refused by entry_io", async () => {
  using t = makeTree({ "r/f": "original" });
  const c = await collect(t.path, { roots: ["/r"] });
  const f = c.entries.find((e) => e.path === "/r/f")!;
  assert.deepEqual(sha256Entry(new Host(t.path), f, 1 << 20), {
    ok: true,
    value: "0682c5f2076f099c34cfdd15a9e063849ed437a49677e6fcc5b4198c76575be5",
    truncated: false,
  });
  Deno.writeTextFileSync(`${t.path}/r/other`, "trojan"); // a new inode, created while the old one exists
  Deno.renameSync(`${t.path}/r/other`, `${t.path}/r/f`);
  assert.deepEqual(sha256Entry(new Host(t.path), f, 1 << 20), {
    ok: false,
    message: "/r/f changed between the walk and the read",
  });
  assert.deepEqual(readEntryHead(new Host(t.path), f, 4), {
    ok: false,
    message: "/r/f changed between the walk and the read",
  });
});

Deno.test("walker: entry_io hashes several digests in one pass and caps the bytes read", async () => {
  using t = makeTree({ "r/f": "abcdef" });
  const f = (await collect(t.path, { roots: ["/r"] })).entries.find((e) => e.path === "/r/f")!;
  const capped = digestEntry(new Host(t.path), f, 3, ["sha256", "md5"]);
  assert.deepEqual(capped, {
    ok: true,
    value: {
      sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      md5: "900150983cd24fb0d6963f7d28e17f72",
    },
    truncated: true,
  });
  const exact = digestEntry(new Host(t.path), f, 6, ["md5"]);
  assert.ok(exact.ok && !exact.truncated);
  assert.deepEqual(readEntryHead(new Host(t.path), f, 4), {
    ok: true,
    value: new TextEncoder().encode("abcd"),
    truncated: true,
  });
  const dir = (await collect(t.path, { roots: ["/r"] })).entries[0];
  assert.deepEqual(sha256Entry(new Host(t.path), dir, 10), {
    ok: false,
    message: "/r is not a regular file",
  });
});
