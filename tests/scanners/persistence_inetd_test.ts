/**
 * The internet super-servers (sources/inetd.ts): inetd.conf as openbsd-inetd, inetutils and netkit read it,
 * inetutils' /etc/inetd.d, and xinetd's files. Every service's command is judged like any entry; one whose
 * program is a shell or interpreter is a bind shell (`persistence.inetd.shell_service`). What the daemons would
 * not run (update-inetd's `#<off>#`, `disable = yes`, the defaults' lists, files xinetd's includedir skips) is in
 * the inventory only, and Debian's own files (tests/fixtures/hosts/stock/debian12) stay quiet. The parsers'
 * own tests are tests/scanners/persistence_inetd_parsers_test.ts.
 */
import assert from "node:assert/strict";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { makeTree, runOne } from "../helpers.ts";
import { dpkgOwns, exe, fired, withAccounts } from "./persistence_fixtures.ts";
import { installedCopy } from "./stock_fixture.ts";

/** Debian's xinetd.conf (xinetd 1:2.3.15.3-1+b1), comments left out: an empty defaults entry and the includedir. */
const XINETD_CONF = "defaults\n{\n\n}\n\nincludedir /etc/xinetd.d\n";

Deno.test("persistence: inetd bind shells fire — plain, continued, address-bound, behind tcpd, through a link", async () => {
  using root = makeTree(withAccounts({
    "etc/inetd.conf": [
      "# <service_name> <sock_type> <proto> <flags> <user> <server_path> <args>",
      "31337\tstream\ttcp\tnowait\troot\t/bin/sh\tsh -i",
      "4444 stream tcp nowait root",
      "\t/bin/bash bash",
      "127.0.0.1:2323 stream tcp nowait root /usr/sbin/tcpd /usr/bin/python3 -i",
      "5555 stream tcp nowait www-data /usr/local/sbin/in.svcd in.svcd",
      "echo stream tcp nowait root internal",
    ].join("\n") + "\n",
    "usr/local/sbin/in.svcd": { symlink: "/bin/bash" },
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.inetd.shell_service /etc/inetd.conf:2",
    "critical persistence.inetd.shell_service /etc/inetd.conf:3",
    "critical persistence.inetd.shell_service /etc/inetd.conf:5",
    "critical persistence.inetd.shell_service /etc/inetd.conf:6",
  ]);
  const byLine = new Map(
    r.findings.filter((f) => f.check_id.startsWith("persistence.inetd")).map((f) => [
      f.metadata.line,
      f.metadata,
    ]),
  );
  assert.deepEqual(
    [byLine.get(2)!.run_as, byLine.get(2)!.command, byLine.get(2)!.program],
    ["root", "/bin/sh -i", "/bin/sh"],
  );
  assert.equal(byLine.get(5)!.wrapper, "/usr/sbin/tcpd");
  assert.equal(byLine.get(5)!.address, "127.0.0.1");
  assert.equal(byLine.get(6)!.run_as, "www-data");
  assert.equal(byLine.get(6)!.resolved, "/bin/bash");
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence: an xinetd bind shell in an includedir file fires, as does one in the file -f names", async () => {
  using root = makeTree(withAccounts({
    "etc/xinetd.conf": XINETD_CONF,
    "etc/xinetd.d/sysstat": [
      "service sysstat",
      "{",
      "\tport        = 31337",
      "\ttype        = UNLISTED",
      "\tsocket_type = stream",
      "\tprotocol    = tcp",
      "\twait        = no",
      "\tuser        = root",
      "\tserver      = /bin/bash",
      "\tserver_args = -i",
      "\tdisable     = no",
      "}",
    ].join("\n") + "\n",
    "etc/default/xinetd": 'INETD_COMPAT=Yes\nXINETD_OPTS="-stayalive -f /var/lib/misc/xi"\n',
    "var/lib/misc/xi":
      "service x\n{\n\tsocket_type = stream\n\twait = no\n\tuser = 0\n\tserver = /usr/bin/perl\n}\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.inetd.shell_service /etc/xinetd.d/sysstat:1",
    "critical persistence.inetd.shell_service /var/lib/misc/xi:1",
  ]);
  const shell = r.findings.find((f) => f.metadata.path === "/etc/xinetd.d/sysstat" && f.metadata.line === 1)!;
  assert.equal(shell.metadata.command, "/bin/bash -i");
  assert.equal(shell.metadata.run_as, "root");
  const points = r.findings.filter((f) => f.metadata.kind === "inet_service")
    .map((f) => `${f.metadata.path} ${f.metadata.entry_count}`);
  assert.deepEqual(points, ["/etc/xinetd.conf 0", "/etc/xinetd.d/sysstat 1", "/var/lib/misc/xi 1"]);
});

Deno.test("persistence: a service running a program from /tmp, an unowned one, or one under a preload fires", async () => {
  using root = makeTree(withAccounts({
    "etc/inetd.conf": "9999 stream tcp nowait www-data /tmp/.x/srv srv -d\n" +
      // A program named tcpd is looked through to the daemon it names, and judged itself too.
      "21 stream tcp nowait root /var/tmp/tcpd /usr/sbin/in.ftpd -l\n",
    // inetutils-inetd reads every regular file of /etc/inetd.d, hidden ones included.
    "etc/inetd.d/.health": "8888 stream tcp nowait root /usr/sbin/tcpd in.healthd\n",
    "etc/xinetd.conf": XINETD_CONF,
    "etc/xinetd.d/ftp": "service ftp\n{\n\tsocket_type = stream\n\twait = no\n\tuser = root\n" +
      "\tserver = /usr/sbin/in.ftpd\n\tenv = LD_PRELOAD=/dev/shm/.p.so\n}\n",
    "tmp/.x/srv": exe("\x7fELF"),
    "var/tmp/tcpd": exe("\x7fELF"),
    "usr/sbin/in.healthd": exe("\x7fELF"),
    "usr/sbin/in.ftpd": exe("\x7fELF"),
    "dev/shm/.p.so": "\x7fELF",
    ...dpkgOwns("ftpd", ["/usr/sbin/in.ftpd"]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "high persistence.command.untrusted_path /etc/inetd.conf:1",
    "high persistence.command.untrusted_path /etc/inetd.conf:2",
    "high persistence.command.untrusted_path /etc/xinetd.d/ftp:1",
    "medium persistence.command.unowned_program /etc/inetd.d/.health:1",
  ]);
  const tmp = r.findings.find((f) => f.metadata.path === "/etc/inetd.conf" && f.metadata.line === 1)!;
  assert.equal(tmp.metadata.run_as, "www-data");
  assert.equal(tmp.metadata.kind, "inet_service");
});

Deno.test("persistence: disabled, skipped, internal and packaged services stay quiet, listed as inert in the inventory", async () => {
  const shell = (name: string, extra: string[] = []) =>
    [
      `service ${name}`,
      "{",
      "\tsocket_type = stream",
      "\twait = no",
      "\tuser = root",
      "\tserver = /bin/sh",
      ...extra,
      "}",
    ].join("\n") + "\n";
  using root = makeTree(withAccounts({
    "etc/inetd.conf": [
      "#31337 stream tcp nowait root /bin/sh sh -i",
      "#<off># 4444 stream tcp nowait root /bin/bash bash -i",
      // inetutils-telnetd 2:2.4-2+deb12u3's postinst line, and talkd 0.17-18's, as update-inetd writes them.
      "#<off># telnet\tstream\ttcp\tnowait\troot\t/usr/sbin/tcpd\t/usr/sbin/telnetd",
      "talk\t\tdgram\tudp\twait\tnobody.tty\t/usr/sbin/in.talkd\tin.talkd",
      "ntalk\t\tdgram\tudp\twait\tnobody.tty\t/usr/sbin/in.ntalkd\tin.ntalkd",
      "discard\t\tstream\ttcp\tnowait\troot\tinternal",
    ].join("\n") + "\n",
    "etc/xinetd.conf": "defaults\n{\n\tdisabled = staged\n}\nincludedir /etc/xinetd.d\n",
    "etc/xinetd.d/off": shell("off", ["\tdisable = yes"]),
    "etc/xinetd.d/staged": shell("staged"),
    "etc/xinetd.d/backdoor.conf": shell("backdoor"),
    "etc/xinetd.d/backdoor~": shell("backdoor2"),
    "etc/xinetd.d/.hidden": shell("hidden"),
    "etc/xinetd.d/echo": "service echo\n{\n\ttype = INTERNAL\n\tsocket_type = stream\n\twait = no\n" +
      "\tserver = /bin/sh\n}\n",
    "usr/sbin/in.talkd": exe("\x7fELF"),
    "usr/sbin/in.ntalkd": exe("\x7fELF"),
    ...dpkgOwns("talkd", ["/usr/sbin/in.talkd", "/usr/sbin/in.ntalkd"]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
  const points = r.findings.filter((f) => f.metadata.kind === "inet_service")
    .map((f) => `${f.metadata.path} ${f.metadata.entry_count}${f.metadata.inert ? " inert" : ""}`);
  assert.deepEqual(points, [
    "/etc/inetd.conf 2",
    "/etc/xinetd.conf 0",
    "/etc/xinetd.d/.hidden 1 inert",
    "/etc/xinetd.d/backdoor.conf 1 inert",
    "/etc/xinetd.d/backdoor~ 1 inert",
    "/etc/xinetd.d/echo 0",
    "/etc/xinetd.d/off 1 inert",
    "/etc/xinetd.d/staged 1 inert",
  ]);
  const conf = r.findings.find((f) => f.metadata.path === "/etc/inetd.conf")!;
  assert.deepEqual(conf.metadata.off, [
    "4444/tcp root /bin/bash: disabled by update-inetd",
    "telnet/tcp root /usr/sbin/tcpd: disabled by update-inetd",
  ]);
  const skipped = r.findings.find((f) => f.metadata.path === "/etc/xinetd.d/backdoor.conf")!;
  assert.equal(skipped.metadata.skipped, "a name xinetd's includedir skips");
});

Deno.test("persistence: /etc/xinetd.d that nothing includes is read, inert; malformed files are warned about", async () => {
  using root = makeTree(withAccounts({
    "etc/xinetd.conf": "defaults\n{\n}\n",
    "etc/xinetd.d/shell": "service shell\n{\n\tsocket_type = stream\n\twait = no\n\tuser = root\n" +
      "\tserver = /bin/sh\n}\n",
    "etc/xinetd.d/broken": "service broken {\n\tserver = /bin/sh\n\tuser = root\n}\n",
    "etc/inetd.conf": "tftp dgram udp wait\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings.map((w) => w.code).sort(), ["inetd_malformed", "xinetd_malformed"]);
  const shell = r.findings.find((f) => f.metadata.path === "/etc/xinetd.d/shell")!;
  assert.equal(shell.metadata.inert, true);
  assert.equal(shell.metadata.skipped, "not included by /etc/xinetd.conf");
});

Deno.test("persistence: xinetd includes are followed once each, a relative one from /, and loops end", async () => {
  using root = makeTree(withAccounts({
    "etc/xinetd.conf": "include /etc/xinetd.conf\ninclude etc/xinetd.local\n",
    "etc/xinetd.local": "include /etc/xinetd.local\nincludedir /etc/xinetd.conf\nservice s\n{\n" +
      "\tsocket_type = stream\n\twait = no\n\tuser = root\n\tserver = /bin/zsh\n}\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), ["critical persistence.inetd.shell_service /etc/xinetd.local:3"]);
  // (`includedir` naming a file gives xinetd nothing to read either.)
  assert.deepEqual(r.warnings, []);
});

Deno.test("persistence: Debian's own inetd.conf and xinetd files are read, and quiet", async () => {
  using root = installedCopy("debian12");
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  const points = r.findings.filter((f) => f.metadata.kind === "inet_service")
    .map((f) => `${f.metadata.path} ${f.metadata.entry_count}${f.metadata.inert ? " inert" : ""}`);
  // Every xinetd service Debian ships is internal and `disable = yes`; inetd.conf's are commented out.
  assert.deepEqual(points, [
    "/etc/inetd.conf 0",
    "/etc/xinetd.conf 0",
    ...[
      "chargen",
      "chargen-udp",
      "daytime",
      "daytime-udp",
      "discard",
      "discard-udp",
      "echo",
      "echo-udp",
      "servers",
      "services",
      "time",
      "time-udp",
    ].map((n) => `/etc/xinetd.d/${n} 0 inert`),
  ]);
  const chargen = r.findings.find((f) => f.metadata.path === "/etc/xinetd.d/chargen")!;
  assert.deepEqual(chargen.metadata.off, [
    "chargen/tcp root internal: disable = yes",
    "chargen/udp root internal: disable = yes",
  ]);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
});
