import assert from "node:assert/strict";
import type { Finding } from "../../src/core/finding.ts";
import { createHash } from "node:crypto";
import { accounts } from "../../src/scanners/accounts/index.ts";
import { loadAccountDb } from "../../src/scanners/accounts/db.ts";
import { Host } from "../../src/host/host.ts";
import { encodeLastlog, encodeUtmp, LAYOUTS, UT } from "../../src/scanners/logins/utmp.ts";
import { makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { ED25519 } from "./persistence_fixtures.ts";
import { CLEAN, H } from "./accounts_fixtures.ts";

function host(over: Record<string, TreeEntry>): Record<string, TreeEntry> {
  return { ...CLEAN, ...over };
}

function lines(path: string, extra: string[]): string {
  return CLEAN[path] + extra.join("\n") + "\n";
}

function summary(findings: Finding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.id}`).sort();
}

const OLD = { persistenceRecentDays: 0 };

Deno.test("accounts: a clean host gives only the sudo group listing, at info", async () => {
  using t = makeTree(CLEAN);
  const r = await runOne(accounts, t.path, OLD);
  assert.equal(r.status, "ok");
  assert.deepEqual(summary(r.findings), ["info accounts.group.privileged_members:sudo"]);
  assert.deepEqual(r.findings[0].metadata.members, ["alice"]);
  assert.deepEqual(r.warnings, []);
});

Deno.test("accounts: a second uid 0 however it is spelled (r00t, trailing blank, +0, 2^32) is critical", async () => {
  using t = makeTree(host({
    "etc/passwd": lines("etc/passwd", [
      "r00t:x:0:0::/root:/bin/bash",
      "root :x:+0:0::/root:/bin/bash",
      "toor:x:4294967296:0::/root:/bin/sh",
    ]),
  }));
  const r = await runOne(accounts, t.path, OLD);
  const uid0 = r.findings.filter((f) => f.check_id === "accounts.passwd.uid0_extra");
  assert.deepEqual(uid0.map((f) => [f.severity, f.metadata.user]), [
    ["critical", "r00t"],
    ["critical", "root "],
    ["critical", "toor"],
  ]);
  assert.equal(uid0[1].metadata.uid_field, "+0");
  assert.match(uid0[2].description, /written "4294967296"/);
  const names = r.findings.filter((f) => f.check_id === "accounts.passwd.suspicious_name");
  assert.deepEqual(names.map((f) => [f.severity, f.metadata.user, f.metadata.concern]), [
    ["high", "r00t", "looks like root"],
    ["high", "root ", "contains blanks"],
  ]);
});

Deno.test("accounts: shared uids, duplicate names, root-group logins, NIS lines and malformed lines", async () => {
  using t = makeTree(host({
    "etc/passwd": lines("etc/passwd", [
      "clone:x:1000:1000::/home/clone:/bin/bash",
      "alice:x:1001:1001::/home/alice2:/bin/bash",
      "wheelie:x:1002:0::/home/wheelie:/bin/zsh",
      "+::0:0:::",
      "broken:x:12",
    ]),
    "etc/shadow": lines("etc/shadow", ["alice:!:19700:0:99999:7:::"]),
  }));
  const r = await runOne(accounts, t.path, OLD);
  const got = summary(r.findings.filter((f) => f.check_id !== "accounts.group.privileged_members"));
  assert.deepEqual(got, [
    "high accounts.file.duplicate_name:/etc/passwd:alice",
    "high accounts.file.duplicate_name:/etc/shadow:alice",
    "high accounts.passwd.duplicate_uid:uid:1000",
    "high accounts.passwd.nis_entry:/etc/passwd:+",
    "medium accounts.file.malformed:" + r.findings.find((f) => f.check_id === "accounts.file.malformed")!.id
      .split(":").slice(1).join(":"),
    "medium accounts.passwd.gid0_login:wheelie",
  ]);
  const bad = r.findings.find((f) => f.check_id === "accounts.file.malformed")!;
  assert.deepEqual([bad.metadata.line, bad.metadata.reason], [10, "3 field(s), no gid"]);
  assert.ok(!JSON.stringify(bad).includes("broken"), "the text of a malformed line is never printed");
  const db = loadAccountDb(new Host(t.path));
  const sha = createHash("sha256").update("broken:x:12").digest("hex").slice(0, 12);
  assert.deepEqual(db.bad, [{
    path: "/etc/passwd",
    line: 10,
    reason: "3 field(s), no gid",
    digest: sha,
  }]);
});

Deno.test("accounts: empty, obsolete and system-account passwords are named by state, never by hash", async () => {
  using t = makeTree(host({
    "etc/passwd": lines("etc/passwd", [
      "bob:x:1001:1001::/home/bob:/bin/bash",
      "carol:x:1002:1002::/home/carol:/bin/bash",
      "games:x:5:60:games:/usr/games:/usr/sbin/nologin",
      "svc:x:998:998::/var/lib/svc:/usr/sbin/nologin",
      `legacy:${H.des}:1003:1003::/home/legacy:/bin/sh`,
    ]),
    "etc/shadow": lines("etc/shadow", [
      "bob::19700:0:99999:7:::",
      `carol:${H.md5}:19700:0:99999:7:::`,
      `games:${H.sha512}:19700:0:99999:7:::`,
      "svc::19700:0:99999:7:::",
      "ghost:" + H.sha512 + ":19700:0:99999:7:::",
    ]),
  }));
  const r = await runOne(accounts, t.path, OLD);
  const got = summary(r.findings.filter((f) => f.check_id !== "accounts.group.privileged_members"));
  assert.deepEqual(got, [
    "critical accounts.password.empty:bob",
    "high accounts.passwd.hash_in_passwd:legacy",
    "high accounts.password.empty:svc",
    "high accounts.password.system_usable:games",
    "high accounts.shadow.orphan:ghost",
    "medium accounts.password.weak_hash:carol",
    "medium accounts.password.weak_hash:legacy",
  ]);
  const text = JSON.stringify(r.findings);
  for (const h of Object.values(H)) assert.ok(!text.includes(h), "no hash is ever printed");
  assert.equal(
    r.findings.find((f) => f.id === "accounts.password.weak_hash:carol")?.metadata.password,
    "MD5",
  );
  assert.equal(
    r.findings.find((f) => f.id === "accounts.password.system_usable:games")?.metadata.password,
    "SHA-512",
  );
});

Deno.test("accounts: a system account given a shell is low, medium for nobody-like accounts, high with keys or a password", async () => {
  using t = makeTree(host({
    "etc/passwd": lines("etc/passwd", [
      "postgres:x:110:118::/var/lib/postgresql:/bin/bash",
      "news:x:9:9:news:/var/spool/news:/bin/sh",
      "backup:x:34:34:backup:/var/backups:/bin/bash",
      "pgsql:x:111:119::/var/lib/postgresql:/bin/bash",
    ]).replace(
      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
      "nobody:x:65534:65534::/nonexistent:/bin/bash",
    ),
    "etc/shadow": lines("etc/shadow", [
      "postgres:!:19700::::::",
      "news:*:19700::::::",
      "backup:*:19700::::::",
      "pgsql:!:19700::::::",
    ]),
    "var/backups/.ssh/authorized_keys": `ssh-ed25519 ${ED25519} evil@x\n`,
  }));
  const r = await runOne(accounts, t.path, OLD);
  const shells = r.findings.filter((f) => f.check_id === "accounts.system.login_shell");
  assert.deepEqual(shells.map((f) => `${f.severity} ${f.metadata.user}`).sort(), [
    "high backup",
    "info postgres",
    "low pgsql",
    "medium news",
    "medium nobody",
  ]);
  assert.match(shells.find((f) => f.metadata.user === "postgres")!.description, /as its package creates it/);
  const backup = shells.find((f) => f.metadata.user === "backup")!;
  assert.deepEqual(backup.metadata.key_files, ["/var/backups/.ssh/authorized_keys"]);
  assert.match(String(backup.metadata.fingerprints), /^ssh-ed25519 SHA256:/);
});

Deno.test("accounts: postgres as postgresql packages it is information; moved, given a password or keys it is not", async () => {
  const shell = async (home: string, hash: string, keys = false) => {
    using t = makeTree(host({
      "etc/passwd": lines("etc/passwd", [`postgres:x:110:118::${home}:/bin/bash`]),
      "etc/shadow": lines("etc/shadow", [`postgres:${hash}:19700::::::`]),
      ...(keys ? { [`${home.slice(1)}/.ssh/authorized_keys`]: `ssh-ed25519 ${ED25519} x\n` } : {}),
    }));
    const r = await runOne(accounts, t.path, OLD);
    return r.findings.find((f) => f.id === "accounts.system.login_shell:postgres")?.severity;
  };
  assert.equal(await shell("/var/lib/postgresql", "!"), "info");
  assert.equal(await shell("/var/lib/pgsql/", "!!"), "info", "RHEL's home, trailing slash");
  assert.equal(await shell("/home/postgres", "!"), "low", "not where the package puts it");
  assert.equal(await shell("/var/lib/postgresql", H.sha512), "high", "a usable password");
  assert.equal(await shell("/var/lib/postgresql", "!", true), "high", "authorized keys");
});

Deno.test("accounts: keys are looked for where sshd's AuthorizedKeysFile says, Match blocks included", async () => {
  using t = makeTree(host({
    "etc/passwd": lines("etc/passwd", ["www-data:x:33:33::/var/www:/bin/sh"]),
    "etc/ssh/sshd_config":
      "AuthorizedKeysFile .ssh/authorized_keys\nMatch User www-data\n  AuthorizedKeysFile /etc/ssh/k/%u\n",
    "etc/ssh/k/www-data": `ssh-ed25519 ${ED25519} x\n`,
  }));
  const r = await runOne(accounts, t.path, OLD);
  const f = r.findings.find((f) => f.id === "accounts.system.login_shell:www-data")!;
  assert.equal(f.severity, "high");
  assert.deepEqual(f.metadata.key_files, ["/etc/ssh/k/www-data"]);
});

Deno.test("accounts: root-equivalent groups are listed once each; medium with a login-capable system member", async () => {
  using t = makeTree(host({
    "etc/passwd": lines("etc/passwd", [
      "jenkins:x:120:120::/var/lib/jenkins:/bin/bash",
      "syslog:x:104:110::/home/syslog:/usr/sbin/nologin",
    ]),
    "etc/group": CLEAN["etc/group"] + "docker:x:999:jenkins,alice\nadm:x:4:syslog\nshadow:x:42:\n",
    "etc/gshadow": CLEAN["etc/gshadow"] + `docker:${H.sha512}::jenkins\nadm:*::syslog\n`,
  }));
  const r = await runOne(accounts, t.path, OLD);
  assert.deepEqual(summary(r.findings.filter((f) => f.check_id.startsWith("accounts.group"))), [
    "high accounts.group.password_set:docker",
    "info accounts.group.privileged_members:adm",
    "info accounts.group.privileged_members:sudo",
    "medium accounts.group.privileged_members:docker",
  ]);
  const docker = r.findings.find((f) => f.id === "accounts.group.privileged_members:docker")!;
  assert.deepEqual(docker.metadata.members, ["alice", "jenkins"]);
  assert.deepEqual(docker.metadata.system_members, ["jenkins"]);
});

Deno.test("accounts: recent password changes and accounts missing from passwd- are low, with the date", async () => {
  const today = Math.floor(Date.now() / 86_400_000);
  using t = makeTree(host({
    "etc/passwd": lines("etc/passwd", ["mallory:x:1001:1001::/home/mallory:/bin/bash"]),
    "etc/passwd-": CLEAN["etc/passwd"],
    "etc/shadow":
      CLEAN["etc/shadow"].replace(`alice:${H.yescrypt}:19700`, `alice:${H.yescrypt}:${today - 1}`) +
      `mallory:${H.sha512}:${today}:0:99999:7:::\n`,
  }));
  const r = await runOne(accounts, t.path, { persistenceRecentDays: 7 });
  const recent = r.findings.filter((f) => f.check_id === "accounts.account.recent");
  assert.deepEqual(recent.map((f) => `${f.severity} ${f.metadata.user}`), ["low alice", "low mallory"]);
  assert.ok(recent[1].metadata.added, "mallory is not in the passwd- backup");
  assert.equal(
    recent[0].metadata.password_changed,
    new Date((today - 1) * 86_400_000).toISOString().slice(0, 10),
  );
  assert.ok(
    r.findings.some((f) => f.id === "accounts.file.recent:/etc/passwd"),
    "the fixture files were just written",
  );
  const quiet = await runOne(accounts, t.path, OLD);
  assert.ok(!quiet.findings.some((f) => f.check_id.endsWith(".recent")), "0 days turns the window off");
});

Deno.test("accounts: --hardening judges login.defs and accounts exempt from the ageing policy", async () => {
  using weak = makeTree(host({ "etc/login.defs": "ENCRYPT_METHOD MD5\nPASS_MAX_DAYS 99999\nUMASK 002\n" }));
  const r = await runOne(accounts, weak.path, { ...OLD, hardening: true });
  assert.deepEqual(summary(r.findings.filter((f) => f.check_id.includes("login_defs"))), [
    "low accounts.login_defs.no_password_expiry:/etc/login.defs",
    "low accounts.login_defs.weak_umask:/etc/login.defs",
    "medium accounts.login_defs.weak_hash_method:/etc/login.defs",
  ]);
  using policy = makeTree(
    host({ "etc/login.defs": "ENCRYPT_METHOD YESCRYPT\nPASS_MAX_DAYS 365\nUMASK 027\n" }),
  );
  const p = await runOne(accounts, policy.path, { ...OLD, hardening: true });
  assert.deepEqual(summary(p.findings.filter((f) => f.check_id !== "accounts.group.privileged_members")), [
    "low accounts.password.never_expires:alice",
  ]);
  const off = await runOne(accounts, weak.path, OLD);
  assert.ok(!off.findings.some((f) => f.check_id.includes("login_defs")), "only under --hardening");
});

Deno.test("accounts: --accounts-inventory lists login-capable accounts with the last login from lastlog or wtmp", async () => {
  const slot = (uid: number, e: Parameters<typeof encodeLastlog>[0]) => {
    const b = new Uint8Array((uid + 1) * LAYOUTS[0].lastlogSize);
    b.set(encodeLastlog(e), uid * LAYOUTS[0].lastlogSize);
    return b;
  };
  using t = makeTree(host({
    "var/log/lastlog": { content: slot(1000, { time: 1_700_000_000, line: "pts/0", host: "198.51.100.4" }) },
    "var/log/wtmp": {
      content: encodeUtmp({ type: UT.USER_PROCESS, user: "root", line: "tty1", time: 1_700_000_500, pid: 9 }),
    },
  }));
  const r = await runOne(accounts, t.path, { ...OLD, accountsInventory: true });
  const inv = r.findings.filter((f) => f.check_id === "accounts.inventory.account");
  assert.deepEqual(
    inv.map((f) => [f.metadata.user, f.metadata.password, f.metadata.last_login, f.metadata.last_login_from]),
    [
      ["root", "disabled", "2023-11-14T22:21:40.000Z", ""],
      ["alice", "yescrypt", "2023-11-14T22:13:20.000Z", "198.51.100.4"],
    ],
  );
});

Deno.test("accounts: unreadable or odd account files are warnings or a skip, never a crash", async () => {
  using none = makeTree({ "etc/hostname": "x\n" });
  const r = await runOne(accounts, none.path, OLD);
  assert.equal(r.status, "skipped");
  assert.match(r.reason ?? "", /passwd does not exist/);
  // /etc/passwd a FIFO: skipped (could not check), and the reason does not tell root to run as root.
  using piped = makeTree({ "etc/hostname": "x\n" });
  new Deno.Command("mkfifo", { args: [`${piped.path}/etc/passwd`] }).outputSync();
  const p = await runOne(accounts, piped.path, OLD);
  assert.equal(p.status, "skipped");
  assert.match(p.reason ?? "", /not a regular readable file/);
  assert.doesNotMatch(p.reason ?? "", /run as root/);
  using fifo = makeTree({ "etc/passwd": CLEAN["etc/passwd"] });
  new Deno.Command("mkfifo", { args: [`${fifo.path}/etc/shadow`] }).outputSync();
  const f = await runOne(accounts, fifo.path, OLD);
  assert.equal(f.status, "ok");
  assert.ok(f.warnings.some((w) => w.code === "account_file_unreadable" && /shadow/.test(w.detail ?? "")));
  assert.ok(f.warnings.some((w) => w.code === "shadow_unreadable"));
  const garbage = new TextDecoder().decode(Uint8Array.from({ length: 20_000 }, (_, i) => (i * 31) % 256));
  using junk = makeTree({
    "etc/passwd": garbage,
    "etc/shadow": garbage,
    "etc/group": garbage,
    "etc/gshadow": garbage,
  });
  const j = await runOne(accounts, junk.path, OLD);
  assert.equal(j.status, "ok");
});
