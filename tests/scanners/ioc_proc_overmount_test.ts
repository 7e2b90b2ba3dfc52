/**
 * A process hidden by a mount over its /proc directory: the pid stays in the listing, but everything that reads
 * /proc/<pid> sees the mounted directory. The scan's own mount table shows the mount; ordinary mounts under /proc
 * (binfmt_misc, a container runtime's masked paths) say nothing.
 */
import assert from "node:assert/strict";
import { ioc } from "../../src/scanners/ioc/index.ts";
import { procOvermounts, systemOvermounts } from "../../src/scanners/ioc/proc_overmount.ts";
import { makeTree, runOne, scanInPrivateMounts } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const line = (id: number, point: string, fstype: string, source: string, root = "/") =>
  `${id} 1 0:${id} ${root} ${point} rw,relatime shared:${id} - ${fstype} ${source} rw`;

const STOCK = [
  line(21, "/", "ext4", "/dev/vda1"),
  line(22, "/proc", "proc", "proc"),
  line(23, "/proc/sys/fs/binfmt_misc", "autofs", "systemd-1"),
  line(24, "/proc/sys/fs/binfmt_misc", "binfmt_misc", "binfmt_misc"),
  line(25, "/proc/kcore", "tmpfs", "tmpfs"),
].join("\n") + "\n";

Deno.test("procOvermounts: mounts on or inside /proc/<pid> only; escapes in mount points decoded", () => {
  assert.deepEqual(procOvermounts(STOCK), []);
  assert.deepEqual(
    procOvermounts(
      STOCK + line(30, "/proc/4242", "proc", "proc", "/1") + "\n" + line(31, "/proc/77/fd", "tmpfs", "none") +
        "\n" +
        line(32, "/proc/self", "tmpfs", "none") + "\n" + line(33, "/proc/12\\0403", "tmpfs", "x") + "\n",
    ),
    [
      { pid: 4242, mountpoint: "/proc/4242", source: "proc", fstype: "proc" },
      { pid: 77, mountpoint: "/proc/77/fd", source: "none", fstype: "tmpfs" },
    ],
  );
  for (const bad of ["", "garbage\n", "1 2 3\n".repeat(10_000), "\0".repeat(1 << 16)]) {
    assert.deepEqual(procOvermounts(bad), []);
  }
});

Deno.test("systemOvermounts: mounts over system directories; separate /usr, /boot and a container's /etc files are not", () => {
  assert.deepEqual(systemOvermounts(STOCK), []);
  const ordinary = [
    line(40, "/usr", "ext4", "/dev/vda2"),
    line(41, "/boot", "ext4", "/dev/vda3"),
    line(42, "/boot/efi", "vfat", "/dev/vda4"),
    line(43, "/etc/resolv.conf", "ext4", "/dev/vda1", "/var/lib/docker/containers/x/resolv.conf"),
    line(44, "/home", "ext4", "/dev/vdb1"),
    line(45, "/etcetera", "tmpfs", "tmpfs"),
  ];
  assert.deepEqual(systemOvermounts(ordinary.join("\n") + "\n"), []);
  const hiding = [
    line(50, "/etc/cron.d", "ext4", "/dev/vda1", "/var/tmp/.clean"),
    line(51, "/usr/bin", "tmpfs", "tmpfs"),
    line(52, "/root/.ssh", "ext4", "/dev/vda1", "/var/tmp/.k"),
    line(53, "/var/spool/cron/crontabs", "tmpfs", "tmpfs"),
  ];
  assert.deepEqual(systemOvermounts(hiding.join("\n") + "\n").map((m) => m.mountpoint), [
    "/etc/cron.d",
    "/usr/bin",
    "/root/.ssh",
    "/var/spool/cron/crontabs",
  ]);
});

Deno.test("ioc: a mount over a process's /proc directory in the mount table is critical; stock mounts are quiet", async () => {
  using hiding = makeTree({
    "proc/self/mountinfo": STOCK + line(30, "/proc/4242", "proc", "proc", "/1") + "\n",
  });
  const r = await runOne(ioc, hiding.path);
  const hit = r.findings.filter((f) => f.check_id === "ioc.process.proc_overmounted");
  assert.deepEqual(hit.map((f) => [f.severity, f.metadata.pid, f.metadata.mountpoint]), [
    ["critical", 4242, "/proc/4242"],
  ]);
  using quiet = makeTree({ "proc/self/mountinfo": STOCK });
  const q = await runOne(ioc, quiet.path);
  assert.deepEqual(q.findings.filter((f) => f.check_id === "ioc.process.proc_overmounted"), []);
});

/** The findings of one check in the ioc scanner's report of a scan made after `setup` in a private mount namespace. */
async function iocAfter(setup: string, checkId: string) {
  const out = await scanInPrivateMounts(setup, ["--enable", "ioc"]);
  assert.equal(out.code, 0, out.stderr);
  return out.results.flatMap((r) => r.findings).filter((f) => f.check_id === checkId);
}

Deno.test(needs(["root", "unshare", "cronDir"], {
  name: "ioc live: a clean directory bound over /etc/cron.d is found from the scan's mount table",
  async fn() {
    const clean = Deno.makeTempDirSync({ prefix: "ioc-cron-" });
    try {
      const hits = await iocAfter(`mount --bind '${clean}' /etc/cron.d`, "ioc.mount.hides_system_files");
      assert.deepEqual(hits.map((f) => f.metadata.mountpoint), ["/etc/cron.d"]);
    } finally {
      Deno.removeSync(clean, { recursive: true });
    }
  },
}));

Deno.test(needs(["root", "unshare"], {
  name: "ioc live: a process whose /proc directory is bind-mounted over is found from the scan's mount table",
  async fn() {
    const hidden = new Deno.Command("/bin/sleep", { args: ["60"], stdin: "null", stdout: "null" }).spawn();
    const decoy = new Deno.Command("/bin/sleep", { args: ["61"], stdin: "null", stdout: "null" }).spawn();
    try {
      // In a private mount namespace, cover the sleeper's /proc directory with the decoy's and scan from there.
      const hits = await iocAfter(
        `mount --bind /proc/${decoy.pid} /proc/${hidden.pid}`,
        "ioc.process.proc_overmounted",
      );
      assert.deepEqual(hits.map((f) => f.metadata.pid), [hidden.pid]);
    } finally {
      for (const c of [hidden, decoy]) {
        c.kill("SIGKILL");
        await c.status;
      }
    }
  },
}));
