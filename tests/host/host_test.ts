import assert from "node:assert/strict";
import { Host, pathComponents } from "../../src/host/host.ts";
import { runProgram } from "../../src/host/exec.ts";
import { decodeCapMask, kallsymsHasAddresses, probeCapabilities } from "../../src/host/capabilities.ts";
import { parseOsRelease } from "../../src/host/identity.ts";
import { parsePasswd } from "../../src/host/proc_users.ts";
import { makeTree, repoPath } from "../helpers.ts";

Deno.test("pathComponents normalises . and .. lexically", () => {
  assert.deepEqual(pathComponents("/a/./b/../c//d/"), ["a", "c", "d"]);
  assert.deepEqual(pathComponents("/../../etc"), ["etc"]);
});

Deno.test("symlinks are resolved inside the root and never lead out of it", () => {
  using t = makeTree({
    "etc/passwd": "root:x:0:0::/root:/bin/sh\n",
    "etc/abs": { symlink: "/etc/passwd" },
    "etc/rel": { symlink: "../etc/passwd" },
    "etc/escape": { symlink: "../../../../../etc/hostname" },
    "etc/loop1": { symlink: "/etc/loop2" },
    "etc/loop2": { symlink: "/etc/loop1" },
    "lib": { symlink: "usr/lib" },
    "usr/lib/x.conf": "x\n",
  });
  const h = new Host(t.path);
  assert.equal(h.resolve("/etc/abs"), `${t.path}/etc/passwd`);
  assert.equal(h.resolve("/etc/rel"), `${t.path}/etc/passwd`);
  assert.equal(h.resolve("/etc/escape"), `${t.path}/etc/hostname`);
  assert.equal(h.resolve("/lib/x.conf"), `${t.path}/usr/lib/x.conf`);
  assert.ok(h.readText("/etc/abs").ok);
  assert.equal(h.readText("/etc/escape").ok, false, "the host's /etc/hostname is never read");
  const loop = h.readText("/etc/loop1");
  assert.equal(loop.ok, false);
  const st = h.lstat("/etc/abs");
  assert.ok(st.ok && st.value.isSymlink);
  const link = h.readLink("/etc/abs");
  assert.ok(link.ok && link.value === "/etc/passwd");
});

Deno.test("canonical: one host path per file, every link followed inside the root, on the live host too", () => {
  using t = makeTree({
    "etc/apache2/conf-available/x.conf": "x\n",
    "etc/apache2/conf-enabled/x.conf": { symlink: "../conf-available/x.conf" },
    "etc/abs": { symlink: "/etc/apache2/conf-available" },
    "etc/escape": { symlink: "../../../../../etc/hostname" },
    "etc/loop1": { symlink: "/etc/loop2" },
    "etc/loop2": { symlink: "/etc/loop1" },
    "lib": { symlink: "usr/lib" },
    "usr/lib/nginx/modules/m.so": "x",
    "usr/share/nginx/modules": { symlink: "../../lib/nginx/modules" },
  });
  const h = new Host(t.path);
  assert.equal(h.canonical("/etc/apache2/conf-enabled/x.conf"), "/etc/apache2/conf-available/x.conf");
  assert.equal(h.canonical("/etc/abs/x.conf"), "/etc/apache2/conf-available/x.conf");
  assert.equal(h.canonical("/usr/share/nginx/modules/m.so"), "/usr/lib/nginx/modules/m.so");
  assert.equal(h.canonical("/lib/nginx/../nginx/modules"), "/usr/lib/nginx/modules", ".. after the link");
  assert.equal(h.canonical("/etc/escape"), "/etc/hostname", "re-rooted: never above the root");
  assert.equal(h.canonical("/etc/missing/file"), "/etc/missing/file");
  assert.match(h.canonical("/etc/loop1"), /^\/etc\/loop[12]$/, "a loop stops after the hop limit");
  // The live host: the same following, from "/".
  const live = new Host("/");
  assert.equal(
    live.canonical(`${t.path}/etc/apache2/conf-enabled/x.conf`),
    `${Deno.realPathSync(t.path)}/etc/apache2/conf-available/x.conf`,
  );
});

Deno.test("reads are capped and say when they were truncated", () => {
  using t = makeTree({ "big": "x".repeat(10_000), "small": "abc" });
  const h = new Host(t.path);
  const big = h.readText("/big", 100);
  assert.ok(big.ok && big.truncated && big.value.length === 100);
  const small = h.readText("/small", 100);
  assert.ok(small.ok && !small.truncated && small.value === "abc");
  const exact = h.readBytes("/small", 3);
  assert.ok(exact.ok && !exact.truncated && exact.value.length === 3);
});

Deno.test("reads larger than the reused buffer, and one after another, each get their own whole content", () => {
  const large = "a".repeat(3 << 20) + "end";
  using t = makeTree({ "large": large, "second": "b".repeat(70_000), "short": "c" });
  const h = new Host(t.path);
  const whole = h.readText("/large", 4 << 20);
  assert.ok(whole.ok && !whole.truncated && whole.value === large);
  const capped = h.readText("/large", 1 << 20);
  assert.ok(capped.ok && capped.truncated && capped.value.length === 1 << 20);
  const bytes = h.readBytes("/second", 1 << 20);
  const short = h.readText("/short");
  assert.ok(short.ok && short.value === "c");
  assert.ok(
    bytes.ok && bytes.value.length === 70_000 && bytes.value.every((b) => b === 0x62),
    "not overwritten",
  );
  const proc = h.readText("/short", 0);
  assert.ok(proc.ok && proc.truncated && proc.value === "");
});

Deno.test("reads refuse FIFOs, directories and devices without blocking", () => {
  using t = makeTree({ "dir/x": "" });
  const fifo = `${t.path}/fifo`;
  const mk = new Deno.Command("/usr/bin/mkfifo", { args: [fifo] }).outputSync();
  assert.equal(mk.code, 0);
  const h = new Host(t.path);
  const r = h.readText("/fifo");
  assert.ok(!r.ok && r.reason === "not_file");
  const d = h.readText("/dir");
  assert.ok(!d.ok && d.reason === "not_file");
  const live = new Host("/");
  const dev = live.readText("/dev/zero", 10);
  assert.ok(!dev.ok && dev.reason === "not_file");
});

Deno.test("the libc read path and the Deno one give the same outcomes", () => {
  using t = makeTree({
    "file": "hello\n",
    "big": "x".repeat(500),
    "dir/x": "",
    "link": { symlink: "file" },
    "proc-like": "",
  });
  const mk = new Deno.Command("/usr/bin/mkfifo", { args: [`${t.path}/fifo`] }).outputSync();
  assert.equal(mk.code, 0);
  // A link whose target is not UTF-8 (a name Deno's API cannot return as a string): both paths refuse it.
  const bad = new Deno.Command("/bin/sh", {
    args: ["-c", `ln -s "$(printf '/tmp/\\377x')" "${t.path}/bad-link"`],
  }).outputSync();
  assert.equal(bad.code, 0);
  const child = repoPath("tests/host/host_read_child.ts");
  const run = (ffi: boolean) => {
    const out = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--allow-read", ...(ffi ? ["--allow-ffi"] : []), child, t.path],
      env: { NO_COLOR: "1" },
    }).outputSync();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    return JSON.parse(new TextDecoder().decode(out.stdout));
  };
  const withLibc = run(true);
  assert.deepEqual(withLibc["/file"], { text: "hello\n", truncated: false });
  assert.deepEqual(withLibc["/big"], { text: "x".repeat(100), truncated: true });
  assert.deepEqual(withLibc["/fifo"], { reason: "not_file" });
  assert.deepEqual(withLibc["/dir"], { reason: "not_file" });
  assert.deepEqual(withLibc["/missing"], { reason: "missing" });
  assert.deepEqual(withLibc["/link"], { text: "hello\n", truncated: false });
  assert.deepEqual(withLibc["link /link"], { target: "file" });
  assert.deepEqual(withLibc["link /file"], { reason: "error" }, "not a symlink");
  assert.deepEqual(withLibc["link /missing"], { reason: "missing" });
  assert.deepEqual(withLibc["link /dir/x/y"], { reason: "missing" }, "a file on the way");
  assert.deepEqual(withLibc["link /bad-link"], { reason: "error" }, "a target that is not UTF-8");
  assert.deepEqual(run(false), withLibc);
});

Deno.test("missing files are reported as missing, procfs files are readable", () => {
  const live = new Host("/");
  const m = live.readText("/nonexistent/file");
  assert.ok(!m.ok && m.reason === "missing");
  const p = live.readText("/proc/self/stat", 4096);
  assert.ok(p.ok && p.value.length > 10);
});

Deno.test("readDir caps the number of entries", () => {
  using t = makeTree(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`d/f${i}`, ""])));
  const h = new Host(t.path);
  const r = h.readDir("/d", 5);
  assert.ok(r.ok && r.truncated && r.value.length === 5);
});

Deno.test("runProgram: absolute path only, timeout, output cap, stderr apart", async () => {
  await assert.rejects(() => runProgram("ls", []), /absolute path/);
  const ok = await runProgram("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"]);
  assert.equal(ok.code, 3);
  assert.equal(new TextDecoder().decode(ok.stdout), "out\n");
  assert.equal(new TextDecoder().decode(ok.stderr), "err\n");
  const slow = await runProgram("/bin/sleep", ["10"], { timeoutMs: 200 });
  assert.equal(slow.timedOut, true);
  assert.equal(slow.code, null);
  const flood = await runProgram("/usr/bin/yes", [], { maxOutputBytes: 1000, timeoutMs: 5000 });
  assert.equal(flood.truncated, true);
  assert.equal(flood.stdout.length, 1000);
  assert.equal(flood.timedOut, false);
  const env = await runProgram("/usr/bin/env", []);
  assert.ok(!new TextDecoder().decode(env.stdout).includes("HOME="), "environment is cleared");
});

Deno.test("capability masks decode to names", () => {
  assert.deepEqual(decodeCapMask("0000000000000000"), []);
  assert.deepEqual(decodeCapMask("0000000000200000"), ["CAP_SYS_ADMIN"]);
  assert.deepEqual(decodeCapMask("000000c000000000"), ["CAP_PERFMON", "CAP_BPF"]);
  assert.deepEqual(decodeCapMask("zz"), []);
});

Deno.test("kallsyms is readable only with non-zero addresses", () => {
  assert.equal(kallsymsHasAddresses("0000000000000000 T _text\n"), false);
  assert.equal(kallsymsHasAddresses("ffffffff81000000 T _text\n"), true);
  assert.equal(kallsymsHasAddresses(""), false);
});

Deno.test("the live capability probe describes this machine", () => {
  const c = probeCapabilities(new Host("/"));
  assert.equal(c.euid, 0);
  assert.ok(c.effective_caps.includes("CAP_SYS_ADMIN"));
  assert.match(c.kernel, /^\d+\.\d+/);
  assert.equal(typeof c.btf, "boolean");
});

Deno.test("os-release and passwd parsing tolerate junk", () => {
  assert.deepEqual(parseOsRelease("ID=debian\nPRETTY_NAME=\"Debian 12\"\n# c\ngarbage\nX='q'\n"), {
    ID: "debian",
    PRETTY_NAME: "Debian 12",
    X: "q",
  });
  assert.deepEqual(parseOsRelease(""), {});
  const users = parsePasswd("root:x:0:0::/root:/bin/sh\nbad\nbob:x:1000:1000::/home/bob:/bin/sh\n::::");
  assert.deepEqual(users.map((u) => [u.name, u.uid]), [["root", 0], ["bob", 1000]]);
});
