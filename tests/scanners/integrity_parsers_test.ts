import assert from "node:assert/strict";
import {
  conffileSeverity,
  fileKind,
  missingSeverity,
  modifiedSeverity,
} from "../../src/scanners/integrity/classify.ts";
import { CRITICAL_DEBIAN, CRITICAL_RHEL, isCriticalPackage } from "../../src/scanners/integrity/critical.ts";
import {
  divertedPath,
  isUnpacked,
  parseDiversions,
  parseMd5sums,
  parsePathList,
  parseStatus,
} from "../../src/scanners/integrity/dpkg_md5sums.ts";
import { parseImaMeasurements } from "../../src/scanners/integrity/ima.ts";
import { parseVerifyOutput, stderrProblems, verifyArgs } from "../../src/scanners/integrity/pkg_verify.ts";
import { newCounts, verifyProblem } from "../../src/scanners/integrity/problems.ts";
import { Progress } from "../../src/scanners/integrity/progress.ts";
import { samplePackages } from "../../src/scanners/integrity/sample.ts";

const STATUS = `Package: adduser
Status: install ok installed
Priority: important
Architecture: all
Version: 3.134
Conffiles:
 /etc/adduser.conf cc3493ecd2d09837ffdcc3e25fdfff18
 /etc/deluser.conf 11a06baf8245fd8d690b99024d228c1f obsolete
 /etc/dpkg/dpkg.cfg.d/pkg-config-hook-config newconffile remove-on-upgrade
 /etc/with space.conf 0123456789abcdef0123456789abcdef
Description: add and remove users and groups
 This package includes the 'adduser' and 'deluser' commands.

Package: oldpkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 2.36-9
`;

Deno.test("parseStatus reads packages, states and conffiles (obsolete, newconffile, spaces)", () => {
  const r = parseStatus(STATUS);
  assert.equal(r.bad, 0);
  assert.deepEqual(r.packages.map((p) => [p.name, p.arch, p.state]), [
    ["adduser", "all", "installed"],
    ["oldpkg", "amd64", "config-files"],
    ["libc6", "amd64", "installed"],
  ]);
  assert.deepEqual(r.packages[0].conffiles, [
    { path: "/etc/adduser.conf", md5: "cc3493ecd2d09837ffdcc3e25fdfff18", obsolete: false },
    { path: "/etc/deluser.conf", md5: "11a06baf8245fd8d690b99024d228c1f", obsolete: true },
    { path: "/etc/dpkg/dpkg.cfg.d/pkg-config-hook-config", obsolete: false },
    { path: "/etc/with space.conf", md5: "0123456789abcdef0123456789abcdef", obsolete: false },
  ]);
  assert.deepEqual(r.packages.filter(isUnpacked).map((p) => p.name), ["adduser", "libc6"]);
});

Deno.test("parseStatus: empty, garbage and truncated input", () => {
  assert.deepEqual(parseStatus(""), { packages: [], bad: 0 });
  assert.equal(parseStatus("\x00\x01 garbage\n\nmore: junk\n").packages.length, 0);
  assert.equal(parseStatus("\x00\x01 garbage\n\nmore: junk\n").bad, 2);
  const cut = STATUS.slice(0, STATUS.indexOf("cc3493ec") + 10);
  const r = parseStatus(cut);
  assert.equal(r.packages.length, 1);
  assert.deepEqual(r.packages[0].conffiles, []);
  assert.equal(r.bad, 1, "the cut conffile line is counted");
  assert.equal(parseStatus("Package: x\nStatus: install ok\n").bad, 1);
});

Deno.test("parseMd5sums: paths made absolute, bad lines counted", () => {
  const text = "d41d8cd98f00b204e9800998ecf8427e  usr/bin/true\n" +
    "D41D8CD98F00B204E9800998ECF8427E  usr/share/doc/a b/with space\n" +
    "not a line\n" +
    "d41d8cd98f00b204e9800998ecf8427e  \n" +
    "d41d8cd98f00b204e9800998ecf8427  short/hash\n";
  const r = parseMd5sums(text);
  assert.deepEqual(r.entries, [
    { path: "/usr/bin/true", md5: "d41d8cd98f00b204e9800998ecf8427e" },
    { path: "/usr/share/doc/a b/with space", md5: "d41d8cd98f00b204e9800998ecf8427e" },
  ]);
  assert.equal(r.bad, 3);
  assert.deepEqual(parseMd5sums(""), { entries: [], bad: 0 });
  assert.equal(parseMd5sums("d41d8cd98f00b204e9800998ecf8").bad, 1);
  assert.equal(parseMd5sums("\xff\xfe\x00garbage\n").bad, 1);
});

Deno.test("parsePathList keeps absolute paths only", () => {
  assert.deepEqual(parsePathList("/.\n/usr\n/usr/bin/\n\nrelative\n/etc/x y\n"), [
    "/",
    "/usr",
    "/usr/bin",
    "/etc/x y",
  ]);
  assert.deepEqual(parsePathList(""), []);
});

Deno.test("parseDiversions and divertedPath", () => {
  const text =
    "/bin/sh\n/bin/sh.distrib\ndash\n/usr/bin/perf\n/usr/bin/perf.wrapper\nlinux-perf\n/etc/x\n/etc/x.orig\n:\n";
  const r = parseDiversions(text);
  assert.equal(r.bad, 0);
  const map = new Map(r.diversions.map((d) => [d.from, d]));
  assert.equal(
    divertedPath("/usr/bin/perf", "linux-perf", map),
    "/usr/bin/perf",
    "the diverting package keeps its path",
  );
  assert.equal(divertedPath("/usr/bin/perf", "linux-perf-6.1", map), "/usr/bin/perf.wrapper");
  assert.equal(
    divertedPath("/etc/x", "any", map),
    "/etc/x.orig",
    "a local diversion applies to every package",
  );
  assert.equal(divertedPath("/usr/bin/ls", "coreutils", map), "/usr/bin/ls");
  assert.equal(parseDiversions("/a\n/b\n").bad, 1, "a truncated triplet is counted");
  assert.equal(parseDiversions("").diversions.length, 0);
  assert.equal(parseDiversions("junk\njunk\npkg\n").bad, 1);
});

Deno.test("parseVerifyOutput: real dpkg --verify lines are mismatches, 'not installed' is not", () => {
  const stdout = "??5??????   /usr/bin/sudo\n" +
    "??5?????? c /etc/sudoers\n" +
    "missing   c /etc/debuginfod/elfutils.urls\n" +
    "missing     /usr/share/doc/x/README with space\n" +
    "???????????   /usr/bin/unreadable-at-all\n";
  const stderr = "dpkg: package 'libpam' is not installed\ndpkg: warning: something odd\n";
  const r = parseVerifyOutput(stdout, stderr);
  assert.deepEqual(r.lines.map((l) => [l.problem, l.conffile, l.path]), [
    ["content", false, "/usr/bin/sudo"],
    ["content", true, "/etc/sudoers"],
    ["missing", true, "/etc/debuginfod/elfutils.urls"],
    ["missing", false, "/usr/share/doc/x/README with space"],
  ]);
  assert.deepEqual(r.notInstalled, ["libpam"]);
  assert.equal(r.unparsed.length, 1);
  assert.deepEqual(stderrProblems(stderr), ["dpkg: warning: something odd"]);
});

Deno.test("parseVerifyOutput: rpm lines (content, attributes, mtime-only, not installed)", () => {
  const stdout = "S.5....T.  c /etc/ssh/sshd_config\n" +
    ".M.......    /usr/bin/passwd\n" +
    ".......T.    /usr/share/doc/x\n" +
    "..5....T    /usr/bin/old-rpm-eight-flags\n" +
    "missing   d /usr/share/man/man1/x.1.gz\n" +
    "package sudo is not installed\n" +
    "Unsatisfied dependencies for foo: bar\n";
  const r = parseVerifyOutput(stdout, "");
  assert.deepEqual(r.lines.map((l) => [l.problem, l.conffile, l.path]), [
    ["content", true, "/etc/ssh/sshd_config"],
    ["attributes", false, "/usr/bin/passwd"],
    ["content", false, "/usr/bin/old-rpm-eight-flags"],
    ["missing", false, "/usr/share/man/man1/x.1.gz"],
  ]);
  assert.equal(r.ignored, 1);
  assert.deepEqual(r.notInstalled, ["sudo"]);
  assert.deepEqual(r.unparsed, ["Unsatisfied dependencies for foo: bar"]);
});

Deno.test("parseVerifyOutput: empty, garbage and truncated output", () => {
  assert.deepEqual(parseVerifyOutput("", ""), { lines: [], notInstalled: [], ignored: 0, unparsed: [] });
  const g = parseVerifyOutput("\x1b[31m\x00garbage\n??5", "");
  assert.deepEqual(g.lines, []);
  assert.equal(g.unparsed.length, 2);
});

Deno.test("verifyArgs: absolute-path friendly argument vectors, root passed on", () => {
  assert.deepEqual(verifyArgs("dpkg", "all", "/"), ["--verify"]);
  assert.deepEqual(verifyArgs("dpkg", ["bash", "sudo"], "/mnt/img"), [
    "--root=/mnt/img",
    "--verify",
    "--",
    "bash",
    "sudo",
  ]);
  // rpm never runs a package's %verifyscript: a crafted database in an image would run as root here.
  assert.deepEqual(verifyArgs("rpm", "all", "/"), ["--noscripts", "-Va"]);
  assert.deepEqual(verifyArgs("rpm", ["pam"], "/mnt/img"), [
    "--root",
    "/mnt/img",
    "--noscripts",
    "-V",
    "--",
    "pam",
  ]);
});

Deno.test("samplePackages: deterministic per seed, exact share, everything at 0 and 100", () => {
  const names = Array.from({ length: 200 }, (_, i) => `pkg${i}`);
  const a = samplePackages(names, 10, "machine-a");
  assert.equal(a.length, 20);
  assert.deepEqual(samplePackages([...names].reverse(), 10, "machine-a"), a, "input order does not matter");
  assert.notDeepEqual(samplePackages(names, 10, "machine-b"), a, "another host samples other packages");
  assert.equal(samplePackages(names, 1, "x").length, 2);
  assert.equal(samplePackages(names.slice(0, 3), 1, "x").length, 1, "rounds up: never an empty sample");
  assert.equal(samplePackages(names, 0, "x").length, 200);
  assert.equal(samplePackages(names, 100, "x").length, 200);
  assert.deepEqual(samplePackages([], 50, "x"), []);
});

Deno.test("critical lists hold real package names (no 'libpam')", () => {
  for (
    const n of [
      "coreutils",
      "bash",
      "sudo",
      "openssh-server",
      "libpam-modules",
      "libpam-runtime",
      "libc6",
      "login",
      "passwd",
    ]
  ) {
    assert.ok(CRITICAL_DEBIAN.includes(n), n);
  }
  for (const n of ["pam", "glibc", "shadow-utils", "procps-ng", "util-linux"]) {
    assert.ok(CRITICAL_RHEL.includes(n), n);
  }
  assert.ok(!CRITICAL_DEBIAN.includes("libpam"));
  assert.ok(isCriticalPackage("libc6:amd64"));
  assert.ok(!isCriticalPackage("cowsay"));
});

Deno.test("classify: executables and libraries are high (critical packages: critical), docs low", () => {
  assert.equal(fileKind("/usr/bin/ls"), "executable");
  assert.equal(fileKind("/usr/share/foo/run.sh", 0o100755), "executable");
  assert.equal(fileKind("/usr/lib/x86_64-linux-gnu/libc.so.6"), "library");
  assert.equal(fileKind("/usr/lib/x86_64-linux-gnu/security/pam_unix.so"), "library");
  assert.equal(fileKind("/lib/modules/6.1.0/kernel/fs/x.ko.xz"), "library");
  assert.equal(fileKind("/usr/share/doc/x/changelog.gz"), "documentation");
  assert.equal(fileKind("/usr/share/foo/data.txt", 0o100644), "data");
  assert.equal(modifiedSeverity("executable", true), "critical");
  assert.equal(modifiedSeverity("library", false), "high");
  assert.equal(modifiedSeverity("data", true), "medium");
  assert.equal(modifiedSeverity("documentation", true), "low");
  assert.equal(missingSeverity("documentation", true), "info");
  assert.equal(missingSeverity("executable", true), "medium");
  assert.equal(missingSeverity("data", false), "low");
  assert.equal(conffileSeverity("/etc/pam.d/common-auth"), "low");
  assert.equal(conffileSeverity("/etc/sudoers"), "low");
  assert.equal(conffileSeverity("/etc/ssh/sshd_config"), "low");
  assert.equal(conffileSeverity("/etc/adduser.conf"), "info");
});

Deno.test("parseImaMeasurements counts entries and violations (all-zero template hash), caps lines", () => {
  const zero = "0".repeat(40);
  const text = `10 ${"a".repeat(40)} ima-ng sha256:${"b".repeat(64)} boot_aggregate\n` +
    `10 ${"c".repeat(40)} ima-ng sha256:${"d".repeat(64)} /usr/bin/ls\n` +
    `10 ${zero} ima-ng sha256:${"0".repeat(64)} /var/log/with space.log\n` +
    `10 ${zero} ima-sig sha256:${"0".repeat(64)} /tmp/x ${"e".repeat(10)}\n` +
    "garbage line\n\n";
  const c = parseImaMeasurements(text, 1000);
  assert.deepEqual(c, {
    entries: 4,
    violations: 2,
    violationFiles: ["/tmp/x", "/var/log/with space.log"],
    malformed: 1,
    truncated: false,
  });
  const capped = parseImaMeasurements(text, 2);
  assert.equal(capped.entries, 2);
  assert.ok(capped.truncated);
  assert.deepEqual(parseImaMeasurements("", 10).entries, 0);
});

Deno.test("Progress: silent when stderr is not a terminal or during the first second", () => {
  const written: string[] = [];
  let t = 0;
  const sink = (tty: boolean) => ({
    isTerminal: () => tty,
    writeSync: (b: Uint8Array) => {
      written.push(new TextDecoder().decode(b));
      return b.length;
    },
  });
  const quiet = new Progress(sink(false), () => t);
  t = 5000;
  quiet.update(() => "x");
  quiet.done();
  assert.deepEqual(written, []);
  t = 0;
  const p = new Progress(sink(true), () => t);
  t = 500;
  p.update(() => "early");
  assert.deepEqual(written, []);
  t = 1500;
  p.update(() => "late");
  t = 1600;
  p.update(() => "throttled");
  p.done();
  assert.deepEqual(written, ["\r\x1b[2Klate", "\r\x1b[2K"]);
});

Deno.test("verifyProblem: rpm mode changes on programs are medium, packages named, conffiles and missing rated", () => {
  const counts = newCounts();
  const [mode, content, conf, gone] = parseVerifyOutput(
    ".M.......    /usr/bin/passwd\nS.5....T.    /usr/bin/sudo\nS.5....T.  c /etc/ssh/sshd_config\nmissing     /usr/share/doc/x/README\n",
    "",
  ).lines;
  const m = verifyProblem(mode, "rpm", "passwd", 0o104755, false, counts)!;
  assert.deepEqual([m.check, m.severity, m.metadata.package, m.metadata.method], [
    "integrity.pkg_file.attributes_changed",
    "medium",
    "passwd",
    "rpm -V",
  ]);
  assert.equal(verifyProblem(content, "rpm", "sudo", 0o100755, false, counts)!.severity, "critical");
  assert.equal(verifyProblem(content, "rpm", "cowsay", 0o100755, false, counts)!.severity, "high");
  assert.equal(verifyProblem(content, "rpm", undefined, 0o100755, true, counts)!.severity, "critical");
  const c = verifyProblem(conf, "rpm", "openssh-server", 0o100600, false, counts)!;
  assert.deepEqual([c.check, c.severity], ["integrity.conffile.modified", "low"]);
  const g = verifyProblem(gone, "dpkg", undefined, undefined, false, counts)!;
  assert.deepEqual([g.check, g.severity], ["integrity.pkg_file.missing", "info"]);
  assert.deepEqual(
    [counts.attributes_changed, counts.files_modified, counts.conffiles_modified, counts.files_missing],
    [1, 3, 1, 1],
  );
});
