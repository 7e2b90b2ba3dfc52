/**
 * The safe-open rules (src/host/open.ts): what root may open on a host a user shapes. Every case is built for
 * real in a temporary tree: FIFOs, devices, symlinks owned by another user, files swapped under a walk, and a
 * FUSE mount whose server never answers.
 */
import assert from "node:assert/strict";
import { Host } from "../../src/host/host.ts";
import { FileOpener } from "../../src/host/open.ts";
import { makeTree, mountHungFuse, sh } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const NOBODY = 65534;

/** chown without following a symlink. */
function lchown(path: string, uid: number): void {
  sh("/usr/bin/chown", "-h", `${uid}:${uid}`, path);
}

Deno.test({
  name: "open: a FIFO is refused without ever being opened (a writer waiting for a reader stays blocked)",
  fn: async () => {
    using t = makeTree({});
    const fifo = `${t.path}/fifo`;
    sh("/usr/bin/mkfifo", fifo);
    // `timeout 2 sh -c 'echo > fifo'` blocks in open(O_WRONLY) until someone opens the FIFO for reading.
    const writer = new Deno.Command("/usr/bin/timeout", {
      args: ["2", "/bin/sh", "-c", `echo x > '${fifo}'`],
    }).spawn();
    await new Promise((r) => setTimeout(r, 200));
    const host = new Host(t.path);
    const r = host.readBytes("/fifo");
    assert.ok(!r.ok && r.reason === "not_file", JSON.stringify(r));
    assert.match(r.message, /not a regular file \(a FIFO\)/);
    const status = await writer.status;
    assert.equal(status.code, 124, "the writer was never released: nobody opened the FIFO for reading");
  },
});

Deno.test("open: devices are refused, directly and through a root-owned symlink", () => {
  using t = makeTree({ "zero": { symlink: "/dev/zero" } });
  const live = new Host("/");
  const d = live.readBytes("/dev/zero", 10);
  assert.ok(!d.ok && d.reason === "not_file", JSON.stringify(d));
  // Under --root an absolute target stays inside the root: /dev/zero of the fixture does not exist.
  const fixture = new Host(t.path);
  const z = fixture.readBytes("/zero", 10);
  assert.ok(!z.ok && z.reason === "missing", JSON.stringify(z));
  const viaLive = new FileOpener("").open(`${t.path}/zero`);
  assert.ok(!viaLive.ok && viaLive.reason === "not_file", JSON.stringify(viaLive));
});

Deno.test(needs(["root"], {
  name:
    "open: a user's symlink to root's file (~/.bashrc -> /root/secret) is judged as a symlink, not followed",
  fn: () => {
    using t = makeTree({
      "root/secret": "root's secret\n",
      "home/eve/dotfiles/bashrc": "alias ls='ls --color'\n",
      "home/eve/.bashrc": { symlink: "/root/secret" },
      "home/eve/.profile": { symlink: "dotfiles/bashrc" },
      "home/eve/.zshrc": { symlink: "/etc/zshrc" },
      "etc/zshrc": "root-owned system file\n",
    });
    for (
      const p of ["home/eve/dotfiles", "home/eve/dotfiles/bashrc", "home/eve/.bashrc", "home/eve/.profile"]
    ) {
      lchown(`${t.path}/${p}`, NOBODY);
    }
    lchown(`${t.path}/home/eve/.zshrc`, NOBODY);
    const host = new Host(t.path);
    const secret = host.readText("/home/eve/.bashrc");
    assert.ok(!secret.ok && secret.reason === "link", JSON.stringify(secret));
    assert.match(secret.message, /symlink owned by uid 65534 to a file owned by uid 0/);
    const own = host.readText("/home/eve/.profile");
    assert.ok(own.ok && own.value.includes("alias ls"), "a user's link to their own file is read");
    const sys = host.readText("/home/eve/.zshrc");
    assert.ok(!sys.ok && sys.reason === "link", "even a system file is not read through a user's link");
    const notFollowed = host.open("/home/eve/.profile", { follow: false });
    assert.ok(!notFollowed.ok && notFollowed.reason === "link");
    assert.match(notFollowed.message, /to dotfiles\/bashrc/);
  },
}));

Deno.test(needs(["root"], {
  name: "open: a user's symlinked directory cannot lead root into another user's files",
  fn: () => {
    using t = makeTree({
      "root/keys/id_rsa": "PRIVATE\n",
      "home/eve/.config": { symlink: "/root/keys" },
      "etc/os-release": { symlink: "../usr/lib/os-release" },
      "usr/lib/os-release": "ID=debian\n",
    });
    lchown(`${t.path}/home/eve/.config`, NOBODY);
    const host = new Host(t.path);
    const r = host.readText("/home/eve/.config/id_rsa");
    assert.ok(!r.ok && r.reason === "link", JSON.stringify(r));
    const listed = host.readDir("/home/eve/.config");
    assert.ok(!listed.ok && listed.reason === "link", "root's directory is not listed either");
    const os = host.readText("/etc/os-release");
    assert.ok(os.ok && os.value === "ID=debian\n", "root-owned symlinks are followed inside the root");
  },
}));

Deno.test("open: a walked file swapped for another (or for a FIFO) is refused", () => {
  using t = makeTree({ "a": "first\n", "b": "second\n" });
  const host = new Host(t.path);
  const st = Deno.lstatSync(`${t.path}/a`);
  const expect = { dev: st.dev!, ino: st.ino! };
  const same = host.open("/a", { expect });
  assert.ok(same.ok);
  same.file.close();
  Deno.renameSync(`${t.path}/b`, `${t.path}/a`);
  const swapped = host.open("/a", { expect });
  assert.ok(!swapped.ok && swapped.reason === "changed", JSON.stringify(swapped));
  Deno.removeSync(`${t.path}/a`);
  sh("/usr/bin/mkfifo", `${t.path}/a`);
  const fifo = host.open("/a", { expect });
  assert.ok(!fifo.ok && fifo.reason === "not_file");
});

Deno.test("open: symlink loops, dangling links and '..' stay bounded and inside the root", () => {
  using t = makeTree({
    "loop1": { symlink: "loop2" },
    "loop2": { symlink: "loop1" },
    "dangling": { symlink: "nowhere" },
    "up": { symlink: "../../../../etc/shadow" },
    "etc/shadow": "fixture shadow\n",
  });
  const host = new Host(t.path);
  const loop = host.readText("/loop1");
  assert.ok(!loop.ok && loop.reason === "link", JSON.stringify(loop));
  const dangling = host.readText("/dangling");
  assert.ok(!dangling.ok && dangling.reason === "missing");
  const up = host.readText("/up");
  assert.ok(up.ok && up.value === "fixture shadow\n", "'..' above the root stops at the root");
});

Deno.test("open: the opened descriptor carries the file's stat, and O_NOATIME keeps the access time", () => {
  using t = makeTree({ "f": "0123456789" });
  const past = new Date("2020-01-01T00:00:00Z");
  Deno.utimeSync(`${t.path}/f`, past, past);
  const host = new Host(t.path);
  const r = host.readBytes("/f");
  assert.ok(r.ok && r.value.length === 10);
  const opened = host.open("/f");
  assert.ok(opened.ok);
  using file = opened.file;
  assert.equal(file.stat.kind, "file");
  assert.equal(file.stat.size, 10);
  assert.equal(Deno.statSync(`${t.path}/f`).atime?.getTime(), past.getTime(), "atime unchanged by the reads");
});

Deno.test(needs(["fuse"], {
  name: "open: files on a FUSE mount whose server never answers are refused at once, never entered",
  fn: () => {
    using t = makeTree({ "etc/cron.d/job": "* * * * * root /bin/true\n", "mnt/.keep": "" });
    using _mount = mountHungFuse(`${t.path}/mnt`);
    const host = new Host(t.path);
    const started = performance.now();
    const r = host.readText("/mnt/anything");
    assert.ok(!r.ok && r.reason === "remote", JSON.stringify(r));
    assert.match(r.message, /remote or FUSE filesystem/);
    const dir = host.readDir("/mnt");
    assert.ok(!dir.ok && dir.reason === "remote");
    assert.ok(host.readText("/etc/cron.d/job").ok, "the rest of the tree is read as usual");
    assert.ok(performance.now() - started < 2000, "nothing waited on the hung server");
  },
}));

Deno.test("open: empty, '.' and '..' components and a trailing slash open the file the normal path names", () => {
  using t = makeTree({ "dir/f": "x\n", "f": "top\n" });
  const host = new Host(t.path);
  const want = Deno.statSync(`${t.path}/dir/f`).ino;
  for (
    const path of [
      "/dir/f",
      "/dir//f",
      "//dir/f",
      "/dir/./f",
      "/./dir/f",
      "/dir/../dir/f",
      "/dir/f/",
      "/../../dir/f",
    ]
  ) {
    const opened = host.open(path);
    assert.ok(opened.ok, path);
    using file = opened.file;
    assert.equal(file.stat.ino, want, path);
  }
  const up = host.open("/dir/..//f");
  assert.ok(up.ok);
  using top = up.file;
  assert.equal(top.stat.size, 4, "'/dir/..//f' is /f");
});

Deno.test("open: a size past 4 GiB and a time before 1970 come through the stat whole", () => {
  using t = makeTree({ "sparse": "" });
  const path = `${t.path}/sparse`;
  Deno.truncateSync(path, 5 * 2 ** 30 + 3);
  const old = new Date("1960-06-01T12:00:00Z");
  Deno.utimeSync(path, old, old);
  const opened = new Host(t.path).open("/sparse");
  assert.ok(opened.ok);
  using file = opened.file;
  assert.equal(file.stat.size, 5 * 2 ** 30 + 3);
  assert.equal(file.stat.mtimeMs, old.getTime());
});
