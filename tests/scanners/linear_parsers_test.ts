/**
 * The configuration parsers of persistence, accounts, audit and AppArmor take time in proportion to the file
 * they read, up to the 1 MiB read cap: an intruder who can write one of these files must not be able to make
 * the scan outrun its budget. Each case is an input shape an audit measured at seconds to minutes before its
 * fix (a continuation line re-sliced for every piece, a `\s*(.*)$` retried around a carriage return in the
 * middle of a line, a trailing-run regex such as `/\s+$/` or `/\/+$/` retried from every position of a long
 * run); each must now finish in well under a second, and still read what it should.
 */
import assert from "node:assert/strict";
import { trimTrailing } from "../../src/host/text_trim.ts";
import { parseLoginDefs } from "../../src/scanners/accounts/login_defs.ts";
import {
  canonicalRule,
  coverageOf,
  parseAuditRules,
  watchesExec,
  watchesWrites,
} from "../../src/scanners/audit_rules.ts";
import { parsePathList } from "../../src/scanners/integrity/dpkg_md5sums.ts";
import { parsePreloadFile } from "../../src/host/ld_so_preload.ts";
import { parseProfileHeaders } from "../../src/scanners/mac/apparmor.ts";
import { blsCmdlines, grubCfgCmdlines, judgeCmdline } from "../../src/scanners/persistence/boot_config.ts";
import { parseDesktopEntry } from "../../src/scanners/persistence/desktop.ts";
import { parseDpkgCfg } from "../../src/scanners/persistence/dpkg_cfg.ts";
import { parseEnvFile, parseLdSoConf, parsePamEnvConf } from "../../src/scanners/persistence/env_files.ts";
import { parseModprobeConf } from "../../src/scanners/persistence/modprobe.ts";
import { parseNsswitch } from "../../src/scanners/persistence/sources/nss.ts";
import { parseTmpfiles } from "../../src/scanners/persistence/sources/tmpfiles.ts";
import { parseSudoers } from "../../src/scanners/persistence/sudoers.ts";
import { parseUpstartJob } from "../../src/scanners/persistence/upstart.ts";
import { unitAssignments } from "../../src/scanners/systemd_units/unit_file.ts";

/** Characters of the hostile part of most inputs (each shape took 5 to 19 s at this size before its fix). */
const N = 160_000;
/** Characters of continuation-line inputs (15 s or more at this size before the fix; 0.3 s at 160,000). */
const CONT = 320_000;
/**
 * Continued lines of the /etc/environment input, 640,000 characters (its old join, with no space between the
 * pieces, slowed down at a larger size than the others did: 52 s here, 0.5 s at 320,000).
 */
const ENV_PIECES = 213_333;

/** Runs `f`, asserts it took under `ms`, and returns what it gave. */
function quick<T>(what: string, f: () => T, ms = 500): T {
  const t0 = performance.now();
  const out = f();
  const took = performance.now() - t0;
  assert.ok(took < ms, `${what}: ${took.toFixed(0)} ms`);
  return out;
}

const spaces = (n: number) => " ".repeat(n);

// ---------------------------------------------------------------------------------------------------------
// Continuation lines joined once, not re-sliced for every piece

Deno.test("linear: a unit file of 160,000 continuation lines (was 15-31 s) is one assignment", () => {
  const text = `[Service]\nExecStart=/bin/sh -c x \\\n${"\\\n".repeat(CONT / 2)}--end\n`;
  const { assignments, bad } = quick("unit", () => unitAssignments(text));
  assert.equal(bad, 0);
  assert.equal(assignments.length, 1);
  assert.equal(assignments[0].key, "ExecStart");
  assert.equal(assignments[0].line, 2);
  assert.ok(assignments[0].value.startsWith("/bin/sh -c x "));
  assert.ok(assignments[0].value.endsWith(" --end"));
  // Each backslash becomes a space and the next line is appended as it is, comment lines inside skipped
  // (systemd's config_parse).
  const small = unitAssignments("[Service]\nExecStart=/bin/a \\\n  # note\n  -x \\\n  -y\n");
  assert.deepEqual(small.assignments.map((a) => a.value), ["/bin/a    -x    -y"]);
});

Deno.test("linear: a modprobe.d install command continued over 160,000 lines (was 15-25 s) is one command", () => {
  const text = `install evil /bin/sh -c x \\\n${"\\\n".repeat(CONT / 2)}--end\nblacklist ok\n`;
  const parsed = quick("modprobe", () => parseModprobeConf(text));
  assert.equal(parsed.bad, 0);
  assert.equal(parsed.commands.length, 1);
  assert.equal(parsed.commands[0].module, "evil");
  assert.ok(parsed.commands[0].command.startsWith("/bin/sh -c x "));
  assert.ok(parsed.commands[0].command.endsWith(" --end"));
  assert.deepEqual(parseModprobeConf("install a /bin/x \\\n  -y\n").commands.map((c) => c.command), [
    "/bin/x    -y",
  ]);
});

Deno.test("linear: an upstart exec continued over 160,000 lines (was 6-15 s) is one command", () => {
  const text = `exec /bin/x \\\n${"\\\n".repeat(CONT / 2)}-y\n`;
  const { commands, bad } = quick("upstart", () => parseUpstartJob(text));
  assert.equal(bad, 0);
  assert.equal(commands.length, 1);
  assert.equal(commands[0].stanza, "exec");
  assert.ok(commands[0].command.startsWith("/bin/x "));
  assert.ok(commands[0].command.endsWith(" -y"));
});

Deno.test("linear: an environment file continued over 213,333 lines (was 52 s) is one assignment", () => {
  const text = `LD_PRELOAD=/tmp/a\\\n${"b\\\n".repeat(ENV_PIECES)}c\nX=1\n`;
  const { assignments, bad } = quick("environment", () => parseEnvFile(text));
  assert.equal(bad, 0);
  assert.deepEqual(assignments.map((a) => [a.line, a.name]), [[1, "LD_PRELOAD"], [ENV_PIECES + 3, "X"]]);
  assert.equal(assignments[0].value, `/tmp/a${"b".repeat(ENV_PIECES)}c`);
  // The backslash and the newline removed, as a shell does; as before, a line still ending in `\` after that
  // (`p\\` then an empty line) joins the next one too.
  assert.deepEqual(parseEnvFile("A=x\\\ny\nB=p\\\\\n\nq\n").assignments.map((a) => a.value), ["xy", "pq"]);
});

// ---------------------------------------------------------------------------------------------------------
// A carriage return in the middle of a line: the rest of the line is taken by slice, the carriage return kept

Deno.test("linear: an autostart Exec= with a carriage return after 160,000 spaces (was 14 s) keeps it in the command", () => {
  const entry = quick(
    "desktop",
    () => parseDesktopEntry(`[Desktop Entry]\nExec=${spaces(N)}/tmp/x\r--y %u\n`),
  );
  assert.equal(entry.exec, "/tmp/x\r--y");
  assert.equal(entry.execLine, 2);
  assert.equal(parseDesktopEntry("[Desktop Entry]\nExec = /usr/bin/app %U\n").exec, "/usr/bin/app");
});

Deno.test("linear: pam_env.conf options after 160,000 spaces and a carriage return (was 10 s) are read", () => {
  const parsed = quick(
    "pam_env",
    () => parsePamEnvConf(`LD_PRELOAD${spaces(N)}DEFAULT=/tmp/x.so\rOVERRIDE=/tmp/y.so\n`),
  );
  assert.equal(parsed.bad, 0);
  assert.deepEqual(parsed.assignments.map((a) => a.value), ["/tmp/x.so", "/tmp/y.so"]);
  // The NAME=value form keeps a carriage return inside the value, as pam_env does.
  assert.deepEqual(parsePamEnvConf("A=b\rc\n").assignments.map((a) => a.value), ["b\rc"]);
  assert.deepEqual(parseEnvFile(`A=${spaces(N)}b\rc\n`).assignments.map((a) => a.value), ["b\rc"]);
});

Deno.test("linear: an ld.so.conf include with a carriage return after 160,000 spaces (was 9 s) names both patterns", () => {
  const out = quick(
    "ld.so.conf",
    () => parseLdSoConf(`include${spaces(N)}/etc/a/*.conf\r/tmp/b\n/usr/lib\n`),
  );
  assert.deepEqual(out, [
    { kind: "include", line: 1, pattern: "/etc/a/*.conf" },
    { kind: "include", line: 1, pattern: "/tmp/b" },
    { kind: "dir", line: 2, dir: "/usr/lib" },
  ]);
});

Deno.test("linear: an nsswitch.conf line with a carriage return after 160,000 spaces (was 11 s) names both services", () => {
  const parsed = quick("nsswitch", () => parseNsswitch(`passwd:${spaces(N)}files\revil\n`));
  assert.deepEqual(parsed, { lines: [{ line: 1, database: "passwd", services: ["files", "evil"] }], bad: 0 });
});

Deno.test("linear: kernel command lines with a carriage return after 160,000 spaces (was 12-15 s) are judged", () => {
  const grub = quick("grub.cfg", () => grubCfgCmdlines(`linux /vmlinuz${spaces(N)}ro\rinit=/tmp/x\n`));
  assert.deepEqual(grub, [{ line: 1, key: "linux", cmdline: "ro\rinit=/tmp/x" }]);
  assert.deepEqual(judgeCmdline(grub[0].cmdline).inits, [{ param: "init", program: "/tmp/x" }]);
  const bls = quick("bls", () => blsCmdlines(`title x\noptions${spaces(N)}quiet\rinit=/tmp/y\n`));
  assert.deepEqual(bls, [{ line: 2, key: "options", cmdline: "quiet\rinit=/tmp/y" }]);
  assert.deepEqual(grubCfgCmdlines("\tlinux\t/vmlinuz-6.1 root=/dev/sda1 ro  quiet\n"), [
    { line: 1, key: "linux", cmdline: "root=/dev/sda1 ro  quiet" },
  ]);
});

Deno.test("linear: sudoers aliases, includes and user lists with 160,000 spaces (was 9-16 s) are read", () => {
  const alias = quick("alias", () => parseSudoers(`User_Alias ADMINS =${spaces(N)}alice,\rbob\n`));
  assert.deepEqual(alias.aliases.get("User_Alias")?.get("ADMINS"), ["alice", "bob"]);
  assert.equal(alias.bad, 0);
  const include = quick("include", () => parseSudoers(`@include${spaces(N)}"/etc/sudoers.x\ry"\n`));
  assert.deepEqual(include.includes, [{ line: 1, dir: false, path: "/etc/sudoers.x\ry" }]);
  const rule = quick("user list", () => parseSudoers(`alice${spaces(N)}ALL=(ALL) NOPASSWD: ALL\n`));
  assert.equal(rule.bad, 0);
  assert.deepEqual(rule.rules.map((r) => [r.users, r.hosts, r.commands]), [
    [["alice"], ["ALL"], [{
      command: "ALL",
      runas: "ALL",
      runasUsers: ["ALL"],
      nopasswd: true,
      hosts: ["ALL"],
    }]],
  ]);
  // Whitespace around the commas of a user list is dropped, as before.
  assert.deepEqual(parseSudoers("alice , bob  ,carol ALL = /bin/ls\n").rules[0].users, [
    "alice",
    "bob",
    "carol",
  ]);
});

Deno.test("linear: an upstart exec with a carriage return after 160,000 spaces (was 14 s) keeps it in the command", () => {
  const { commands } = quick("upstart", () => parseUpstartJob(`pre-start exec${spaces(N)}/tmp/x\r-y\n`));
  assert.deepEqual(commands, [{ line: 1, stanza: "pre-start exec", command: "/tmp/x\r-y" }]);
  // `exec` needs a command after it, as before.
  assert.deepEqual(parseUpstartJob("exec\nexec\\\n\n").commands, []);
});

Deno.test("linear: a modprobe.d install with a carriage return after 160,000 spaces (was 12 s) is a command", () => {
  const parsed = quick("modprobe", () => parseModprobeConf(`install evil${spaces(N)}/tmp/x\r-y\n`));
  assert.deepEqual(parsed.commands, [{
    line: 1,
    directive: "install",
    module: "evil",
    command: "/tmp/x\r-y",
  }]);
  assert.equal(parsed.bad, 0);
});

Deno.test("linear: a tmpfiles.d argument after 160,000 spaces and a carriage return (was 16 s) is read", () => {
  const parsed = quick(
    "tmpfiles",
    () => parseTmpfiles(`L /etc/ld.so.preload - - - -${spaces(N)}/tmp/x\ry\n`),
  );
  assert.equal(parsed.bad, 0);
  assert.deepEqual(parsed.lines, [
    { line: 1, type: "L", typeField: "L", path: "/etc/ld.so.preload", argument: "/tmp/x\ry" },
  ]);
  assert.deepEqual(parseTmpfiles("d /run/x 0755 root root -\n").lines[0].argument, undefined);
});

Deno.test("linear: a login.defs value after 160,000 spaces with a carriage return (was 18 s) is read as getdef.c reads it", () => {
  const defs = quick(
    "login.defs",
    () => parseLoginDefs(`ENV_SUPATH${spaces(N)}PATH=/tmp\r:/usr/bin\nUMASK 022\n`),
  );
  assert.equal(defs.get("ENV_SUPATH"), "PATH=/tmp\r:/usr/bin");
  assert.equal(defs.get("UMASK"), "022");
});

// ---------------------------------------------------------------------------------------------------------
// Trailing and unanchored runs

Deno.test("linear: a dpkg.cfg option after 160,000 spaces (was 19 s) is trimmed without a trailing-run regex", () => {
  const parsed = quick("dpkg.cfg", () => parseDpkgCfg(`post-invoke${spaces(N)}/tmp/x\n`));
  assert.deepEqual(parsed, { options: [{ line: 1, name: "post-invoke", value: "/tmp/x" }], bad: 0 });
});

Deno.test("linear: an ld.so.preload comment of 160,000 `#` and a carriage return (was 14 s) runs to the newline", () => {
  const entries = quick(
    "preload",
    () => parsePreloadFile(`/lib/a.so #${"#".repeat(N)}\r/tmp/evil.so\n/lib/b.so\n`),
  );
  assert.deepEqual(entries, [{ line: 1, path: "/lib/a.so" }, { line: 2, path: "/lib/b.so" }]);
  // A CRLF line's comment is a comment too (glibc's loader ends a comment at the newline only).
  assert.deepEqual(parsePreloadFile("/lib/c.so # note\r/x.so\r\n/lib/d.so\r\n").map((e) => e.path), [
    "/lib/c.so",
    "/lib/d.so",
  ]);
});

Deno.test("linear: an audit rule followed by 80,000 ` #` and a carriage return (was 5 s) is the rule", () => {
  const set = quick("audit", () => parseAuditRules(`-w /etc/passwd -p wa${" #".repeat(N / 2)}\rx\n`));
  assert.deepEqual(set.errors, []);
  assert.deepEqual(set.rules.map((r) => [r.path, r.perms]), [["/etc/passwd", "wa"]]);
  assert.deepEqual(parseAuditRules("#x\n-w /etc/shadow -k s # note\n").rules.map((r) => r.text), [
    "-w /etc/shadow -k s",
  ]);
});

Deno.test("linear: AppArmor heads with 160,000 `(` or 80,000 ` #` (was 5-10 s) still yield the profiles", () => {
  const parens = quick(
    "parens",
    () => parseProfileHeaders(`${"(".repeat(N)}{\n}\n/usr/bin/x flags=(complain) {\n}\n`),
  );
  assert.deepEqual(parens, [{ name: "/usr/bin/x", flags: ["complain"] }]);
  const hashes = quick("hashes", () => parseProfileHeaders(`profile a {${" #".repeat(N / 2)}\rx\n}\n`));
  assert.deepEqual(hashes, [{ name: "a", flags: [] }]);
  assert.deepEqual(
    parseProfileHeaders(
      'profile b /usr/bin/b flags = (attach_disconnected, mediate_deleted) { # c\n}\n"/x y" (enforce) {\n}\n',
    ),
    [{ name: "b", flags: ["attach_disconnected", "mediate_deleted"] }, { name: "/x y", flags: ["enforce"] }],
  );
});

Deno.test("linear: trailing slashes are trimmed without a regex (160,000 slashes before a name: 11-18 s each)", () => {
  const slashes = "/".repeat(N);
  assert.equal(quick("trim", () => trimTrailing(`/a${slashes}b`, "/")), `/a${slashes}b`);
  assert.equal(trimTrailing(`/home/x${slashes}`, "/"), "/home/x");
  assert.equal(trimTrailing("///", "/"), "");
  assert.equal(trimTrailing("", "/"), "");
  assert.deepEqual(quick("dpkg list", () => parsePathList(`/usr/lib${slashes}x\n/etc/ssh//\n/\n`)), [
    `/usr/lib${slashes}x`,
    "/etc/ssh",
    "/",
  ]);
  const rules =
    quick("audit watch", () => parseAuditRules(`-w /etc${slashes}x -p wa -k k\n-w /usr/bin/// -p x\n`)).rules;
  const cov = quick("coverage", () => coverageOf(rules));
  assert.equal(quick("canonical", () => canonicalRule(rules[0])), `watch /etc${slashes}x aw key=k`);
  assert.equal(quick("writes", () => watchesWrites(cov, "/etc/passwd")), false);
  assert.equal(quick("exec", () => watchesExec(cov, "/usr/bin")), true);
});
