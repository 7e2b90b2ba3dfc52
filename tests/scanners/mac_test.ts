import assert from "node:assert/strict";
import { mac } from "../../src/scanners/mac/index.ts";
import {
  parseAppArmorLabel,
  parseEnabled,
  parseProfileHeaders,
  parseProfiles,
  profileFileFor,
} from "../../src/scanners/mac/apparmor.ts";
import { parseEnforce, parseSelinuxConfig, selinuxUnconfined } from "../../src/scanners/mac/selinux.ts";
import type { Finding } from "../../src/core/finding.ts";
import { fixtureRoot, makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { inetLine, procs, TCP_HEADER } from "./network_procfs_fixture.ts";
import { dpkgEntries } from "./integrity_fixture.ts";

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
const CUPSD_PROFILE =
  "#include <tunables/global>\n/usr/sbin/cupsd flags=(attach_disconnected) {\n  #include <abstractions/base>\n}\n";

/**
 * A Debian-like host: AppArmor enforcing with its parser and cupsd's profile installed; sshd (no profile) and
 * cupsd (profile) listen on the network, exim4 on loopback.
 */
function debian(overrides: Record<string, TreeEntry> = {}) {
  return makeTree({
    "sys/module/apparmor/parameters/enabled": "Y\n",
    "sys/kernel/security/lsm": LSM_STOCK,
    "sys/kernel/security/apparmor/profiles": "/usr/sbin/cupsd (enforce)\nnvidia_modprobe (enforce)\n",
    "etc/apparmor.d/usr.sbin.cupsd": CUPSD_PROFILE,
    "etc/apparmor.d/nvidia_modprobe": "profile nvidia_modprobe {\n  profile kmod {\n  }\n}\n",
    "usr/sbin/apparmor_parser": "",
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

Deno.test("mac: stock Debian (AppArmor enforcing, sshd without a profile) reports nothing by default", async () => {
  using t = debian();
  const r = await runOne(mac, t.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(summary(r.findings), []);
  assert.deepEqual(r.passed, ["mac.apparmor.complain", "mac.apparmor.disabled", "mac.unconfined_daemon"]);
  const h = await runOne(mac, t.path, { hardening: true });
  assert.deepEqual(summary(h.findings), ["info mac.daemon.no_profile:/usr/sbin/sshd"]);
  assert.match(h.findings[0].description, /no AppArmor profile is available/);
  assert.deepEqual(h.passed, [
    "mac.apparmor.complain",
    "mac.apparmor.complain_shipped",
    "mac.apparmor.disabled",
    "mac.daemon.no_profile",
    "mac.lsm.missing",
    "mac.none",
    "mac.unconfined_daemon",
  ]);
});

Deno.test("mac: passed checks carry the MAC status with --include-passed --hardening", async () => {
  using t = debian();
  const r = await runOne(mac, t.path, { includePassed: true, hardening: true });
  const none = r.findings.find((f) => f.id === "mac.none")!;
  assert.equal(none.metadata.passed, true);
  assert.equal(none.metadata.enforcing_mac, "apparmor");
  assert.equal(none.metadata.apparmor_profiles_enforce, 2);
  assert.deepEqual(none.metadata.lsms, ["lockdown", "capability", "landlock", "yama", "apparmor"]);
});

Deno.test("mac: a profile switched to complain and a daemon outside its loaded profile are signal", async () => {
  using t = debian({
    "sys/kernel/security/apparmor/profiles": "/usr/sbin/cupsd (complain)\nnvidia_modprobe (enforce)\n",
    "sys/kernel/security/lsm": "lockdown,capability,apparmor\n",
    "proc/20/attr/current": "unconfined\n",
  });
  const r = await runOne(mac, t.path);
  assert.deepEqual(summary(r.findings), [
    "medium mac.apparmor.complain",
    "medium mac.unconfined_daemon:/usr/sbin/cupsd",
  ]);
  const complain = r.findings.find((f) => f.check_id === "mac.apparmor.complain")!;
  assert.deepEqual(complain.metadata.complain_profiles, ["/usr/sbin/cupsd"]);
  assert.match(complain.description, /usr\.sbin\.cupsd does not ask for complain mode/);
  const h = await runOne(mac, t.path, { hardening: true });
  assert.deepEqual(summary(h.findings), [
    "info mac.daemon.no_profile:/usr/sbin/sshd",
    "low mac.lsm.missing:landlock",
    "low mac.lsm.missing:yama",
    "medium mac.apparmor.complain",
    "medium mac.unconfined_daemon:/usr/sbin/cupsd",
  ]);
});

Deno.test("mac: complain mode the profile file asks for is stock (--hardening); forcing or editing it is not", async () => {
  const complainProfile = CUPSD_PROFILE.replace(
    "flags=(attach_disconnected)",
    "flags=(complain,attach_disconnected)",
  );
  const profiles = "/usr/sbin/cupsd (complain)\nnvidia_modprobe (enforce)\n/snap/x (complain)\n";
  using shipped = debian({
    "sys/kernel/security/apparmor/profiles": profiles,
    "etc/apparmor.d/usr.sbin.cupsd": complainProfile,
  });
  assert.deepEqual(summary((await runOne(mac, shipped.path)).findings), []);
  const h = await runOne(mac, shipped.path, { hardening: true });
  const stock = h.findings.find((f) => f.check_id === "mac.apparmor.complain_shipped")!;
  assert.equal(stock.severity, "low");
  assert.deepEqual(stock.metadata.complain_profiles, ["/snap/x", "/usr/sbin/cupsd"]);

  using forced = debian({
    "sys/kernel/security/apparmor/profiles": profiles,
    "etc/apparmor.d/usr.sbin.cupsd": complainProfile,
    "etc/apparmor.d/force-complain/usr.sbin.cupsd": { symlink: "/etc/apparmor.d/usr.sbin.cupsd" },
  });
  const f = await runOne(mac, forced.path);
  assert.deepEqual(summary(f.findings), ["medium mac.apparmor.complain"]);
  assert.match(f.findings[0].description, /force-complain\/usr\.sbin\.cupsd/);

  using edited = debian({
    "sys/kernel/security/apparmor/profiles": profiles,
    ...dpkgEntries([{
      name: "cups-daemon",
      conffiles: { "/etc/apparmor.d/usr.sbin.cupsd": { shipped: CUPSD_PROFILE, disk: complainProfile } },
    }]),
  });
  const e = await runOne(mac, edited.path);
  assert.deepEqual(summary(e.findings), ["medium mac.apparmor.complain"]);
  assert.match(e.findings[0].description, /changed since cups-daemon installed it/);
});

Deno.test("mac: a disabled profile and a profile switched to unconfined mode let the daemon out", async () => {
  using disabled = debian({
    "sys/kernel/security/apparmor/profiles": "nvidia_modprobe (enforce)\n",
    "etc/apparmor.d/disable/usr.sbin.cupsd": { symlink: "../usr.sbin.cupsd" },
    "proc/20/attr/current": "unconfined\n",
  });
  const d = await runOne(mac, disabled.path);
  assert.deepEqual(summary(d.findings), ["medium mac.unconfined_daemon:/usr/sbin/cupsd"]);
  assert.match(d.findings[0].description, /disabled \(disable\/usr\.sbin\.cupsd\)/);
  using unconfinedMode = debian({
    "sys/kernel/security/apparmor/profiles": "/usr/sbin/cupsd (unconfined)\nnvidia_modprobe (enforce)\n",
    "proc/20/attr/current": "/usr/sbin/cupsd (unconfined)\n",
  });
  assert.deepEqual(summary((await runOne(mac, unconfinedMode.path)).findings), [
    "medium mac.unconfined_daemon:/usr/sbin/cupsd",
  ]);
  using shippedUnconfined = debian({
    "sys/kernel/security/apparmor/profiles": "/usr/sbin/cupsd (unconfined)\nnvidia_modprobe (enforce)\n",
    "etc/apparmor.d/usr.sbin.cupsd": CUPSD_PROFILE.replace("attach_disconnected", "unconfined"),
    "proc/20/attr/current": "/usr/sbin/cupsd (unconfined)\n",
  });
  assert.deepEqual(summary((await runOne(mac, shippedUnconfined.path)).findings), [], "shipped that way");
});

Deno.test("mac: AppArmor booted off with profiles installed is signal (medium; low in a container)", async () => {
  using t = debian({ "sys/module/apparmor/parameters/enabled": "N\n" });
  const r = await runOne(mac, t.path);
  assert.deepEqual(summary(r.findings), ["medium mac.apparmor.disabled"]);
  assert.match(r.findings[0].description, /apparmor=0/);
  assert.equal(r.findings[0].metadata.in_container, false);
  const h = await runOne(mac, t.path, { hardening: true });
  assert.deepEqual(summary(h.findings), ["low mac.none", "medium mac.apparmor.disabled"]);
  assert.match(h.findings.find((f) => f.id === "mac.none")!.description, /disabled \(enabled=N\)/);

  using c = debian({ "sys/module/apparmor/parameters/enabled": "N\n", "run/.containerenv": "" });
  const rc = await runOne(mac, c.path);
  assert.deepEqual(summary(rc.findings), ["low mac.apparmor.disabled"]);
  assert.equal(rc.findings[0].metadata.in_container, true);
  assert.match(rc.findings[0].description, /inside a container/);
});

Deno.test("mac: AppArmor enabled but every profile unloaded is high; without the parser it is only hardening", async () => {
  using t = debian({ "sys/kernel/security/apparmor/profiles": "" });
  const r = await runOne(mac, t.path);
  assert.deepEqual(summary(r.findings), ["high mac.apparmor.disabled"]);
  assert.match(r.findings[0].description, /unloaded/);
  using removed = debian({ "sys/kernel/security/apparmor/profiles": "" });
  Deno.removeSync(`${removed.path}/usr/sbin/apparmor_parser`);
  assert.deepEqual(summary((await runOne(mac, removed.path)).findings), []);
  assert.deepEqual(
    summary((await runOne(mac, removed.path, { hardening: true })).findings),
    ["low mac.none"],
  );
});

Deno.test("mac: unreadable AppArmor profile list is a warning, never a 'no MAC' finding", async () => {
  using t = makeTree({
    "sys/module/apparmor/parameters/enabled": "Y\n",
    "sys/kernel/security/lsm": LSM_STOCK,
  });
  const r = await runOne(mac, t.path, { hardening: true });
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.warnings.map((w) => w.code), ["mac_unreadable"]);
});

function rhel(enforce: string, config = RHEL_CONFIG, server = "system_u:system_r:unconfined_service_t:s0\0") {
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
      { pid: 20, exe: "/opt/app/bin/server", sockets: [2], label: server },
    ),
  });
}

Deno.test("mac: SELinux enforcing on RHEL: a third-party daemon without policy is only a hardening note", async () => {
  using t = rhel("1");
  const r = await runOne(mac, t.path);
  assert.deepEqual(summary(r.findings), []);
  assert.deepEqual(r.passed, [
    "mac.selinux.config_weaker",
    "mac.selinux.permissive",
    "mac.unconfined_daemon",
  ]);
  const h = await runOne(mac, t.path, { hardening: true });
  assert.deepEqual(summary(h.findings), ["info mac.daemon.no_profile:/opt/app/bin/server"]);
  using shell = rhel("1", RHEL_CONFIG, "unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023\0");
  const s = await runOne(mac, shell.path);
  assert.deepEqual(summary(s.findings), ["medium mac.unconfined_daemon:/opt/app/bin/server"]);
  assert.match(s.findings[0].description, /administrator's login/);
});

Deno.test("mac: SELinux permissive; switched at runtime against an enforcing config is high", async () => {
  using t = rhel("0");
  const r = await runOne(mac, t.path);
  assert.deepEqual(summary(r.findings), ["high mac.selinux.permissive"]);
  using p = rhel("0", "SELINUX=permissive\nSELINUXTYPE=targeted\n");
  const rp = await runOne(mac, p.path);
  assert.deepEqual(summary(rp.findings), ["medium mac.selinux.permissive"]);
  assert.equal(rp.findings[0].metadata.selinux_policy_type, "targeted");
  assert.deepEqual(
    summary((await runOne(mac, p.path, { hardening: true })).findings),
    ["low mac.none", "medium mac.selinux.permissive"],
  );
});

Deno.test("mac: SELinux config weaker than runtime; configured but inactive", async () => {
  using w = rhel("1", "SELINUX=disabled\n");
  assert.deepEqual(summary((await runOne(mac, w.path)).findings), ["medium mac.selinux.config_weaker"]);
  using off = makeTree({ "sys/module/.keep": "", "etc/selinux/config": RHEL_CONFIG });
  assert.deepEqual(summary((await runOne(mac, off.path)).findings), ["medium mac.selinux.disabled"]);
  assert.deepEqual(summary((await runOne(mac, off.path, { hardening: true })).findings), [
    "low mac.none",
    "medium mac.selinux.disabled",
  ]);
});

Deno.test("mac: committed fixture hosts (no LSM at all; Ubuntu-like AppArmor)", async () => {
  const none = await runOne(mac, fixtureRoot("mac-no-lsm"));
  assert.deepEqual(summary(none.findings), [], "a kernel without MAC is how the host was built");
  assert.deepEqual(summary((await runOne(mac, fixtureRoot("mac-no-lsm"), { hardening: true })).findings), [
    "low mac.none",
  ]);
  const ubuntu = await runOne(mac, fixtureRoot("mac-apparmor"));
  assert.deepEqual(
    summary(ubuntu.findings),
    [],
    "snap-confine's complain mode comes from snapd, not a file here",
  );
  assert.deepEqual(summary((await runOne(mac, fixtureRoot("mac-apparmor"), { hardening: true })).findings), [
    "low mac.apparmor.complain_shipped",
  ]);
});

Deno.test("apparmor profile files: top-level profiles, flags, nested profiles and comments", () => {
  assert.deepEqual(
    parseProfileHeaders([
      "# comment with {",
      "abi <abi/3.0>,",
      "include <tunables/global>",
      "@{exec_path} = /usr/bin/x",
      "profile foo /usr/bin/foo flags=(complain, attach_disconnected) {",
      "  /etc/** r,",
      "  profile child {",
      "  }",
      "  ^hat {",
      "  }",
      "}",
      '"/opt/my app/bin" (complain) {',
      "}",
      "/usr/sbin/cupsd {  # trailing comment",
      "}",
      "garbage {",
      "}",
    ].join("\n")),
    [
      { name: "foo", flags: ["complain", "attach_disconnected"] },
      { name: "/opt/my app/bin", flags: ["complain"] },
      { name: "/usr/sbin/cupsd", flags: [] },
    ],
  );
  assert.deepEqual(parseProfileHeaders(""), []);
  assert.deepEqual(parseProfileHeaders("}}}{{{\u0000"), []);
});

Deno.test("mac: a root without /sys is skipped; the live host runs cleanly", async () => {
  using t = makeTree({ "etc/hostname": "x\n" });
  const r = await runOne(mac, t.path);
  assert.equal(r.status, "skipped");
  for (const hardening of [false, true]) assert.equal((await runOne(mac, "/", { hardening })).status, "ok");
});
