/**
 * The parsers of the internet super-servers' configuration (sources/inetd_parse.ts, xinetd_parse.ts), read as
 * the daemons read them: inetd.conf as openbsd-inetd (continuation lines, MAXARGV) and inetutils (each line
 * alone) do, xinetd's blocks with their quirks (the first value wins, a rejected value disables the service, a
 * stray line swallows up to the next `}`). Malformed input never throws, and the time grows linearly with the
 * size. What the family makes of them on a root is tests/scanners/persistence_inetd_test.ts.
 */
import assert from "node:assert/strict";
import { assertLinear } from "../linear.ts";
import {
  inetCommand,
  type InetService,
  parseInetdConf,
} from "../../src/scanners/persistence/sources/inetd_parse.ts";
import {
  applyXinetdDefaults,
  parseXinetdConf,
  xinetdConfigOption,
  xinetdSkips,
} from "../../src/scanners/persistence/sources/xinetd_parse.ts";

/** "line name server argv off" of each service: what most parser tests compare. */
const brief = (services: InetService[]) =>
  services.map((s) =>
    `${s.line} ${s.name} ${s.internal ? "internal" : s.server ?? "-"} [${s.argv.join(" ")}]${
      s.off ? ` off: ${s.off}` : ""
    }`
  );

// ---------------------------------------------------------------------------------------------------------
// inetd.conf

Deno.test("inetd.conf: fields, address prefixes, user.group, wait.max, internal services and update-inetd's #<off>#", () => {
  const conf = parseInetdConf(
    [
      "# <service_name> <sock_type> <proto> <flags> <user> <server_path> <args>",
      "#echo\t\tstream\ttcp\tnowait\troot\tinternal",
      "discard\t\tstream\ttcp\tnowait\troot\tinternal",
      "127.0.0.1:chargen stream tcp,rcvbuf=64k nowait.400 root internal",
      "[::1]:time stream tcp6 nowait root internal",
      "talk\t\tdgram\tudp\twait\tnobody.tty\t/usr/sbin/in.talkd\tin.talkd",
      "#<off># telnet\tstream\ttcp\tnowait\troot\t/usr/sbin/tcpd\t/usr/sbin/telnetd",
      "ftp stream tcp nowait ftp:ftp /usr/sbin/in.ftpd",
      "10.0.0.1:",
      "10.0.0.2: finger stream tcp nowait nobody /usr/sbin/tcpd in.fingerd -w",
      "tftp dgram udp wait",
      "x stream-ish tcp nowait root /bin/x",
    ].join("\n") + "\n",
  );
  assert.deepEqual(brief(conf.services), [
    "3 discard internal []",
    "4 chargen internal []",
    "5 time internal []",
    "6 talk /usr/sbin/in.talkd [in.talkd]",
    "7 telnet /usr/sbin/tcpd [/usr/sbin/telnetd] off: disabled by update-inetd",
    "8 ftp /usr/sbin/in.ftpd [in.ftpd]",
    "10 finger /usr/sbin/tcpd [in.fingerd -w]",
    "12 x /bin/x [x] off: unknown socket type stream-ish",
  ]);
  const [, chargen, time, talk, , ftp, finger] = conf.services;
  assert.equal(chargen.address, "127.0.0.1");
  assert.equal(chargen.wait, "nowait");
  assert.equal(chargen.protocol, "tcp,rcvbuf=64k");
  assert.equal(time.address, "::1");
  assert.deepEqual([talk.user, talk.group], ["nobody", "tty"]);
  assert.deepEqual([ftp.user, ftp.group], ["ftp", "ftp"]);
  assert.equal(finger.address, "10.0.0.2");
  assert.equal(conf.bad, 1, "tftp has too few fields; the `10.0.0.1:` line only sets an address");
});

Deno.test("inetd.conf: an entry continued on blank-led lines (openbsd-inetd), and each such line alone (inetutils)", () => {
  const conf = parseInetdConf([
    "31337 stream tcp nowait root",
    "\t/bin/sh sh -i",
    "echo stream tcp nowait root internal",
    " 4444 stream tcp nowait root /bin/bash bash",
    "",
    "# a comment ends nothing: the blank-led line below starts an entry",
    "  5555 stream tcp nowait root /usr/bin/python3 python3",
    "  # xinetd's compatibility reader takes this for a comment; openbsd-inetd for two more arguments",
    "",
    " #6666 stream tcp nowait root /bin/sh sh -i",
    " 7777 stream tcp nowait root /bin/dash dash",
  ].join("\r\n"));
  assert.deepEqual(brief(conf.services), [
    "1 31337 /bin/sh [sh -i]",
    "3 echo internal []",
    "4 4444 /bin/bash [bash]",
    "7 5555 /usr/bin/python3 [python3 # xinetd's compatibility reader takes this for a comment; " +
    "openbsd-inetd for two more arguments]",
    "11 7777 /bin/dash [dash]",
  ]);
  assert.equal(conf.bad, 0);
  // openbsd-inetd passes 20 arguments at most (MAXARGV) and drops the words after them.
  const long = parseInetdConf(`s stream tcp nowait root /bin/x x\n${" a\n".repeat(40)}`).services[0];
  assert.equal(long.argv.length, 20);
});

Deno.test("inetCommand: the program and its arguments after argv[0], tcpd looked through, env assignments first", () => {
  const inetd = (line: string) => parseInetdConf(line).services[0];
  assert.deepEqual(inetCommand(inetd("s stream tcp nowait root /bin/sh sh -i")), {
    text: "/bin/sh -i",
    program: "/bin/sh",
  });
  assert.deepEqual(inetCommand(inetd("telnet stream tcp nowait root /usr/sbin/tcpd in.telnetd -h")), {
    text: "/usr/sbin/in.telnetd -h",
    program: "/usr/sbin/in.telnetd",
    wrapper: "/usr/sbin/tcpd",
  });
  assert.equal(
    inetCommand(inetd("s stream tcp nowait root /usr/sbin/tcpd /bin/bash -i"))?.text,
    "/bin/bash -i",
  );
  assert.equal(inetCommand(inetd("echo stream tcp nowait root internal")), undefined);
  const x = parseXinetdConf(
    "service s\n{\nserver = /usr/sbin/in.ftpd\nserver_args = -l\nenv = LD_PRELOAD=/tmp/.l.so X=1\nenv += 9=no\n}\n",
  ).services[0];
  assert.equal(inetCommand(x)?.text, "LD_PRELOAD=/tmp/.l.so X=1 /usr/sbin/in.ftpd -l");
});

// ---------------------------------------------------------------------------------------------------------
// xinetd

Deno.test("xinetd: service blocks, first value wins, NAMEINARGS and tcpd, INTERNAL, SENSOR, redirect, includes", () => {
  const conf = parseXinetdConf([
    "# comment",
    "defaults",
    "{",
    "\tdisabled = echo-stream",
    "\tdisabled += time",
    "}",
    "includedir /etc/xinetd.d",
    "include /etc/xinetd.extra",
    "service shell",
    "{",
    "\tsocket_type = stream",
    "\twait = no",
    "\tuser = root",
    "\tserver = /bin/bash",
    "\tserver = /usr/sbin/in.rshd",
    "\tserver_args = -i",
    "   # a comment inside the block",
    "}",
    "service ftp",
    "{",
    "\tflags = REUSE NAMEINARGS",
    "\tserver = /usr/sbin/tcpd",
    "\tserver_args = /usr/sbin/in.ftpd -l -a",
    "\tuser += root",
    "\tuser = ftp",
    "}",
    "service echo",
    "{",
    "\ttype = INTERNAL",
    "\tid = echo-stream",
    "\tserver = /bin/sh",
    "}",
    "service ftp-sensor",
    "{",
    "\tflags = SENSOR",
    "\tserver = /bin/sh",
    "}",
    "service web",
    "{",
    "\tredirect = 10.0.0.5 80",
    "}",
  ].join("\n"));
  assert.deepEqual(brief(conf.services), [
    "9 shell /bin/bash [bash -i]",
    "19 ftp /usr/sbin/tcpd [/usr/sbin/in.ftpd -l -a]",
    "27 echo internal []",
    "33 ftp-sensor internal []",
    "38 web - []",
  ]);
  assert.equal(conf.services[1].user, "ftp", "`+=` is not for user: the `=` below it counts");
  assert.equal(conf.services[2].id, "echo-stream");
  assert.equal(conf.services[4].redirect, "10.0.0.5 80");
  assert.deepEqual(conf.includes, [
    { line: 7, path: "/etc/xinetd.d", dir: true },
    { line: 8, path: "/etc/xinetd.extra", dir: false },
  ]);
  assert.deepEqual(conf.disabled, ["echo-stream", "time"]);
  assert.equal(conf.enabled, undefined);
  assert.equal(conf.bad, 0);
  assert.equal(inetCommand(conf.services[1])?.text, "/usr/sbin/in.ftpd -l -a");
});

Deno.test("xinetd: what it drops — disable = yes, a line it cannot parse, a bad flag — and what it ignores", () => {
  const conf = parseXinetdConf([
    "service a", // 1
    "{",
    "\tdisable = yes",
    "\tserver = /bin/sh",
    "}",
    "service b", // 6
    "{",
    "\tserver=/bin/sh", // no blank before the operator: xinetd drops the service
    "}",
    "service c", // 10
    "{",
    "\tflags = DISABLE", // not a flag: xinetd disables the service
    "\tserver = /bin/sh",
    "}",
    "service d", // 15
    "{",
    "\tserver = /bin/sh -i", // server takes one value: the line is ignored
    "\tuser = root",
    "}",
    "service e", // 20
    "{",
    "\tdisable = YES", // only `yes` and `no`: any other value disables the service too
    "}",
    "service f", // 24
    "{",
    "\tflags = BOGUS",
    "\tdisable = no", // clears the flag the bad value set
    "\tserver = /bin/f",
    "}",
    "service g", // 30
    "{",
    "\tsocket_type = STREAM",
    "\tserver = /bin/sh",
    "}",
  ].join("\n"));
  assert.deepEqual(brief(conf.services), [
    "1 a /bin/sh [sh] off: disable = yes",
    "6 b - [] off: line 8 not understood",
    "10 c /bin/sh [sh]",
    "15 d - []",
    "20 e - [] off: disable = YES",
    "24 f /bin/f [f]",
    "30 g /bin/sh [sh]",
  ]);
  assert.equal(conf.services[2].error, "flags DISABLE");
  assert.equal(conf.services[5].error, undefined);
  assert.equal(conf.services[6].error, "socket_type = STREAM");
  assert.equal(conf.bad, 1);
});

Deno.test("xinetd: a misplaced brace or a stray line makes it skip to the next `}`, swallowing what is between", () => {
  const conf = parseXinetdConf([
    "service one {", // the `{` must be alone on the next line: skipped up to line 4
    "\tserver = /bin/sh",
    "\tuser = root",
    "}",
    "garbage here", // not a keyword: skipped up to the next `}`, which closes service two
    "service two",
    "{",
    "\tserver = /bin/sh",
    "}",
    "service three",
    "{",
    "\tserver = /bin/three",
    "} # end", // not a lone `}`: a bad line, and xinetd skips on to four's `}`
    "service four",
    "{",
    "\tserver = /bin/sh",
    "}",
    "service five",
    "{",
    "\tserver = /bin/five",
    "}",
  ].join("\n"));
  assert.deepEqual(brief(conf.services), [
    "10 three /bin/three [three] off: line 13 not understood",
    "18 five /bin/five [five]",
  ]);
  assert.equal(conf.bad, 3);
});

Deno.test("xinetd: one defaults entry per file; enabled lists; applyXinetdDefaults settles what runs", () => {
  const conf = parseXinetdConf([
    "defaults",
    "{",
    "\tenabled = keep broken",
    "\tdisabled -= dropme",
    "}",
    "defaults", // a second defaults entry is skipped
    "{",
    "\tdisabled = keep",
    "}",
    ...["keep", "other", "dropme", "broken"].flatMap((n) => [
      `service ${n}`,
      "{",
      "\tsocket_type = stream",
      "\twait = no",
      "\tuser = root",
      `\tserver = /usr/sbin/${n}`,
      ...(n === "broken" ? ["\ttype = NONSENSE"] : []),
      "}",
    ]),
    "service nouser",
    "{",
    "\tsocket_type = stream",
    "\twait = no",
    "\tserver = /usr/sbin/nouser",
    "}",
  ].join("\n"));
  assert.deepEqual(conf.enabled, ["keep", "broken"]);
  assert.deepEqual(conf.disabled, ["dropme"]);
  applyXinetdDefaults(conf.services, conf.disabled, conf.enabled);
  assert.deepEqual(conf.services.map((s) => `${s.name}: ${s.off ?? "runs"}`), [
    "keep: runs",
    "other: not in the defaults' enabled list",
    "dropme: not in the defaults' enabled list",
    "broken: runs", // the enabled list clears the error a bad value set, as xinetd's does
    "nouser: not in the defaults' enabled list",
  ]);
  const alone = parseXinetdConf("service n\n{\nsocket_type = stream\nwait = no\nserver = /x\n}\n").services;
  applyXinetdDefaults(alone, []);
  assert.equal(alone[0].off, "missing user");
  const proto =
    parseXinetdConf("service p\n{\nprotocol = tcp\nwait = no\nuser = root\nserver = /x\n}\n").services;
  applyXinetdDefaults(proto, ["p"]);
  assert.equal(proto[0].off, "in the defaults' disabled list");
});

Deno.test("xinetd: -f in /etc/default/xinetd, and the names includedir skips", () => {
  assert.equal(xinetdConfigOption('INETD_COMPAT=Yes\nXINETD_OPTS="-stayalive"\n'), undefined);
  assert.equal(xinetdConfigOption('XINETD_OPTS="-stayalive -f /var/lib/.x/x.conf"\n'), "/var/lib/.x/x.conf");
  assert.equal(xinetdConfigOption("export XINETD_OPTS='-f /etc/xi.conf -stayalive'\n"), "/etc/xi.conf");
  assert.equal(xinetdConfigOption('# XINETD_OPTS="-f /commented"\n'), undefined);
  for (const name of ["backdoor.conf", ".hidden", "svc~", "svc.dpkg-old", "a.b"]) {
    assert.ok(xinetdSkips(name), name);
  }
  for (const name of ["svc", "chargen-udp", "echo_2"]) assert.ok(!xinetdSkips(name), name);
});

Deno.test("inetd and xinetd parsers: malformed input never throws, and the time grows linearly with the size", () => {
  const shapes: [string, (n: number) => string][] = [
    ["long line of blanks", (n) => `a${" ".repeat(n)}b stream tcp nowait root /bin/x\n`],
    ["continuation lines", (n) => `s stream tcp nowait root /bin/x\n${" a\n".repeat(n / 3)}`],
    ["#<off># lines", (n) => "#<off># s stream tcp nowait root /x y\n".repeat(n / 38)],
    ["colons", (n) => `${":".repeat(n)} stream tcp nowait root /x\n`],
    ["unclosed service blocks", (n) => "service x\n{\n".repeat(n / 12)],
    ["attribute lines", (n) => `service x\n{\n${"server = /x\n".repeat(n / 12)}}\n`],
    ["attribute name and blanks", (n) => `service x\n{\na${" ".repeat(n)}x\n}\n`],
    ["stray braces", (n) => "}\n{\n".repeat(n / 4)],
    ["defaults lists", (n) => `defaults\n{\n${"disabled = a b c\n".repeat(n / 17)}}\n`],
    ["one enabled list of every id", (n) => `defaults\n{\nenabled = ${"svc-0001 ".repeat(n / 9)}\n}\n`],
    [
      "services",
      (n) =>
        "service a\n{\nsocket_type = stream\nwait = no\nuser = root\nserver = /bin/sh\n}\n".repeat(n / 72),
    ],
    ["NUL and invalid text", (n) => "\0\uFFFD\r".repeat(n / 3)],
  ];
  const parseAll = (text: string) => {
    const i = parseInetdConf(text);
    const x = parseXinetdConf(text);
    applyXinetdDefaults(x.services, x.disabled, x.enabled);
    for (const s of [...i.services, ...x.services]) inetCommand(s);
    xinetdConfigOption(text);
    return i.services.length + x.services.length;
  };
  for (const bad of ["", "service", "service x\n{", "defaults\n{\n", "{\n}\n", "#<off>#", ":", "s t p w u"]) {
    assert.equal(typeof parseAll(bad), "number", JSON.stringify(bad));
  }
  assertLinear(parseAll, shapes);
});
