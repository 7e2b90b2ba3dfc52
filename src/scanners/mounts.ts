/** mounts: temp directories without noexec/nosuid/nodev, /tmp not separate, sensitive mounts, tampered read-only mounts. */
import type { CheckInput } from "../core/catalogue.ts";
import type { ScanContext } from "../core/context.ts";
import type { FindingDraft } from "../core/finding.ts";
import type { Scanner } from "../core/scanner.ts";
import { effectiveMounts, type MountEntry, parseMountinfo, parseMountsTable } from "../host/mountinfo.ts";

const NAME = "mounts";

/** Temp directories where noexec, nosuid and nodev are expected. */
export const TMP_LIKE = ["/tmp", "/var/tmp", "/dev/shm"] as const;
/** Mountpoints that should not allow SUID binaries or device files when they are separate filesystems. */
export const SENSITIVE = [
  "/home",
  "/var",
  "/var/log",
  "/var/log/audit",
  "/boot",
  "/boot/efi",
  "/efi",
  "/srv",
  "/opt",
];
/** Mountpoints where `ro` in fstab but a read-write mount means someone remounted it. */
export const EXPECTED_RO = ["/usr", "/boot", "/boot/efi", "/efi"];
const DISK_FS = new Set([
  "ext2",
  "ext3",
  "ext4",
  "xfs",
  "btrfs",
  "f2fs",
  "jfs",
  "reiserfs",
  "zfs",
  "vfat",
  "tmpfs",
]);

const mk = (
  id: string,
  title: string,
  severity: CheckInput["severity"],
  rationale: string,
  remediation: string,
) => ({
  id,
  scanner: NAME,
  title,
  severity,
  category: "filesystem" as const,
  rationale,
  remediation,
  mitre: ["T1059"],
});

const checks: CheckInput[] = [
  mk(
    "mount.tmp.noexec_missing",
    "Temporary directory mounted without noexec",
    "medium",
    "Attackers drop and run payloads from world-writable temporary directories; noexec stops direct execution.",
    "Mount it with noexec (e.g. `tmpfs /tmp tmpfs defaults,noexec,nosuid,nodev 0 0` in /etc/fstab).",
  ),
  mk(
    "mount.tmp.nosuid_missing",
    "Temporary directory mounted without nosuid",
    "medium",
    "A SUID binary planted in a world-writable directory becomes a privilege-escalation path.",
    "Add nosuid to the mount options in /etc/fstab and remount.",
  ),
  mk(
    "mount.tmp.nodev_missing",
    "Temporary directory mounted without nodev",
    "low",
    "Device nodes created in a world-writable directory can give raw access to disks or memory.",
    "Add nodev to the mount options in /etc/fstab and remount.",
  ),
  mk(
    "mount.tmp.not_separate",
    "/tmp is not a separate filesystem",
    "low",
    "When /tmp lives on the root filesystem, its mount options cannot be restricted and it can fill the root disk.",
    "Mount /tmp as tmpfs (systemctl enable tmp.mount) or a separate partition with noexec,nosuid,nodev.",
  ),
  mk(
    "mount.sensitive.nosuid_missing",
    "Sensitive mount without nosuid",
    "low",
    "SUID binaries have no business on data partitions such as /home or /var; nosuid removes the escalation path.",
    "Add nosuid to this mount's options in /etc/fstab.",
  ),
  mk(
    "mount.sensitive.nodev_missing",
    "Sensitive mount without nodev",
    "low",
    "Device files on data partitions can bypass file permissions on the underlying devices.",
    "Add nodev to this mount's options in /etc/fstab.",
  ),
  {
    ...mk(
      "mount.readonly.remounted_rw",
      "Filesystem declared read-only is mounted read-write",
      "high",
      "/etc/fstab mounts it read-only, but the live mount is writable: someone remounted it, e.g. to plant files.",
      "Find out who remounted it (audit log, shell history), then `mount -o remount,ro` it.",
    ),
    mitre: ["T1562.001", "T1601"],
  },
];

function loadMounts(ctx: ScanContext): MountEntry[] | undefined {
  for (const path of ["/proc/1/mountinfo", "/proc/self/mountinfo"]) {
    const r = ctx.host.readText(path, 4 << 20);
    if (!r.ok) continue;
    if (r.truncated) ctx.warn("truncated", `${path} larger than 4 MiB`);
    const { mounts, bad } = parseMountinfo(r.value);
    if (bad > 0) ctx.warn("mounts_malformed", `${path}: ${bad} malformed line(s) skipped`);
    if (mounts.length > 0) return mounts;
  }
  const r = ctx.host.readText("/proc/mounts", 4 << 20);
  if (!r.ok) return undefined;
  const { mounts, bad } = parseMountsTable(r.value);
  if (bad > 0) ctx.warn("mounts_malformed", `/proc/mounts: ${bad} malformed line(s) skipped`);
  return mounts.length > 0 ? mounts : undefined;
}

function meta(m: MountEntry) {
  return { mount: m.mountpoint, device: m.source, fstype: m.fstype, options: m.options.join(",") };
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const all = loadMounts(ctx);
  if (!all) {
    ctx.skip(
      `no readable mount table (/proc/1/mountinfo, /proc/self/mountinfo, /proc/mounts) under ${ctx.host.root}`,
    );
    return;
  }
  const mounts = effectiveMounts(all);
  for (const mp of TMP_LIKE) {
    const m = mounts.get(mp);
    if (!m) {
      if (mp === "/tmp") {
        yield { check_id: "mount.tmp.not_separate", subject: mp, metadata: { mount: mp } };
      }
      continue;
    }
    const has = (o: string) => m.options.includes(o);
    yield {
      check_id: "mount.tmp.noexec_missing",
      subject: mp,
      passed: has("noexec"),
      metadata: meta(m),
      location: { path: mp },
    };
    yield {
      check_id: "mount.tmp.nosuid_missing",
      subject: mp,
      passed: has("nosuid"),
      metadata: meta(m),
      location: { path: mp },
    };
    yield {
      check_id: "mount.tmp.nodev_missing",
      subject: mp,
      passed: has("nodev"),
      metadata: meta(m),
      location: { path: mp },
    };
    if (mp === "/tmp") {
      yield { check_id: "mount.tmp.not_separate", subject: mp, passed: true, metadata: meta(m) };
    }
  }
  const sensitive = [...mounts.values()].filter((m) =>
    (SENSITIVE.includes(m.mountpoint) || m.mountpoint.startsWith("/home/")) && DISK_FS.has(m.fstype)
  );
  for (const m of sensitive) {
    yield {
      check_id: "mount.sensitive.nosuid_missing",
      subject: m.mountpoint,
      passed: m.options.includes("nosuid"),
      metadata: meta(m),
      location: { path: m.mountpoint },
    };
    if (m.mountpoint !== "/boot" && m.mountpoint !== "/boot/efi" && m.mountpoint !== "/efi") {
      yield {
        check_id: "mount.sensitive.nodev_missing",
        subject: m.mountpoint,
        passed: m.options.includes("nodev"),
        metadata: meta(m),
        location: { path: m.mountpoint },
      };
    }
  }
  const fstab = ctx.host.readText("/etc/fstab", 1 << 20);
  if (fstab.ok) {
    const declared = parseMountsTable(fstab.value).mounts;
    for (const d of declared) {
      if (!EXPECTED_RO.includes(d.mountpoint) || !d.options.includes("ro")) continue;
      const live = mounts.get(d.mountpoint);
      if (!live) continue;
      yield {
        check_id: "mount.readonly.remounted_rw",
        subject: d.mountpoint,
        passed: live.options.includes("ro"),
        metadata: { ...meta(live), fstab_options: d.options.join(",") },
        location: { path: d.mountpoint },
      };
    }
  } else if (fstab.reason !== "missing") {
    ctx.warn("fstab_unreadable", `/etc/fstab: ${fstab.message}`);
  }
}

/** The mounts scanner. */
export const mountsScanner: Scanner = {
  name: NAME,
  summary: "Mount options of temporary and sensitive filesystems, and read-only mounts remounted writable.",
  slow: false,
  enabledByDefault: (c) => c.hardening,
  checks,
  run,
};
