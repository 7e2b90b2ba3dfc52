/**
 * mounts: by default, live mounts weaker than declared (a filesystem /etc/fstab or an enabled systemd .mount
 * unit mounts read-only found writable, an option of its fstab entry, of its unit or of the systemd API
 * filesystems lost: someone remounted it); with
 * --hardening, the CIS-style options of temporary and sensitive filesystems and a separate /tmp.
 */
import type { ScanContext } from "../core/context.ts";
import type { FindingDraft } from "../core/finding.ts";
import type { Scanner } from "../core/scanner.ts";
import { effectiveMounts, type MountEntry, parseMountinfo, parseMountsTable } from "../host/mountinfo.ts";
import { bootedBySystemd } from "../host/init_system.ts";
import { trimTrailing } from "../host/text_trim.ts";
import { MOUNTS_INFO } from "./info/mounts.ts";
import { type LoadedUnit, loadUnits, UNIT_DIRS } from "./systemd_units/loader.ts";
import { lastValue } from "./systemd_units/unit_file.ts";

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

/**
 * The mountpoint a mount unit's name stands for, as systemd's unit_name_to_path() reads it: `-` separates
 * components, `\xNN` escapes a byte, `-.mount` is the root ("var-lib-docker.mount" → "/var/lib/docker").
 */
export function mountUnitPath(name: string): string | undefined {
  if (!name.endsWith(".mount")) return undefined;
  const stem = name.slice(0, -".mount".length);
  if (stem === "-") return "/";
  if (stem === "" || stem.startsWith("-") || stem.endsWith("-") || stem.includes("--")) return undefined;
  return "/" +
    stem.split("-").map((c) =>
      c.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    ).join("/");
}

/**
 * Unit directories systemd ranks above its generator directory (/run/systemd/generator, where
 * systemd-fstab-generator writes the units of /etc/fstab): a mount unit there wins over the fstab line for the
 * same mountpoint; one in /usr/local/lib, /usr/lib or /lib loses to it.
 */
const ABOVE_FSTAB: readonly string[] = UNIT_DIRS.slice(0, UNIT_DIRS.indexOf("/usr/local/lib/systemd/system"));

/** A .mount unit that systemd mounts at boot (enabled or statically wanted), with its Where= and Options=. */
interface MountUnit {
  mountpoint: string;
  options: string[];
  unit: LoadedUnit;
  aboveFstab: boolean;
}

/**
 * The enabled .mount units. systemd refuses a unit whose Where= does not match its name (mount_verify), so
 * those are left out; Options= is a single string (the last assignment wins), `%%` its escaped `%`.
 */
function mountUnits(ctx: ScanContext): MountUnit[] {
  const loaded = loadUnits(ctx, [".mount"]);
  const out: MountUnit[] = [];
  for (const unit of loaded.units) {
    if (!loaded.pulledInBy.has(unit.name)) continue;
    const mountpoint = mountUnitPath(unit.name);
    if (mountpoint === undefined) continue;
    const where = lastValue(unit.sections, "Mount", "Where");
    if (where !== undefined && (where.length > 1 ? trimTrailing(where, "/") : where) !== mountpoint) continue;
    const options = (lastValue(unit.sections, "Mount", "Options") ?? "").replaceAll("%%", "%").split(",")
      .map((o) => o.trim()).filter((o) => o !== "");
    const dir = unit.path.slice(0, unit.path.lastIndexOf("/"));
    out.push({ mountpoint, options, unit, aboveFstab: ABOVE_FSTAB.includes(dir) });
  }
  return out;
}

function declarations(ctx: ScanContext): Declaration[] {
  const out: Declaration[] = [];
  const units = bootedBySystemd(ctx.host) ? mountUnits(ctx) : [];
  // Units ranked above the generator's directory hide the fstab line of their mountpoint.
  const hidden = new Set(units.filter((u) => u.aboveFstab).map((u) => u.mountpoint));
  const fstab = ctx.host.readText("/etc/fstab", 1 << 20);
  if (fstab.ok) {
    const parsed = parseMountsTable(fstab.value);
    if (parsed.bad > 0) ctx.warn("fstab_malformed", `/etc/fstab: ${parsed.bad} malformed line(s) skipped`);
    for (const d of parsed.mounts) {
      if (!d.mountpoint.startsWith("/")) continue;
      const mountpoint = d.mountpoint.length > 1 ? trimTrailing(d.mountpoint, "/") : d.mountpoint;
      if (hidden.has(mountpoint)) continue;
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
  for (const u of units) {
    if (out.some((d) => d.mountpoint === u.mountpoint)) continue;
    out.push({
      mountpoint: u.mountpoint,
      options: declaredOptions(u.options),
      readOnly: u.options.includes("ro"),
      by: `${u.unit.path} (Options=${u.options.join(",")})`,
    });
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
export const mountsScanner: Scanner = { ...MOUNTS_INFO, run };
