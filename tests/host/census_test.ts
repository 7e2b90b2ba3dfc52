import assert from "node:assert/strict";
import { type Census, type CensusScope, type CensusSpec, runCensus } from "../../src/host/census.ts";
import { Host } from "../../src/host/host.ts";
import { devString } from "../../src/host/mountinfo.ts";
import { decodeFileCaps } from "../../src/host/xattr.ts";
import { makeTree, repoPath, runAsNobody } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const all = (
  ...roots: string[]
): CensusScope[] => [{ name: "all", roots, pruneDirs: [], pruneSubstrings: [] }];

function census(root: string, spec: Partial<CensusSpec> & { roots?: string[] }, signal?: AbortSignal) {
  return runCensus(new Host(root), {
    scopes: spec.scopes ?? all(...(spec.roots ?? ["/"])),
    xattr: spec.xattr ?? true,
    skipFsTypes: spec.skipFsTypes ?? [],
    threads: spec.threads ?? 0,
    ...(spec.limits ? { limits: spec.limits } : {}),
    ...(spec.fsTypes ? { fsTypes: spec.fsTypes } : {}),
  }, signal);
}

const paths = (c: Census) => c.entries.map((e) => e.path);
const codes = (c: Census) => c.warnings.map((w) => w.code);

function sh(cmd: string, cwd: string): void {
  const r = new Deno.Command("/bin/sh", { args: ["-c", cmd], cwd }).outputSync();
  if (!r.success) throw new Error(`${cmd}: ${new TextDecoder().decode(r.stderr)}`);
}

function setcap(path: string, caps: string): boolean {
  try {
    return new Deno.Command("/usr/sbin/setcap", { args: [caps, path] }).outputSync().success;
  } catch {
    return false;
  }
}

/** A tree with one of every kind of entry the census keeps, and look-alikes it must leave out. */
function mixedTree() {
  const t = makeTree({
    "usr/bin/su": { content: "su", mode: 0o4755 },
    "usr/bin/wall": { content: "wall", mode: 0o2755 },
    "usr/bin/locked": { content: "mandatory locking marker", mode: 0o2644 },
    "usr/bin/plain": { content: "plain", mode: 0o755 },
    "usr/bin/capped": { content: "capped", mode: 0o755 },
    "usr/bin/link": { symlink: "su" },
    "etc/writable.conf": { content: "x", mode: 0o666 },
    "etc/ok.conf": { content: "x", mode: 0o644 },
    "srv/open": { dir: true, mode: 0o777 },
    "srv/shared": { dir: true, mode: 0o1777 },
    "srv/group": { dir: true, mode: 0o2775 },
    "home/alice/private/suid": { content: "p", mode: 0o4755 },
  });
  Deno.chmodSync(t.path, 0o755);
  for (const d of ["usr", "usr/bin", "etc", "srv", "home", "home/alice"]) {
    Deno.chmodSync(`${t.path}/${d}`, 0o755);
  }
  Deno.chmodSync(`${t.path}/home/alice/private`, 0o700);
  sh("mkfifo -m 666 srv/fifo", t.path);
  return t;
}

Deno.test("census: keeps set-id and world-writable files, sticky-less writable dirs and file capabilities only", async () => {
  using t = mixedTree();
  const hasCaps = setcap(`${t.path}/usr/bin/capped`, "cap_net_raw+ep");
  const c = await census(t.path, { roots: ["/"] });
  assert.equal(c.backend, "thread");
  assert.deepEqual(paths(c), [
    "/etc/writable.conf",
    "/home/alice/private/suid",
    "/srv/open",
    ...(hasCaps ? ["/usr/bin/capped"] : []),
    "/usr/bin/locked",
    "/usr/bin/su",
    "/usr/bin/wall",
  ]);
  const by = new Map(c.entries.map((e) => [e.path, e]));
  assert.equal(by.get("/usr/bin/su")!.mode, 0o4755);
  assert.equal(by.get("/usr/bin/su")!.kind, "file");
  assert.equal(by.get("/usr/bin/su")!.realPath, `${t.path}/usr/bin/su`);
  assert.equal(by.get("/usr/bin/su")!.name, "su");
  assert.equal(by.get("/usr/bin/su")!.size, 2);
  assert.equal(by.get("/usr/bin/su")!.dev, Deno.lstatSync(`${t.path}/usr/bin/su`).dev);
  assert.equal(by.get("/usr/bin/su")!.ino, Deno.lstatSync(`${t.path}/usr/bin/su`).ino);
  assert.equal(by.get("/usr/bin/su")!.mtime, Deno.lstatSync(`${t.path}/usr/bin/su`).mtime!.getTime());
  assert.equal(by.get("/srv/open")!.kind, "dir");
  assert.equal(by.get("/srv/open")!.depth, 2);
  if (hasCaps) {
    const caps = decodeFileCaps(by.get("/usr/bin/capped")!.caps!);
    assert.ok(!("error" in caps) && caps.permitted.includes("CAP_NET_RAW"));
  }
  assert.equal(by.get("/usr/bin/su")!.caps, undefined, "no attribute, nothing recorded");
  assert.deepEqual(c.warnings, []);
  assert.ok(c.examined >= 17, `examined ${c.examined}`);
});

Deno.test("census: reach tells whether other users can get to an entry (o+x on every directory above)", async () => {
  using t = mixedTree();
  const c = await census(t.path, { roots: ["/"] });
  const reach = Object.fromEntries(c.entries.map((e) => [e.path, e.reach]));
  assert.equal(reach["/usr/bin/su"], true);
  assert.equal(reach["/home/alice/private/suid"], false, "behind a 0700 directory");
  const fromInside = await census(t.path, { roots: ["/home/alice/private"] });
  assert.equal(fromInside.entries[0].reach, false, "a root's own parents count too");
  Deno.chmodSync(`${t.path}/usr`, 0o750);
  const closed = await census(t.path, { roots: ["/"] });
  assert.equal(closed.entries.find((e) => e.path === "/usr/bin/su")!.reach, false);
});

Deno.test("census: workers, this thread and the Deno-API fallback keep exactly the same entries", async () => {
  const entries: Record<string, { content?: string; mode?: number; dir?: boolean }> = {};
  for (let a = 0; a < 12; a++) {
    for (let b = 0; b < 8; b++) {
      entries[`t/d${a}/e${b}/f`] = { content: "x", mode: (a + b) % 5 === 0 ? 0o4755 : 0o644 };
      entries[`t/d${a}/e${b}/w`] = { content: "x", mode: (a * b) % 7 === 1 ? 0o666 : 0o600 };
      entries[`t/d${a}/e${b}/deep/er/g`] = { content: "x", mode: b === 3 ? 0o2711 : 0o644 };
    }
    entries[`t/d${a}/open`] = { dir: true, mode: a % 3 === 0 ? 0o777 : 0o755 };
  }
  using t = makeTree(entries);
  const thread = await census(t.path, { roots: ["/t"], threads: 0 });
  const view = (c: Census) => c.entries.map((e) => `${e.path} ${e.kind} ${e.mode.toString(8)} ${e.reach}`);
  assert.equal(thread.backend, "thread");
  assert.equal(thread.examinedHere, thread.examined);
  assert.ok(thread.entries.length > 40, `${thread.entries.length} kept`);
  // Two threads are this one and one census worker. This one walks its share at once (on a tree this small,
  // often all of it before the worker has started); the live-root test below sees both walk.
  for (const threads of [2, 3]) {
    const workers = await census(t.path, { roots: ["/t"], threads });
    assert.deepEqual([workers.backend, workers.workers], ["workers", threads - 1]);
    assert.deepEqual(view(workers), view(thread));
    assert.equal(workers.examined, thread.examined);
    assert.ok(workers.examinedHere > 0, "this thread walked a share");
  }

  const child = repoPath("tests/host/census_child.ts");
  const out = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", "--allow-read", "--allow-env", child, t.path, "/t"],
    env: { NO_COLOR: "1" },
  }).outputSync();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const deno = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(deno.backend, "deno");
  assert.ok(deno.warnings.some((w: { code: string }) => w.code === "walk_fallback"));
  assert.deepEqual(
    deno.entries.map((e: { path: string; kind: string; mode: number; reach: boolean }) =>
      `${e.path} ${e.kind} ${e.mode.toString(8)} ${e.reach}`
    ),
    view(thread),
  );
});

Deno.test("census: a directory is entered only when some scope wants it; wants() and warningsFor() per scope", async () => {
  using t = makeTree({
    "a/keep/s": { content: "x", mode: 0o4755 },
    "a/skip/s": { content: "x", mode: 0o4755 },
    "a/skip/in/s": { content: "x", mode: 0o4755 },
    "a/cache/x/.local/share/containers/storage/s": { content: "x", mode: 0o4755 },
    "b/s": { content: "x", mode: 0o4755 },
  });
  const c = await census(t.path, {
    scopes: [
      {
        name: "A",
        roots: ["/a"],
        pruneDirs: ["/a/skip"],
        pruneSubstrings: ["/.local/share/containers/storage/"],
      },
      { name: "B", roots: ["/b", "/a/skip/in"], pruneDirs: [], pruneSubstrings: [] },
    ],
  });
  assert.deepEqual(paths(c), ["/a/keep/s", "/a/skip/in/s", "/b/s"]);
  assert.ok(c.wants("A", "/a/keep/s") && !c.wants("A", "/a/skip/in/s") && !c.wants("A", "/b/s"));
  assert.ok(c.wants("B", "/a/skip/in/s") && c.wants("B", "/b/s") && !c.wants("B", "/a/keep/s"));
  assert.ok(!c.wants("nobody", "/b/s"));
  sh(`printf x > "$(printf 'a/keep/bad\\377')" && chmod 4755 "$(printf 'a/keep/bad\\377')"`, t.path);
  const later = await census(t.path, {
    scopes: [
      { name: "A", roots: ["/a"], pruneDirs: [], pruneSubstrings: [] },
      { name: "B", roots: ["/b"], pruneDirs: [], pruneSubstrings: [] },
    ],
    limits: { maxDepth: 2 },
  });
  assert.deepEqual(codes(later).sort(), ["name_not_utf8", "truncated"]);
  assert.deepEqual(later.warningsFor(["A"]).map((w) => w.code).sort(), ["name_not_utf8", "truncated"]);
  assert.deepEqual(later.warningsFor(["B"]), [], "the depth cut is about a place under /a, not /b");
  const cuts = later.warnings.filter((w) => w.cut !== undefined);
  assert.deepEqual(cuts.map((w) => w.cut), ["depth"]);
  assert.match(cuts[0].path ?? "", /^\/a\//);
});

Deno.test("census: a symlinked root is resolved inside the scan root and walked once; symlinks are never followed", async () => {
  using t = makeTree({
    "usr/bin/su": { content: "x", mode: 0o4755 },
    "bin": { symlink: "usr/bin" },
    "usr/bin/loop": { symlink: "/usr" },
    "usr/bin/out": { symlink: "/etc" },
  });
  const c = await census(t.path, { roots: ["/bin", "/usr"] });
  assert.deepEqual(paths(c), ["/usr/bin/su"]);
});

Deno.test("census: a set-uid file planted 70 directories down is found with the default limits", async () => {
  const deep = Array.from({ length: 70 }, (_, i) => `d${i}`).join("/");
  using t = makeTree({ [`opt/${deep}/s`]: { content: "x", mode: 0o4755 } });
  const c = await census(t.path, { roots: ["/opt"] });
  assert.deepEqual(paths(c), [`/opt/${deep}/s`]);
  assert.deepEqual(codes(c), []);
});

Deno.test("census: depth, entry, per-directory, kept-entry and time limits end in truncated warnings", async () => {
  const entries: Record<string, { content: string; mode: number }> = {};
  for (let i = 0; i < 40; i++) entries[`big/f${i}`] = { content: "x", mode: 0o4755 };
  entries["a/b/c/d/e/s"] = { content: "x", mode: 0o4755 };
  using t = makeTree(entries);
  const depth = await census(t.path, { roots: ["/a"], limits: { maxDepth: 2 } });
  assert.deepEqual(paths(depth), []);
  assert.deepEqual(codes(depth), ["truncated"]);
  assert.match(depth.warnings[0].detail, /1 directory deeper than 2 not entered \(e\.g\. \/a\/b\/c\)/);
  const dir = await census(t.path, { roots: ["/big"], limits: { maxDirEntries: 10 } });
  assert.equal(dir.entries.length, 10);
  assert.match(dir.warnings[0].detail, /1 directory with more than 10 entries read partly \(e\.g\. \/big\)/);
  const hits = await census(t.path, { roots: ["/big"], limits: { maxHits: 5 } });
  assert.equal(hits.entries.length, 5);
  assert.match(hits.warnings[0].detail, /more than 5 .* 35 not kept/);
  assert.deepEqual(
    [depth, dir, hits].map((c) => c.warnings.map((w) => [w.cut, w.path])),
    [[["depth", "/a/b/c"]], [["dir_entries", "/big"]], [["kept", undefined]]],
    "each bound is marked as a cut, with the place where it has one",
  );
  const child = repoPath("tests/host/census_child.ts");
  const out = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", "--allow-read", "--allow-env", child, t.path, "/big"],
    env: { NO_COLOR: "1", MAX_HITS: "5" },
  }).outputSync();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const deno = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(deno.backend, "deno");
  assert.equal(deno.entries.length, 5);
  assert.ok(
    deno.warnings.some((w: { detail: string }) => /more than 5 .* 35 not kept/.test(w.detail)),
    "the Deno-API fallback warns about the cap too",
  );
  const many: Record<string, string> = {};
  for (let i = 0; i < 30; i++) many[`m/d${i}/f`] = "x";
  using m = makeTree(many);
  const count = await census(m.path, { roots: ["/m"], limits: { maxEntries: 5 } });
  assert.ok(codes(count).includes("truncated"));
  assert.ok(count.warnings.some((w) => /walk stopped after 5 entries/.test(w.detail)));
  assert.ok(
    count.examined < 60,
    `limits are checked per directory: only /m read, examined ${count.examined}`,
  );
  const time = await census(m.path, { roots: ["/m"], limits: { maxMillis: -1 } });
  assert.ok(time.warnings.some((w) => /walk stopped after -1 ms/.test(w.detail)));
});

Deno.test("census: a set-id file whose name is not UTF-8 is still found, with a warning", async () => {
  using t = makeTree({ "d/ok": "x" });
  sh(`printf x > "$(printf 'bad\\377name')" && chmod 4755 "$(printf 'bad\\377name')"`, `${t.path}/d`);
  const c = await census(t.path, { roots: ["/d"] });
  assert.deepEqual(paths(c), ["/d/bad\uFFFDname"]);
  assert.equal(c.entries[0].mode, 0o4755);
  assert.deepEqual(codes(c), ["name_not_utf8"]);
});

Deno.test("census: below directories whose names are not UTF-8 (walked by their bytes)", async () => {
  using t = makeTree({ "d/ok": "x" });
  sh(
    `for i in 1 2 3 4; do d="$(printf "dir\\377$i")"; mkdir -p "$d/sub" && printf x > "$d/sub/s" && ` +
      `chmod 4755 "$d/sub/s"; done`,
    `${t.path}/d`,
  );
  for (const threads of [0, 2]) {
    const c = await census(t.path, { roots: ["/d"], threads });
    assert.deepEqual(paths(c), [1, 2, 3, 4].map((i) => `/d/dir\uFFFD${i}/sub/s`), `${threads} threads`);
    assert.ok(c.entries.every((e) => e.mode === 0o4755));
    assert.deepEqual(codes(c), ["name_not_utf8", "name_not_utf8", "name_not_utf8", "name_not_utf8"]);
  }
});

Deno.test("census: missing roots are silent; a pseudo or network filesystem root is skipped with a warning", async () => {
  const c = await census("/", { roots: ["/nonexistent-sys-scan-root", "/proc"] });
  assert.deepEqual(c.entries, []);
  assert.deepEqual(codes(c), ["walk_skipped_fs"]);
  using t = makeTree({ "r/s": { content: "x", mode: 0o4755 } });
  const fsTypes = new Map([[devString(Deno.lstatSync(t.path).dev!), "nfs4"]]);
  const n = await census(t.path, { roots: ["/r"], fsTypes });
  assert.deepEqual(n.entries, []);
  assert.deepEqual(codes(n), ["walk_skipped_fs"]);
});

Deno.test(needs(["root"], {
  name: "census: enters local filesystems, not skipped types, and survives a bind-mount loop",
  fn: async () => {
    using t = makeTree({ "r/mnt/.keep": "", "r/a/b/.keep": "", "r/top": { content: "x", mode: 0o4755 } });
    sh(
      "mount -t tmpfs sys-scan-test r/mnt && touch r/mnt/inside && chmod 4755 r/mnt/inside && " +
        "mkdir r/a/b/loop && mount --bind r r/a/b/loop",
      t.path,
    );
    try {
      const cross = await census(t.path, { roots: ["/r"] });
      assert.ok(paths(cross).includes("/r/mnt/inside"));
      assert.ok(!paths(cross).some((p) => p.startsWith("/r/a/b/loop/r/")), "bind-mount loop not re-entered");
      const skipped = await census(t.path, { roots: ["/r"], skipFsTypes: ["tmpfs"] });
      assert.ok(!paths(skipped).includes("/r/mnt/inside"));
      const asRoot = await census(t.path, { roots: ["/r/mnt"], skipFsTypes: ["tmpfs"] });
      assert.deepEqual(paths(asRoot), ["/r/mnt/inside"], "skipFsTypes applies only when crossing");
    } finally {
      sh("umount r/a/b/loop; umount r/mnt", t.path);
    }
  },
}));

Deno.test("census: cancelling stops the walk and its workers", async () => {
  const entries: Record<string, { content: string; mode: number }> = {};
  for (let i = 0; i < 200; i++) entries[`c/d${i % 20}/e${i}/f`] = { content: "x", mode: 0o4755 };
  using t = makeTree(entries);
  const stop = new AbortController();
  stop.abort();
  const before = await census(t.path, { roots: ["/c"], threads: 0 }, stop.signal);
  assert.ok(before.examined < 200, `examined ${before.examined}`);
  const mid = new AbortController();
  const running = census(t.path, { roots: ["/c"], threads: 2 }, mid.signal);
  mid.abort();
  const c = await running;
  assert.equal(c.backend, "workers");
  assert.deepEqual(c.entries, [], "cancelled before the workers walked the set-id files");
  const full = await census(t.path, { roots: ["/c"], threads: 2 });
  assert.equal(full.entries.length, 200);
});

/** Descriptors of this process that point into `dir` (the census opens directories ahead of walking them). */
function openUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync("/proc/self/fd")) {
    try {
      const target = Deno.readLinkSync(`/proc/self/fd/${e.name}`);
      if (target === dir || target.startsWith(dir + "/")) out.push(target);
    } catch {
      // closed while listing
    }
  }
  return out;
}

Deno.test("census: directories opened ahead are closed however the walk ends", async () => {
  const entries: Record<string, string> = {};
  for (let a = 0; a < 30; a++) for (let b = 0; b < 40; b++) entries[`w/d${a}/e${b}/f`] = "x";
  using t = makeTree(entries);
  const real = Deno.realPathSync(t.path);
  const done = await census(t.path, { roots: ["/w"], threads: 2 });
  assert.ok(done.examined > 2400);
  assert.deepEqual(openUnder(real), []);
  for (const threads of [0, 2, 3]) {
    const stop = new AbortController();
    const running = census(t.path, { roots: ["/w"], threads }, stop.signal);
    setTimeout(() => stop.abort(), 2);
    await running;
    assert.deepEqual(openUnder(real), [], `cancelled, ${threads} threads`);
    await census(t.path, { roots: ["/w"], threads, limits: { maxEntries: 500 } });
    assert.deepEqual(openUnder(real), [], `entry limit, ${threads} threads`);
  }
});

Deno.test(needs(["root"], {
  name: "census: unreadable directories become perm_denied warnings (run as nobody via setpriv)",
  fn: () => {
    using t = makeTree({
      "r/open/s": { content: "x", mode: 0o4755 },
      "r/closed/s": { content: "y", mode: 0o4755 },
    });
    Deno.chmodSync(t.path, 0o755);
    Deno.chmodSync(`${t.path}/r`, 0o755);
    Deno.chmodSync(`${t.path}/r/open`, 0o755);
    Deno.chmodSync(`${t.path}/r/closed`, 0o700);
    const child = repoPath("tests/host/census_child.ts");
    const r = runAsNobody(child, ["--allow-read", "--allow-env", "--allow-ffi"], [t.path, "/r"]) as {
      backend: string;
      entries: { path: string }[];
      warnings: { code: string; detail: string }[];
    };
    assert.equal(r.backend, "thread");
    assert.deepEqual(r.entries.map((e) => e.path), ["/r/open/s"]);
    assert.deepEqual(r.warnings.map((w) => w.code), ["perm_denied"]);
    assert.match(r.warnings[0].detail, /^\/r\/closed: open: permission denied/);
  },
}));

Deno.test(needs(["root"], {
  name: "census: on the live root filesystem it finds exactly the set-id files find(1) finds",
  fn: async () => {
    const out = new Deno.Command("find", { args: ["/", "-xdev", "-type", "f", "-perm", "/6000"] })
      .outputSync();
    // Other tests plant set-id fixtures under /tmp while this runs, so /tmp is left out on both sides.
    const mine = (p: string) => p !== "" && !p.startsWith("/tmp/");
    const expected = new TextDecoder().decode(out.stdout).split("\n").filter(mine).sort();
    const c = await census("/", { roots: ["/"], threads: 2, xattr: false });
    const rootDev = Deno.lstatSync("/").dev;
    const found = c.entries
      .filter((e) => e.kind === "file" && (e.mode & 0o6000) !== 0 && e.dev === rootDev)
      .map((e) => e.path)
      .filter(mine)
      .sort();
    assert.ok(expected.length > 0);
    assert.deepEqual(found, expected);
    assert.deepEqual([c.backend, c.workers], ["workers", 1]);
    // A whole filesystem outlasts a worker's start: this thread and the worker both walked part of it.
    assert.ok(
      c.examinedHere > 0 && c.examinedHere < c.examined,
      `${c.examinedHere} of ${c.examined} examined on this thread`,
    );
  },
}));

Deno.test("census: the kept-entry cap holds for the whole census, across workers and their batches", async () => {
  const entries: Record<string, { content: string; mode: number }> = {};
  for (let d = 0; d < 200; d++) {
    for (let i = 0; i < 5; i++) entries[`w/d${d}/f${i}`] = { content: "x", mode: 0o4755 };
  }
  using t = makeTree(entries);
  for (const threads of [0, 2, 3]) {
    const c = await census(t.path, { roots: ["/w"], threads, limits: { maxHits: 50 } });
    assert.equal(c.entries.length, 50, `${threads} threads`);
    assert.match(
      c.warnings.map((w) => w.detail).join("\n"),
      /more than 50 .* 950 not kept/,
      `${threads} threads`,
    );
  }
});

Deno.test("census: this thread says it is walking before each of its slices (a blocked walk is blamed right)", async () => {
  const entries: Record<string, string> = {};
  for (let a = 0; a < 20; a++) for (let b = 0; b < 20; b++) entries[`s/d${a}/e${b}/f`] = "x";
  using t = makeTree(entries);
  for (const threads of [0, 2]) {
    let calls = 0;
    const c = await runCensus(new Host(t.path), {
      scopes: all("/s"),
      xattr: false,
      skipFsTypes: [],
      threads,
      onActive: () => calls++,
    });
    assert.ok(c.examinedHere > 0);
    assert.ok(calls >= 1, `${threads} threads: told ${calls} times`);
  }
});
