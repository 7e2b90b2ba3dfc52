/**
 * The Ansible fan-out (deploy/ansible/sys-scan.yml) run for real with Debian's ansible-core: against localhost
 * (connection local) and a second host reached over ssh — an sshd started per connection (`sshd -i`, through a
 * ProxyCommand) inside its own UTS and network namespaces, so it has its own host name and network. No compiled
 * executable exists here, so binary mode copies a small launcher for `deno run`; deno mode runs the checkout.
 */
import assert from "node:assert/strict";
import Ajv2020Module from "ajv/dist/2020.js";
import AjvModule from "ajv";
import { run } from "../../src/cli/run.ts";
import { fleet } from "./helpers.ts";
import { repoPath } from "../helpers.ts";
import { needs, UPSTREAM_DATA } from "../host_caps.ts";

const REPO = repoPath("");
const PLAYBOOK = `${REPO}deploy/ansible/sys-scan.yml`;
const UPSTREAM_FLEET = `${UPSTREAM_DATA}/fleet_report.schema.json`;

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

type Validator = ((d: unknown) => boolean) & { errors?: unknown };
type AjvCtor = new (o: Record<string, unknown>) => { compile(s: unknown): Validator };
const ctor = (m: unknown) => ((m as { default?: AjvCtor }).default ?? m) as AjvCtor;
const validateReport = new (ctor(Ajv2020Module))({ strict: false, allErrors: true })
  .compile(JSON.parse(Deno.readTextFileSync(`${REPO}schema/report.schema.json`)));

async function sh(cmd: string, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}) {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", ...opts }).output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout) + d.decode(o.stderr) };
}

/** Runs the playbook with an inventory (JSON) and extra vars; returns the exit code and the output. */
async function playbook(dir: string, inventory: unknown, vars: Record<string, unknown>) {
  Deno.writeTextFileSync(`${dir}/inventory.json`, JSON.stringify(inventory));
  Deno.writeTextFileSync(`${dir}/vars.json`, JSON.stringify(vars));
  return await sh("ansible-playbook", ["-i", `${dir}/inventory.json`, PLAYBOOK, "-e", `@${dir}/vars.json`], {
    cwd: dir,
    env: {
      ANSIBLE_CONFIG: `${REPO}deploy/ansible/ansible.cfg`,
      ANSIBLE_NOCOLOR: "1",
      ANSIBLE_LOCALHOST_WARNING: "false",
      ANSIBLE_PYTHON_INTERPRETER: "/usr/bin/python3",
    },
  });
}

/**
 * A stand-in for the compiled executable: runs this checkout with `deno run` (no denort here to compile). It
 * notes in `dir/runs.log` when it starts and, after holding on for `hold` seconds, when it hands over to the
 * scan, so the test can see the hosts' runs overlap (the same file system serves both hosts here).
 */
function launcher(dir: string, hold = 0): string {
  const path = `${dir}/sys-scan-launcher`;
  Deno.writeTextFileSync(
    path,
    [
      "#!/bin/sh",
      `echo "start $(hostname) $(date +%s.%N)" >> '${dir}/runs.log'`,
      `sleep ${hold}`,
      `echo "scan $(hostname) $(date +%s.%N)" >> '${dir}/runs.log'`,
      `exec '${Deno.execPath()}' run --allow-all --cached-only '${REPO}main.ts' "$@"`,
      "",
    ].join("\n"),
  );
  Deno.chmodSync(path, 0o755);
  return path;
}

const localhost = (remoteTmp: string) => ({
  ansible_connection: "local",
  sys_scan_remote_tmp: remoteTmp,
});

/** A second host: its own host name and network namespace, reached by ssh through `sshd -i`. */
async function secondHost(
  dir: string,
): Promise<{ vars: Record<string, unknown>; stop: () => Promise<void> }> {
  for (const k of ["host", "client"]) {
    assert.equal(
      (await sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", `${dir}/${k}_key`])).code,
      0,
    );
  }
  Deno.copyFileSync(`${dir}/client_key.pub`, `${dir}/authorized_keys`);
  Deno.writeTextFileSync(
    `${dir}/known_hosts`,
    `fleet-h2 ${Deno.readTextFileSync(`${dir}/host_key.pub`).split(" ").slice(0, 2).join(" ")}\n`,
  );
  Deno.writeTextFileSync(
    `${dir}/sshd_config`,
    [
      `HostKey ${dir}/host_key`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "PidFile none",
      "Subsystem sftp internal-sftp",
      "LogLevel ERROR",
      "",
    ].join("\n"),
  );
  Deno.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 }); // sshd's privilege-separation directory
  const holder = new Deno.Command("unshare", {
    args: ["--uts", "--net", "sh", "-c", "hostname fleet-h2 && exec sleep 3600"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let i = 0; i < 50; i++) {
    const uts = await sh("nsenter", ["--target", String(holder.pid), "--uts", "hostname"]);
    if (uts.out.trim() === "fleet-h2") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const proxy = `nsenter --target ${holder.pid} --uts --net /usr/sbin/sshd -i -f ${dir}/sshd_config`;
  return {
    vars: {
      ansible_connection: "ssh",
      ansible_host: "fleet-h2",
      ansible_user: "root",
      ansible_ssh_private_key_file: `${dir}/client_key`,
      ansible_ssh_common_args:
        `-o "ProxyCommand=${proxy}" -o UserKnownHostsFile=${dir}/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes`,
    },
    stop: async () => {
      try {
        holder.kill("SIGKILL");
      } catch {
        // already gone
      }
      await holder.status;
    },
  };
}

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      if (e.isDirectory) walk(`${d}/${e.name}`);
      else out.push(`${d}/${e.name}`.slice(dir.length + 1));
    }
  };
  walk(dir);
  return out.sort();
}

Deno.test(needs(["ansible", "root", "sshHost"], {
  name:
    "Ansible: localhost and a second host over ssh in parallel; exit 1 is a result; signed reports arrive and validate; nothing is left behind",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "sys-scan-ansible-" });
    const h2 = await secondHost(dir);
    try {
      assert.equal(await run(["keygen", "--out", `${dir}/fleet`]), 0);
      for (const h of ["local", "h2"]) Deno.mkdirSync(`${dir}/remote-${h}`);
      const inventory = {
        all: {
          hosts: {
            localhost: localhost(`${dir}/remote-local`),
            "fleet-h2": { ...h2.vars, sys_scan_remote_tmp: `${dir}/remote-h2` },
          },
        },
      };
      const r = await playbook(dir, inventory, {
        sys_scan_mode: "binary",
        sys_scan_executable: launcher(dir, 5),
        sys_scan_flags: ["--fast-scan", "--fail-on-count", "1"],
        sys_scan_sign_key: `${dir}/fleet.key`,
        sys_scan_collect_dir: `${dir}/reports`,
      });
      assert.equal(r.code, 0, r.out.slice(-4000));
      assert.match(r.out, /localhost: exit 1 \(a --fail-on threshold was met\)/);
      assert.match(r.out, /fleet-h2: exit 1 \(a --fail-on threshold was met\)/);

      const got = files(`${dir}/reports`);
      assert.equal(got.length, 4, got.join("\n"));
      assert.ok(
        got.every((f) => /^(localhost|fleet-h2)\/\1-\d{8}T\d{6}Z\.json(\.sig)?$/.test(f)),
        got.join("\n"),
      );
      const reports = got.filter((f) => f.endsWith(".json")).map((f) =>
        JSON.parse(Deno.readTextFileSync(`${dir}/reports/${f}`))
      );
      for (const rep of reports) {
        assert.ok(validateReport(rep), JSON.stringify(validateReport.errors).slice(0, 1000));
      }
      const h2Report = reports.find((x) => x.meta.hostname === "fleet-h2");
      assert.ok(h2Report, "the second host's report names it: it ran in the other namespace");
      assert.ok(
        h2Report.meta.cmdline.includes(`--output ${dir}/remote-h2/sys-scan.`),
        "in its own work directory",
      );
      for (const rep of reports) {
        const ran = rep.results.filter((x: { status: string }) => x.status === "ok").map((
          x: { scanner: string },
        ) => x.scanner);
        assert.ok(ran.includes("kernel_params") && ran.includes("ioc"), `a full live scan: ${ran}`);
      }
      // Each launcher holds on for 5 s after it starts: run one after the other, the second would start only
      // after the first had handed over to its scan.
      const log = Deno.readTextFileSync(`${dir}/runs.log`).trim().split("\n").map((l) => l.split(" "));
      const at = (what: string, host: string) => Number(log.find(([w, h]) => w === what && h === host)?.[2]);
      const local = Deno.hostname();
      assert.ok(
        at("start", "fleet-h2") < at("scan", local) && at("start", local) < at("scan", "fleet-h2"),
        `both hosts were running at once (forks): ${JSON.stringify(log)}`,
      );

      assert.deepEqual(files(`${dir}/remote-local`), [], "nothing left on localhost");
      assert.deepEqual(files(`${dir}/remote-h2`), [], "nothing left on the second host");
      assert.deepEqual([...Deno.readDirSync(`${dir}/remote-h2`)], [], "not even the work directory");

      const f = await fleet([
        "--dir",
        `${dir}/reports`,
        "--db",
        `${dir}/fleet.db`,
        "--host-from",
        "dir",
        "--pub",
        `${dir}/fleet.pub`,
      ], new Date());
      assert.equal(f.code, 0, f.warnings.join("\n"));
      assert.deepEqual(f.report!.hosts.map((h) => h.host).sort(), ["fleet-h2", "localhost"]);
      assert.ok(f.report!.hosts.every((h) => h.signer?.startsWith("sha256:")), "both signatures verified");
      if (exists(UPSTREAM_FLEET)) {
        const v = new (ctor(AjvModule))({ strict: false }).compile(
          JSON.parse(Deno.readTextFileSync(UPSTREAM_FLEET)),
        );
        assert.ok(v(f.report), JSON.stringify(v.errors));
      } else {console.log(
          `not checked against the upstream fleet schema: ${UPSTREAM_FLEET} is absent`,
        );}
    } finally {
      await h2.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

Deno.test(needs(["ansible"], {
  name:
    "Ansible: deno mode runs an installed checkout and collects NDJSON; a failing scan still removes the executable",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "sys-scan-ansible-" });
    try {
      Deno.mkdirSync(`${dir}/remote`);
      const inventory = { all: { hosts: { localhost: localhost(`${dir}/remote`) } } };
      const deno = await playbook(dir, inventory, {
        sys_scan_mode: "deno",
        sys_scan_deno: Deno.execPath(),
        sys_scan_entry: `${REPO}main.ts`,
        sys_scan_flags: ["--enable", "kernel_params,mounts", "--hardening"],
        sys_scan_format: "ndjson",
        sys_scan_collect_dir: `${dir}/reports`,
      });
      assert.equal(deno.code, 0, deno.out.slice(-4000));
      assert.match(deno.out, /localhost: exit 0 \(no threshold met\)/);
      const [ndjson] = files(`${dir}/reports`);
      assert.match(ndjson, /^localhost\/localhost-\d{8}T\d{6}Z\.ndjson$/);
      const types = Deno.readTextFileSync(`${dir}/reports/${ndjson}`).trim().split("\n").map((l) =>
        JSON.parse(l).type
      );
      assert.equal(types[0], "meta");
      assert.equal(types.at(-1), "summary");
      assert.deepEqual(files(`${dir}/remote`), []);

      const failing = await playbook(dir, inventory, {
        sys_scan_mode: "binary",
        sys_scan_executable: launcher(dir),
        sys_scan_flags: ["--no-such-flag"],
        sys_scan_collect_dir: `${dir}/reports-failing`,
      });
      assert.equal(failing.code, 2, "the play fails for that host (exit 2 is the tool's usage error)");
      assert.match(failing.out, /unknown flag|no-such-flag/i);
      assert.match(failing.out, /Remove the work directory[^\n]*\n(changed|ok): \[localhost\]/);
      assert.deepEqual(
        [...Deno.readDirSync(`${dir}/remote`)],
        [],
        "the executable was removed after the failure",
      );
      assert.ok(!exists(`${dir}/reports-failing`), "nothing was collected");

      const bad = await playbook(dir, inventory, { sys_scan_mode: "docker" });
      assert.notEqual(bad.code, 0);
      assert.match(bad.out, /sys_scan_mode must be binary or deno/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}));
