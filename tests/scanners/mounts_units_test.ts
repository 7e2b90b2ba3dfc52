/**
 * mounts: the options an enabled systemd .mount unit declares count like an fstab line's, with systemd's
 * precedence between the two (systemd-fstab-generator writes fstab's units to /run/systemd/generator, which
 * ranks below /etc/systemd/system and /run/systemd/system but above /usr/local/lib, /usr/lib and /lib).
 */
import assert from "node:assert/strict";
import { mountsScanner, mountUnitPath } from "../../src/scanners/mounts.ts";
import { makeTree, runOne, type TreeEntry } from "../helpers.ts";

const line = (id: number, mp: string, opts: string, fstype: string, src: string) =>
  `${id} 1 0:${id} / ${mp} ${opts} shared:${id} - ${fstype} ${src} rw`;

/** systemd 252's units/tmp.mount as Fedora and RHEL install it (statically wanted by local-fs.target). */
const UPSTREAM_TMP_MOUNT = [
  "[Unit]",
  "Description=Temporary Directory /tmp",
  "ConditionPathIsSymbolicLink=!/tmp",
  "DefaultDependencies=no",
  "Conflicts=umount.target",
  "Before=local-fs.target umount.target",
  "After=swap.target",
  "",
  "[Mount]",
  "What=tmpfs",
  "Where=/tmp",
  "Type=tmpfs",
  "Options=mode=1777,strictatime,nosuid,nodev,size=50%%,nr_inodes=1m",
  "",
].join("\n");
/** The hardened copy an administrator installs (CIS: nosuid, nodev, noexec on /tmp). */
const HARDENED_TMP_MOUNT = UPSTREAM_TMP_MOUNT.replace("nosuid,nodev,", "nosuid,nodev,noexec,") +
  "[Install]\nWantedBy=local-fs.target\n";

function host(tmpOpts: string, files: Record<string, TreeEntry>) {
  return makeTree({
    "proc/1/comm": "systemd\n",
    "proc/1/mountinfo": [
      line(1, "/", "rw,relatime", "ext4", "/dev/sda1"),
      line(2, "/tmp", tmpOpts, "tmpfs", "tmpfs"),
    ].join("\n") + "\n",
    "etc/fstab": "/dev/sda1 / ext4 errors=remount-ro 0 1\n",
    ...files,
  });
}

const vendorUnit = (text: string): Record<string, TreeEntry> => ({
  "usr/lib/systemd/system/tmp.mount": text,
  "usr/lib/systemd/system/local-fs.target.wants/tmp.mount": { symlink: "../tmp.mount" },
});

Deno.test("mount unit names: - separates components, \\x2d is a dash, -.mount is the root", () => {
  assert.equal(mountUnitPath("tmp.mount"), "/tmp");
  assert.equal(mountUnitPath("var-lib-docker.mount"), "/var/lib/docker");
  assert.equal(mountUnitPath("srv-my\\x2ddata.mount"), "/srv/my-data");
  assert.equal(mountUnitPath("-.mount"), "/");
  assert.equal(mountUnitPath("tmp.service"), undefined);
  assert.equal(mountUnitPath("a--b.mount"), undefined);
});

Deno.test("mounts: /tmp remounted exec,suid against an enabled tmp.mount's Options= is a lost option (high)", async () => {
  using t = host("rw,relatime", vendorUnit(HARDENED_TMP_MOUNT));
  const r = await runOne(mountsScanner, t.path);
  assert.deepEqual(r.findings.map((f) => `${f.severity} ${f.id}`), ["high mount.options.lost:/tmp"]);
  assert.deepEqual(r.findings[0].metadata.lost, ["nosuid", "nodev", "noexec"]);
  assert.match(
    String(r.findings[0].metadata.declared_by),
    /^\/usr\/lib\/systemd\/system\/tmp\.mount \(Options=/,
  );
  assert.deepEqual(r.warnings, []);
});

Deno.test("mounts: a unit in /etc/systemd/system wins over the fstab line of its mountpoint", async () => {
  using t = host("rw,nosuid,nodev,relatime", {
    "etc/fstab": "/dev/sda1 / ext4 errors=remount-ro 0 1\ntmpfs /tmp tmpfs defaults 0 0\n",
    "etc/systemd/system/tmp.mount": HARDENED_TMP_MOUNT,
    "etc/systemd/system/local-fs.target.wants/tmp.mount": { symlink: "/etc/systemd/system/tmp.mount" },
  });
  const r = await runOne(mountsScanner, t.path);
  assert.deepEqual(r.findings.map((f) => `${f.severity} ${f.id}`), ["high mount.options.lost:/tmp"]);
  assert.deepEqual(r.findings[0].metadata.lost, ["noexec"]);
});

Deno.test("mounts: the stock tmp.mount as mounted, a unit nothing wants, an fstab line over /usr/lib: quiet", async () => {
  // Fedora/RHEL: upstream's tmp.mount, statically wanted, /tmp mounted as it says.
  using stock = host("rw,nosuid,nodev", vendorUnit(UPSTREAM_TMP_MOUNT));
  const s = await runOne(mountsScanner, stock.path);
  assert.deepEqual([s.findings, s.warnings], [[], []]);
  assert.ok(s.passed.includes("mount.options.lost"));
  // Debian ships the same file under /usr/share/systemd and in no unit directory; a copy nothing wants is
  // never mounted by systemd either.
  using idle = host("rw,relatime", {
    "usr/share/systemd/tmp.mount": HARDENED_TMP_MOUNT,
    "etc/systemd/system/tmp.mount": HARDENED_TMP_MOUNT,
  });
  assert.deepEqual((await runOne(mountsScanner, idle.path)).findings, []);
  // An fstab line for /tmp hides the vendor unit (the generator's unit ranks above /usr/lib).
  using fstab = host("rw,relatime", {
    ...vendorUnit(HARDENED_TMP_MOUNT),
    "etc/fstab": "/dev/sda1 / ext4 errors=remount-ro 0 1\ntmpfs /tmp tmpfs defaults 0 0\n",
  });
  assert.deepEqual((await runOne(mountsScanner, fstab.path)).findings, []);
  // A unit whose Where= does not match its name is refused by systemd.
  using where = host("rw,relatime", vendorUnit(HARDENED_TMP_MOUNT.replace("Where=/tmp", "Where=/var/tmp")));
  assert.deepEqual((await runOne(mountsScanner, where.path)).findings, []);
});
