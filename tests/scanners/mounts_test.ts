/**
 * mounts: by default, live mounts weaker than their declaration (fstab, systemd's API filesystems); with
 * --hardening, the options of temporary and sensitive mounts.
 */
import assert from "node:assert/strict";
import { declaredOptions, mountsScanner, TMP_LIKE } from "../../src/scanners/mounts.ts";
import { parseMountinfo, parseMountsTable, unescapeOctal } from "../../src/host/mountinfo.ts";
import { checkIds, makeTree, runOne } from "../helpers.ts";

const line = (id: number, mp: string, opts: string, fstype: string, src: string) =>
  `${id} 1 0:${id} / ${mp} ${opts} shared:${id} - ${fstype} ${src} rw`;

const HARDENED = [
  line(1, "/", "rw,relatime", "ext4", "/dev/sda1"),
  line(2, "/tmp", "rw,nosuid,nodev,noexec", "tmpfs", "tmpfs"),
  line(3, "/var/tmp", "rw,nosuid,nodev,noexec", "ext4", "/dev/sda3"),
  line(4, "/dev/shm", "rw,nosuid,nodev,noexec", "tmpfs", "tmpfs"),
  line(5, "/home", "rw,nosuid,nodev", "ext4", "/dev/sda4"),
  line(6, "/boot", "ro,nosuid", "ext4", "/dev/sda2"),
].join("\n") + "\n";

Deno.test("mounts: a hardened layout gives no findings, with or without --hardening", async () => {
  using t = makeTree({ "proc/1/mountinfo": HARDENED, "etc/fstab": "/dev/sda2 /boot ext4 ro,nosuid 0 2\n" });
  const r = await runOne(mountsScanner, t.path, { hardening: true });
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings, []);
  assert.ok(r.outcome.results[0].checks_passed >= 10);
  const d = await runOne(mountsScanner, t.path);
  assert.deepEqual(d.findings, []);
  assert.deepEqual(d.passed, ["mount.options.lost", "mount.readonly.remounted_rw"]);
});

Deno.test("mounts --hardening: every check fires on a weak layout (the stock gaps as low)", async () => {
  const weak = [
    line(1, "/", "rw,relatime", "ext4", "/dev/sda1"),
    line(3, "/var/tmp", "rw,relatime", "ext4", "/dev/sda3"),
    line(4, "/dev/shm", "rw", "tmpfs", "tmpfs"),
    line(5, "/home", "rw,relatime", "xfs", "/dev/sda4"),
    line(6, "/boot", "rw,relatime", "ext4", "/dev/sda2"),
  ].join("\n");
  using t = makeTree({ "proc/1/mountinfo": weak, "etc/fstab": "# c\n/dev/sda2 /boot ext4 ro 0 2\n" });
  const r = await runOne(mountsScanner, t.path, { hardening: true });
  assert.deepEqual(checkIds(r.findings), [
    "mount.readonly.remounted_rw",
    "mount.sensitive.nodev_missing",
    "mount.sensitive.nosuid_missing",
    "mount.sensitive.nosuid_missing",
    "mount.tmp.nodev_missing",
    "mount.tmp.nodev_missing",
    "mount.tmp.noexec_missing",
    "mount.tmp.noexec_missing",
    "mount.tmp.nosuid_missing",
    "mount.tmp.nosuid_missing",
    "mount.tmp.not_separate",
  ]);
  const rw = r.findings.find((f) => f.check_id === "mount.readonly.remounted_rw")!;
  assert.equal(rw.severity, "high");
  assert.equal(rw.id, "mount.readonly.remounted_rw:/boot");
  assert.equal(rw.metadata.declared_by, "/etc/fstab line 2");
  assert.ok(
    r.findings.filter((f) => f.check_id !== "mount.readonly.remounted_rw").every((f) => f.severity === "low"),
  );
  const d = await runOne(mountsScanner, t.path);
  assert.deepEqual(
    checkIds(d.findings),
    ["mount.readonly.remounted_rw"],
    "the stock gaps wait for --hardening",
  );
});

Deno.test("mounts: an option lost against fstab is reported by default, high on a temp directory", async () => {
  const live = [
    line(1, "/", "rw,relatime", "ext4", "/dev/sda1"),
    line(2, "/tmp", "rw,nodev,relatime", "tmpfs", "tmpfs"),
    line(3, "/srv", "rw,nosuid,relatime", "ext4", "/dev/sda3"),
    line(4, "/media/usb", "rw", "vfat", "/dev/sdb1"),
  ].join("\n");
  const fstab = [
    "# <file system> <mount point> <type> <options> <dump> <pass>",
    "tmpfs /tmp tmpfs defaults,noexec,nosuid,nodev 0 0",
    "/dev/sda3 /srv ext4 nosuid,nodev 0 2",
    "/dev/sdb1 /media/usb vfat noauto,user 0 0",
    "/dev/sdc1 /mnt/absent ext4 nosuid 0 2",
    "garbage",
  ].join("\n");
  using t = makeTree({ "proc/1/mountinfo": live, "etc/fstab": fstab });
  const r = await runOne(mountsScanner, t.path);
  assert.deepEqual(r.findings.map((f) => `${f.severity} ${f.id} ${f.metadata.lost}`).sort(), [
    "high mount.options.lost:/tmp nosuid,noexec",
    "medium mount.options.lost:/media/usb nosuid,nodev,noexec",
    "medium mount.options.lost:/srv nodev",
  ]);
  const tmp = r.findings.find((f) => f.id === "mount.options.lost:/tmp")!;
  assert.equal(tmp.metadata.declared_by, "/etc/fstab line 2");
  assert.match(tmp.description, /remounted/);
  assert.deepEqual(r.warnings.map((w) => w.code), ["fstab_malformed"]);
});

Deno.test("mounts: systemd's API filesystems lose nosuid or nodev only when someone remounts them", async () => {
  const live = [
    line(1, "/", "rw,relatime", "ext4", "/dev/sda1"),
    line(2, "/proc", "rw,nosuid,nodev,noexec,relatime", "proc", "proc"),
    line(3, "/dev/shm", "rw,relatime", "tmpfs", "tmpfs"),
    line(4, "/run", "rw,nosuid,nodev,noexec,relatime", "tmpfs", "tmpfs"),
  ].join("\n");
  using booted = makeTree({ "proc/1/mountinfo": live, "run/systemd/system": { dir: true } });
  const r = await runOne(mountsScanner, booted.path);
  assert.deepEqual(r.findings.map((f) => `${f.severity} ${f.id}`), ["high mount.options.lost:/dev/shm"]);
  assert.match(r.findings[0].description, /systemd, which mounts this API filesystem/);
  using pid1 = makeTree({ "proc/1/mountinfo": live, "proc/1/comm": "systemd\n" });
  assert.deepEqual(
    (await runOne(mountsScanner, pid1.path)).findings.map((f) => f.id),
    ["mount.options.lost:/dev/shm"],
    "PID 1 is systemd: removing /run/systemd/system does not hide the lost options",
  );
  using other = makeTree({ "proc/1/mountinfo": live, "proc/1/comm": "process_api\n" });
  assert.deepEqual(
    (await runOne(mountsScanner, other.path)).findings,
    [],
    "another init sets its own options",
  );
});

Deno.test("fstab options as mount(8) reads them: user implies nosuid,nodev,noexec; later options win", () => {
  assert.deepEqual([...declaredOptions(["user"])].sort(), ["nodev", "noexec", "nosuid"]);
  assert.deepEqual([...declaredOptions(["users", "exec"])].sort(), ["nodev", "nosuid"]);
  assert.deepEqual([...declaredOptions(["nosuid", "defaults"])], []);
  assert.deepEqual([...declaredOptions(["defaults", "nosuid"])], ["nosuid"]);
  assert.deepEqual([...declaredOptions([])], []);
});

Deno.test("mounts: falls back to /proc/mounts, skips with a reason when nothing is readable", async () => {
  using a = makeTree({ "proc/mounts": "tmpfs /tmp tmpfs rw,nosuid,nodev 0 0\n" });
  const r = await runOne(mountsScanner, a.path, { hardening: true });
  assert.deepEqual(checkIds(r.findings), ["mount.tmp.noexec_missing"]);
  using b = makeTree({ "etc/fstab": "" });
  const s = await runOne(mountsScanner, b.path);
  assert.equal(s.status, "skipped");
  assert.match(s.reason ?? "", /no readable mount table/);
});

Deno.test("mounts: garbage mount tables are warnings, never crashes", async () => {
  using t = makeTree({
    "proc/1/mountinfo": "garbage\n\u0000\u0001\n1 2 3\n" + line(2, "/tmp", "rw", "tmpfs", "t"),
  });
  const r = await runOne(mountsScanner, t.path, { hardening: true });
  assert.equal(r.status, "ok");
  assert.ok(r.warnings.some((w) => w.code === "mounts_malformed"));
  assert.ok(r.findings.some((f) => f.id === "mount.tmp.noexec_missing:/tmp"));
});

Deno.test("mountinfo parsing decodes octal escapes and merges superblock options", () => {
  const { mounts, bad } = parseMountinfo(
    "36 35 98:0 /mnt1 /mnt/a\\040b rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n" +
      "37 35 98:0 / /x ro - ext4 /dev/x ro,nosuid\n" + "short line\n",
  );
  assert.equal(bad, 1);
  assert.equal(mounts[0].mountpoint, "/mnt/a b");
  assert.deepEqual(mounts[0].options.sort(), ["errors=continue", "noatime", "rw"]);
  assert.deepEqual(mounts[1].options.sort(), ["nosuid", "ro"]);
  assert.equal(unescapeOctal("a\\011b\\134c\\012"), "a\tb\\c\n");
  assert.deepEqual(parseMountsTable("").mounts, []);
  assert.equal(parseMountsTable("a b\n").bad, 1);
});

Deno.test("mounts --hardening: on the live host the /tmp-like checks agree with the kernel's mount table", async () => {
  const r = await runOne(mountsScanner, "/", { includePassed: true, hardening: true });
  assert.equal(r.status, "ok");
  // The mount on top at each mount point, read independently from init's mount table.
  const top = new Map<string, string[]>();
  for (const line of Deno.readTextFileSync("/proc/1/mountinfo").split("\n")) {
    const f = line.split(" ");
    if (f.length > 6) top.set(unescapeOctal(f[4]), f[5].split(","));
  }
  const expected: string[] = [];
  for (const mp of TMP_LIKE) {
    const opts = top.get(mp);
    if (!opts) {
      if (mp === "/tmp") expected.push("fail mount.tmp.not_separate:/tmp");
      continue;
    }
    if (mp === "/tmp") expected.push("pass mount.tmp.not_separate:/tmp");
    for (const o of ["noexec", "nosuid", "nodev"]) {
      expected.push(`${opts.includes(o) ? "pass" : "fail"} mount.tmp.${o}_missing:${mp}`);
    }
  }
  const got = [
    ...r.findings.filter((f) => f.metadata.passed !== true).map((f) => `fail ${f.id}`),
    ...r.findings.filter((f) => f.metadata.passed === true).map((f) => `pass ${f.id}`),
  ].filter((x) => x.includes(" mount.tmp."));
  assert.deepEqual(got.sort(), expected.sort());
});

Deno.test("mounts: the live host scans without errors, in both modes", async () => {
  for (const hardening of [false, true]) {
    assert.equal((await runOne(mountsScanner, "/", { hardening })).status, "ok");
  }
});
