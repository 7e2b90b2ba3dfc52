/**
 * The accounts scanner reads what a login gets, as glibc and nss-systemd give it: a 4-field passwd line is an
 * account, group membership is counted per gid over every /etc/group line, a systemd user record's section for
 * this machine overrides its top-level uid, and junk files in a record directory neither count nor hide records.
 */
import assert from "node:assert/strict";
import type { Finding } from "../../src/core/finding.ts";
import { accounts } from "../../src/scanners/accounts/index.ts";
import { MAX_RECORDS } from "../../src/scanners/accounts/nss_records.ts";
import { makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { CLEAN, H } from "./accounts_fixtures.ts";

const OLD = { persistenceRecentDays: 0 };
const NSSWITCH = "passwd:         files systemd\ngroup:          files systemd\nshadow:         files\n";
const MID = "3d1219c7c4c5404aaa1f6d2a48adfda4";

const fired = (f: Finding[], prefix: string) =>
  f.filter((x) => x.check_id.startsWith(prefix)).map((x) => `${x.severity} ${x.id}`)
    .sort();

Deno.test("a 4-field passwd line with uid 0 is a second root: glibc reads it, with an empty shell (/bin/sh)", async () => {
  // glibc 2.36: fgetpwent("evil:$6$...:0:0") gives evil:x:0:0 with empty gecos, home and shell; login and sshd
  // run /bin/sh for an empty shell.
  using t = makeTree({ ...CLEAN, "etc/passwd": CLEAN["etc/passwd"] + `evil:${H.sha512}:0:0\n` });
  const r = await runOne(accounts, t.path, OLD);
  assert.deepEqual(fired(r.findings, "accounts.passwd."), [
    "critical accounts.passwd.hash_in_passwd:evil",
    "critical accounts.passwd.uid0_extra:evil",
  ]);
  assert.deepEqual(fired(r.findings, "accounts.file.malformed"), []);
  const uid0 = r.findings.find((f) => f.check_id === "accounts.passwd.uid0_extra")!;
  assert.match(uid0.description, /\(empty: \/bin\/sh\).*4-field line/);
});

Deno.test("lines glibc skips (3 fields) stay malformed only; a 5-field ordinary account is quiet", async () => {
  using t = makeTree({
    ...CLEAN,
    "etc/passwd": CLEAN["etc/passwd"] + "half:x:0\nbob:x:1001:1001:Bob\n",
    "etc/shadow": CLEAN["etc/shadow"] + "bob:!:19700:0:99999:7:::\n",
  });
  const r = await runOne(accounts, t.path, OLD);
  assert.deepEqual(fired(r.findings, "accounts.passwd."), []);
  assert.deepEqual(
    r.findings.filter((f) => f.check_id === "accounts.file.malformed").map((f) => f.metadata.reason),
    ["3 field(s), no gid"],
  );
});

Deno.test("a second group line with sudo's gid puts its members in sudo (initgroups counts gids)", async () => {
  // glibc's files-initgroups.c adds the gid of every line listing the user; sudo's %sudo compares that gid.
  using t = makeTree({
    ...CLEAN,
    "etc/group": CLEAN["etc/group"] + "xsudo:x:27:alice,nobody\nsudo:x:27:daemon\n",
  });
  const r = await runOne(accounts, t.path, OLD);
  assert.deepEqual(fired(r.findings, "accounts.group.privileged_gid_alias"), [
    "high accounts.group.privileged_gid_alias:/etc/group:6:xsudo",
    "high accounts.group.privileged_gid_alias:/etc/group:7:sudo",
  ]);
  const sudo = r.findings.find((f) => f.id === "accounts.group.privileged_members:sudo")!;
  assert.deepEqual(sudo.metadata.members, ["alice", "daemon", "nobody"]);
  const dup = r.findings.find((f) => f.check_id === "accounts.file.duplicate_name")!;
  assert.match(dup.description, /a login gets the gid of every line that lists it/);
});

Deno.test("groups sharing an ordinary gid, or a privileged group's own line, raise no gid alias", async () => {
  using t = makeTree({
    ...CLEAN,
    "etc/group": CLEAN["etc/group"] + "audio:x:29:alice\naudio2:x:29:alice\nadm:x:4:alice\n",
  });
  const r = await runOne(accounts, t.path, OLD);
  assert.deepEqual(fired(r.findings, "accounts.group.privileged_gid_alias"), []);
});

function userdbHost(records: Record<string, TreeEntry>): Record<string, TreeEntry> {
  return { ...CLEAN, "etc/nsswitch.conf": NSSWITCH, "etc/machine-id": MID + "\n", ...records };
}

Deno.test("a user record whose binding for this machine sets uid 0 is a uid-0 record (nss-systemd applies it)", async () => {
  // user-record.c: perMachine entries that match, then binding[<machine id>], override the top-level fields.
  using t = makeTree(userdbHost({
    "etc/hostname": "web1\n",
    "etc/userdb/evil2.user": JSON.stringify({
      userName: "evil2",
      uid: 60124,
      gid: 60124,
      shell: "/usr/sbin/nologin",
      binding: { [MID]: { uid: 0, gid: 0 } },
    }),
    "run/userdb/evil3.user": JSON.stringify({
      userName: "evil3",
      uid: 60125,
      perMachine: [{ matchMachineId: [MID.toUpperCase()], uid: 0 }],
    }),
    "run/userdb/evil4.user": JSON.stringify({
      userName: "evil4",
      uid: 60126,
      shell: "/usr/sbin/nologin",
      perMachine: [{ matchHostname: "web1", memberOf: ["sudo"] }],
    }),
  }));
  const r = await runOne(accounts, t.path, OLD);
  assert.deepEqual(fired(r.findings, "accounts.nss."), [
    "critical accounts.nss.uid0_record:/etc/userdb/evil2.user:evil2",
    "critical accounts.nss.uid0_record:/run/userdb/evil3.user:evil3",
    "high accounts.nss.extra_account:/run/userdb/evil4.user:evil4",
  ]);
  const evil2 = r.findings.find((f) => f.metadata.name === "evil2")!;
  assert.deepEqual(evil2.metadata.machine_sections, [`binding.${MID}`]);
});

Deno.test("binding and perMachine sections for another machine change nothing", async () => {
  const other = "0123456789abcdef0123456789abcdef";
  using t = makeTree(userdbHost({
    "etc/hostname": "web1\n",
    "etc/userdb/svc.user": JSON.stringify({
      userName: "svc",
      uid: 60124,
      shell: "/usr/sbin/nologin",
      binding: { [other]: { uid: 0 } },
      perMachine: [{ matchMachineId: other, uid: 0 }, { matchHostname: ["db1"], memberOf: ["sudo"] }],
    }),
  }));
  const r = await runOne(accounts, t.path, OLD);
  assert.deepEqual(fired(r.findings, "accounts.nss."), [
    "medium accounts.nss.extra_account:/etc/userdb/svc.user:svc",
  ]);
});

Deno.test("junk files that nss-systemd ignores neither count nor hide a uid-0 record elsewhere", async () => {
  const junk: Record<string, TreeEntry> = {};
  for (let i = 0; i < MAX_RECORDS + 10; i++) junk[`etc/userdb/junk${i}`] = "";
  using t = makeTree(userdbHost({
    ...junk,
    "run/userdb/r00t.user": JSON.stringify({ userName: "r00t", uid: 0, shell: "/bin/bash" }),
  }));
  const r = await runOne(accounts, t.path, OLD);
  assert.deepEqual(fired(r.findings, "accounts.nss."), [
    "critical accounts.nss.uid0_record:/run/userdb/r00t.user:r00t",
  ]);
});

Deno.test("more record files than the scan reads is a finding: what lies past the bound is unseen", async () => {
  const many: Record<string, TreeEntry> = {};
  for (let i = 0; i <= MAX_RECORDS; i++) many[`etc/userdb/u${i}:audio.membership`] = "";
  using t = makeTree(userdbHost({
    ...many,
    "run/userdb/r00t.user": JSON.stringify({ userName: "r00t", uid: 0, shell: "/bin/bash" }),
  }));
  const r = await runOne(accounts, t.path, OLD);
  assert.deepEqual(fired(r.findings, "accounts.nss.records_unread"), [
    "high accounts.nss.records_unread:/etc/userdb",
    "high accounts.nss.records_unread:/run/userdb",
  ]);
});
