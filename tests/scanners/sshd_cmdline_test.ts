/**
 * sshd's command line over its files: `-o` and `-f` from SSHD_OPTS (/etc/default/ssh), OPTIONS
 * (/etc/sysconfig/sshd) and the running listener's /proc/<pid>/cmdline, parsed as sshd 9.2's getopt and
 * systemd's `$VAR` expansion read them. Each attack has a quiet twin.
 */
import assert from "node:assert/strict";
import { Host } from "../../src/host/host.ts";
import { authorizedKeysPatterns } from "../../src/scanners/ssh/key_files.ts";
import { lastAssignment, parseSshdArgs, splitUnitWords } from "../../src/scanners/ssh/sshd_cmdline.ts";
import { globalValue, lineWhere, loadSshdConfig, type SshdLoad } from "../../src/scanners/ssh/sshd_config.ts";
import { listenerArgs } from "../../src/scanners/ssh/sshd_process.ts";
import { fixtureRoot, makeTree, type TreeEntry } from "../helpers.ts";
import { installedCopy } from "./stock_fixture.ts";

const FILE = { "etc/ssh/sshd_config": "PermitRootLogin no\nAuthorizedKeysFile .ssh/authorized_keys\n" };

function load(entries: Record<string, TreeEntry>, processes = false): SshdLoad {
  using tree = makeTree({ ...FILE, ...entries });
  return loadSshdConfig(new Host(tree.path), { processes });
}

function root(r: SshdLoad): string | undefined {
  assert.ok(r.ok, r.ok ? "" : r.message);
  return globalValue(r.value, "permitrootlogin")?.args[0];
}

Deno.test("sshd args: -o spelled every way getopt takes it wins; what makes sshd stop is a problem, not a setting", () => {
  const opts = (words: string[]) =>
    parseSshdArgs(words).options.map((o) => `${o.keyword}=${o.args.join(",")}`);
  assert.deepEqual(opts(["-oPermitRootLogin=yes"]), ["permitrootlogin=yes"]);
  assert.deepEqual(opts(["-o", "PermitRootLogin=yes"]), ["permitrootlogin=yes"]);
  assert.deepEqual(opts(["-o", "PermitRootLogin yes"]), ["permitrootlogin=yes"]);
  assert.deepEqual(opts(["-o", '"PermitRootLogin" yes']), ["permitrootlogin=yes"]);
  assert.deepEqual(opts(["-Do", "PermitRootLogin=yes"]), ["permitrootlogin=yes"]);
  assert.deepEqual(opts(["-DoPermitRootLogin=yes", "-e"]), ["permitrootlogin=yes"]);
  assert.deepEqual(opts(["-o", "AuthorizedKeysFile /a /b"]), ["authorizedkeysfile=/a,/b"]);
  assert.deepEqual(opts(["-o", "# PermitRootLogin=yes"]), [], "sshd skips a comment");
  // `-o PermitRootLogin yes`: -o takes the keyword alone, sshd stops (verified with sshd -T).
  const split = parseSshdArgs(["-o", "PermitRootLogin", "yes"]);
  assert.deepEqual(split.options, []);
  assert.deepEqual(split.problems, [
    '-o PermitRootLogin: no argument after keyword "PermitRootLogin" (sshd refuses to start with it)',
  ]);
  assert.deepEqual(parseSshdArgs(["-D", "yes"]).problems, [
    'extra argument "yes" (sshd refuses to start with it)',
  ]);
  // sshd stops at the first error: one problem, however many follow (a 200,000-letter cluster of unknown options).
  assert.equal(parseSshdArgs([`-${"x".repeat(200_000)}`, "-oA=b"]).problems.length, 1);
  for (
    const words of [["-o", "Match User x"], ["-o", "Include /tmp/x"], ["-x"], ["-o"], ["--", "-o", "A=b"]]
  ) {
    const p = parseSshdArgs(words);
    assert.ok(p.problems.length > 0 && p.problems.every((x) => x.includes("refuses")), words.join(" "));
  }
  assert.equal(parseSshdArgs(["-f", "/a", "-f", "/b"]).configFile, "/b", "the last -f wins");
  assert.deepEqual(parseSshdArgs(["-D", "-p", "2222", "-h", "/k"]), { options: [], problems: [] });
  // The process title joined the arguments with blanks: the words after an option's argument belong to it.
  assert.deepEqual(
    parseSshdArgs(["-D", "-o", "PermitRootLogin", "yes", "-o", "ForceCommand", "/bin/x", "-v"], true).options
      .map((o) => o.text),
    ["-o PermitRootLogin yes", "-o ForceCommand /bin/x -v"],
  );
});

Deno.test("sshd args: $SSHD_OPTS is split as systemd splits it, quotes removed, no comments", () => {
  assert.deepEqual(splitUnitWords(` -o "PermitRootLogin yes"\t-o'A=b c' x\\ y `), [
    "-o",
    "PermitRootLogin yes",
    "-oA=b c",
    "x y",
  ]);
  assert.deepEqual(splitUnitWords('#x -o "unclosed'), ["#x", "-o", "unclosed"]);
  assert.deepEqual(splitUnitWords(""), []);
  const t0 = performance.now();
  splitUnitWords(`${'"'.repeat(200_000)} ${"\\".repeat(200_000)} ${" '".repeat(100_000)}`);
  assert.ok(performance.now() - t0 < 1000);
});

Deno.test("sshd env files: the last assignment wins, export counts, and lines the shared parser skips are not hidden", () => {
  const v = (text: string) => lastAssignment(text, "SSHD_OPTS");
  assert.deepEqual(v('SSHD_OPTS="-o A=b"\nSSHD_OPTS=\n'), { line: 2, value: "" }, "set twice: the last wins");
  assert.deepEqual(v('SSHD_OPTS=\nexport SSHD_OPTS="-o A=b"\n'), { line: 2, value: "-o A=b" });
  assert.equal(v('# SSHD_OPTS="-o A=b"\nOTHER=1\n'), undefined);
  assert.deepEqual(v("FOO=x \\\nSSHD_OPTS=-oA=b\n"), undefined, "a continued value is not an assignment");
  // A comment ending with `\` does not swallow the next line for sh and systemd >= 254.
  assert.deepEqual(v('SSHD_OPTS=\n# note \\\nSSHD_OPTS="-o A=b"\n'), {
    line: 3,
    value: "-o A=b",
    unusual: "after a comment line that ends with a backslash",
  });
  assert.deepEqual(v("SSHD_OPTS = -oA=b\n"), { line: 1, value: "-oA=b", unusual: "with blanks around '='" });
  assert.deepEqual(v('SSHD_OPTS="-o X=y\n-o A=b"\nZ=1\n'), {
    line: 1,
    value: "-o X=y\n-o A=b",
    unusual: "with a quoted value that goes on over the next lines",
  });
  const t0 = performance.now();
  lastAssignment(
    `${"SSHD_OPTS = \\\n".repeat(20_000)}${"# \\\n".repeat(20_000)}SSHD_OPTS="${"x\n".repeat(50_000)}`,
    "SSHD_OPTS",
  );
  assert.ok(performance.now() - t0 < 2000, `${performance.now() - t0} ms`);
});

Deno.test("sshd config: SSHD_OPTS in /etc/default/ssh overrides the file; empty, commented or unused variables do not", () => {
  const opts = 'SSHD_OPTS="-o AuthorizedKeysFile=/var/lib/misc/.k -o PermitRootLogin=yes"\n';
  const r = load({ "etc/default/ssh": `# Options to pass to sshd\n${opts}` });
  assert.equal(root(r), "yes");
  assert.ok(r.ok);
  const l = globalValue(r.value, "permitrootlogin")!;
  assert.deepEqual([l.path, l.line, l.commandLine?.option], [
    "/etc/default/ssh",
    2,
    "-o PermitRootLogin=yes",
  ]);
  assert.equal(
    lineWhere(l),
    "SSHD_OPTS in /etc/default/ssh:2 (-o PermitRootLogin=yes on sshd's command line)",
  );
  assert.deepEqual(authorizedKeysPatterns(r.value), ["/var/lib/misc/.k"]);
  assert.deepEqual(r.value.problems, []);
  assert.equal(root(load({ "etc/sysconfig/sshd": "OPTIONS='-oPermitRootLogin=yes'\n" })), "yes", "RHEL");
  assert.equal(
    root(load({ "etc/sysconfig/ssh": 'SSHD_OPTS="-o PermitRootLogin=yes"\n' })),
    "yes",
    "openSUSE",
  );
  // Quiet twins.
  const quiets: Record<string, TreeEntry>[] = [
    { "etc/default/ssh": "SSHD_OPTS=\n" },
    { "etc/default/ssh": "#SSHD_OPTS='-o PermitRootLogin=yes'\nSSHD_OPTS=\n" },
    { "etc/default/ssh": 'SSHD_OPTS="-o PermitRootLogin=yes"\nSSHD_OPTS=""\n' },
    { "etc/default/ssh": 'OPTIONS="-o PermitRootLogin=yes"\n' },
    { "etc/sysconfig/sshd": 'SSHD_OPTS="-o PermitRootLogin=yes"\n' },
    { "etc/default/ssh": 'SSHD_OPTS="-o PermitRootLogin yes"\n' },
  ];
  for (const quiet of quiets) assert.equal(root(load(quiet)), "no", JSON.stringify(quiet));
  const broken = load({ "etc/default/ssh": 'SSHD_OPTS="-o PermitRootLogin yes"\n' });
  assert.ok(
    broken.ok && broken.value.problems.some((p) => p.startsWith("SSHD_OPTS in /etc/default/ssh:1: -o")),
  );
});

Deno.test("sshd config: -f in SSHD_OPTS reads another file; a missing one is an error, not 'sshd not installed'", () => {
  const r = load({
    "etc/default/ssh": "SSHD_OPTS='-f /var/lib/misc/sshd.conf'\n",
    "var/lib/misc/sshd.conf": '"PermitRootLogin" yes\n',
  });
  assert.equal(root(r), "yes");
  assert.ok(r.ok);
  assert.deepEqual(r.value.files, ["/var/lib/misc/sshd.conf"]);
  const missing = load({ "etc/default/ssh": "SSHD_OPTS='-f /nowhere'\n" });
  assert.ok(!missing.ok);
  assert.equal(missing.reason, "error");
  assert.equal(missing.path, "/nowhere");
  assert.match(missing.message, /-f names in SSHD_OPTS in \/etc\/default\/ssh:1/);
  const none = load({ "etc/default/ssh": "SSHD_OPTS='-f none -o PermitRootLogin=yes'\n" });
  assert.equal(root(none), "yes");
  assert.ok(none.ok && none.value.files.length === 0);
});

/** A /proc entry for a fixture root: exe link, stat with the parent, cmdline, cgroup. */
function proc(
  pid: number,
  ppid: number,
  exe: string,
  cmdline: string,
  cgroup = "0::/system.slice/ssh.service\n",
) {
  return {
    [`proc/${pid}/exe`]: { symlink: exe },
    [`proc/${pid}/stat`]:
      `${pid} (sshd) S ${ppid} ${pid} ${pid} 0 -1 4194560 0 0 0 0 1 1 0 0 20 0 1 0 900 1000 100\n`,
    [`proc/${pid}/cmdline`]: cmdline,
    [`proc/${pid}/cgroup`]: cgroup,
  };
}

const STOCK_TITLE = "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups\0";

Deno.test("sshd config: the running listener's command line is applied on a live scan; sessions, children and containers are not", () => {
  const others = {
    ...proc(1, 0, "/usr/lib/systemd/systemd", "/sbin/init\0"),
    ...proc(700, 1, "/usr/sbin/sshd", "sshd: root@pts/0\0", "0::/user.slice\n"),
    ...proc(
      701,
      612,
      "/usr/sbin/sshd",
      "sshd: /usr/sbin/sshd -D -o PermitRootLogin=yes [listener] 0 of 10\0",
    ),
    ...proc(
      900,
      880,
      "/usr/sbin/sshd",
      "/usr/sbin/sshd\0-D\0-oPermitRootLogin=yes\0",
      `0::/system.slice/docker-${"a".repeat(64)}.scope\n`,
    ),
  };
  const live = (title: string, extra: Record<string, TreeEntry> = {}) =>
    load({ ...others, ...proc(612, 1, "/usr/sbin/sshd", title), ...extra }, true);
  const r = live(
    `sshd: /usr/sbin/sshd -D -o PermitRootLogin yes -oAuthorizedKeysFile=/var/lib/misc/.k [listener] 0 of 10-100 startups\0\0\0`,
  );
  assert.equal(root(r), "yes");
  assert.ok(r.ok);
  const l = globalValue(r.value, "permitrootlogin")!;
  assert.deepEqual([l.path, l.commandLine?.live], ["/proc/612/cmdline", true]);
  assert.equal(lineWhere(l), "the running sshd (pid 612) (-o PermitRootLogin yes on sshd's command line)");
  assert.deepEqual(authorizedKeysPatterns(r.value), ["/var/lib/misc/.k"]);
  assert.deepEqual(r.value.problems, []);
  const raw = live("/usr/sbin/sshd\0-D\0-o\0PermitRootLogin yes\0");
  assert.equal(root(raw), "yes", "before the title is set: the NUL-separated argv");
  // Quiet twins: the stock listener; the same tree read as an image (no /proc read).
  assert.equal(root(live(STOCK_TITLE)), "no");
  using tree = makeTree({
    ...FILE,
    ...others,
    ...proc(612, 1, "/usr/sbin/sshd", "/usr/sbin/sshd\0-oPermitRootLogin=yes\0"),
  });
  assert.equal(root(loadSshdConfig(new Host(tree.path))), "no", "--root scans do not read the image's /proc");
  // The running sshd and its environment file: the same option is named after both; a different one is a problem.
  const both = live("sshd: /usr/sbin/sshd -D -o PermitRootLogin=yes [listener] 0 of 10-100 startups\0", {
    "etc/default/ssh": 'SSHD_OPTS="-o PermitRootLogin=yes -o PasswordAuthentication=yes"\n',
  });
  assert.ok(both.ok);
  assert.equal(
    lineWhere(globalValue(both.value, "permitrootlogin")!),
    "the running sshd (pid 612), as SSHD_OPTS in /etc/default/ssh:1 gives it (-o PermitRootLogin=yes on sshd's command line)",
  );
  assert.deepEqual(both.value.problems, [
    "SSHD_OPTS in /etc/default/ssh:1: -o PasswordAuthentication=yes is not on the command line of the running sshd " +
    "(pid 612): it applies when sshd restarts",
  ]);
  const differ = live(STOCK_TITLE.replace("-D", "-D -o PermitRootLogin=no"), {
    "etc/default/ssh": 'SSHD_OPTS="-o PermitRootLogin=yes"\n',
  });
  assert.equal(root(differ), "no");
  assert.ok(
    differ.ok && differ.value.problems.some((p) => p.includes("sshd changes to it when it restarts")),
  );
});

Deno.test("sshd process: listener titles and argv are told apart from session processes", () => {
  assert.deepEqual(listenerArgs([STOCK_TITLE.slice(0, -1)]), { words: ["-D"], title: true });
  assert.deepEqual(listenerArgs(["sshd: root [priv]"]), undefined);
  assert.deepEqual(listenerArgs(["/usr/sbin/sshd", "-D", "-R"]), undefined, "a re-executed connection child");
  assert.deepEqual(listenerArgs(["/usr/sbin/sshd", "-D", "", ""]), { words: ["-D"], title: false });
  assert.deepEqual(listenerArgs([]), undefined);
});

Deno.test("stock roots: Debian's SSHD_OPTS= and RHEL's comment-only /etc/sysconfig/sshd give sshd no option", () => {
  const debian = Deno.readTextFileSync(`${fixtureRoot("stock/debian12")}/etc/default/ssh`);
  assert.deepEqual(lastAssignment(debian, "SSHD_OPTS"), { line: 5, value: "" });
  const rhel = Deno.readTextFileSync(`${fixtureRoot("stock/rhel9")}/etc/sysconfig/sshd`);
  assert.equal(lastAssignment(rhel, "OPTIONS"), undefined);
  for (const name of ["debian12", "rhel9"] as const) {
    using root = installedCopy(name);
    const r = loadSshdConfig(new Host(root.path));
    assert.ok(r.ok, name);
    assert.deepEqual(r.value.lines.filter((l) => l.commandLine), [], name);
    assert.deepEqual(r.value.problems, [], name);
  }
});
