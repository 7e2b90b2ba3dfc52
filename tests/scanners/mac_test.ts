import assert from "node:assert/strict";
import { mac } from "../../src/scanners/mac/index.ts";
import {
  parseAppArmorLabel,
  parseEnabled,
  parseProfiles,
  profileFileFor,
} from "../../src/scanners/mac/apparmor.ts";
import { parseEnforce, parseSelinuxConfig, selinuxUnconfined } from "../../src/scanners/mac/selinux.ts";
import type { Finding } from "../../src/core/finding.ts";
import { fixtureRoot, makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { inetLine, procs, TCP_HEADER } from "./network_procfs_fixture.ts";

const summary = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.id}`).sort();

const RHEL_CONFIG = `
# This file controls the state of SELinux on the system.
# SELINUX= can take one of these three values:
#     enforcing - SELinux security policy is enforced.
#     permissive - SELinux prints warnings instead of enforcing.
#     disabled - No SELinux policy is loaded.
SELINUX=enforcing
# SELINUXTYPE= can take one of these three values:
SELINUXTYPE=targeted
`;

Deno.test("selinux: config comments are skipped, last assignment wins, quotes and trailing comments handled", () => {
  assert.deepEqual(parseSelinuxConfig(RHEL_CONFIG), { mode: "enforcing", policyType: "targeted" });
  assert.deepEqual(parseSelinuxConfig('SELINUX="Permissive" # temp\nSELINUXTYPE=mls\n'), {
    mode: "permissive",
    policyType: "mls",
  });
  assert.deepEqual(parseSelinuxConfig("SELINUX=enforcing\nSELINUX=disabled\n"), { mode: "disabled" });
  assert.deepEqual(parseSelinuxConfig(""), {});
  assert.deepEqual(parseSelinuxConfig("# SELINUX=enforcing\n\u0000garbage=\nSELINUX"), {});
  assert.equal(parseEnforce("1"), true);
  assert.equal(parseEnforce("0\n"), false);
  assert.equal(parseEnforce(""), undefined);
  assert.equal(parseEnforce("2"), undefined);
  assert.ok(selinuxUnconfined("unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023"));
  assert.ok(selinuxUnconfined("system_u:system_r:unconfined_service_t:s0\0"));
  assert.ok(!selinuxUnconfined("system_u:system_r:sshd_t:s0-s0:c0.c1023"));
  assert.ok(!selinuxUnconfined(""));
});

Deno.test("apparmor: enabled Y/N, profile list by mode, labels", () => {
  assert.equal(parseEnabled("Y\n"), true);
  assert.equal(parseEnabled("N\n"), false, "N is disabled, not 'non-empty so enabled'");
  assert.equal(parseEnabled(""), undefined);
  const p = parseProfiles(
    "/usr/sbin/cupsd (enforce)\nnvidia_modprobe (enforce)\n/usr/bin/man (complain)\nmy app (complain)\n" +
      "chrome (unconfined)\ngarbage line\n\n/usr/sbin/ntpd (enfo",
  );
  assert.deepEqual(p.byMode, { enforce: 2, complain: 2, unconfined: 1 });
  assert.deepEqual(p.complain, ["/usr/bin/man", "my app"]);
  assert.equal(p.bad, 2);
  assert.deepEqual(parseProfiles(""), { byMode: {}, complain: [], names: [], bad: 0 });
  assert.deepEqual(parseAppArmorLabel("unconfined\n"), { unconfined: true });
  assert.deepEqual(parseAppArmorLabel("/usr/sbin/cupsd (enforce)\n"), {
    unconfined: false,
    profile: "/usr/sbin/cupsd",
    mode: "enforce",
  });
  assert.equal(parseAppArmorLabel("chrome (unconfined)").unconfined, true);
  assert.equal(profileFileFor("/usr/sbin/sshd"), "/etc/apparmor.d/usr.sbin.sshd");
});

const LSM_STOCK = "lockdown,capability,landlock,yama,apparmor\n";

/** A Debian-like host: AppArmor enforcing, sshd (no profile) and cupsd (profile) listening on the network. */
function debian(overrides: Record<string, TreeEntry> = {}) {
  return makeTree({
    "sys/module/apparmor/parameters/enabled": "Y\n",
    "sys/kernel/security/lsm": LSM_STOCK,
    "sys/kernel/security/apparmor/profiles": "/usr/sbin/cupsd (enforce)\nnvidia_modprobe (enforce)\n",
    "etc/apparmor.d/usr.sbin.cupsd": "profile\n",
    "proc/net/tcp": [
      TCP_HEADER,
      inetLine(0, "00000000:0016", "00000000:0000", "0A", 1),
      inetLine(1, "00000000:0277", "00000000:0000", "0A", 2),
      inetLine(2, "0100007F:0019", "00000000:0000", "0A", 3),
    ].join("\n") + "\n",
    ...procs(
      { pid: 1, exe: "/usr/lib/systemd/systemd", label: "unconfined\n" },
      { pid: 10, exe: "/usr/sbin/sshd", sockets: [1], label: "unconfined\n" },
      { pid: 20, exe: "/usr/sbin/cupsd", sockets: [2], label: "/usr/sbin/cupsd (enforce)\n" },
      { pid: 30, exe: "/usr/sbin/exim4", sockets: [3], label: "unconfined\n" },
    ),
    ...overrides,
  });
}

Deno.test("mac: stock Debian (AppArmor enforcing) raises nothing above info", async () => {
  using t = debian();
  const r = await runOne(mac, t.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(summary(r.findings), ["info mac.unconfined_daemon:/usr/sbin/sshd"]);
  assert.equal(r.findings[0].metadata.profile_available, false);
  assert.deepEqual(r.passed, [
    "mac.apparmor.complain",
    "mac.lsm.missing",
    "mac.none",
    "mac.unconfined_daemon",
  ]);
});

Deno.test("mac: passed checks carry the MAC status with --include-passed", async () => {
  using t = debian();
  const r = await runOne(mac, t.path, { includePassed: true });
  const none = r.findings.find((f) => f.id === "mac.none")!;
  assert.equal(none.metadata.passed, true);
  assert.equal(none.metadata.enforcing_mac, "apparmor");
  assert.equal(none.metadata.apparmor_profiles_enforce, 2);
  assert.deepEqual(none.metadata.lsms, ["lockdown", "capability", "landlock", "yama", "apparmor"]);
});

Deno.test("mac: complain profiles, an unloaded shipped profile and a missing Yama fire", async () => {
  using t = debian({
    "sys/kernel/security/apparmor/profiles": "/usr/sbin/cupsd (complain)\nnvidia_modprobe (enforce)\n",
    "sys/kernel/security/lsm": "lockdown,capability,apparmor\n",
    "proc/20/attr/current": "unconfined\n",
  });
  const r = await runOne(mac, t.path);
  assert.deepEqual(summary(r.findings), [
    "info mac.unconfined_daemon:/usr/sbin/sshd",
    "low mac.apparmor.complain",
    "low mac.lsm.missing:landlock",
    "low mac.lsm.missing:yama",
    "low mac.unconfined_daemon:/usr/sbin/cupsd",
  ]);
  const complain = r.findings.find((f) => f.check_id === "mac.apparmor.complain")!;
  assert.deepEqual(complain.metadata.complain_profiles, ["/usr/sbin/cupsd"]);
});

Deno.test("mac: AppArmor enabled=N with profiles installed is no MAC (medium), in a container low", async () => {
  using t = debian({ "sys/module/apparmor/parameters/enabled": "N\n" });
  const r = await runOne(mac, t.path);
  assert.deepEqual(summary(r.findings), ["medium mac.none"]);
  assert.match(r.findings[0].description, /disabled \(enabled=N\)/);
  assert.equal(r.findings[0].metadata.in_container, false);

  using c = debian({ "sys/module/apparmor/parameters/enabled": "N\n", "run/.containerenv": "" });
  const rc = await runOne(mac, c.path);
  assert.deepEqual(summary(rc.findings), ["low mac.none"]);
  assert.equal(rc.findings[0].metadata.in_container, true);
  assert.match(rc.findings[0].description, /inside a container/);
});

Deno.test("mac: AppArmor enabled but with no enforce-mode profile is no MAC", async () => {
  using t = debian({ "sys/kernel/security/apparmor/profiles": "" });
  const r = await runOne(mac, t.path);
  assert.deepEqual(summary(r.findings), ["medium mac.none"]);
  assert.match(r.findings[0].description, /no profile is in enforce mode/);
});

Deno.test("mac: unreadable AppArmor profile list is a warning, never a 'no MAC' finding", async () => {
  using t = makeTree({
    "sys/module/apparmor/parameters/enabled": "Y\n",
    "sys/kernel/security/lsm": LSM_STOCK,
  });
  const r = await runOne(mac, t.path);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.warnings.map((w) => w.code), ["mac_unreadable"]);
});

function rhel(enforce: string, config = RHEL_CONFIG) {
  return makeTree({
    "sys/module/.keep": "",
    "sys/fs/selinux/enforce": enforce,
    "sys/kernel/security/lsm": "lockdown,capability,yama,selinux,bpf,landlock\n",
    "etc/selinux/config": config,
    "proc/net/tcp": [
      TCP_HEADER,
      inetLine(0, "00000000:0016", "00000000:0000", "0A", 1),
      inetLine(1, "00000000:1F90", "00000000:0000", "0A", 2),
    ].join("\n") + "\n",
    ...procs(
      { pid: 10, exe: "/usr/sbin/sshd", sockets: [1], label: "system_u:system_r:sshd_t:s0-s0:c0.c1023\0" },
      {
        pid: 20,
        exe: "/opt/app/bin/server",
        sockets: [2],
        label: "system_u:system_r:unconfined_service_t:s0\0",
      },
    ),
  });
}

Deno.test("mac: SELinux enforcing on RHEL: only the unconfined third-party daemon fires", async () => {
  using t = rhel("1");
  const r = await runOne(mac, t.path);
  assert.deepEqual(summary(r.findings), ["low mac.unconfined_daemon:/opt/app/bin/server"]);
  assert.deepEqual(r.passed, [
    "mac.lsm.missing",
    "mac.none",
    "mac.selinux.config_weaker",
    "mac.selinux.permissive",
    "mac.unconfined_daemon",
  ]);
});

Deno.test("mac: SELinux permissive; switched at runtime against an enforcing config is high", async () => {
  using t = rhel("0");
  const r = await runOne(mac, t.path);
  assert.deepEqual(summary(r.findings), ["high mac.selinux.permissive", "medium mac.none"]);
  using p = rhel("0", "SELINUX=permissive\nSELINUXTYPE=targeted\n");
  const rp = await runOne(mac, p.path);
  assert.deepEqual(summary(rp.findings), ["medium mac.none", "medium mac.selinux.permissive"]);
  assert.equal(rp.findings[0].metadata.selinux_policy_type, "targeted");
});

Deno.test("mac: SELinux config weaker than runtime; configured but inactive", async () => {
  using w = rhel("1", "SELINUX=disabled\n");
  assert.deepEqual(summary((await runOne(mac, w.path)).findings), [
    "low mac.selinux.config_weaker",
    "low mac.unconfined_daemon:/opt/app/bin/server",
  ]);
  using off = makeTree({ "sys/module/.keep": "", "etc/selinux/config": RHEL_CONFIG });
  assert.deepEqual(summary((await runOne(mac, off.path)).findings), [
    "medium mac.none",
    "medium mac.selinux.disabled",
  ]);
});

Deno.test("mac: committed fixture hosts (no LSM at all; Ubuntu-like AppArmor)", async () => {
  const none = await runOne(mac, fixtureRoot("mac-no-lsm"));
  assert.deepEqual(summary(none.findings), ["medium mac.none"]);
  const ubuntu = await runOne(mac, fixtureRoot("mac-apparmor"));
  assert.deepEqual(summary(ubuntu.findings), ["low mac.apparmor.complain"]);
});

Deno.test("mac: a root without /sys is skipped; the live host runs cleanly", async () => {
  using t = makeTree({ "etc/hostname": "x\n" });
  const r = await runOne(mac, t.path);
  assert.equal(r.status, "skipped");
  const live = await runOne(mac, "/");
  assert.equal(live.status, "ok");
});
