/**
 * How units are found, linked, parsed and given their drop-ins, checked against what systemd 252 (Debian 12)
 * does: every expectation below was first confirmed with `systemd-analyze verify --root=DIR unit` on the same
 * tree (an unknown key in each drop-in makes systemd name every drop-in it reads, in order).
 */
import assert from "node:assert/strict";
import { systemdUnits } from "../../src/scanners/systemd_units/index.ts";
import { loadUnits } from "../../src/scanners/systemd_units/loader.ts";
import { lastValue, listValues, parseUnitFile } from "../../src/scanners/systemd_units/unit_file.ts";
import { makeTree, runOne, testContext, type TreeEntry } from "../helpers.ts";

const LIB = "usr/lib/systemd/system";
const ETC = "etc/systemd/system";
const GETTY = "[Service]\nExecStart=-/sbin/agetty -o '-p -- \\\\u' --noclear - $TERM\nType=idle\n";

function tree(extra: Record<string, TreeEntry>) {
  return makeTree({
    "etc/passwd": "root:x:0:0::/root:/bin/bash\n",
    [`${LIB}/.keep`]: "",
    ...extra,
  });
}

const untrusted = async (root: string) =>
  (await runOne(systemdUnits, root)).findings.filter((f) => f.check_id === "systemd.unit.untrusted_exec")
    .map((f) => [f.metadata.unit, (f.metadata.commands as string[]).join("; ")]);

// ---------------------------------------------------------------------------------------------------------
// Instances with no file of their own

Deno.test("an instance pulled in by a .wants link gets its own drop-ins, which systemd runs", async () => {
  using t = tree({
    [`${LIB}/getty@.service`]: GETTY,
    [`${ETC}/getty.target.wants/getty@tty1.service`]: { symlink: "/usr/lib/systemd/system/getty@.service" },
    [`${ETC}/getty@tty1.service.d/i.conf`]: "[Service]\nExecStartPre=/dev/shm/instance\n",
  });
  assert.deepEqual(await untrusted(t.path), [["getty@tty1.service", "ExecStartPre=/dev/shm/instance"]]);
  const u = loadUnits(testContext("systemd_units", t.path), [".service"]).units
    .find((u) => u.name === "getty@tty1.service")!;
  assert.deepEqual([u.path, u.template, u.ownDropIns], [
    "/usr/lib/systemd/system/getty@.service",
    "getty@.service",
    ["/etc/systemd/system/getty@tty1.service.d/i.conf"],
  ]);
});

Deno.test("an instance known only by its drop-in directory is loaded too; one without is its template", () => {
  using t = tree({
    [`${LIB}/getty@.service`]: GETTY,
    [`${ETC}/getty.target.wants/getty@tty1.service`]: { symlink: "/usr/lib/systemd/system/getty@.service" },
    [`${ETC}/getty@.service.d/all.conf`]: "[Service]\nTTYVTDisallocate=no\n",
    [`${ETC}/getty@tty5.service.d/x.conf`]: "[Service]\nExecStartPre=/dev/shm/x\n",
    // No template of that name: systemd cannot load the instance either.
    [`${ETC}/nosuch@a.service.d/x.conf`]: "[Service]\nExecStartPre=/dev/shm/y\n",
  });
  const loaded = loadUnits(testContext("systemd_units", t.path), [".service"]);
  assert.deepEqual(loaded.units.map((u) => [u.name, u.dropIns.length]), [
    ["getty@.service", 1],
    ["getty@tty5.service", 2],
  ]);
  assert.equal(
    lastValue(loaded.units[1].sections, "Service", "TTYVTDisallocate"),
    "no",
    "template drop-ins too",
  );
});

Deno.test("a stock instance (getty@tty1 wanted, no drop-in) adds nothing to the stock findings", async () => {
  using t = tree({
    [`${LIB}/getty@.service`]: GETTY,
    [`${ETC}/getty.target.wants/getty@tty1.service`]: { symlink: "/usr/lib/systemd/system/getty@.service" },
    [`${ETC}/getty@tty1.service.d/noclear.conf`]: "[Service]\nTTYVTDisallocate=no\n",
  });
  const r = await runOne(systemdUnits, t.path, { includePassed: true });
  assert.deepEqual(r.findings.filter((f) => f.check_id === "systemd.unit.untrusted_exec"), []);
  assert.deepEqual(r.warnings, []);
});

// ---------------------------------------------------------------------------------------------------------
// Drop-in precedence

Deno.test("a same-named drop-in in a lower directory does not hide a prefix drop-in in /etc", async () => {
  // systemd walks directories first, names second: /etc/systemd-.service.d/50-tuning.conf is found before
  // /usr/lib/systemd-logind.service.d/50-tuning.conf, so the /etc one is the one applied.
  using t = tree({
    [`${LIB}/systemd-logind.service`]: "[Service]\nExecStart=/lib/systemd/systemd-logind\n",
    [`${LIB}/systemd-logind.service.d/50-tuning.conf`]: "[Service]\nNice=0\n",
    [`${ETC}/systemd-.service.d/50-tuning.conf`]: "[Service]\nExecStartPre=/dev/shm/prefix\n",
  });
  assert.deepEqual(await untrusted(t.path), [["systemd-logind.service", "ExecStartPre=/dev/shm/prefix"]]);
});

Deno.test("drop-ins: directory first, then name, the type's last; one file name, the first found", () => {
  using t = tree({
    [`${LIB}/foo-bar@.service`]: "[Service]\nExecStart=/bin/a\n",
    [`${ETC}/foo-.service.d/p.conf`]: "[Service]\n",
    [`${LIB}/foo-.service.d/p.conf`]: "[Service]\n",
    [`${ETC}/foo-@x.service.d/p2.conf`]: "[Service]\n",
    [`${LIB}/foo-bar@x.service.d/p2.conf`]: "[Service]\n",
    [`${ETC}/foo-@.service.d/p3.conf`]: "[Service]\n",
    [`${ETC}/foo-bar-.service.d/p4.conf`]: "[Service]\n", // not a name of foo-bar@x.service
    ["usr/local/lib/systemd/system/foo-bar@.service.d/p4.conf"]: "[Service]\n",
    ["run/systemd/system/foo-bar@.service.d/p4.conf"]: "[Service]\n",
    [`${ETC}/service.d/p4.conf`]: "[Service]\n",
    [`${LIB}/service.d/p0.conf`]: "[Service]\n",
    [`${ETC}/foo-bar@.service.d/p5.conf`]: "[Service]\n",
    [`${LIB}/foo-bar@x.service.d/p6.conf`]: "[Service]\n",
    [`${ETC}/foo-bar@x.service.d/p6.conf`]: "[Service]\n",
    [`${ETC}/foo-.service.d/q.conf`]: "[Service]\n",
    [`${ETC}/foo-@x.service.d/q.conf`]: "[Service]\n",
    [`${ETC}/foo-bar@x.service.d/m.conf`]: { symlink: "/dev/null" },
    [`${LIB}/foo-bar@x.service.d/m.conf`]: "[Service]\nExecStartPre=/dev/shm/masked\n",
  });
  const u = loadUnits(testContext("systemd_units", t.path), [".service"]).units
    .find((u) => u.name === "foo-bar@x.service")!;
  // What systemd-analyze verify read, in its order, for this very tree.
  assert.deepEqual(u.dropIns, [
    "/etc/systemd/system/foo-.service.d/p.conf",
    "/usr/lib/systemd/system/service.d/p0.conf",
    "/etc/systemd/system/foo-@x.service.d/p2.conf",
    "/etc/systemd/system/foo-@.service.d/p3.conf",
    "/run/systemd/system/foo-bar@.service.d/p4.conf",
    "/etc/systemd/system/foo-bar@.service.d/p5.conf",
    "/etc/systemd/system/foo-bar@x.service.d/p6.conf",
    "/etc/systemd/system/foo-.service.d/q.conf",
  ]);
});

Deno.test("an alias's drop-ins apply to the unit, after the unit's own names", async () => {
  using t = tree({
    [`${LIB}/ssh.service`]: "[Service]\nExecStart=/usr/sbin/sshd -D\n",
    [`${ETC}/sshd.service`]: { symlink: "/lib/systemd/system/ssh.service" },
    "lib": { symlink: "usr/lib" },
    [`${ETC}/sshd.service.d/a.conf`]: "[Service]\nExecStartPre=/dev/shm/alias\n",
  });
  assert.deepEqual(await untrusted(t.path), [["ssh.service", "ExecStartPre=/dev/shm/alias"]]);
});

// ---------------------------------------------------------------------------------------------------------
// Links: alias or linked unit

Deno.test("a link to a file outside the unit directories is a unit of the link's name, whatever the file's", async () => {
  using t = tree({
    [`${LIB}/cron.service`]: "[Service]\nExecStart=/usr/sbin/cron -f\n",
    "opt/evil/cron.service": "[Service]\nExecStart=/dev/shm/linked\n",
    [`${ETC}/evil.service`]: { symlink: "/opt/evil/cron.service" },
    [`${ETC}/rel.service`]: { symlink: "../../../opt/evil/cron.service" },
  });
  assert.deepEqual(await untrusted(t.path), [
    ["evil.service", "ExecStart=/dev/shm/linked"],
    ["rel.service", "ExecStart=/dev/shm/linked"],
  ]);
});

Deno.test("a link into the unit directories is an alias, also through a linked directory or a relative path", () => {
  using t = tree({
    [`${LIB}/cron.service`]: "[Service]\nExecStart=/usr/sbin/cron -f\n",
    "lib": { symlink: "usr/lib" },
    "opt/l": { symlink: "/usr/lib/systemd/system" },
    [`${ETC}/a.service`]: { symlink: "/lib/systemd/system/cron.service" },
    [`${ETC}/b.service`]: { symlink: "/opt/l/cron.service" },
    [`${LIB}/c.service`]: { symlink: "cron.service" },
    [`${LIB}/d.service`]: { symlink: "/dev/null" },
  });
  const loaded = loadUnits(testContext("systemd_units", t.path), [".service"]);
  assert.deepEqual(loaded.units.map((u) => u.name), ["cron.service"]);
  assert.deepEqual(loaded.aliases.sort(), ["a.service", "b.service", "c.service"]);
  assert.deepEqual(loaded.masked, ["d.service"]);
});

// ---------------------------------------------------------------------------------------------------------
// Lines as systemd's read_line and config_parse see them

Deno.test("a bare CR ends a line: the command after a CR-ended comment runs", async () => {
  using t = tree({
    [`${LIB}/dbus.service`]: "[Service]\nExecStart=/usr/bin/dbus-daemon --system\n",
    [`${ETC}/dbus.service.d/cr.conf`]: "[Service]\n# tuning\rExecStartPre=/dev/shm/bareCR\n",
  });
  assert.deepEqual(await untrusted(t.path), [["dbus.service", "ExecStartPre=/dev/shm/bareCR"]]);
});

Deno.test("unit lines: CR, CRLF, LFCR and NUL end lines; CRLF files read as LF files", () => {
  const s = (text: string) => parseUnitFile(text).sections;
  assert.deepEqual(
    listValues(s("[Service]\r\nExecStart=/a\r\nExecStartPre=/b\r\n"), "Service", "ExecStartPre"),
    [
      "/b",
    ],
  );
  assert.deepEqual(listValues(s("[Service]\n#c\rExecStartPre=/cr\n"), "Service", "ExecStartPre"), ["/cr"]);
  assert.deepEqual(listValues(s("[Service]\n#c\0ExecStartPre=/nul\n"), "Service", "ExecStartPre"), ["/nul"]);
  const lines = parseUnitFile("[Service]\n\rA=1\n\nB=2\r\n\0C=3\n").sections.get("Service")!;
  assert.deepEqual([...lines.keys()], ["A", "B", "C"]);
});

Deno.test("unit lines: only spaces and tabs are blanks; NBSP, \\v and a second BOM are text", () => {
  // "\u00a0[X-Notes]" and "\v[X-A]" are not section headers to systemd (no '=', ignored): the Exec line after
  // them stays in [Service].
  for (const blank of ["\u00a0 ", "\v", "\f"]) {
    const p = parseUnitFile(`[Service]\nNice=0\n${blank}[X-Notes]\nExecStartPre=/dev/shm/nbsp\n`);
    assert.deepEqual(
      listValues(p.sections, "Service", "ExecStartPre"),
      ["/dev/shm/nbsp"],
      JSON.stringify(blank),
    );
    assert.equal(p.bad, 1);
  }
  // Only the first BOM is dropped: a file that starts with one keeps the next.
  const bytes = new TextEncoder().encode(
    "\uFEFF[Service]\nExecStart=/a\n\uFEFF[X-A]\nExecStartPre=/dev/shm/bom\n",
  );
  assert.deepEqual(listValues(parseUnitFile(bytes).sections, "Service", "ExecStartPre"), ["/dev/shm/bom"]);
  // Without one at the start, the first BOM seen is dropped wherever it is.
  const later = new TextEncoder().encode("[X-A]\nExecStart=/a\n\uFEFF[Service]\nExecStartPre=/dev/shm/b\n");
  assert.deepEqual(listValues(parseUnitFile(later).sections, "Service", "ExecStartPre"), ["/dev/shm/b"]);
});

Deno.test("unit lines: an escaped backslash ends the line; a bad header or bad UTF-8 ends the file", () => {
  const dbl = parseUnitFile("[Service]\nExecStart=/bin/echo foo\\\\\nExecStartPre=/dev/shm/dbl\n");
  assert.deepEqual(listValues(dbl.sections, "Service", "ExecStartPre"), ["/dev/shm/dbl"]);
  assert.equal(lastValue(dbl.sections, "Service", "ExecStart"), "/bin/echo foo\\\\");
  // A drop-in stops at a bad header: the reset after it is not applied, so /dev/shm/one still runs.
  const stop = parseUnitFile("[Service]\nExecStartPre=/dev/shm/one\n[bad\nExecStartPre=\n");
  assert.deepEqual([listValues(stop.sections, "Service", "ExecStartPre"), stop.stoppedAt], [
    ["/dev/shm/one"],
    3,
  ]);
  assert.equal(parseUnitFile('[Service]\n[Ser"vice]\nA=1\n').stoppedAt, 2);
  const utf8 = parseUnitFile(
    new Uint8Array([...new TextEncoder().encode("[Service]\nA=1\nB=\xff"), 0xff, 10]),
  );
  assert.deepEqual([[...utf8.sections.get("Service")!.keys()], utf8.stoppedAt], [["A"], 3]);
});
