import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Finding } from "../../src/core/finding.ts";
import { auth } from "../../src/scanners/auth/index.ts";
import { makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { CLEAN } from "./accounts_fixtures.ts";
import { ED25519 } from "./persistence_fixtures.ts";

/** Debian 12's generated common-auth and an sshd stack that includes it. */
const COMMON_AUTH = [
  "auth\t[success=1 default=ignore]\tpam_unix.so nullok",
  "auth\trequisite\t\t\tpam_deny.so",
  "auth\trequired\t\t\tpam_permit.so",
].join("\n") + "\n";
const PAM: Record<string, string> = {
  "etc/pam.d/common-auth": COMMON_AUTH,
  "etc/pam.d/common-account": "account\t[success=1 new_authtok_reqd=done default=ignore]\tpam_unix.so\n" +
    "account\trequisite\t\t\tpam_deny.so\naccount\trequired\t\t\tpam_permit.so\n",
  "etc/pam.d/common-session": "session\trequired\tpam_unix.so\n",
  "etc/pam.d/sshd": "@include common-auth\naccount required pam_nologin.so\n@include common-account\n" +
    "session [success=ok ignore=ignore module_unknown=ignore default=bad] pam_selinux.so close\n" +
    "@include common-session\n",
  "etc/pam.d/su": "auth sufficient pam_rootok.so\n@include common-auth\n",
  "etc/pam.d/other": "@include common-auth\n",
};

function host(over: Record<string, TreeEntry>): Record<string, TreeEntry> {
  return { ...CLEAN, ...PAM, ...over };
}

function summary(findings: Finding[], prefix = "auth."): string[] {
  return findings.filter((f) => f.check_id.startsWith(prefix)).map((f) => `${f.severity} ${f.id}`).sort();
}

Deno.test("auth: Debian's stock stacks with sudo-only polkit and a stock sshd_config are quiet", async () => {
  using t = makeTree(host({
    "etc/ssh/sshd_config":
      "Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\n",
    "usr/share/polkit-1/rules.d/50-default.rules":
      'polkit.addAdminRule(function(action, subject) {\n    return ["unix-group:sudo"];\n});\n',
  }));
  const r = await runOne(auth, t.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(summary(r.findings), []);
  assert.deepEqual(r.warnings, []);
});

Deno.test("auth: pam_exec anywhere a stack reaches, through @include and substack, and with expose_authtok", async () => {
  using t = makeTree(host({
    "etc/pam.d/common-auth": "auth optional pam_exec.so quiet expose_authtok /usr/local/bin/log.sh\n" +
      COMMON_AUTH,
    "etc/pam.d/sshd": PAM["etc/pam.d/sshd"] + "session substack hooks\n",
    "etc/pam.d/hooks": "Session   OPTIONAL   pam_exec.so   seteuid /opt/hook\r\n",
  }));
  const r = await runOne(auth, t.path);
  assert.deepEqual(summary(r.findings), [
    "critical auth.pam.exec_module:/etc/pam.d/common-auth:1",
    "high auth.pam.exec_module:/etc/pam.d/hooks:1",
  ]);
  const hook = r.findings.find((f) => f.id.endsWith("hooks:1"))!;
  // libpam splits words at spaces, tabs and newlines only: the CR of a CRLF line is part of the last word.
  assert.deepEqual([hook.metadata.command, hook.metadata.services], ["/opt/hook\r", ["hooks", "sshd"]]);
});

Deno.test("auth: stacks that succeed without a password — sufficient pam_permit, a jump over pam_deny, a condition anyone meets", async () => {
  using t = makeTree(host({
    "etc/pam.d/common-auth": "AUTH  SUFFICIENT  pam_permit.so\n" + COMMON_AUTH,
    "etc/pam.d/sudo":
      "auth [default=1] pam_unix.so\nauth requisite pam_deny.so\nauth required pam_permit.so\n",
    "etc/pam.d/cockpit": "auth sufficient pam_succeed_if.so uid >= 1000 quiet\nauth requisite pam_deny.so\n",
    "etc/pam.d/gdm-password":
      "auth sufficient pam_succeed_if.so user ingroup nopasswdlogin\n@include common-account\n",
    "etc/pam.d/gdm-autologin": "auth required pam_permit.so\n",
    "etc/group": CLEAN["etc/group"] + "nopasswdlogin:x:120:\n",
  }));
  const r = await runOne(auth, t.path);
  assert.deepEqual(summary(r.findings, "auth.pam.auth_bypass"), [
    "critical auth.pam.auth_bypass:/etc/pam.d/common-auth:1",
    "critical auth.pam.auth_bypass:/etc/pam.d/sudo:3",
    "high auth.pam.auth_bypass:/etc/pam.d/cockpit:1",
    "info auth.pam.auth_bypass:/etc/pam.d/gdm-autologin:1",
  ]);
  const common = r.findings.find((f) => f.id === "auth.pam.auth_bypass:/etc/pam.d/common-auth:1")!;
  assert.deepEqual(common.metadata.services, ["common-auth", "other", "sshd", "su"]);
  assert.ok(
    !r.findings.some((f) => f.id.includes("gdm-password")),
    "an empty nopasswdlogin group grants nothing",
  );
});

Deno.test("auth: a conditional bypass through a group with members is high", async () => {
  using t = makeTree(host({
    "etc/pam.d/gdm-password":
      "auth sufficient pam_succeed_if.so user ingroup nopasswdlogin\nauth required pam_deny.so\n",
    "etc/group": CLEAN["etc/group"] + "nopasswdlogin:x:120:alice\n",
  }));
  const r = await runOne(auth, t.path);
  assert.deepEqual(summary(r.findings), ["high auth.pam.auth_bypass:/etc/pam.d/gdm-password:1"]);
});

Deno.test("auth: modules and includes from outside the system directories", async () => {
  using t = makeTree(host({
    "etc/pam.d/sshd": PAM["etc/pam.d/sshd"] +
      "auth optional /tmp/.x/pam_k.so\nauth optional ../../../../dev/shm/pam_y.so\nauth include /var/tmp/evil\n" +
      "auth optional /lib/x86_64-linux-gnu/security/pam_env.so\n",
    "lib/x86_64-linux-gnu/security/pam_env.so": "\x7fELF",
  }));
  const r = await runOne(auth, t.path);
  assert.deepEqual(summary(r.findings), [
    "critical auth.pam.untrusted_path:/etc/pam.d/sshd:6",
    "critical auth.pam.untrusted_path:/etc/pam.d/sshd:7",
    "critical auth.pam.untrusted_path:/etc/pam.d/sshd:8",
  ]);
});

Deno.test("auth: module files are checked against dpkg: unowned and modified modules", async () => {
  const md5 = (s: string) => createHash("md5").update(s).digest("hex");
  const dir = "lib/x86_64-linux-gnu/security";
  using t = makeTree(host({
    [`${dir}/pam_unix.so`]: "patched pam_unix",
    [`${dir}/pam_deny.so`]: "stock pam_deny",
    [`${dir}/pam_permit.so`]: "stock pam_permit",
    [`${dir}/pam_evil.so`]: "dropped",
    "etc/pam.d/common-auth": COMMON_AUTH + "auth optional pam_evil.so\n",
    "var/lib/dpkg/info/libpam-modules:amd64.list":
      `/lib\n/lib/x86_64-linux-gnu/security\n/${dir}/pam_unix.so\n/${dir}/pam_deny.so\n/${dir}/pam_permit.so\n`,
    "var/lib/dpkg/info/libpam-modules:amd64.md5sums": `${md5("stock pam_unix")}  ${dir}/pam_unix.so\n` +
      `${md5("stock pam_deny")}  ${dir}/pam_deny.so\n${md5("stock pam_permit")}  ${dir}/pam_permit.so\n`,
  }));
  const r = await runOne(auth, t.path);
  assert.deepEqual(summary(r.findings), [
    `critical auth.pam.module_modified:/${dir}/pam_unix.so`,
    `high auth.pam.module_unowned:/${dir}/pam_evil.so`,
  ]);
  assert.deepEqual(r.warnings, []);
  // --fast-scan does not read the package database: the modules are not judged, and the report says so.
  const fast = await runOne(auth, t.path, { fastScan: true });
  assert.deepEqual(summary(fast.findings), []);
  assert.deepEqual(fast.warnings.map((w) => [w.code, w.detail]), [[
    "fast_scan_skipped",
    "--fast-scan: 4 PAM module file(s) against their packages not checked (it reads the package database); " +
    "run without --fast-scan or add --integrity",
  ]]);
  const asked = await runOne(auth, t.path, { fastScan: true, integrity: true });
  assert.deepEqual(summary(asked.findings), summary(r.findings), "--integrity asks for package checks");
});

Deno.test("auth: nullok on a network service, and on sshd when it permits empty passwords", async () => {
  using t = makeTree(host({
    "etc/pam.d/vsftpd": "@include common-auth\n",
    "etc/ssh/sshd_config": "PermitEmptyPasswords yes\n",
    "etc/shadow": CLEAN["etc/shadow"].replace(/^alice:[^:]*:/m, "alice::"),
  }));
  const r = await runOne(auth, t.path);
  assert.deepEqual(summary(r.findings), [
    "critical auth.sshd.permit_empty_passwords:/etc/ssh/sshd_config:1",
    "high auth.pam.nullok_remote:sshd:/etc/pam.d/common-auth:1",
    "high auth.pam.nullok_remote:vsftpd:/etc/pam.d/common-auth:1",
  ]);
  using locked = makeTree(host({ "etc/pam.d/vsftpd": "@include common-auth\n" }));
  const l = await runOne(auth, locked.path);
  assert.deepEqual(summary(l.findings), ["medium auth.pam.nullok_remote:vsftpd:/etc/pam.d/common-auth:1"]);
});

Deno.test("auth: pam.conf is read only without /etc/pam.d; include loops and garbage are warnings", async () => {
  using conf = makeTree({
    ...CLEAN,
    "etc/pam.conf": "login auth sufficient pam_permit.so\nlogin auth required pam_deny.so\n",
  });
  const c = await runOne(auth, conf.path);
  assert.deepEqual(summary(c.findings), ["critical auth.pam.auth_bypass:/etc/pam.conf:1"]);
  using loop = makeTree(host({
    "etc/pam.d/a": "auth include b\n",
    "etc/pam.d/b": "auth substack a\n\x00\xff garbage [unclosed\nauth bogus pam_unix.so\n",
  }));
  const l = await runOne(auth, loop.path);
  assert.equal(l.status, "ok");
  assert.ok(
    l.warnings.some((w) => /includes itself|nested too deep/.test(w.detail ?? "")),
    JSON.stringify(l.warnings),
  );
  assert.ok(l.warnings.some((w) => /bad control|unbalanced|unknown type/.test(w.detail ?? "")));
});

Deno.test("auth: sshd root login — global, a Match block for one address, mixed case in a drop-in, keys only", async () => {
  using t = makeTree(host({
    "etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin prohibit-password\n" +
      "Match Address 203.0.113.7\n  PermitRootLogin yes\n  PasswordAuthentication yes\n",
    "etc/ssh/sshd_config.d/10-x.conf":
      "permitrootlogin=YES\npasswordauthentication no\nKbdInteractiveAuthentication no\n",
  }));
  const r = await runOne(auth, t.path);
  assert.deepEqual(summary(r.findings), [
    "high auth.sshd.permit_root_login:/etc/ssh/sshd_config:4",
    "low auth.sshd.permit_root_login:/etc/ssh/sshd_config.d/10-x.conf:1",
  ]);
  const m = r.findings.find((f) => f.id.endsWith("sshd_config:4"))!;
  assert.equal(m.metadata.match, "Address 203.0.113.7");
  using quiet = makeTree(
    host({ "etc/ssh/sshd_config": "#PermitRootLogin yes\nPermitRootLogin no\nPermitRootLogin yes\n" }),
  );
  assert.deepEqual(summary((await runOne(auth, quiet.path)).findings), [], "the first value wins");
});

Deno.test("auth: a quoted keyword and SSHD_OPTS's -o options are judged, named by where they come from", async () => {
  using t = makeTree(host({
    "etc/ssh/sshd_config": 'PermitRootLogin no\nMatch User backup\n  "AuthorizedKeysFile" /var/lib/misc/.k\n',
    "etc/default/ssh": "# Options to pass to sshd\n" +
      "SSHD_OPTS=\"-oPermitRootLogin=yes -o 'AuthorizedKeysCommand /tmp/k %u' -o AuthorizedKeysCommandUser=nobody\"\n",
  }));
  const r = await runOne(auth, t.path);
  assert.deepEqual(summary(r.findings, "auth.sshd"), [
    "high auth.sshd.keys_command:/etc/default/ssh:2:authorizedkeyscommand",
    "high auth.sshd.permit_root_login:/etc/default/ssh:2:permitrootlogin",
    "medium auth.sshd.authorized_keys_file:/etc/ssh/sshd_config:3",
  ]);
  assert.deepEqual(r.warnings, [], "no 'no keyword' warning for the quoted keyword");
  const root = r.findings.find((f) => f.check_id === "auth.sshd.permit_root_login")!;
  assert.deepEqual(
    [root.metadata.source, root.metadata.path, root.metadata.line, root.metadata.command_line],
    ["command_line", "/etc/default/ssh", 2, "-oPermitRootLogin=yes"],
  );
  assert.match(
    root.description,
    /^SSHD_OPTS in \/etc\/default\/ssh:2 \(-oPermitRootLogin=yes on sshd's command line\)/,
  );
  const keys = r.findings.find((f) => f.check_id === "auth.sshd.authorized_keys_file")!;
  assert.deepEqual([keys.metadata.source, keys.metadata.match], ["file", "User backup"]);
  // Quiet twin: Debian's stock SSHD_OPTS= and the keyword unquoted in a comment.
  using quiet = makeTree(host({
    "etc/ssh/sshd_config": 'PermitRootLogin no\n# "PermitRootLogin" yes\n',
    "etc/default/ssh": "# Options to pass to sshd\nSSHD_OPTS=\n",
  }));
  const q = await runOne(auth, quiet.path);
  assert.deepEqual(summary(q.findings, "auth.sshd"), []);
  assert.deepEqual(q.warnings, []);
  // SSHD_OPTS that sshd would refuse is a warning, not a setting.
  using broken = makeTree(host({
    "etc/ssh/sshd_config": "PermitRootLogin no\n",
    "etc/default/ssh": 'SSHD_OPTS="-o PermitRootLogin yes"\n',
  }));
  const b = await runOne(auth, broken.path);
  assert.deepEqual(summary(b.findings, "auth.sshd"), []);
  assert.ok(
    b.warnings.some((w) =>
      w.code === "sshd_config" && /SSHD_OPTS in \/etc\/default\/ssh:1/.test(w.detail ?? "")
    ),
  );
});

Deno.test("auth: extra key locations, key commands, forced commands, user environment and rc scripts", async () => {
  using t = makeTree(host({
    "etc/ssh/sshd_config": [
      "AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/keys/%u",
      "AuthorizedKeysCommand /tmp/k %u",
      "AuthorizedKeysCommandUser nobody",
      "PermitUserEnvironment yes",
      "Match Group sftponly",
      "  ForceCommand internal-sftp",
      "Match User backup",
      "  ForceCommand /usr/local/bin/backup-shell",
    ].join("\n") + "\n",
    "etc/ssh/keys/alice": `ssh-ed25519 ${ED25519} planted\n`,
    "etc/ssh/sshrc": "echo hi\n",
    "home/alice/.ssh/rc": "xauth add ...\n",
  }));
  const r = await runOne(auth, t.path);
  assert.deepEqual(summary(r.findings), [
    "high auth.sshd.keys_command:/etc/ssh/sshd_config:2",
    "medium auth.sshd.authorized_keys_file:/etc/ssh/sshd_config:1",
    "medium auth.sshd.force_command:/etc/ssh/sshd_config:8",
    "medium auth.sshd.permit_user_environment:/etc/ssh/sshd_config:4",
    "medium auth.sshd.user_rc:/etc/ssh/sshrc",
    "medium auth.sshd.user_rc:/home/alice/.ssh/rc",
  ]);
  const keys = r.findings.find((f) => f.check_id === "auth.sshd.authorized_keys_file")!;
  assert.equal(keys.metadata.key_count, 1);
  assert.match(String(keys.metadata.keys), /^\/etc\/ssh\/keys\/alice \(alice\): ssh-ed25519 SHA256:/);
  using norc = makeTree(host({ "etc/ssh/sshd_config": "PermitUserRC no\n", "home/alice/.ssh/rc": "x\n" }));
  assert.deepEqual(summary((await runOne(auth, norc.path)).findings), []);
});

Deno.test("auth: polkit YES however it is spelled, and rules that run a program", async () => {
  const rules = "etc/polkit-1/rules.d";
  using t = makeTree(host({
    [`${rules}/10-bracket.rules`]:
      'polkit.addRule(function(action, subject) { return polkit["Result"]["YES"]; });\n',
    [`${rules}/20-alias.rules`]:
      "var R = polkit.Result;\npolkit.addRule(function(action, subject) {\n  return R.YES;\n});\n",
    [`${rules}/30-spawn.rules`]:
      'polkit.addRule(function(action, subject) {\n  polkit.spawn(["/usr/local/sbin/.hook", subject.user]);\n' +
      "  return polkit.Result.NOT_HANDLED;\n});\n",
    [`${rules}/35-spawn-alias.rules`]:
      'var s = polkit.spawn;\npolkit.addRule(function(action, subject) { s(["/var/tmp/.p"]); });\n',
    [`${rules}/36-blanks.rules`]: `polkit.addRule(function(action, subject) { return${
      " ".repeat(200_000)
    }x; });\n`,
    // Quiet: a NO, and a YES for one group only.
    [`${rules}/40-no.rules`]: "polkit.addRule(function(action, subject) { return polkit.Result.NO; });\n",
    [`${rules}/50-wheel.rules`]:
      'polkit.addRule(function(a, s) { if (s.isInGroup("wheel")) return polkit["Result"]["YES"]; });\n',
  }));
  const r = await runOne(auth, t.path);
  assert.deepEqual(summary(r.findings), [
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/10-bracket.rules#1",
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/20-alias.rules#1",
    "medium auth.polkit.spawn:/etc/polkit-1/rules.d/30-spawn.rules",
    "medium auth.polkit.spawn:/etc/polkit-1/rules.d/35-spawn-alias.rules",
  ]);
  assert.equal(r.status, "ok", "200,000 blanks after a return are read in linear time");
});

Deno.test("auth: TrustedUserCAKeys lists its CA fingerprints; a CA file in a temporary place is high", async () => {
  using t = makeTree(host({
    "etc/ssh/sshd_config":
      "TrustedUserCAKeys /etc/ssh/user_ca.pub\nMatch User ops\n  TrustedUserCAKeys /var/tmp/.ca\n",
    "etc/ssh/user_ca.pub": `ssh-ed25519 ${ED25519} corp-ca\n`,
    "var/tmp/.ca": `ssh-ed25519 ${ED25519} x\n`,
  }));
  const r = await runOne(auth, t.path);
  assert.deepEqual(summary(r.findings), [
    "high auth.sshd.trusted_user_ca:/etc/ssh/sshd_config:3",
    "medium auth.sshd.trusted_user_ca:/etc/ssh/sshd_config:1",
  ]);
  const ca = r.findings.find((f) => f.metadata.line === 1)!;
  assert.match(String(ca.metadata.fingerprints), /^ssh-ed25519 SHA256:/);
  using none = makeTree(host({ "etc/ssh/sshd_config": "TrustedUserCAKeys none\n" }));
  assert.deepEqual(summary((await runOne(auth, none.path)).findings), []);
});

Deno.test("auth: polkit rules granting YES without looking at the user, and pkla/admin identities for everyone", async () => {
  const rules = "/etc/polkit-1/rules.d";
  using t = makeTree(host({
    [`${rules.slice(1)}/10-any.rules`]:
      "polkit.addRule(function(action, subject) { return polkit.Result.YES; });\n",
    [`${rules.slice(1)}/20-units.rules`]:
      'polkit.addRule(function(a, subject) {\n  if (a.id == "org.freedesktop.systemd1.manage-units") {\n' +
      "    return polkit.Result.YES;\n  }\n});\n",
    [`${rules.slice(1)}/30-users.rules`]:
      'polkit.addRule(function(action, subject) {\n  if (action.id.indexOf("org.freedesktop.udisks2.") == 0 && subject.isInGroup("users")) return polkit.Result.YES;\n});\n',
    [`${rules.slice(1)}/40-not-wheel.rules`]:
      'polkit.addRule(function(action, subject) { if (!subject.isInGroup("wheel")) { return polkit.Result.YES; } });\n',
    [`${rules.slice(1)}/50-wheel.rules`]:
      'polkit.addRule(function(action, subject) {\n  // return polkit.Result.YES;\n  if (subject.isInGroup("wheel")) return polkit.Result.YES;\n});\n',
    [`${rules.slice(1)}/60-guard.rules`]:
      "polkit.addRule(function(action, subject) {\n  if (subject.user !== 'gnome-initial-setup') return undefined;\n" +
      "  return polkit.Result.YES;\n});\n",
    [`${rules.slice(1)}/70-admin.rules`]:
      'polkit.addAdminRule(function(action, subject) { return ["unix-group:users"]; });\n',
    "var/lib/polkit-1/localauthority/50-local.d/x.pkla":
      "[Everything]\nIdentity=unix-user:*\nAction=*\nResultActive=yes\n\n[Narrow]\nIdentity=unix-group:sudo\nAction=*\nResultAny=yes\n",
  }));
  const r = await runOne(auth, t.path);
  assert.deepEqual(summary(r.findings), [
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/10-any.rules#1",
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/40-not-wheel.rules#1",
    "critical auth.polkit.permissive_rule:/var/lib/polkit-1/localauthority/50-local.d/x.pkla#Everything",
    "high auth.polkit.broad_admin:/etc/polkit-1/rules.d/70-admin.rules#1",
    "high auth.polkit.permissive_rule:/etc/polkit-1/rules.d/20-units.rules#1",
    "high auth.polkit.permissive_rule:/etc/polkit-1/rules.d/30-users.rules#1",
  ]);
});

Deno.test("auth: D-Bus services run from untrusted places, and bus policies that let everyone own names or listen", async () => {
  using t = makeTree(host({
    "usr/share/dbus-1/system-services/org.example.Evil.service":
      "[D-BUS Service]\nName=org.example.Evil\nExec=/tmp/.e/helper --daemon\nUser=root\n",
    "usr/share/dbus-1/system-services/org.freedesktop.login1.service":
      "[D-BUS Service]\nName=org.freedesktop.login1\nExec=/bin/false\nUser=root\nSystemdService=dbus-org.freedesktop.login1.service\n",
    "etc/dbus-1/system.d/evil.conf": '<busconfig>\n<policy context="default">\n  <allow own="*"/>\n' +
      '  <allow eavesdrop="true"/>\n  <allow send_destination="org.example.Evil" send_interface="org.example.Evil"/>\n' +
      '</policy>\n<!-- <policy context="default"><allow own="x"/></policy> -->\n<servicedir>/var/tmp/svc</servicedir>\n</busconfig>\n',
    "var/tmp/svc/org.example.Other.service":
      "[D-BUS Service]\nName=org.example.Other\nExec=/usr/bin/true\nUser=nobody\n",
  }));
  const r = await runOne(auth, t.path);
  assert.deepEqual(summary(r.findings).map((s) => s.replace(/:<allow[^>]*>$/, ":<allow>")), [
    "critical auth.dbus.untrusted_exec:/usr/share/dbus-1/system-services/org.example.Evil.service",
    "high auth.dbus.permissive_policy:/etc/dbus-1/system.d/evil.conf:<allow>",
    "high auth.dbus.permissive_policy:/etc/dbus-1/system.d/evil.conf:<allow>",
    "high auth.dbus.permissive_policy:/etc/dbus-1/system.d/evil.conf:servicedir:/var/tmp/svc",
    "high auth.dbus.untrusted_exec:/var/tmp/svc/org.example.Other.service",
  ]);
});

Deno.test("auth: --hardening reads securetty and access.conf (only when pam_access is used)", async () => {
  using t = makeTree(host({
    "etc/securetty": "console\ntty1\npts/0\npts/1\n",
    "etc/security/access.conf": "# comment\n+ : root : ALL\n- : ALL : ALL\n",
    "etc/pam.d/login": "account required pam_access.so\n@include common-auth\n",
  }));
  const r = await runOne(auth, t.path, { hardening: true });
  assert.deepEqual(summary(r.findings), [
    "low auth.login.access_allows_root:/etc/security/access.conf",
    "low auth.login.securetty_pts:/etc/securetty",
  ]);
  assert.deepEqual(summary((await runOne(auth, t.path)).findings), [], "only under --hardening");
});

Deno.test("auth: polkit YES for a service account by name fires; for a person, or a package's own rule, it stays quiet", async () => {
  const rules = "etc/polkit-1/rules.d";
  const passwd = `${CLEAN["etc/passwd"]}www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n` +
    "systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin\n";
  using t = makeTree(host({
    "etc/passwd": passwd,
    [`${rules}/00-health.rules`]:
      'polkit.addRule(function(action, s) { if (s.user == "nobody") return polkit.Result.YES; });\n',
    [`${rules}/10-web.rules`]: "polkit.addRule(function(action, subject) {\n" +
      '  if (action.id == "org.freedesktop.systemd1.manage-units" && "www-data" === subject.user) {\n' +
      "    return polkit.Result.YES;\n  }\n});\n",
    [`${rules}/20-guard.rules`]: "polkit.addRule(function(action, subject) {\n" +
      "  if (subject.user != 'daemon') return polkit.Result.NOT_HANDLED;\n  return polkit.Result.YES;\n});\n",
    "etc/polkit-1/localauthority/50-local.d/x.pkla":
      "[x]\nIdentity=unix-user:www-data\nAction=*\nResultAny=yes\n",
    [`${rules}/25-list.rules`]: "polkit.addRule(function(action, subject) {\n" +
      '  if (["alice", "www-data"].indexOf(subject.user) >= 0) return polkit.Result.YES;\n});\n',
    // Quiet: a person, an account nobody has, a NO, and a package's own grant to its daemon.
    [`${rules}/30-alice.rules`]:
      'polkit.addRule(function(action, subject) { if (subject.user == "alice") return polkit.Result.YES; });\n',
    [`${rules}/40-ldap.rules`]:
      'polkit.addRule(function(action, subject) { if (subject.user == "jdoe") return polkit.Result.YES; });\n',
    [`${rules}/50-no.rules`]:
      'polkit.addRule(function(action, subject) { if (subject.user == "nobody") return polkit.Result.NO; });\n',
    "usr/share/polkit-1/rules.d/systemd-networkd.rules": "polkit.addRule(function(action, subject) {\n" +
      '    if (action.id == "org.freedesktop.hostname1.set-hostname" && subject.user == "systemd-network") {\n' +
      "        return polkit.Result.YES;\n    }\n});\n",
    "var/lib/dpkg/info/systemd.list": "/.\n/usr/share/polkit-1/rules.d/systemd-networkd.rules\n",
    // geoclue-2.0's own .pkla (Debian 12's, its account swapped for one of this fixture's) is packaged: quiet.
    "var/lib/polkit-1/localauthority/10-vendor.d/org.freedesktop.GeoClue2.pkla":
      "[Allow geoclue to use ModemManager location]\nIdentity=unix-user:www-data\n" +
      "Action=org.freedesktop.ModemManager1.Device.Control;org.freedesktop.ModemManager1.Location\n" +
      "ResultAny=yes\n",
    "var/lib/polkit-1/localauthority/10-vendor.d/zz.pkla":
      "[z]\nIdentity=unix-user:nobody\nAction=org.freedesktop.systemd1.manage-units\nResultAny=yes\n",
    "var/lib/dpkg/info/geoclue-2.0.list":
      "/.\n/var/lib/polkit-1/localauthority/10-vendor.d/org.freedesktop.GeoClue2.pkla\n",
    // Unpackaged in a package directory: judged.
    "usr/share/polkit-1/rules.d/60-x.rules":
      'polkit.addRule(function(a, s) { if (s.user == "www-data") return polkit.Result.YES; });\n',
  }));
  const r = await runOne(auth, t.path);
  assert.deepEqual(summary(r.findings, "auth.polkit"), [
    "critical auth.polkit.service_account_yes:/etc/polkit-1/localauthority/50-local.d/x.pkla#[x]",
    "critical auth.polkit.service_account_yes:/etc/polkit-1/rules.d/00-health.rules#rule 1",
    "critical auth.polkit.service_account_yes:/etc/polkit-1/rules.d/20-guard.rules#rule 1",
    "critical auth.polkit.service_account_yes:/etc/polkit-1/rules.d/25-list.rules#rule 1",
    "critical auth.polkit.service_account_yes:/usr/share/polkit-1/rules.d/60-x.rules#rule 1",
    "high auth.polkit.service_account_yes:/etc/polkit-1/rules.d/10-web.rules#rule 1",
    "high auth.polkit.service_account_yes:/var/lib/polkit-1/localauthority/10-vendor.d/zz.pkla#[z]",
  ]);
  const web = r.findings.find((f) => f.id.includes("10-web"))!;
  assert.equal(web.metadata.accounts, "www-data");
  // Under --fast-scan the package directories' rules cannot be judged, and that is said.
  const fast = await runOne(auth, t.path, { fastScan: true });
  assert.ok(!fast.findings.some((f) => f.id.includes("60-x")));
  assert.ok(fast.warnings.some((w) => w.code === "fast_scan_skipped" && /polkit/.test(w.detail ?? "")));
});

/** A host with www-data (its own group, and in webops with alice) and rules files under /etc/polkit-1/rules.d. */
function polkitHost(
  rules: Record<string, string>,
  over: Record<string, TreeEntry> = {},
): Record<string, TreeEntry> {
  return host({
    "etc/passwd": `${CLEAN["etc/passwd"]}www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n`,
    "etc/group": `${CLEAN["etc/group"]}www-data:x:33:\nwebops:x:1001:alice,www-data\n`,
    ...Object.fromEntries(
      Object.entries(rules).map(([name, text]) => [`etc/polkit-1/rules.d/${name}`, text]),
    ),
    ...over,
  });
}

/** The polkit findings of a scan, as "severity id". */
async function polkitSummary(
  tree: Record<string, TreeEntry>,
): Promise<{ summary: string[]; findings: Finding[] }> {
  using t = makeTree(tree);
  const r = await runOne(auth, t.path);
  assert.equal(r.status, "ok", r.reason);
  return { summary: summary(r.findings, "auth.polkit"), findings: r.findings };
}

Deno.test("auth: a polkit rule given by name is judged as the function it names, in its file or another", async () => {
  const { summary: s, findings } = await polkitSummary(polkitHost({
    "05-defs.rules": "function elsewhere(action, subject) {\n  return polkit.Result.YES;\n}\n",
    "10-named.rules":
      "function grant(action, subject) {\n  return polkit.Result.YES;\n}\npolkit.addRule(grant);\n",
    "11-var.rules": "var web = function(action, subject) {\n" +
      '  if (subject.user == "www-data") return polkit.Result.YES;\n};\npolkit.addRule(web);\n',
    "12-arrow.rules": "const units = (a, s) => {\n" +
      '  if (a.id == "org.freedesktop.systemd1.manage-units") return polkit.Result.YES;\n};\npolkit.addRule(units);\n',
    "13-other-file.rules": "polkit.addRule(elsewhere);\n",
    "14-decoy.rules": 'function twice(a, s) { if (s.isInGroup("wheel")) return polkit.Result.YES; }\n' +
      "twice = function(a, s) { return polkit.Result.YES; };\npolkit.addRule(twice);\n",
    // Quiet: the same shapes restricted to an admin group or a person.
    "20-named-wheel.rules": "function onlyWheel(action, subject) {\n" +
      '  if (subject.isInGroup("wheel")) return polkit.Result.YES;\n}\npolkit.addRule(onlyWheel);\n',
    "21-arrow-alice.rules":
      'const alice = (a, s) => s.user == "alice" ? polkit.Result.YES : polkit.Result.NOT_HANDLED;\n' +
      "polkit.addRule(alice);\n",
  }));
  assert.deepEqual(s, [
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/10-named.rules#1",
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/13-other-file.rules#1",
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/14-decoy.rules#1",
    "critical auth.polkit.service_account_yes:/etc/polkit-1/rules.d/11-var.rules#rule 1",
    "high auth.polkit.permissive_rule:/etc/polkit-1/rules.d/12-arrow.rules#1",
  ]);
  assert.equal(findings.find((f) => f.id.includes("11-var"))!.metadata.accounts, "www-data");
});

Deno.test("auth: polkit YES handed back through a variable, a ternary or &&", async () => {
  const { summary: s } = await polkitSummary(polkitHost({
    "10-var.rules":
      "polkit.addRule(function(action, subject) {\n  var r = polkit.Result.YES;\n  return r;\n});\n",
    "11-file-var.rules": 'var granted = polkit.Result["YES"];\n' +
      "polkit.addRule(function(action, subject) { return granted; });\n",
    "12-var-web.rules": "polkit.addRule(function(action, subject) {\n  var r = polkit.Result.NOT_HANDLED;\n" +
      '  if (subject.user == "www-data") r = polkit.Result.YES;\n  return r;\n});\n',
    "13-ternary.rules": "polkit.addRule(function(action, subject) {\n" +
      "  return action.id ? polkit.Result.YES : polkit.Result.NO;\n});\n",
    "14-and-web.rules":
      'polkit.addRule((action, subject) => subject.user === "www-data" && polkit.Result.YES);\n',
    // Quiet: a variable returned only to wheel, one never returned, a ternary on a person.
    "20-var-wheel.rules": "polkit.addRule(function(action, subject) {\n  var r = polkit.Result.YES;\n" +
      '  if (subject.isInGroup("wheel")) return r;\n  return polkit.Result.NOT_HANDLED;\n});\n',
    "21-unused.rules": "polkit.addRule(function(action, subject) {\n  var unused = polkit.Result.YES;\n" +
      "  return polkit.Result.NOT_HANDLED;\n});\n",
    "22-ternary-alice.rules": "polkit.addRule(function(action, subject) {\n" +
      '  return subject.user == "alice" ? polkit.Result.YES : polkit.Result.NOT_HANDLED;\n});\n',
  }));
  assert.deepEqual(s, [
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/10-var.rules#1",
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/11-file-var.rules#1",
    "critical auth.polkit.service_account_yes:/etc/polkit-1/rules.d/12-var-web.rules#rule 1",
    "critical auth.polkit.service_account_yes:/etc/polkit-1/rules.d/14-and-web.rules#rule 1",
    "high auth.polkit.permissive_rule:/etc/polkit-1/rules.d/13-ternary.rules#1",
  ]);
});

Deno.test("auth: polkit YES to a list of user names held in a variable (indexOf, includes, push, another file)", async () => {
  const { summary: s, findings } = await polkitSummary(polkitHost({
    "05-lists.rules": 'var SERVICES = ["www-data"];\n',
    "10-list.rules": 'var allowed = ["www-data"];\npolkit.addRule(function(action, subject) {\n' +
      "  if (allowed.indexOf(subject.user) >= 0) return polkit.Result.YES;\n});\n",
    "11-includes.rules":
      'const svc = ["alice"];\nsvc.push("www-data");\npolkit.addRule(function(action, subject) {\n' +
      '  if (action.id == "org.freedesktop.systemd1.manage-units" && svc.includes(subject.user)) {\n' +
      "    return polkit.Result.YES;\n  }\n});\n",
    "12-other-file.rules": "polkit.addRule(function(action, subject) {\n" +
      "  if (SERVICES.indexOf(subject.user) < 0) return polkit.Result.NOT_HANDLED;\n  return polkit.Result.YES;\n});\n",
    // A list the scanner cannot read does not restrict: the YES counts as one for everyone.
    "13-unknown.rules": "var who = listUsers();\npolkit.addRule(function(action, subject) {\n" +
      "  if (who.indexOf(subject.user) >= 0) return polkit.Result.YES;\n});\n",
    // Quiet: a list of people, and a function's own list that hides the global one of the same name.
    "20-people.rules": 'var admins = ["alice"];\npolkit.addRule(function(action, subject) {\n' +
      "  if (admins.indexOf(subject.user) != -1) return polkit.Result.YES;\n});\n",
    "21-local.rules": 'polkit.addRule(function(action, subject) {\n  var allowed = ["alice"];\n' +
      "  if (allowed.indexOf(subject.user) >= 0) return polkit.Result.YES;\n});\n",
  }));
  assert.deepEqual(s, [
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/13-unknown.rules#1",
    "critical auth.polkit.service_account_yes:/etc/polkit-1/rules.d/10-list.rules#rule 1",
    "critical auth.polkit.service_account_yes:/etc/polkit-1/rules.d/12-other-file.rules#rule 1",
    "high auth.polkit.service_account_yes:/etc/polkit-1/rules.d/11-includes.rules#rule 1",
  ]);
  const unknown = findings.find((f) => f.id.includes("13-unknown"))!;
  assert.equal(unknown.metadata.unresolved_user_test, true);
  assert.match(unknown.description, /names no one/);
});

Deno.test("auth: polkit regular expressions on subject.user name users, or restrict no one when they name no one", async () => {
  const { summary: s, findings } = await polkitSummary(polkitHost({
    "10-exact.rules": "polkit.addRule(function(action, subject) {\n" +
      "  if (/^www-data$/.test(subject.user)) return polkit.Result.YES;\n});\n",
    "11-match.rules": "polkit.addRule(function(action, subject) {\n" +
      "  if (subject.user.match(/www/)) return polkit.Result.YES;\n});\n",
    "12-any.rules": "polkit.addRule(function(action, subject) {\n" +
      "  if (/./.test(subject.user)) return polkit.Result.YES;\n});\n",
    "13-class.rules": "polkit.addRule(function(action, subject) {\n" +
      "  if (subject.user.match(/^[a-z_][a-z0-9_-]*$/)) return polkit.Result.YES;\n});\n",
    // Quiet: a person by regex, and a prefix no service account of the host has.
    "20-alice.rules": "polkit.addRule(function(action, subject) {\n" +
      "  if (/^(?:alice)$/.test(subject.user)) return polkit.Result.YES;\n});\n",
    "21-prefix.rules": "polkit.addRule(function(action, subject) {\n" +
      "  if (/^adm-/.test(subject.user)) return polkit.Result.YES;\n});\n",
  }));
  assert.deepEqual(s, [
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/12-any.rules#1",
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/13-class.rules#1",
    "critical auth.polkit.service_account_yes:/etc/polkit-1/rules.d/10-exact.rules#rule 1",
    "critical auth.polkit.service_account_yes:/etc/polkit-1/rules.d/11-match.rules#rule 1",
  ]);
  assert.equal(findings.find((f) => f.id.includes("11-match"))!.metadata.via, "names matching /www/");
  assert.equal(findings.find((f) => f.id.includes("12-any"))!.metadata.unresolved_user_test, true);
});

Deno.test("auth: polkit YES to a group a service account is in (isInGroup, unix-group in a .pkla)", async () => {
  const { summary: s, findings } = await polkitSummary(polkitHost({
    "10-group.rules": "polkit.addRule(function(action, subject) {\n" +
      '  if (subject.isInGroup("www-data")) return polkit.Result.YES;\n});\n',
    "11-member.rules": "polkit.addRule(function(action, subject) {\n" +
      '  if (action.id == "org.freedesktop.systemd1.manage-units" && subject.isInGroup("webops")) {\n' +
      "    return polkit.Result.YES;\n  }\n});\n",
    // Quiet: the administrators' group, and a person's private group.
    "20-sudo.rules": "polkit.addRule(function(action, subject) {\n" +
      '  if (subject.isInGroup("sudo")) return polkit.Result.YES;\n});\n',
    "21-alice.rules": "polkit.addRule(function(action, subject) {\n" +
      '  if (subject.isInGroup("alice")) return polkit.Result.YES;\n});\n',
  }, {
    "etc/polkit-1/localauthority/50-local.d/web.pkla":
      "[web]\nIdentity=unix-group:www-data\nAction=*\nResultAny=yes\n\n[admins]\nIdentity=unix-group:sudo\nAction=*\nResultAny=yes\n",
  }));
  assert.deepEqual(s, [
    "critical auth.polkit.service_account_yes:/etc/polkit-1/localauthority/50-local.d/web.pkla#[web]",
    "critical auth.polkit.service_account_yes:/etc/polkit-1/rules.d/10-group.rules#rule 1",
    "high auth.polkit.service_account_yes:/etc/polkit-1/rules.d/11-member.rules#rule 1",
  ]);
  const member = findings.find((f) => f.id.includes("11-member"))!;
  assert.equal(member.metadata.accounts, "www-data");
  assert.equal(member.metadata.via, "group webops");
});

Deno.test("auth: polkit YES behind always-true tests, guards placed after it, and other spellings of addRule", async () => {
  const { summary: s } = await polkitSummary(polkitHost({
    "10-or-true.rules": "polkit.addRule(function(action, subject) {\n" +
      '  if (subject.isInGroup("wheel") || true) return polkit.Result.YES;\n});\n',
    "11-false.rules": "polkit.addRule(function(action, subject) {\n" +
      '  if (subject.isInGroup("wheel") == false) return polkit.Result.YES;\n});\n',
    "12-self.rules": "polkit.addRule(function(action, subject) {\n" +
      "  if (subject.user == subject.user) return polkit.Result.YES;\n});\n",
    "13-late-guard.rules": "polkit.addRule(function(action, subject) {\n" +
      '  if (action.id) return polkit.Result.YES;\n  if (subject.user != "root") return;\n});\n',
    "14-bracket.rules": 'polkit["addRule"](function(action, subject) { return polkit.Result.YES; });\n',
    "15-regex-comment.rules": "polkit.addRule(function(action, subject) {\n" +
      "  var slash = /\\/*/;\n  return polkit.Result.YES; // */\n});\n",
    // Quiet: the same shapes restricted to wheel.
    "20-and.rules": "polkit.addRule(function(action, subject) {\n" +
      '  if (subject.isInGroup("wheel") && action.id) return polkit.Result.YES;\n});\n',
    "21-true.rules": "polkit.addRule(function(action, subject) {\n" +
      '  if (subject.isInGroup("wheel") === true) return polkit.Result.YES;\n});\n',
    "22-guard.rules": "polkit.addRule(function(action, subject) {\n" +
      '  if (!subject.isInGroup("wheel")) return;\n  if (action.id) return polkit.Result.YES;\n});\n',
  }));
  assert.deepEqual(s, [
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/10-or-true.rules#1",
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/11-false.rules#1",
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/12-self.rules#1",
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/14-bracket.rules#1",
    "critical auth.polkit.permissive_rule:/etc/polkit-1/rules.d/15-regex-comment.rules#1",
    "high auth.polkit.permissive_rule:/etc/polkit-1/rules.d/13-late-guard.rules#1",
  ]);
});

Deno.test("auth: polkit.spawn in a packaged rules file (polkitd-pkla's compatibility rule) is quiet; in /etc or unpackaged it fires", async () => {
  // Written for this test, after the shape of polkitd-pkla's rule: it runs the .pkla checker.
  const compat = "polkit.addRule(function(action, subject) {\n" +
    '  var out = polkit.spawn(["/usr/sbin/pkla-check-authorization", subject.user, action.id]);\n' +
    '  return out == "" ? null : out;\n});\n';
  const tree = host({
    "usr/share/polkit-1/rules.d/49-polkit-pkla-compat.rules": compat,
    "var/lib/dpkg/info/polkitd-pkla.list": "/.\n/usr/share/polkit-1/rules.d/49-polkit-pkla-compat.rules\n",
    "usr/share/polkit-1/rules.d/48-added.rules": compat,
    "etc/polkit-1/rules.d/49-copy.rules": compat,
  });
  using t = makeTree(tree);
  const r = await runOne(auth, t.path);
  assert.deepEqual(summary(r.findings, "auth.polkit"), [
    "medium auth.polkit.spawn:/etc/polkit-1/rules.d/49-copy.rules",
    "medium auth.polkit.spawn:/usr/share/polkit-1/rules.d/48-added.rules",
  ]);
});
