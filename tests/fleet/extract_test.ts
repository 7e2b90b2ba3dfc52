/** What fleet stacks, taken from real scanner output (fixture hosts) and from findings shaped as scanners write them. */
import assert from "node:assert/strict";
import { clampItem, itemsOf, type Kind, MAX_ITEM_CHARS } from "../../src/fleet/extract.ts";
import { InputFindingSchema } from "../../src/fleet/input.ts";
import type { Report } from "../../src/core/report.ts";
import { finding, fixtureReport } from "./helpers.ts";

function itemsOfReport(r: Report, kind: Kind): string[] {
  const out = new Set<string>();
  for (const res of r.results) {
    for (const f of res.findings) {
      for (const [k, v] of itemsOf(InputFindingSchema.parse(f))) if (k === kind) out.add(v);
    }
  }
  return [...out].sort();
}

const one = (f: ReturnType<typeof finding>) => itemsOf(InputFindingSchema.parse(f));

Deno.test("listeners: protocol/port and the owning program, from the network scanner's metadata", async () => {
  const items = itemsOfReport(await fixtureReport("net-mixed"), "listener");
  assert.ok(items.includes("tcp/22 sshd"), items.join(", "));
  assert.ok(items.includes("tcp/4444 nc.openbsd"), "the backdoor listener is an item like any other");
  assert.ok(items.includes("tcp/2375 (owner unknown)"), "a socket without an owner still counts");
  assert.ok(items.includes("udp/68 dhclient"));
});

Deno.test("kernel modules: every loaded module by name (module.summary) and the anomalous ones", async () => {
  assert.deepEqual(itemsOfReport(await fixtureReport("modules-clean"), "module"), [
    "gzmod",
    "plainmod",
    "xzmod",
    "zst_mod",
  ]);
  const anomalous = itemsOfReport(await fixtureReport("modules-anomalous"), "module");
  for (const m of ["evilmod", "kshadow", "sysfshider"]) {
    assert.ok(anomalous.includes(m), `${m} in ${anomalous}`);
  }
});

Deno.test("SUID/SGID files: the path of every set-id file the scanner reports (expected ones with --include-passed)", async () => {
  const items = itemsOfReport(await fixtureReport("setid"), "setid");
  assert.deepEqual(items, ["/opt/tool/helper", "/usr/bin/passwd"]);
});

Deno.test("persistence entries and units: each inventory entry as kind:path: entry, and the units it names", async () => {
  const r = await fixtureReport("persist-debian-stock");
  const entries = itemsOfReport(r, "persistence");
  assert.ok(
    entries.some((e) => e.startsWith("cron:/etc/crontab: ") && e.includes("run-parts")),
    entries.slice(0, 5).join("\n"),
  );
  const units = itemsOfReport(r, "unit");
  for (const u of ["cron.service", "ssh.service", "apt-daily.timer"]) {
    assert.ok(units.includes(u), `${u} in ${units}`);
  }
});

Deno.test("libraries: /etc/ld.so.preload entries and LD_PRELOAD values of processes", async () => {
  const items = itemsOfReport(await fixtureReport("proc-compromised"), "library");
  assert.ok(items.includes("/usr/lib/x86_64-linux-gnu/libsnoopy.so"), items.join(", "));
  assert.deepEqual(
    one(finding("ioc.process.ld_preload", "/usr/bin/x", { values: ["/tmp/a.so:/tmp/b.so /tmp/c.so"] }))
      .filter(
        ([k]) => k === "library",
      ).map(([, v]) => v),
    ["/tmp/a.so", "/tmp/b.so", "/tmp/c.so"],
  );
  assert.deepEqual(
    one(finding("ioc.process.ld_library_path", "/usr/bin/x", { values: ["/opt/lib"] })).filter(([k]) =>
      k === "library"
    ).map(([, v]) => v),
    ["/opt/lib (LD_LIBRARY_PATH)"],
  );
});

Deno.test("accounts: the accounts scanner's uid-0 accounts and login-capable accounts (--accounts-inventory)", async () => {
  const items = itemsOfReport(await fixtureReport("accounts"), "account");
  for (const a of ["root (uid 0)", "toor (uid 0)", "news (uid 9)"]) {
    assert.ok(items.includes(a), `${a} in ${items}`);
  }
  assert.ok(!items.some((a) => a.startsWith("daemon ")), "a system account without a login is not an item");
});

Deno.test("accounts: uid 0 and login-capable accounts from the accounts checks; other account findings and a process's user are not", () => {
  // Shaped as the accounts scanner (issue 14) writes them: the account in `user`, its uid, shell and home.
  const accounts = (f: ReturnType<typeof finding>) =>
    one(f).filter(([k]) => k === "account").map(([, v]) => v);
  const entry = (name: string, uid: number, shell = "/bin/bash") => ({
    user: name,
    uid,
    gid: uid,
    shell,
    home: "/x",
  });
  assert.deepEqual(accounts(finding("accounts.passwd.uid0_extra", "toor", entry("toor", 0))), [
    "toor (uid 0)",
  ]);
  assert.deepEqual(accounts(finding("accounts.inventory.account", "bob", entry("bob", 1000))), [
    "bob (uid 1000)",
  ]);
  assert.deepEqual(accounts(finding("accounts.system.login_shell", "news", entry("news", 9))), [
    "news (uid 9)",
  ]);
  assert.deepEqual(accounts(finding("accounts.passwd.gid0_login", "ops", entry("ops", 1001))), [
    "ops (uid 1001)",
  ]);
  assert.deepEqual(accounts(finding("accounts.password.empty", "guest", entry("guest", 1002))), [
    "guest (uid 1002)",
  ]);
  assert.deepEqual(accounts(finding("accounts.password.weak_hash", "alice", entry("alice", 1003))), []);
  assert.deepEqual(
    accounts(finding("process.inventory.entry", "[sshd]", { user: "root", uid: 0 })),
    [],
    "a process running as root does not make an account item",
  );
  assert.deepEqual(
    accounts(finding("persistence.ssh_key.unusual_location", "/x", { account: "root", path: "/x" })),
    [],
    "nor does a persistence finding about an account's keys",
  );
});

Deno.test("finding ids: reported findings count, passed checks and inventory entries do not", () => {
  const ids = (f: ReturnType<typeof finding>) => one(f).filter(([k]) => k === "finding").map(([, v]) => v);
  assert.deepEqual(ids(finding("mac.none", "")), ["mac.none"]);
  assert.deepEqual(
    ids(finding("suid.file.expected", "/usr/bin/su", { path: "/usr/bin/su", passed: true })),
    [],
  );
  assert.deepEqual(ids(finding("persistence.inventory.point", "cron:/etc/crontab", { kind: "cron" })), []);
});

Deno.test("hostile metadata: wrong types are ignored, long values are cut and marked, never thrown", () => {
  assert.deepEqual(
    one(finding("net.listen.exposed", "x", { local_port: "not a port", protocol: 6 })).filter(([k]) =>
      k === "listener"
    ),
    [],
  );
  const long = "/tmp/" + "a".repeat(3000);
  const [[, v]] = one(finding("suid.file.unexpected", "x", { path: long })).filter(([k]) => k === "setid");
  assert.ok(v.length < MAX_ITEM_CHARS + 40 && v.endsWith(`… (${long.length} chars)`), v.slice(-40));
  assert.equal(clampItem("short"), "short");
});
