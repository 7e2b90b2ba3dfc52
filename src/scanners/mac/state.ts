/**
 * What the mac scanner reads: the SELinux and AppArmor state of the running kernel, the active LSMs, and the
 * AppArmor profiles /etc/apparmor.d declares (which profile file asks for which mode).
 */
import type { ScanContext } from "../../core/context.ts";
import { parseEnabled, parseProfileHeaders, parseProfiles, type ProfileSummary } from "./apparmor.ts";
import { parseEnforce, parseSelinuxConfig, type SelinuxConfig } from "./selinux.ts";
import type { Declaration } from "./declared.ts";

/** SELinux as the kernel and /etc/selinux/config have it. */
export interface SelinuxState {
  /** selinuxfs is mounted (SELinux active in the kernel). */
  active: boolean;
  enforcing?: boolean;
  config?: SelinuxConfig;
}

/** AppArmor as the kernel and the installed files have it. */
export interface AppArmorState {
  /** The module exists in the kernel. */
  builtIn: boolean;
  enabled?: boolean;
  profiles?: ProfileSummary;
  /** /etc/apparmor.d exists (the distribution ships profiles). */
  installed: boolean;
  /** apparmor_parser is installed (so the profiles are loaded at boot). */
  parser: boolean;
  /** Profiles declared by the top-level files of /etc/apparmor.d, by name: every declaration, in file order. */
  declared: Map<string, Declaration[]>;
  /** Files of /etc/apparmor.d named in force-complain/ and disable/. */
  forceComplain: Set<string>;
  disabled: Set<string>;
}

const APPARMOR_D = "/etc/apparmor.d";
const MAX_PROFILE_FILES = 2000;
const MAX_PROFILE_BYTES = 256 << 10;
/** Names apparmor_parser skips when it loads the directory (backups, package manager leftovers). */
const SKIPPED = /(\.dpkg-(new|old|dist|bak)|\.rpm(new|save)|\.pac(new|save)|\.orig|~)$|^README$/;

/** Reads /etc/selinux/config and selinuxfs. */
export function readSelinux(ctx: ScanContext): SelinuxState {
  const conf = ctx.host.readText("/etc/selinux/config", 64 << 10);
  const config = conf.ok ? parseSelinuxConfig(conf.value) : undefined;
  if (!conf.ok && conf.reason !== "missing") {
    ctx.warn("mac_unreadable", `/etc/selinux/config: ${conf.message}`);
  }
  const active = ctx.host.stat("/sys/fs/selinux/enforce").ok;
  if (!active) return { active, config };
  const e = ctx.host.readText("/sys/fs/selinux/enforce", 64);
  const enforcing = e.ok ? parseEnforce(e.value) : undefined;
  if (enforcing === undefined) ctx.warn("mac_unreadable", "/sys/fs/selinux/enforce: unreadable or not 0/1");
  return { active, enforcing, config };
}

function linkNames(ctx: ScanContext, dir: string): Set<string> {
  const r = ctx.host.readDir(`${APPARMOR_D}/${dir}`, MAX_PROFILE_FILES);
  return new Set(r.ok ? r.value.map((e) => e.name) : []);
}

/**
 * The profiles the top-level files of /etc/apparmor.d declare (bounded), every declaration of a name kept: a
 * second file declaring a packaged profile again (in a weaker mode) must not hide the package's declaration.
 */
function declaredProfiles(ctx: ScanContext): Map<string, Declaration[]> {
  const out = new Map<string, Declaration[]>();
  const dir = ctx.host.readDir(APPARMOR_D, MAX_PROFILE_FILES);
  if (!dir.ok) return out;
  if (dir.truncated) ctx.warn("truncated", `${APPARMOR_D} holds more than ${MAX_PROFILE_FILES} entries`);
  const names = dir.value.filter((e) => e.isFile && !SKIPPED.test(e.name)).map((e) => e.name).sort();
  for (const name of names) {
    const file = `${APPARMOR_D}/${name}`;
    const r = ctx.host.readText(file, MAX_PROFILE_BYTES);
    if (!r.ok) continue;
    for (const p of parseProfileHeaders(r.value)) {
      const list = out.get(p.name);
      if (list) list.push({ ...p, file });
      else out.set(p.name, [{ ...p, file }]);
    }
  }
  return out;
}

/** Reads the AppArmor module state, the kernel's profile list and the installed profile files. */
export function readAppArmor(ctx: ScanContext): AppArmorState {
  const installed = ctx.host.stat(APPARMOR_D).ok;
  const parser = ["/usr/sbin/apparmor_parser", "/sbin/apparmor_parser"].some((p) => ctx.host.exists(p));
  const files = {
    installed,
    parser,
    declared: installed ? declaredProfiles(ctx) : new Map(),
    forceComplain: installed ? linkNames(ctx, "force-complain") : new Set<string>(),
    disabled: installed ? linkNames(ctx, "disable") : new Set<string>(),
  };
  const builtIn = ctx.host.stat("/sys/module/apparmor").ok;
  if (!builtIn) return { builtIn, ...files };
  const e = ctx.host.readText("/sys/module/apparmor/parameters/enabled", 64);
  const enabled = e.ok ? parseEnabled(e.value) : undefined;
  if (enabled === undefined) ctx.warn("mac_unreadable", "/sys/module/apparmor/parameters/enabled: not Y/N");
  if (!enabled) return { builtIn, enabled, ...files };
  const p = ctx.host.readText("/sys/kernel/security/apparmor/profiles", 8 << 20);
  if (!p.ok) {
    ctx.warn("mac_unreadable", `/sys/kernel/security/apparmor/profiles: ${p.message}`);
    return { builtIn, enabled, ...files };
  }
  const profiles = parseProfiles(p.value);
  if (profiles.bad > 0) ctx.warn("mac_malformed", `apparmor profiles: ${profiles.bad} bad line(s)`);
  return { builtIn, enabled, profiles, ...files };
}

/** The active LSMs (/sys/kernel/security/lsm), or undefined when securityfs is not readable. */
export function readLsms(ctx: ScanContext): string[] | undefined {
  const r = ctx.host.readText("/sys/kernel/security/lsm", 4096);
  return r.ok ? r.value.trim().split(",").filter((s) => s !== "") : undefined;
}

/** The number of AppArmor profiles the kernel enforces (enforce and kill modes). */
export function enforcedProfiles(aa: AppArmorState): number {
  return (aa.profiles?.byMode.enforce ?? 0) + (aa.profiles?.byMode.kill ?? 0);
}
