import assert from "node:assert/strict";
import { mountsScanner, TMP_LIKE } from "../../src/scanners/mounts.ts";
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

Deno.test("mounts: a hardened layout gives no findings", async () => {
  using t = makeTree({ "proc/1/mountinfo": HARDENED, "etc/fstab": "/dev/sda2 /boot ext4 ro,nosuid 0 2\n" });
  const r = await runOne(mountsScanner, t.path, { hardening: true });
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings, []);
  assert.ok(r.outcome.results[0].checks_passed >= 10);
});

Deno.test("mounts: every check fires on a weak layout", async () => {
  const weak = [
    line(1, "/", "rw,relatime", "ext4", "/dev/sda1"),
    line(3, "/var/tmp", "rw,relatime", "ext4", "/dev/sda3"),
    line(4, "/dev/shm", "rw", "tmpfs", "tmpfs"),
    line(5, "/home", "rw,relatime", "xfs", "/dev/sda4"),
    line(6, "/boot", "rw,relatime", "ext4", "/dev/sda2"),
  ].join("\n");
  using t = makeTree({ "proc/1/mountinfo": weak, "etc/fstab": "# c\n/dev/sda2 /boot ext4 ro 0 2\n" });
  const r = await runOne(mountsScanner, t.path);
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
  assert.equal(rw.metadata.fstab_options, "ro");
});

Deno.test("mounts: falls back to /proc/mounts, skips with a reason when nothing is readable", async () => {
  using a = makeTree({ "proc/mounts": "tmpfs /tmp tmpfs rw,nosuid,nodev 0 0\n" });
  const r = await runOne(mountsScanner, a.path);
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
  const r = await runOne(mountsScanner, t.path);
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

Deno.test("mounts: on the live host the /tmp-like checks agree with the kernel's mount table", async () => {
  const r = await runOne(mountsScanner, "/", { includePassed: true });
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
