import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { parseExpectedFile, suidSgid } from "../../src/scanners/suid_sgid.ts";
import { isShellEscapeProgram, programNames } from "../../src/scanners/suid_expected.ts";
import { makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { pkg, writeRpmDb } from "../host/rpm_fixture.ts";
import { needs } from "../host_caps.ts";

const ELF = "\x7fELF\x02\x01\x01\0 fake binary";

/** A small Debian-like host: accounts, a dpkg database, merged /usr, and the stock set-id programs. */
function debianHost(extra: Record<string, TreeEntry> = {}): Record<string, TreeEntry> {
  return {
    "etc/passwd": "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n",
    "etc/group": "root:x:0:\nshadow:x:42:\nalice:x:1000:\n",
    "var/lib/dpkg/info/passwd.list": "/.\n/usr/bin/passwd\n/usr/bin/chage\n",
    "var/lib/dpkg/info/mount.list": "/.\n/bin/mount\n",
    "var/lib/dpkg/info/iputils-ping.list": "/usr/bin/ping\n",
    "bin": { symlink: "usr/bin" },
    "usr/bin/passwd": { content: ELF, mode: 0o4755 },
    "usr/bin/chage": { content: ELF, mode: 0o2755 },
    "usr/bin/mount": { content: ELF, mode: 0o4755 },
    "usr/bin/ls": { content: ELF, mode: 0o755 },
    ...extra,
  };
}

Deno.test("suid_sgid: stock set-id programs owned by their package pass, with full metadata", async () => {
  using t = makeTree(debianHost());
  Deno.chownSync(`${t.path}/usr/bin/chage`, 0, 42);
  Deno.chmodSync(`${t.path}/usr/bin/chage`, 0o2755); // chown clears the set-id bits
  const r = await runOne(suidSgid, t.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings, []);
  assert.equal(r.outcome.results[0].checks_passed, 3);
  const all = await runOne(suidSgid, t.path, { includePassed: true });
  const chage = all.findings.find((f) => f.metadata.path === "/usr/bin/chage")!;
  assert.equal(chage.severity, "info");
  assert.deepEqual(
    {
      ...chage.metadata,
      sha256: typeof chage.metadata.sha256,
      mtime: typeof chage.metadata.mtime,
      ctime: "iso",
    },
    {
      path: "/usr/bin/chage",
      bits: "setgid",
      setuid: false,
      setgid: true,
      mode: "2755",
      uid: 0,
      owner: "root",
      gid: 42,
      group: "shadow",
      size: ELF.length,
      nlink: 1,
      mtime: "string",
      ctime: "iso",
      sha256: "string",
      sha256_truncated: false,
      package: "passwd",
      package_digest_ok: null,
      expected: true,
      reason: "stock path, package passwd",
      passed: true,
    },
  );
  assert.equal(new Date(String(chage.metadata.ctime)).toISOString(), chage.metadata.ctime);
  const mount = all.findings.find((f) => f.metadata.path === "/usr/bin/mount")!;
  assert.equal(mount.metadata.package, "mount", "dpkg lists /bin/mount; merged /usr makes it /usr/bin/mount");
});

Deno.test("suid_sgid: SHA-256 is of the file content", async () => {
  using t = makeTree(debianHost({ "opt/tool/helper": { content: "abc", mode: 0o4755 } }));
  const r = await runOne(suidSgid, t.path);
  const f = r.findings.find((f) => f.metadata.path === "/opt/tool/helper")!;
  assert.equal(f.metadata.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

Deno.test("suid_sgid: a set-id program that differs from its package's recorded digest is critical", async () => {
  const md5 = (s: string) => createHash("md5").update(s).digest("hex");
  using t = makeTree(debianHost({
    "var/lib/dpkg/info/passwd.md5sums": `${md5(ELF)}  usr/bin/passwd\n${md5("original")}  usr/bin/chage\n`,
  }));
  const r = await runOne(suidSgid, t.path, { includePassed: true });
  const by = Object.fromEntries(
    r.findings.map((f) => [f.metadata.path, [f.check_id, f.severity, f.metadata.package_digest_ok]]),
  );
  assert.deepEqual(by["/usr/bin/passwd"], ["suid.file.unexpected", "info", true]);
  assert.deepEqual(by["/usr/bin/chage"], ["suid.file.modified", "critical", false]);
  assert.deepEqual(by["/usr/bin/mount"], ["suid.file.unexpected", "info", null]);
});

Deno.test("suid_sgid: on an rpm host a sha256 mismatch is caught too", async () => {
  const sha = (s: string) => createHash("sha256").update(s).digest("hex");
  using t = makeTree({ "usr/bin/su": { content: ELF, mode: 0o4755 }, "var/lib/rpm/.keep": "" });
  writeRpmDb(`${t.path}/var/lib/rpm/rpmdb.sqlite`, [
    pkg("util-linux", ["/usr/bin/"], [[0, "su"]], { algo: 8, hex: [sha("trojan")] }),
  ]);
  const r = await runOne(suidSgid, t.path);
  assert.deepEqual(r.findings.map((f) => [f.id, f.severity]), [[
    "suid.file.modified:/usr/bin/su",
    "critical",
  ]]);
});

Deno.test("suid_sgid: a stock path that no package owns, and unknown unpackaged files, are high", async () => {
  using t = makeTree(debianHost({
    "usr/bin/su": { content: ELF, mode: 0o4755 },
    "usr/local/bin/backdoor": { content: ELF, mode: 0o4755 },
  }));
  const r = await runOne(suidSgid, t.path);
  const by = Object.fromEntries(r.findings.map((f) => [f.id, f.severity]));
  assert.deepEqual(by, {
    "suid.file.unpackaged:/usr/bin/su": "high",
    "suid.file.unpackaged:/usr/local/bin/backdoor": "high",
  });
});

Deno.test("suid_sgid: expected means the full path, never the basename elsewhere", async () => {
  using t = makeTree(debianHost({
    "opt/app/passwd": { content: ELF, mode: 0o4755 },
    "var/lib/dpkg/info/app.list": "/opt/app/passwd\n",
  }));
  const r = await runOne(suidSgid, t.path);
  assert.deepEqual(r.findings.map((f) => [f.id, f.severity, f.metadata.package]), [
    ["suid.file.unexpected:/opt/app/passwd", "low", "app"],
  ]);
});

Deno.test("suid_sgid: temp, home and world-writable locations are critical", async () => {
  using t = makeTree(debianHost({
    "tmp/.x": { content: ELF, mode: 0o4755 },
    "var/tmp/y": { content: ELF, mode: 0o2755 },
    "home/alice/bin/z": { content: ELF, mode: 0o4750 },
    "srv/drop/w": { content: ELF, mode: 0o4755 },
    "srv/ww-file": { content: ELF, mode: 0o4757 },
  }));
  Deno.chmodSync(`${t.path}/srv/drop`, 0o777);
  const r = await runOne(suidSgid, t.path);
  assert.deepEqual(r.findings.map((f) => f.id).sort(), [
    "suid.file.writable_location:/home/alice/bin/z",
    "suid.file.writable_location:/srv/drop/w",
    "suid.file.writable_location:/srv/ww-file",
    "suid.file.writable_location:/tmp/.x",
    "suid.file.writable_location:/var/tmp/y",
  ]);
  assert.ok(r.findings.every((f) => f.severity === "critical"));
  assert.deepEqual(
    r.findings.find((f) => f.metadata.path === "/srv/drop/w")!.metadata.reason,
    "directory /srv/drop is world-writable",
  );
});

Deno.test("suid_sgid: root's home is a home location; a file directly in /home is judged like any other", async () => {
  using t = makeTree(debianHost({
    "root/.cache/su": { content: ELF, mode: 0o4755 },
    "home/lone": { content: ELF, mode: 0o4755 },
  }));
  const r = await runOne(suidSgid, t.path);
  assert.deepEqual(r.findings.map((f) => [f.id, f.metadata.reason]).sort(), [
    ["suid.file.unpackaged:/home/lone", "no package owns this file"],
    ["suid.file.writable_location:/root/.cache/su", "in a home directory"],
  ]);
});

Deno.test("suid_sgid: a set-id file a non-root account can replace is in a writable location; root's stays quiet", async () => {
  using t = makeTree(debianHost({
    "etc/passwd": "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n" +
      "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n",
    "etc/group": "root:x:0:\nwww-data:x:33:\ndevs:x:1001:\n",
    "var/www/html/cgi/helper": { content: ELF, mode: 0o4755 },
    "srv/devs/tool": { content: ELF, mode: 0o4755 },
    "srv/shared/tool": { content: ELF, mode: 0o4755 },
    "usr/local/bin/agent": { content: ELF, mode: 0o4755 },
    "opt/vendor/bin/helper": { content: ELF, mode: 0o4755 },
  }));
  const chown = (rel: string, uid: number, gid: number, mode: number) => {
    Deno.chownSync(`${t.path}/${rel}`, uid, gid);
    Deno.chmodSync(`${t.path}/${rel}`, mode); // chown clears the set-id bits
  };
  chown("var/www", 33, 33, 0o755); // a web root owned by www-data
  chown("srv/devs", 0, 1001, 0o775); // group-writable by a non-root group
  chown("srv/shared", 0, 1001, 0o1775); // the same, sticky: the group cannot replace root's file
  chown("usr/local/bin/agent", 1000, 1000, 0o4755); // the file itself belongs to alice
  const r = await runOne(suidSgid, t.path);
  const got = Object.fromEntries(r.findings.map((f) => [f.metadata.path, [f.check_id, f.metadata.reason]]));
  assert.deepEqual(got, {
    "/var/www/html/cgi/helper": ["suid.file.writable_location", "/var/www is owned by uid 33 (www-data)"],
    "/srv/devs/tool": [
      "suid.file.writable_location",
      "/srv/devs is writable by group 1001 (devs) (mode 0775)",
    ],
    "/srv/shared/tool": ["suid.file.unpackaged", "no package owns this file"],
    "/usr/local/bin/agent": [
      "suid.file.writable_location",
      "/usr/local/bin/agent is owned by uid 1000 (alice)",
    ],
    "/opt/vendor/bin/helper": ["suid.file.unpackaged", "no package owns this file"],
  });
});

Deno.test("suid_sgid: shell-escape programs are critical when setuid root, high when only setgid", async () => {
  using t = makeTree(debianHost({
    "usr/bin/find": { content: ELF, mode: 0o4755 },
    "usr/bin/vim.basic": { content: ELF, mode: 0o2755 },
    "usr/bin/python3.11": { content: ELF, mode: 0o4755 },
    "var/lib/dpkg/info/findutils.list": "/usr/bin/find\n",
  }));
  const r = await runOne(suidSgid, t.path);
  assert.deepEqual(r.findings.map((f) => [f.id, f.severity]).sort(), [
    ["suid.file.shell_escape:/usr/bin/find", "critical"],
    ["suid.file.shell_escape:/usr/bin/python3.11", "critical"],
    ["suid.file.shell_escape:/usr/bin/vim.basic", "high"],
  ]);
});

Deno.test("suid_sgid: --suid-expected and --suid-expected-file extend the list; a missing file is a warning", async () => {
  using t = makeTree(debianHost({
    "opt/a/one": { content: ELF, mode: 0o4755 },
    "opt/b/two": { content: ELF, mode: 0o4755 },
    "expected.txt": "# vendor tools\n\n  /opt/b/two  \nnot-a-path\n",
  }));
  const r = await runOne(suidSgid, t.path, {
    suidExpected: ["/opt/a/one"],
    suidExpectedFile: `${t.path}/expected.txt`,
  });
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.warnings.map((w) => w.code), ["suid_expected_invalid"]);
  const missing = await runOne(suidSgid, t.path, { suidExpectedFile: `${t.path}/nope.txt` });
  assert.deepEqual(missing.warnings.map((w) => w.code), ["suid_expected_file_unreadable"]);
  assert.match(missing.warnings[0].detail!, /nope\.txt: .*not treated as expected/);
  assert.deepEqual(missing.findings.map((f) => f.id).sort(), [
    "suid.file.unpackaged:/opt/a/one",
    "suid.file.unpackaged:/opt/b/two",
  ]);
});

Deno.test("suid_sgid: no file is lost across several roots, hard links are reported under every path", async () => {
  using t = makeTree(
    debianHost({ "sbin/x": { content: ELF, mode: 0o4755 }, "opt/y": { content: ELF, mode: 0o4755 } }),
  );
  Deno.mkdirSync(`${t.path}/tmp`);
  Deno.linkSync(`${t.path}/usr/bin/passwd`, `${t.path}/tmp/passwd`);
  const r = await runOne(suidSgid, t.path, {
    suidDirs: ["/usr/bin", "/sbin", "/opt", "/tmp"],
    includePassed: true,
  });
  assert.deepEqual(r.findings.map((f) => f.metadata.path).sort(), [
    "/opt/y",
    "/sbin/x",
    "/tmp/passwd",
    "/usr/bin/chage",
    "/usr/bin/mount",
    "/usr/bin/passwd",
  ]);
  const link = r.findings.find((f) => f.metadata.path === "/tmp/passwd")!;
  assert.equal(link.check_id, "suid.file.writable_location");
  assert.equal(link.metadata.nlink, 2);
});

Deno.test("suid_sgid: container and image storage is left out unless asked for", async () => {
  using t = makeTree(debianHost({
    "var/lib/docker/overlay2/abc/diff/usr/bin/su": { content: ELF, mode: 0o4755 },
    "home/alice/.local/share/containers/storage/overlay/x/diff/usr/bin/su": { content: ELF, mode: 0o4755 },
    "snap/core22/100/usr/bin/su": { content: ELF, mode: 0o4755 },
  }));
  assert.deepEqual((await runOne(suidSgid, t.path)).findings, []);
  const r = await runOne(suidSgid, t.path, { suidDirs: ["/var/lib/docker"] });
  assert.deepEqual(r.findings.map((f) => f.id), [
    "suid.file.unpackaged:/var/lib/docker/overlay2/abc/diff/usr/bin/su",
  ]);
});

Deno.test("suid_sgid: on an rpm host the sqlite database decides ownership", async () => {
  using t = makeTree({
    "usr/bin/passwd": { content: ELF, mode: 0o4755 },
    "usr/bin/su": { content: ELF, mode: 0o4755 },
    "var/lib/rpm/.keep": "",
  });
  writeRpmDb(`${t.path}/var/lib/rpm/rpmdb.sqlite`, [pkg("passwd", ["/usr/bin/"], [[0, "passwd"]])]);
  const r = await runOne(suidSgid, t.path);
  assert.deepEqual(r.findings.map((f) => f.id), ["suid.file.unpackaged:/usr/bin/su"]);
  assert.deepEqual(r.warnings, []);
});

Deno.test("suid_sgid: without a package database stock paths pass and others are medium, with a warning", async () => {
  using t = makeTree({
    "usr/bin/passwd": { content: ELF, mode: 0o4755 },
    "usr/lib/vendor/helper": { content: ELF, mode: 0o4755 },
    "usr/bin/dir-with-bit": { dir: true, mode: 0o4755 },
    "var/mail/locked": { content: "mandatory locking marker", mode: 0o2664 },
    "usr/lib/vendor/data": { content: "not executable", mode: 0o4644 },
  });
  const r = await runOne(suidSgid, t.path);
  assert.deepEqual(r.findings.map((f) => [f.id, f.severity]), [[
    "suid.file.unexpected:/usr/lib/vendor/helper",
    "medium",
  ]]);
  assert.deepEqual(r.warnings.map((w) => w.code), ["no_package_db"]);
});

Deno.test("suid_sgid: hostile names (newline, escapes) stay data; FIFOs are never opened", async () => {
  using t = makeTree(debianHost({ "opt/evil\nname\u001b[31m": { content: ELF, mode: 0o4755 } }));
  new Deno.Command("mkfifo", { args: [`${t.path}/opt/fifo`] }).outputSync();
  Deno.chmodSync(`${t.path}/opt/fifo`, 0o4777);
  const r = await runOne(suidSgid, t.path);
  assert.deepEqual(r.findings.map((f) => f.id), ["suid.file.unpackaged:/opt/evil\nname\u001b[31m"]);
});

Deno.test("suid_sgid: expected-file parser and program-name normalisation", () => {
  assert.deepEqual(parseExpectedFile(""), { paths: [], bad: [] });
  assert.deepEqual(parseExpectedFile("#c\n /a \n\nb\n\u0000"), { paths: ["/a"], bad: ["b", "\u0000"] });
  assert.deepEqual(programNames("python3.11"), ["python3.11", "python3", "python"]);
  assert.deepEqual(programNames("vim.basic"), ["vim.basic", "vim"]);
  assert.deepEqual(programNames("perl5.36.0"), ["perl5.36.0", "perl5", "perl"]);
  assert.ok(isShellEscapeProgram("nc.openbsd"));
  assert.ok(isShellEscapeProgram("tclsh8.6"));
  assert.ok(!isShellEscapeProgram("passwd"));
  assert.ok(!isShellEscapeProgram("robot"));
  assert.ok(!isShellEscapeProgram("findutils-helper"));
});

Deno.test(needs(["root"], {
  name: "suid_sgid: the live host scans without errors",
  fn: async () => {
    const r = await runOne(suidSgid, "/", { scannerTimeout: 600 });
    assert.equal(r.status, "ok");
    assert.ok(
      !r.warnings.some((w) => w.code === "walk_error" || w.code === "hash_failed"),
      JSON.stringify(r.warnings),
    );
  },
}));

Deno.test("suid_sgid: a set-id file nested past the walk's depth is not seen, and the report says where (no silent pass)", async () => {
  // 520 levels: past the census's 512, as an intruder would build it to hide a backdoor from the walk.
  const deep = Array.from({ length: 520 }, () => "d").join("/");
  using t = makeTree(debianHost({ [`opt/${deep}/backdoor`]: { content: ELF, mode: 0o4755 } }));
  const r = await runOne(suidSgid, t.path);
  assert.equal(r.status, "ok");
  const cut = r.findings.filter((f) => f.check_id === "suid.census.incomplete");
  assert.equal(cut.length, 1, JSON.stringify(r.findings.map((f) => f.id)));
  assert.equal(cut[0].severity, "medium");
  assert.equal(cut[0].metadata.cut, "depth");
  assert.match(String(cut[0].metadata.path), /^\/opt(\/d){511}$/);
  assert.deepEqual(cut[0].location, { path: cut[0].metadata.path });
  assert.match(cut[0].description, /deeper than 512 not entered.*set-id files there were not examined/);
  assert.ok(!r.warnings.some((w) => w.code === "truncated"), "said once, as the finding");
  // The same tree 500 deep is walked whole: the backdoor is found and nothing is said to be incomplete.
  const shallow = Array.from({ length: 500 }, () => "d").join("/");
  using ok = makeTree(debianHost({ [`opt/${shallow}/backdoor`]: { content: ELF, mode: 0o4755 } }));
  const found = await runOne(suidSgid, ok.path);
  assert.ok(!found.findings.some((f) => f.check_id === "suid.census.incomplete"));
  assert.ok(found.findings.some((f) => f.metadata.path === `/opt/${shallow}/backdoor`));
});
