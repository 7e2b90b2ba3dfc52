/**
 * The monitoring agents' configuration parsers (sources/monitoring_parse.ts), checked against the grammar of the
 * programs' own readers: Net-SNMP's read_config.c (tokens without regard to case, `[type]` context switches,
 * quoted words, a `#` word ending the line) and the extend, pass and dlmod handlers; the Zabbix agents' `Key=value`
 * files and their AllowKey/DenyKey evaluation of `system.run`; nrpe.c's read_config_file and process_macros.
 * Malformed and hostile input never throws, and the time grows linearly with the size.
 */
import assert from "node:assert/strict";
import {
  atoi,
  type KeyRule,
  nrpeArgMacros,
  nrpeCommandName,
  parseNrpeConf,
  parseSnmpConf,
  parseZabbixConf,
  snmpHook,
  systemRunAccess,
  zabbixKeyParams,
  zabbixPositionals,
  zabbixUserParameter,
} from "../../src/scanners/persistence/sources/monitoring_parse.ts";

const SNMPD = ["snmpd", "snmp"];
/** The hooks snmpd would register from `text` read as snmpd.conf. */
const snmpdHooks = (text: string, context = "snmpd") =>
  parseSnmpConf(text, context, SNMPD).map((l) => snmpHook("snmpd", l)).filter((h) => h !== undefined);

Deno.test("snmpd.conf: extend, exec, sh, fix commands, pass, dlmod, perl and agentuser, as the handlers read them", () => {
  assert.deepEqual(
    snmpdHooks([
      "# extend commented /bin/x",
      "  EXTEND health /bin/bash -c 'id'",
      "extend -cacheTime 10 -execType sh .1.3.6.1.4.1.2021.50 disk /usr/bin/df -h",
      'extend-sh "my check" "/opt/check tool" --fast',
      "exec 1.3.6.1.4.1.2021.51 legacy /usr/local/bin/legacy arg",
      "sh shellcheck /usr/local/bin/s.sh a b",
      "extendfix fixer /usr/local/bin/fix",
      "proc sshd",
      "procfix sshd /usr/sbin/service ssh restart",
      "pass -p 10 .1.3.6.1.4.1.8072.2.255 /usr/local/bin/pass.pl # trailing comment",
      "pass_persist .1.3.6.1.4.1.8072.2.256 /usr/local/bin/persist;echo no",
      "dlmod example /usr/local/lib/example.so # comment",
      "dlmod relative",
      "perl system('id');",
      "perlInitFile /usr/share/snmp/snmp_perl.pl",
      "agentuser #0", // `#` starts a comment where a word starts: "blank line following agentuser"
      "agentuser Debian-snmp",
      "extend onlyname",
      "extend #comment after the token",
      "pass notanoid /x",
      "rocommunity public default",
    ].join("\n")),
    [
      { type: "command", name: "health", command: "/bin/bash -c 'id'" },
      { type: "command", name: "disk", command: "/usr/bin/df -h" },
      { type: "command", name: "my check", command: "'/opt/check tool' --fast" },
      { type: "command", name: "legacy", command: "/usr/local/bin/legacy arg" },
      { type: "command", name: "shellcheck", command: "/usr/local/bin/s.sh a b" },
      { type: "command", name: "fixer", command: "/usr/local/bin/fix" },
      { type: "command", name: "sshd", command: "/usr/sbin/service ssh restart" },
      { type: "command", name: "1.3.6.1.4.1.8072.2.255", command: "/usr/local/bin/pass.pl" },
      { type: "command", name: "1.3.6.1.4.1.8072.2.256", command: "/usr/local/bin/persist" },
      { type: "module", name: "example", path: "/usr/local/lib/example.so" },
      { type: "module", name: "relative", path: "relative" },
      { type: "perl", code: "system('id');" },
      { type: "perl_file", path: "/usr/share/snmp/snmp_perl.pl" },
      { type: "user", user: "Debian-snmp" },
    ],
  );
});

Deno.test("snmpd.conf: [type] context switches, per line or for the rest of the file; includes keep the context", () => {
  const lines = parseSnmpConf(
    [
      "[snmp] extend a /bin/a", // a snmp.conf token: not snmpd's
      "[snmpd] extend b /bin/b",
      "[nosuchtype]", // no handlers: an error, the context stays
      "extend c /bin/c",
      "[snmp]",
      "extend d /bin/d",
      "includeFile other.conf",
      "[snmpd] includeDir /etc/x", // an unknown token behind a prefix
      "[snmpd]",
      "includeDir /etc/snmp/snmpd.conf.d",
      "include ambiguous",
    ].join("\n"),
    "snmpd",
    SNMPD,
  );
  assert.deepEqual(
    lines.map((l) => `${l.line} ${l.context} ${l.token}`),
    [
      "1 snmp extend",
      "2 snmpd extend",
      "4 snmpd extend",
      "6 snmp extend",
      "7 snmp includefile",
      "10 snmpd includedir",
      "11 snmpd include",
    ],
  );
  assert.deepEqual(
    lines.map((l) => snmpHook("snmpd", l)).filter((h) => h?.type === "command").map((h) =>
      h && "command" in h && h.command
    ),
    ["/bin/b", "/bin/c"],
  );
  // snmp.conf, which snmpd also reads: only [snmpd] lines are snmpd's.
  assert.deepEqual(snmpdHooks("extend x /bin/x\n[snmpd] extend y /bin/y\n", "snmp"), [
    { type: "command", name: "y", command: "/bin/y" },
  ]);
});

Deno.test("snmptrapd.conf: traphandle programs (with -F formats), perl; snmpd's tokens are not snmptrapd's", () => {
  const hooks = parseSnmpConf(
    [
      "traphandle default /usr/local/bin/trap.sh",
      'traphandle -F "%v" .1.3.6.1.6.3.1.1.5.* /usr/bin/logger -t trap',
      "TRAPHANDLE IF-MIB::linkDown /x y",
      "traphandle -F",
      "extend x /bin/x",
    ].join("\n"),
    "snmptrapd",
    ["snmptrapd", "snmp"],
  ).map((l) => snmpHook("snmptrapd", l));
  assert.deepEqual(hooks, [
    { type: "command", name: "default", command: "/usr/local/bin/trap.sh" },
    { type: "command", name: ".1.3.6.1.6.3.1.1.5.*", command: "/usr/bin/logger -t trap" },
    { type: "command", name: "IF-MIB::linkDown", command: "/x y" },
    undefined,
    undefined,
  ]);
});

Deno.test("Zabbix: Key=value lines, UserParameter keys and commands, positional parameters", () => {
  assert.deepEqual(
    parseZabbixConf(
      "# UserParameter=x,y\n\n  UserParameter = a[*], echo $1 \r\nno equals\n=novalue\nInclude=/x/*.conf\n",
    ),
    [
      { line: 3, key: "UserParameter", value: "a[*], echo $1" },
      { line: 6, key: "Include", value: "/x/*.conf" },
    ],
  );
  assert.deepEqual(zabbixUserParameter("a[*], echo $1"), { key: "a[*]", command: "echo $1", flexible: true });
  assert.deepEqual(zabbixUserParameter("mysql.ping,mysqladmin -uroot ping | grep -c alive"), {
    key: "mysql.ping",
    command: "mysqladmin -uroot ping | grep -c alive",
    flexible: false,
  });
  assert.equal(zabbixUserParameter("nocomma"), undefined);
  assert.equal(zabbixUserParameter("key,"), undefined);
  assert.deepEqual(zabbixPositionals("x $2 $1 $1 $0 $$"), [1, 2]);
  assert.deepEqual(zabbixKeyParams('"/bin/x \\"a,b\\"", nowait,[1,[2]],'), [
    '/bin/x "a,b"',
    "nowait",
    "[1,[2]]",
    "",
  ]);
});

Deno.test("Zabbix: AllowKey/DenyKey rules evaluated for a system.run command of the server's choosing", () => {
  let n = 0;
  const rules = (...lines: string[]): KeyRule[] =>
    lines.map((l) => ({ line: ++n, allow: l.startsWith("Allow"), pattern: l.slice(l.indexOf("=") + 1) }));
  const open = (...lines: string[]) => systemRunAccess(rules(...lines)).open?.pattern;
  assert.equal(open("AllowKey=system.run[*]"), "system.run[*]");
  assert.equal(open("AllowKey=system.run[*,nowait]"), "system.run[*,nowait]");
  assert.equal(open("AllowKey=*"), "*", "a match-all allow");
  assert.equal(open("AllowKey=system.*[*]"), "system.*[*]");
  assert.equal(
    open("AllowKey=system.run[/usr/bin/uptime *]"),
    "system.run[/usr/bin/uptime *]",
    "`*` reaches `; id`",
  );
  assert.equal(
    open("DenyKey=system.run[rm *]", "AllowKey=system.run[**]"),
    "system.run[**]",
    "a partial deny",
  );
  assert.equal(open("DenyKey=system.run[*]", "AllowKey=system.run[*]"), undefined, "a deny of all first");
  assert.equal(
    open("DenyKey=*", "AllowKey=system.run[*]"),
    undefined,
    "nothing after a match-all rule counts",
  );
  assert.equal(open("AllowKey=system.run"), undefined, "no brackets: the key without parameters only");
  assert.equal(open("AllowKey=system.run[]"), undefined);
  assert.equal(open("AllowKey=vfs.file.*[*]", "DenyKey=vfs.*"), undefined);
  assert.equal(open("AllowKey=system.run[*"), undefined, "a malformed rule");
  const fixed = systemRunAccess(
    rules("AllowKey=system.run[/usr/bin/uptime]", 'AllowKey=system.run["/bin/df -h",wait]'),
  );
  assert.deepEqual(fixed.fixed.map((f) => f.command), ["/usr/bin/uptime", "/bin/df -h"]);
  assert.equal(fixed.open, undefined);
});

Deno.test("nrpe.cfg: name=value as nrpe splits it, command names, where nrpe stops reading, $ARGn$ macros", () => {
  const r = parseNrpeConf(
    [
      "# command[x]=/commented",
      "dont_blame_nrpe = 1",
      "  dont_blame_nrpe=1 ",
      "command[check_a] = /usr/lib/nagios/plugins/check_a -w $ARG1$",
      "==command[b]=/x=y",
      "mycommand[c]=/c",
      "command_prefix=/usr/bin/sudo",
      "value_less=",
      "command[after]=/never/read",
    ].join("\n"),
  );
  assert.equal(r.stopped, 8);
  assert.deepEqual(r.lines.map((l) => [l.line, l.name, l.value]), [
    [2, "dont_blame_nrpe ", " 1"],
    [3, "dont_blame_nrpe", "1"],
    [4, "command[check_a] ", " /usr/lib/nagios/plugins/check_a -w $ARG1$"],
    [5, "command[b]", "/x=y"],
    [6, "mycommand[c]", "/c"],
    [7, "command_prefix", "/usr/bin/sudo"],
  ]);
  assert.deepEqual(r.lines.map((l) => nrpeCommandName(l.name)), [
    undefined,
    undefined,
    "check_a",
    "b",
    "c",
    undefined,
  ]);
  assert.equal(nrpeCommandName("command[]]x]"), "x");
  assert.equal(nrpeCommandName("command["), "");
  assert.equal(parseNrpeConf("command[=/x\nallowed_hosts=1\n").stopped, 1);
  assert.deepEqual(nrpeArgMacros("/x -H $HOSTADDRESS$ -w $ARG1$ -c $ARG02$ $ARG17$ $$ARG3$"), [1, 2]);
  assert.deepEqual(nrpeArgMacros("/x $$ARG5$"), [], "$$ is an escaped $: ARG5 is then literal text");
  assert.deepEqual([atoi(" 1"), atoi("1x"), atoi("01"), atoi("yes"), atoi("-1")], [1, 1, 1, 0, -1]);
});

/** Hostile inputs for every parser. */
const HOSTILE = [
  "",
  "\0\uFFFD".repeat(1000),
  "[",
  "[]\n[snmpd",
  'extend "unclosed',
  "extend -cacheTime",
  "extend -execType sh",
  "pass -p",
  "pass -x 1 /x",
  "dlmod",
  "traphandle -F x",
  "UserParameter=,",
  "AllowKey=system.run[",
  "AllowKey=[x]",
  "=\n==\n===x",
  "command[\ncommand[]]]=x",
  "$ARG".repeat(1000),
];

Deno.test("monitoring parsers: malformed and hostile input never throws", () => {
  for (const text of HOSTILE) {
    for (const l of parseSnmpConf(text, "snmpd", SNMPD)) snmpHook("snmpd", l);
    for (const l of parseSnmpConf(text, "snmptrapd", ["snmptrapd"])) snmpHook("snmptrapd", l);
    const z = parseZabbixConf(text);
    for (const l of z) zabbixUserParameter(l.value);
    systemRunAccess(z.map((l, i) => ({ line: i, allow: true, pattern: l.value })));
    systemRunAccess([{ line: 1, allow: true, pattern: text }]);
    zabbixKeyParams(text);
    for (const l of parseNrpeConf(text).lines) nrpeCommandName(l.name);
    nrpeArgMacros(text);
  }
});

Deno.test("monitoring parsers take linear time on 1 MiB of hostile input", () => {
  const at = (n: number) => (s: string) => s.repeat(Math.max(1, Math.floor(n / s.length)));
  const run = (text: string) => {
    let n = 0;
    for (const l of parseSnmpConf(text, "snmpd", SNMPD)) if (snmpHook("snmpd", l)) n++;
    for (const l of parseSnmpConf(text, "snmptrapd", ["snmptrapd"])) if (snmpHook("snmptrapd", l)) n++;
    const z = parseZabbixConf(text);
    for (const l of z) if (zabbixUserParameter(l.value)) n++;
    n += systemRunAccess(z.map((l, i) => ({ line: i, allow: true, pattern: l.value }))).fixed.length;
    n += zabbixKeyParams(text).length;
    for (const l of parseNrpeConf(text).lines) if (nrpeCommandName(l.name)) n++;
    return n + nrpeArgMacros(text).length;
  };
  const cases: [string, (fill: (s: string) => string) => string][] = [
    ["escapes", (f) => `extend x ${f("\\a")}`],
    ["quoted escapes", (f) => `extend "${f('\\"')}`],
    ["blanks", (f) => `extend${f(" \t")}x`],
    ["blank lines", (f) => f("\n")],
    ["contexts", (f) => f("[snmp]\n[snmpd] extend a /b\n")],
    ["pass options", (f) => `pass ${f("-p 1 ")}.1 /x`],
    ["oids", (f) => `pass ${f(".1")} /x`],
    ["dlmod blanks", (f) => `dlmod ${f(" \t")}x`],
    ["key arrays", (f) => `AllowKey=system.run[${f("[")}`],
    ["key quotes", (f) => `AllowKey=system.run["${f('\\"')}`],
    ["key stars", (f) => `AllowKey=${f("*a")}[*]`],
    ["rules", (f) => f("AllowKey=system.run[/x]\n")],
    ["nrpe equals", (f) => f("=")],
    ["nrpe brackets", (f) => `command${f("[")}=x`],
    ["nrpe macros", (f) => `command[x]=${f("$ARG1")}`],
    ["user parameters", (f) => f("UserParameter=a[*],echo $1\n")],
  ];
  for (const [, build] of cases) run(build(at(32 << 10))); // compiled before anything is timed
  const time = (text: string) => {
    const t0 = performance.now();
    run(text);
    return performance.now() - t0;
  };
  for (const [what, build] of cases) {
    // Best of 3 each, the sizes taken in turn, so a busy moment of the machine slows both alike.
    const [quarter, whole] = [build(at(1 << 18)), build(at(1 << 20))];
    let small = Infinity, large = Infinity;
    for (let i = 0; i < 3; i++) {
      small = Math.min(small, time(quarter));
      large = Math.min(large, time(whole));
    }
    assert.ok(large < 10_000, `${what}: ${large.toFixed(0)} ms at 1 MiB`);
    // Four times the input: about four times as long when linear, sixteen when quadratic.
    assert.ok(
      large < 8 * Math.max(small, 25),
      `${what}: ${small.toFixed(0)} ms at 256 KiB, ${large.toFixed(0)} ms at 1 MiB`,
    );
  }
});
