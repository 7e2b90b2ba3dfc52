import assert from "node:assert/strict";
import { parsePathAssignments } from "../../src/scanners/world_writable/root_path.ts";
import { worldWritable } from "../../src/scanners/world_writable/index.ts";
import { shebangProgram } from "../../src/scanners/world_writable/setid_interpreter.ts";
import { makeTree, runOne, type TempTree, testContext, type TreeEntry } from "../helpers.ts";
import { fsCensus } from "../../src/scanners/fs_census.ts";
import { WORLD_WRITABLE } from "../../src/scanners/world_writable/checks.ts";
import { needs } from "../host_caps.ts";

const BASH = "\x7fELF\x02\x01\x01\0 pretend this is bash";
const ELF = "\x7fELF\x02\x01\x01\0 some other program";

/** A fixture host whose root directory is searchable by others, as a real "/" is. */
function host(entries: Record<string, TreeEntry>): TempTree {
  const t = makeTree({ "usr/bin/bash": { content: BASH, mode: 0o755 }, ...entries });
  Deno.chmodSync(t.path, 0o755);
  return t;
}

function ids(r: { findings: { id: string }[] }): string[] {
  return r.findings.map((f) => f.id).sort();
}

function setcap(path: string, caps: string): void {
  const r = new Deno.Command("/usr/sbin/setcap", { args: [caps, path] }).outputSync();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
}

Deno.test("world_writable: world-writable files and sticky-less directories fire, rated by what they are", async () => {
  using t = host({
    "etc/cron.d/job": { content: "* * * * * root x\n", mode: 0o666 },
    "usr/share/doc/readme": { content: "x", mode: 0o666 },
    "usr/lib/libx.so.1": { content: ELF, mode: 0o646 },
    "opt/tool/run": { content: ELF, mode: 0o777 },
    "opt/drop": { dir: true, mode: 0o777 },
    "opt/shared": { dir: true, mode: 0o1777 },
    "etc/ok.conf": { content: "x", mode: 0o644 },
    "usr/bin/link": { symlink: "/etc/ok.conf" },
  });
  const r = await runOne(worldWritable, t.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings.map((f) => [f.id, f.severity]).sort(), [
    ["fs.world_writable.dir_no_sticky:/opt/drop", "high"],
    ["fs.world_writable.file:/etc/cron.d/job", "high"],
    ["fs.world_writable.file:/opt/tool/run", "high"],
    ["fs.world_writable.file:/usr/lib/libx.so.1", "high"],
    ["fs.world_writable.file:/usr/share/doc/readme", "medium"],
  ]);
  const job = r.findings.find((f) => f.id === "fs.world_writable.file:/etc/cron.d/job")!;
  const { mtime, ctime, ...rest } = job.metadata;
  assert.deepEqual(rest, { path: "/etc/cron.d/job", mode: "0666", uid: 0, gid: 0, size: 17 });
  assert.match(String(mtime), /^\d{4}-\d\d-\d\dT/);
  assert.ok(Date.parse(String(ctime)) > Date.now() - 3600_000, "ctime is when the mode was set");
  assert.deepEqual(job.location, { path: "/etc/cron.d/job" });
});

Deno.test(needs(["root"], {
  name: "world_writable: a local filesystem mounted inside a root (separate /usr/local) is walked too",
  fn: async () => {
    using t = host({ "usr/local/.keep": "" });
    const mnt = `${t.path}/usr/local`;
    const run = (cmd: string[]) => new Deno.Command(cmd[0], { args: cmd.slice(1) }).outputSync();
    assert.ok(run(["mount", "-t", "tmpfs", "-o", "mode=755", "sys-scan-test", mnt]).success);
    try {
      Deno.writeTextFileSync(`${mnt}/planted.conf`, "x");
      Deno.chmodSync(`${mnt}/planted.conf`, 0o666);
      const r = await runOne(worldWritable, t.path);
      assert.deepEqual(ids(r), ["fs.world_writable.file:/usr/local/planted.conf"]);
    } finally {
      run(["umount", mnt]);
    }
  },
}));

Deno.test("world_writable: the census's workers find the same; --parallel-threads 1 keeps it on one thread", async () => {
  const entries: Record<string, TreeEntry> = {};
  for (let i = 0; i < 40; i++) {
    entries[`usr/share/p${i}/doc/f`] = { content: "x", mode: i % 4 === 0 ? 0o666 : 0o644 };
    entries[`opt/a${i}/b/run`] = { content: ELF, mode: i % 5 === 0 ? 0o4777 : 0o755 };
  }
  using t = host(entries);
  const view = (r: Awaited<ReturnType<typeof runOne>>) => r.findings.map((f) => f.id).sort();
  const auto = await runOne(worldWritable, t.path);
  const two = await runOne(worldWritable, t.path, { parallelThreads: 2 });
  const one = await runOne(worldWritable, t.path, { parallelThreads: 1 });
  assert.ok(auto.findings.length >= 18, `${auto.findings.length} findings`);
  assert.deepEqual(view(two), view(auto));
  assert.deepEqual(view(one), view(auto));
  const meta = (r: typeof auto) =>
    r.outcome.meta.census as { backend: string; workers: number; examined: number };
  assert.equal(meta(auto).backend, "thread", "a small --root tree is walked before workers would start");
  assert.deepEqual(
    [meta(two).backend, meta(two).workers],
    ["workers", 1],
    "this thread and one census worker",
  );
  assert.deepEqual([meta(one).backend, meta(one).workers], ["thread", 0]);
  assert.equal(meta(two).examined, meta(one).examined);
});

Deno.test("world_writable: files other users cannot reach (a 0700 directory above) are not findings", async () => {
  using t = host({
    "root/.cache/pkg/file": { content: "x", mode: 0o666 },
    "root/.cache/pkg/dir": { dir: true, mode: 0o777 },
    "var/lib/private/app/data": { content: "x", mode: 0o666 },
  });
  Deno.chmodSync(`${t.path}/root`, 0o700);
  Deno.chmodSync(`${t.path}/var/lib/private`, 0o700);
  const r = await runOne(worldWritable, t.path);
  assert.deepEqual(r.findings, []);
});

Deno.test("world_writable: scratch dirs are skipped by default; --world-writable-dirs adds roots", async () => {
  using t = host({
    "var/tmp/a": { content: "x", mode: 0o666 },
    "srv/www/b": { content: "x", mode: 0o666 },
  });
  assert.deepEqual(ids(await runOne(worldWritable, t.path)), []);
  const r = await runOne(worldWritable, t.path, { worldWritableDirs: ["/srv", "/var/tmp"] });
  assert.deepEqual(ids(r), ["fs.world_writable.file:/srv/www/b", "fs.world_writable.file:/var/tmp/a"]);
});

Deno.test("world_writable: --world-writable-exclude skips paths containing a substring", async () => {
  using t = host({
    "opt/app/cache/x": { content: "x", mode: 0o666 },
    "opt/app/conf/y": { content: "x", mode: 0o666 },
  });
  const r = await runOne(worldWritable, t.path, { worldWritableExclude: ["/app/cache"] });
  assert.deepEqual(ids(r), ["fs.world_writable.file:/opt/app/conf/y"]);
});

Deno.test("world_writable: --fs-world-writable-limit caps file findings with a truncated warning", async () => {
  using t = host({
    "opt/a": { content: "x", mode: 0o666 },
    "opt/b": { content: "x", mode: 0o666 },
    "opt/c": { content: "x", mode: 0o666 },
    "opt/d": { dir: true, mode: 0o777 },
  });
  const r = await runOne(worldWritable, t.path, { fsWorldWritableLimit: 2 });
  assert.deepEqual(ids(r), [
    "fs.world_writable.dir_no_sticky:/opt/d",
    "fs.world_writable.file:/opt/a",
    "fs.world_writable.file:/opt/b",
  ]);
  assert.deepEqual(r.warnings.map((w) => w.code), ["truncated"]);
});

Deno.test("world_writable: set-id interpreters by identity, by name and by shebang; other set-id ELFs are quiet", async () => {
  using t = host({
    "usr/local/sbin/.helper": { content: BASH, mode: 0o4755 },
    "usr/bin/python3.11": { content: ELF + "py", mode: 0o4755 },
    "usr/local/bin/tool.sh": { content: "#!/usr/bin/env python3\nprint(1)\n", mode: 0o4755 },
    "usr/bin/passwd": { content: ELF, mode: 0o4755 },
    "usr/local/bin/notes": { content: "#!/usr/bin/bash-ish\n", mode: 0o4755 },
    "opt/py/python3": { content: ELF + "other py", mode: 0o4755 },
  });
  Deno.linkSync(`${t.path}/usr/bin/bash`, `${t.path}/opt/rootsh`);
  Deno.chmodSync(`${t.path}/opt/rootsh`, 0o4755);
  const r = await runOne(worldWritable, t.path);
  assert.deepEqual(r.findings.map((f) => [f.id, f.severity, f.metadata.reason]).sort(), [
    ["fs.setid.interpreter:/opt/py/python3", "critical", "set-id program named like an interpreter"],
    ["fs.setid.interpreter:/opt/rootsh", "critical", "identical to the interpreter /usr/bin/bash"],
    ["fs.setid.interpreter:/usr/bin/bash", "critical", "set-id interpreter"],
    ["fs.setid.interpreter:/usr/bin/python3.11", "critical", "set-id interpreter"],
    [
      "fs.setid.interpreter:/usr/local/bin/tool.sh",
      "high",
      "set-id script run by python3 (Linux ignores set-id on scripts, but wrappers and sudo rules do not)",
    ],
    [
      "fs.setid.interpreter:/usr/local/sbin/.helper",
      "critical",
      "identical to the interpreter /usr/bin/bash",
    ],
  ]);
});

Deno.test(needs(["root"], {
  name: "world_writable: file capabilities are decoded and rated by which capabilities and where",
  fn: async () => {
    using t = host({
      "usr/bin/ping": { content: ELF, mode: 0o755 },
      "usr/local/bin/backup": { content: ELF, mode: 0o755 },
      "usr/local/bin/rawtool": { content: ELF, mode: 0o755 },
      "usr/local/bin/netd": { content: ELF, mode: 0o755 },
      "usr/local/bin/inert": { content: ELF, mode: 0o644 },
      "usr/bin/perl": { content: ELF + "perl", mode: 0o755 },
    });
    setcap(`${t.path}/usr/bin/ping`, "cap_net_raw+ep");
    setcap(`${t.path}/usr/local/bin/backup`, "cap_dac_read_search+ep");
    setcap(`${t.path}/usr/local/bin/rawtool`, "cap_sys_rawio+ep");
    setcap(`${t.path}/usr/local/bin/netd`, "cap_net_bind_service+ep");
    setcap(`${t.path}/usr/local/bin/inert`, "cap_sys_admin+ep");
    setcap(`${t.path}/usr/bin/perl`, "cap_chown+ep");
    const r = await runOne(worldWritable, t.path);
    assert.deepEqual(r.findings.map((f) => [f.id, f.severity]).sort(), [
      ["fs.capability.file:/usr/bin/perl", "critical"],
      ["fs.capability.file:/usr/local/bin/backup", "critical"],
      ["fs.capability.file:/usr/local/bin/netd", "low"],
      ["fs.capability.file:/usr/local/bin/rawtool", "high"],
    ]);
    const backup = r.findings.find((f) => f.id.endsWith("/backup"))!;
    assert.deepEqual(backup.metadata.capabilities, ["CAP_DAC_READ_SEARCH"]);
    assert.equal(backup.metadata.effective, true);
    assert.equal(backup.metadata.revision, 2);
    const all = await runOne(worldWritable, t.path, { includePassed: true });
    const ping = all.findings.find((f) => f.id === "fs.capability.file:/usr/bin/ping")!;
    assert.equal(ping.severity, "info");
    assert.deepEqual(ping.metadata.capabilities, ["CAP_NET_RAW"]);
  },
}));

Deno.test(needs(["root"], {
  name:
    "world_writable: temp dirs are checked for set-id interpreters and capabilities, not for writable files",
  fn: async () => {
    using t = host({
      "tmp/.x/sh": { content: BASH, mode: 0o4755 },
      "tmp/.x/tool": { content: ELF, mode: 0o755 },
      "tmp/.x/scratch.txt": { content: "x", mode: 0o666 },
      "var/tmp/plain": { content: ELF, mode: 0o4755 },
      "home/alice/caps": { content: ELF, mode: 0o755 },
    });
    setcap(`${t.path}/tmp/.x/tool`, "cap_net_raw+ep");
    setcap(`${t.path}/home/alice/caps`, "cap_setuid+ep");
    const r = await runOne(worldWritable, t.path);
    assert.deepEqual(r.findings.map((f) => [f.id, f.severity]).sort(), [
      ["fs.capability.file:/tmp/.x/tool", "critical"],
      ["fs.setid.interpreter:/tmp/.x/sh", "critical"],
    ]);
    const all = await runOne(worldWritable, t.path, { fsHygiene: true });
    assert.ok(ids(all).includes("fs.capability.file:/home/alice/caps"), "home is walked with --fs-hygiene");
  },
}));

Deno.test("world_writable: root's PATH from the host's files: writable, missing-under-writable and relative entries", async () => {
  using t = host({
    "etc/environment": 'PATH="/usr/local/sbin:/usr/bin:/opt/evil/bin"\n',
    "etc/login.defs": "ENV_SUPATH\tPATH=/usr/sbin:/usr/bin:/srv/gone/bin\n",
    "etc/sudoers": 'Defaults\tsecure_path="/usr/sbin:/usr/bin:/home/alice/bin"\n',
    "root/.bashrc": 'TOOLS="$HOME/tools"\nexport PATH="$TOOLS/bin:$PATH:"\n',
    "opt/evil/bin": { dir: true, mode: 0o777 },
    "srv": { dir: true, mode: 0o777 },
    "home/alice/bin": { dir: true, mode: 0o755 },
    "root/tools/bin": { dir: true, mode: 0o755 },
    "usr/sbin": { dir: true },
    "usr/local/sbin": { dir: true },
  });
  Deno.chownSync(`${t.path}/home/alice/bin`, 1000, 1000);
  const quiet = await runOne(worldWritable, t.path);
  assert.deepEqual(ids(quiet), ["fs.world_writable.dir_no_sticky:/opt/evil/bin"]);
  const r = await runOne(worldWritable, t.path, { fsHygiene: true });
  assert.deepEqual(ids(r), [
    "fs.path.relative_entry:(empty)",
    "fs.path.writable_dir:/home/alice/bin",
    "fs.path.writable_dir:/opt/evil/bin",
    "fs.path.writable_dir:/srv/gone/bin",
    "fs.world_writable.dir_no_sticky:/opt/evil/bin",
  ]);
  const gone = r.findings.find((f) => f.id === "fs.path.writable_dir:/srv/gone/bin")!;
  assert.equal(gone.metadata.missing, true);
  assert.equal(gone.metadata.writable, "/srv");
  assert.deepEqual(gone.metadata.sources, ["/etc/login.defs:1"]);
  const rel = r.findings.find((f) => f.id === "fs.path.relative_entry:(empty)")!;
  assert.deepEqual(rel.metadata.sources, ["/root/.bashrc:2"]);
});

Deno.test("world_writable: a root-owned directory under sticky /tmp is not flagged; a missing one is", async () => {
  using t = host({
    "etc/environment": 'PATH="/tmp/rootbin:/tmp/nothere"\n',
    "tmp/rootbin": { dir: true, mode: 0o755 },
  });
  Deno.chmodSync(`${t.path}/tmp`, 0o1777);
  const r = await runOne(worldWritable, t.path, { fsHygiene: true });
  assert.deepEqual(ids(r), ["fs.path.writable_dir:/tmp/nothere"]);
});

Deno.test("world_writable: set-id hard links outside the system directories (--fs-hygiene)", async () => {
  using t = host({
    "usr/bin/passwd": { content: ELF, mode: 0o4755 },
    "usr/bin/chsh": { content: ELF, mode: 0o4755 },
    "usr/bin/plain": { content: ELF, mode: 0o755 },
    "home/alice/.hidden": { dir: true, mode: 0o755 },
    "srv": { dir: true },
  });
  Deno.linkSync(`${t.path}/usr/bin/passwd`, `${t.path}/home/alice/.hidden/old-passwd`);
  Deno.linkSync(`${t.path}/usr/bin/chsh`, `${t.path}/srv/chsh-copy`);
  Deno.linkSync(`${t.path}/usr/bin/plain`, `${t.path}/home/alice/plain`);
  assert.deepEqual(ids(await runOne(worldWritable, t.path)), []);
  const r = await runOne(worldWritable, t.path, { fsHygiene: true });
  assert.deepEqual(r.findings.map((f) => [f.id, f.severity]).sort(), [
    ["fs.setid.hardlink:/home/alice/.hidden/old-passwd", "high"],
    ["fs.setid.hardlink:/usr/bin/chsh", "medium"],
  ]);
  const p = r.findings.find((f) => f.id.includes("old-passwd"))!;
  assert.deepEqual(p.metadata.paths, ["/home/alice/.hidden/old-passwd", "/usr/bin/passwd"]);
});

Deno.test("world_writable: FIFOs, sockets and hostile names are handled without opening or mangling", async () => {
  using t = host({ "etc/we\nird\u001b]0;x": { content: "x", mode: 0o666 } });
  new Deno.Command("mkfifo", { args: ["-m", "0666", `${t.path}/etc/fifo`] }).outputSync();
  const r = await runOne(worldWritable, t.path);
  assert.deepEqual(ids(r), ["fs.world_writable.file:/etc/we\nird\u001b]0;x"]);
});

Deno.test("world_writable: PATH parser handles quoting, variables, sudoers, login.defs, empty and garbage input", () => {
  assert.deepEqual(parsePathAssignments(""), []);
  assert.deepEqual(parsePathAssignments("\u0000\u00ff garbage ==== ::: \n# PATH=/commented"), []);
  assert.deepEqual(parsePathAssignments('export PATH="/a:/b"\nPATH=/c:$PATH; export PATH\n'), [
    { entries: ["/a", "/b"], line: 1 },
    { entries: ["/c"], line: 2 },
  ]);
  assert.deepEqual(parsePathAssignments("X=/opt/x\nPATH=$X/bin:${UNKNOWN}/bin:~/bin:.\n"), [
    { entries: ["/opt/x/bin", "/root/bin", "."], line: 2 },
  ]);
  assert.deepEqual(parsePathAssignments("ENV_SUPATH\tPATH=/usr/sbin:/usr/bin\nENV_PATH PATH=/usr/games\n"), [
    { entries: ["/usr/sbin", "/usr/bin"], line: 1 },
  ]);
  assert.deepEqual(parsePathAssignments('Defaults  env_reset\nDefaults\tsecure_path="/s:/b"\n'), [
    { entries: ["/s", "/b"], line: 2 },
  ]);
  assert.deepEqual(parsePathAssignments("if [ x ]; then PATH='/p q:/r'\n"), [{
    entries: ["/p q", "/r"],
    line: 1,
  }]);
  assert.deepEqual(parsePathAssignments('PATH="/truncated'), [{ entries: ['"/truncated'], line: 1 }]);
});

Deno.test("world_writable: shebang parser", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.equal(shebangProgram(enc("#!/bin/sh\n")), "sh");
  assert.equal(shebangProgram(enc("#! /usr/bin/env -S perl -w\n")), "perl");
  assert.equal(shebangProgram(enc("#!/usr/bin/env LANG=C python3")), "python3");
  assert.equal(shebangProgram(enc("#!")), undefined);
  assert.equal(shebangProgram(enc("\x7fELF")), undefined);
  assert.equal(shebangProgram(new Uint8Array()), undefined);
});

Deno.test(needs(["root"], {
  name: "world_writable: the live host scans without errors",
  fn: async () => {
    const r = await runOne(worldWritable, "/", { fsHygiene: true, scannerTimeout: 600 });
    assert.equal(r.status, "ok");
    assert.ok(
      !r.warnings.some((w) => w.code === "walk_error" || w.code === "xattr_unavailable"),
      JSON.stringify(r.warnings),
    );
  },
}));

Deno.test("world_writable: while the scan's own thread walks the census, the scanner that started it is the active one", async () => {
  const entries: Record<string, TreeEntry> = {};
  for (let a = 0; a < 40; a++) for (let b = 0; b < 40; b++) entries[`usr/share/d${a}/e${b}/f`] = "x";
  using t = host(entries);
  // One thread: the census walks here alone, in slices, while (as in a scan) other scanners run in between.
  const ctx = testContext(WORLD_WRITABLE, t.path, { config: { parallelThreads: 1 } });
  const seen: string[] = [];
  ctx.onActive = () => seen.push("census");
  let walking = true;
  const other = () => {
    seen.push("other");
    if (walking) setTimeout(other, 1);
  };
  const running = fsCensus(ctx);
  const start = seen.length; // what the scanner's own code said before the walk began is left out
  setTimeout(other, 0);
  const census = await running;
  walking = false;
  assert.ok(census.examined > 3000, `${census.examined} examined`);
  // The coordinator blames the code that ran last: after another scanner ran, the census said so again.
  const during = seen.slice(start);
  const back = during.findIndex((w, i) => w === "census" && during.slice(0, i).includes("other"));
  assert.ok(back > 0, during.join(" "));
});

Deno.test("world_writable: a directory nested past the walk's depth is a finding that names it; a stock tree has none", async () => {
  const deep = Array.from({ length: 520 }, () => "d").join("/");
  using t = host({ [`opt/${deep}/drop`]: { content: ELF, mode: 0o777 } });
  const r = await runOne(worldWritable, t.path);
  const cut = r.findings.filter((f) => f.check_id === "fs.census.incomplete");
  // /opt is one of this scanner's roots: the 512 levels are counted from it.
  assert.equal(cut.length, 1, JSON.stringify(r.findings.map((f) => f.id)));
  assert.equal(cut[0].metadata.cut, "depth");
  assert.match(String(cut[0].metadata.path), /^\/opt(\/d){512}$/);
  assert.ok(!r.findings.some((f) => f.check_id === "fs.world_writable.file"), "the file itself was not seen");
  using stock = host({ "etc/ok.conf": { content: "x", mode: 0o644 }, "usr/share/doc/a/b/c/readme": "x" });
  const quiet = await runOne(worldWritable, stock.path);
  assert.deepEqual(quiet.findings.map((f) => f.check_id), []);
});
