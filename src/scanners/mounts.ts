/**
 * mounts: by default, live mounts weaker than declared (a filesystem /etc/fstab mounts read-only found
 * writable, an option of its fstab entry or of the systemd API filesystems lost: someone remounted it); with
 * --hardening, the CIS-style options of temporary and sensitive filesystems and a separate /tmp.
 */
import type { CheckInput } from "../core/catalogue.ts";
import type { ScanContext } from "../core/context.ts";
import type { FindingDraft } from "../core/finding.ts";
import type { Scanner } from "../core/scanner.ts";
import { effectiveMounts, type MountEntry, parseMountinfo, parseMountsTable } from "../host/mountinfo.ts";
import { bootedBySystemd } from "../host/init_system.ts";

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
/** The restricting options whose loss is reported. */
export const RESTRICTING = ["nosuid", "nodev", "noexec"] as const;
/**
 * The API filesystems systemd mounts (where initramfs and containers mount them at least as strictly), with the
 * options it always sets; expected only on a host booted by systemd and unless /etc/fstab declares them.
 */
export const SYSTEMD_API_MOUNTS: readonly { mountpoint: string; options: readonly string[] }[] = [
  { mountpoint: "/proc", options: ["nosuid", "nodev", "noexec"] },
  { mountpoint: "/sys", options: ["nosuid", "nodev", "noexec"] },
  { mountpoint: "/dev/shm", options: ["nosuid", "nodev"] },
  { mountpoint: "/dev/pts", options: ["nosuid", "noexec"] },
  { mountpoint: "/run", options: ["nosuid", "nodev"] },
];
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
  hardening = true,
): CheckInput => ({
  id,
  scanner: NAME,
  title,
  severity,
  category: "filesystem" as const,
  hardening,
  rationale,
  remediation,
  mitre: ["T1059"],
});

const BENCHMARK =
  " Distributions mount it this way by default, so on a compromised host the gap matters little " +
  "next to a change someone made (rated low; reported with --hardening).";

const checks: CheckInput[] = [
  {
    ...mk(
      "mount.readonly.remounted_rw",
      "Filesystem declared read-only is mounted read-write",
      "high",
      "/etc/fstab mounts it read-only, but the live mount is writable: someone remounted it, e.g. to plant " +
        "files in /usr or /boot. High: a deliberate change that undoes a protection the owner set up.",
      "Find out who remounted it (audit log, shell history), then `mount -o remount,ro` it.",
      false,
    ),
    mitre: ["T1562.001", "T1601"],
  },
  {
    ...mk(
      "mount.options.lost",
      "Mount lacks an option it is declared with",
      "medium",
      "The live mount lacks nosuid, nodev or noexec although its /etc/fstab entry, or systemd for its API " +
        "filesystems (/proc, /sys, /dev/shm, /dev/pts, /run), sets it: someone remounted it (`mount -o " +
        "remount,exec /dev/shm`) to run a payload or a set-id program from it. High when nosuid or noexec is " +
        "lost on a world-writable temporary directory, the drop zone it protects; medium otherwise.",
      "Find out who remounted it (audit log, shell history), then `mount -o remount,<option>` it.",
      false,
    ),
    mitre: ["T1562.001", "T1059"],
  },
  mk(
    "mount.tmp.noexec_missing",
    "Temporary directory mounted without noexec",
    "low",
    "Attackers drop and run payloads from world-writable temporary directories; noexec stops direct execution " +
      "(interpreters can still read scripts from there)." + BENCHMARK,
    "Mount it with noexec (e.g. `tmpfs /tmp tmpfs defaults,noexec,nosuid,nodev 0 0` in /etc/fstab).",
  ),
  mk(
    "mount.tmp.nosuid_missing",
    "Temporary directory mounted without nosuid",
    "low",
    "A set-id binary planted in a world-writable directory keeps its privileges there; nosuid makes the " +
      "kernel ignore the bit." + BENCHMARK,
    "Add nosuid to the mount options in /etc/fstab and remount.",
  ),
  mk(
    "mount.tmp.nodev_missing",
    "Temporary directory mounted without nodev",
    "low",
    "A device node created in a world-writable directory can give raw access to disks or memory; nodev " +
      "makes the kernel refuse to open it." + BENCHMARK,
    "Add nodev to the mount options in /etc/fstab and remount.",
  ),
  mk(
    "mount.tmp.not_separate",
    "/tmp is not a separate filesystem",
    "low",
    "When /tmp lives on the root filesystem its mount options cannot be restricted (nosuid, noexec) and " +
      "filling it fills the root disk." + BENCHMARK,
    "Mount /tmp as tmpfs (systemctl enable tmp.mount) or a separate partition with noexec,nosuid,nodev.",
  ),
  mk(
    "mount.sensitive.nosuid_missing",
    "Sensitive mount without nosuid",
    "low",
    "Set-id binaries have no business on data partitions such as /home or /var; nosuid removes the " +
      "escalation path a planted one would give." + BENCHMARK,
    "Add nosuid to this mount's options in /etc/fstab.",
  ),
  mk(
    "mount.sensitive.nodev_missing",
    "Sensitive mount without nodev",
    "low",
    "Device files on data partitions give whoever can create them access to the underlying devices, " +
      "bypassing file permissions; nodev makes the kernel refuse them." + BENCHMARK,
    "Add nodev to this mount's options in /etc/fstab.",
  ),
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

/**
 * The restricting options an fstab entry asks for, as mount(8) reads them: user, users, owner and group imply
 * nosuid, nodev and noexec, and a later exec, suid or dev takes one back.
 */
export function declaredOptions(options: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const o of options) {
    if (o === "user" || o === "users" || o === "owner" || o === "group") {
      for (const r of RESTRICTING) out.add(r);
    } else if ((RESTRICTING as readonly string[]).includes(o)) out.add(o);
    else if (o === "exec" || o === "suid" || o === "dev") out.delete(`no${o}`);
    else if (o === "defaults") { for (const r of RESTRICTING) out.delete(r); }
  }
  return out;
}

interface Declaration {
  mountpoint: string;
  options: Set<string>;
  readOnly: boolean;
  /** "/etc/fstab line 3", "systemd (API filesystem)". */
  by: string;
}

function declarations(ctx: ScanContext): Declaration[] {
  const out: Declaration[] = [];
  const fstab = ctx.host.readText("/etc/fstab", 1 << 20);
  if (fstab.ok) {
    const parsed = parseMountsTable(fstab.value);
    if (parsed.bad > 0) ctx.warn("fstab_malformed", `/etc/fstab: ${parsed.bad} malformed line(s) skipped`);
    for (const d of parsed.mounts) {
      if (!d.mountpoint.startsWith("/")) continue;
      const mountpoint = d.mountpoint.length > 1 ? d.mountpoint.replace(/\/+$/, "") : d.mountpoint;
      out.push({
        mountpoint,
        options: declaredOptions(d.options),
        readOnly: d.options.includes("ro"),
        by: `/etc/fstab line ${d.line}`,
      });
    }
  } else if (fstab.reason !== "missing") {
    ctx.warn("fstab_unreadable", `/etc/fstab: ${fstab.message}`);
  }
  if (bootedBySystemd(ctx.host)) {
    for (const api of SYSTEMD_API_MOUNTS) {
      if (out.some((d) => d.mountpoint === api.mountpoint)) continue;
      out.push({
        mountpoint: api.mountpoint,
        options: new Set(api.options),
        readOnly: false,
        by: "systemd, which mounts this API filesystem",
      });
    }
  }
  return out;
}

/** Signal: live mounts weaker than their declaration. */
function* weakerThanDeclared(ctx: ScanContext, mounts: Map<string, MountEntry>): Generator<FindingDraft> {
  for (const d of declarations(ctx)) {
    const live = mounts.get(d.mountpoint);
    if (!live) continue;
    if (d.readOnly) {
      yield {
        check_id: "mount.readonly.remounted_rw",
        subject: d.mountpoint,
        passed: live.options.includes("ro"),
        metadata: { ...meta(live), declared_by: d.by },
        location: { path: d.mountpoint },
      };
    }
    if (d.options.size === 0) continue;
    const lost = RESTRICTING.filter((o) => d.options.has(o) && !live.options.includes(o));
    const temp = (TMP_LIKE as readonly string[]).includes(d.mountpoint);
    yield {
      check_id: "mount.options.lost",
      subject: d.mountpoint,
      passed: lost.length === 0,
      severity: temp && lost.some((o) => o === "nosuid" || o === "noexec") ? "high" : "medium",
      description: lost.length === 0
        ? `${d.mountpoint} has the options ${d.by} sets.`
        : `${d.mountpoint} is mounted without ${lost.join(", ")}, which ${d.by} sets: it was remounted ` +
          `(live options ${live.options.join(",")}).`,
      metadata: { ...meta(live), declared_by: d.by, declared: [...d.options].sort(), lost },
      location: { path: d.mountpoint },
    };
  }
}

/** --hardening: the CIS-style options of temporary and sensitive mounts. */
function* hardeningDrafts(mounts: Map<string, MountEntry>): Generator<FindingDraft> {
  for (const mp of TMP_LIKE) {
    const m = mounts.get(mp);
    if (!m) {
      if (mp === "/tmp") yield { check_id: "mount.tmp.not_separate", subject: mp, metadata: { mount: mp } };
      continue;
    }
    for (
      const [check, option] of [
        ["mount.tmp.noexec_missing", "noexec"],
        ["mount.tmp.nosuid_missing", "nosuid"],
        ["mount.tmp.nodev_missing", "nodev"],
      ]
    ) {
      yield {
        check_id: check,
        subject: mp,
        passed: m.options.includes(option),
        metadata: meta(m),
        location: { path: mp },
      };
    }
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
  yield* weakerThanDeclared(ctx, mounts);
  if (ctx.config.hardening) yield* hardeningDrafts(mounts);
}

/** The mounts scanner. */
export const mountsScanner: Scanner = {
  name: NAME,
  summary:
    "Mounts weaker than declared (read-only remounted writable, fstab or systemd options lost); with " +
    "--hardening, options of temporary and sensitive filesystems.",
  slow: false,
  enabledByDefault: () => true,
  checks,
  run,
};
