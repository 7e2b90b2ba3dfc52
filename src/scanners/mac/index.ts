/**
 * mac: mandatory access control. Whether SELinux or AppArmor actually enforces, SELinux permissive or disabled
 * against its configuration, AppArmor profiles in complain mode, network-facing daemons left unconfined, and
 * the Yama and Landlock LSMs. Findings made inside a container say so and are rated for that view.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft, Metadata } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { procSnapshot } from "../proc_snapshot.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { selfContainer } from "../containers/self.ts";
import { socketTables } from "../network/collect.ts";
import { bindScope, hostPort } from "../../host/net_address.ts";
import { ownersByInode } from "../network/owners.ts";
import { isListening } from "../../host/proc_net.ts";
import {
  parseAppArmorLabel,
  parseEnabled,
  parseProfiles,
  profileFileFor,
  type ProfileSummary,
} from "./apparmor.ts";
import { parseEnforce, parseSelinuxConfig, type SelinuxConfig, selinuxUnconfined } from "./selinux.ts";
import { checks, NAME } from "./checks.ts";

/** LSMs whose absence is reported (lockdown is rated by kernel_hardening). */
export const EXPECTED_LSMS: readonly string[] = ["yama", "landlock"];

interface SelinuxState {
  /** selinuxfs is mounted (SELinux active in the kernel). */
  active: boolean;
  enforcing?: boolean;
  config?: SelinuxConfig;
}

interface AppArmorState {
  /** The module exists in the kernel. */
  builtIn: boolean;
  enabled?: boolean;
  profiles?: ProfileSummary;
  /** /etc/apparmor.d exists (the distribution ships profiles). */
  installed: boolean;
}

function readSelinux(ctx: ScanContext): SelinuxState {
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

function readAppArmor(ctx: ScanContext): AppArmorState {
  const installed = ctx.host.stat("/etc/apparmor.d").ok;
  const builtIn = ctx.host.stat("/sys/module/apparmor").ok;
  if (!builtIn) return { builtIn, installed };
  const e = ctx.host.readText("/sys/module/apparmor/parameters/enabled", 64);
  const enabled = e.ok ? parseEnabled(e.value) : undefined;
  if (enabled === undefined) ctx.warn("mac_unreadable", "/sys/module/apparmor/parameters/enabled: not Y/N");
  if (!enabled) return { builtIn, enabled, installed };
  const p = ctx.host.readText("/sys/kernel/security/apparmor/profiles", 8 << 20);
  if (!p.ok) {
    ctx.warn("mac_unreadable", `/sys/kernel/security/apparmor/profiles: ${p.message}`);
    return { builtIn, enabled, installed };
  }
  const profiles = parseProfiles(p.value);
  if (profiles.bad > 0) ctx.warn("mac_malformed", `apparmor profiles: ${profiles.bad} bad line(s)`);
  return { builtIn, enabled, installed, profiles };
}

function readLsms(ctx: ScanContext): string[] | undefined {
  const r = ctx.host.readText("/sys/kernel/security/lsm", 4096);
  return r.ok ? r.value.trim().split(",").filter((s) => s !== "") : undefined;
}

/** Which MAC enforces: "selinux", "apparmor", or undefined; "unknown" when AppArmor's profiles are unreadable. */
function enforcingMac(se: SelinuxState, aa: AppArmorState): "selinux" | "apparmor" | "unknown" | undefined {
  if (se.active && se.enforcing) return "selinux";
  if (aa.enabled && aa.profiles && (aa.profiles.byMode.enforce ?? 0) + (aa.profiles.byMode.kill ?? 0) > 0) {
    return "apparmor";
  }
  if ((aa.enabled && !aa.profiles) || (aa.builtIn && aa.enabled === undefined)) return "unknown";
  return undefined;
}

function noneReason(se: SelinuxState, aa: AppArmorState): string {
  const parts: string[] = [];
  if (se.active) parts.push("SELinux is active but permissive");
  else if (se.config?.mode && se.config.mode !== "disabled") {
    parts.push("SELinux is configured but not active");
  } else parts.push("SELinux is not active");
  if (aa.enabled) parts.push("AppArmor is enabled but no profile is in enforce mode");
  else if (aa.builtIn && aa.installed) {
    parts.push("AppArmor is built in and profiles are installed, but it is disabled (enabled=N)");
  } else if (aa.builtIn) parts.push("AppArmor is built in but disabled");
  else parts.push("AppArmor is not in this kernel");
  return parts.join("; ") + ".";
}

function labelOf(ctx: ScanContext, pid: number, aa: boolean): string | undefined {
  const paths = aa
    ? [`/proc/${pid}/attr/apparmor/current`, `/proc/${pid}/attr/current`]
    : [`/proc/${pid}/attr/current`];
  for (const path of paths) {
    const r = ctx.host.readText(path, 4096);
    if (r.ok) return r.value;
  }
  return undefined;
}

/** Processes with a listening socket on a non-loopback address, with their endpoints. */
function networkFacing(ctx: ScanContext): Map<number, { p: ProcessInfo; endpoints: string[] }> {
  const owners = ownersByInode(procSnapshot(ctx).processes);
  const out = new Map<number, { p: ProcessInfo; endpoints: string[] }>();
  for (const { socket: s } of socketTables(ctx).inet) {
    if (!isListening(s) || bindScope(s.localAddress) === "loopback") continue;
    for (const p of owners.get(s.inode) ?? []) {
      const e = out.get(p.pid) ?? { p, endpoints: [] };
      e.endpoints.push(`${s.proto}/${hostPort(s.localAddress, s.localPort)}`);
      out.set(p.pid, e);
    }
  }
  return out;
}

/** True when AppArmor has a profile for `exe` (loaded under its path, or shipped as a conventional file). */
function profileAvailable(ctx: ScanContext, exe: string, aa: AppArmorState): boolean {
  return (aa.profiles?.names.includes(exe) ?? false) || ctx.host.stat(profileFileFor(exe)).ok;
}

function* unconfinedDaemons(
  ctx: ScanContext,
  mac: "selinux" | "apparmor",
  aa: AppArmorState,
  meta: Metadata,
) {
  const byExe = new Map<
    string,
    { label: string; unconfined: boolean; pids: number[]; endpoints: Set<string> }
  >();
  for (const { p, endpoints } of [...networkFacing(ctx).values()].sort((a, b) => a.p.pid - b.p.pid)) {
    const label = labelOf(ctx, p.pid, mac === "apparmor");
    if (label === undefined) continue;
    const unconfined = mac === "apparmor" ? parseAppArmorLabel(label).unconfined : selinuxUnconfined(label);
    const key = p.exe ?? p.comm;
    const e = byExe.get(key) ??
      { label: label.replace(/\0/g, "").trim(), unconfined: false, pids: [], endpoints: new Set() };
    e.unconfined ||= unconfined;
    e.pids.push(p.pid);
    for (const ep of endpoints) e.endpoints.add(ep);
    byExe.set(key, e);
  }
  for (const [exe, e] of [...byExe].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const available = mac === "selinux" || profileAvailable(ctx, exe, aa);
    const why = mac === "selinux"
      ? "."
      : available
      ? ": an AppArmor profile exists for it but does not confine it (not loaded, disabled, or loaded after " +
        "the daemon started)."
      : "; no AppArmor profile is available for it.";
    yield {
      check_id: "mac.unconfined_daemon",
      subject: exe,
      passed: !e.unconfined,
      severity: available ? "low" : "info",
      description: `${exe} (pid ${e.pids[0]}) listens on ${[...e.endpoints].sort().join(", ")} and runs ` +
        `unconfined (${mac} label "${e.label}")${why}`,
      metadata: {
        ...meta,
        exe,
        label: e.label,
        pids: e.pids.map(String),
        endpoints: [...e.endpoints].sort(),
        ...(mac === "apparmor" ? { profile_available: available } : {}),
      },
      location: { pid: e.pids[0] },
    } satisfies FindingDraft;
  }
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  if (!ctx.host.stat("/sys/module").ok) {
    ctx.skip(`no /sys/module under ${ctx.host.root}: the MAC state is only readable on a running system`);
    return;
  }
  const self = selfContainer(ctx);
  const inContainer = self.verdict === "container";
  const se = readSelinux(ctx);
  const aa = readAppArmor(ctx);
  const lsms = readLsms(ctx);
  const base: Metadata = {
    in_container: inContainer,
    ...(self.verdict !== "host" ? { container_evidence: [...self.strong, ...self.weak] } : {}),
  };
  const status: Metadata = {
    ...base,
    selinux_active: se.active,
    ...(se.enforcing !== undefined ? { selinux_enforcing: se.enforcing } : {}),
    ...(se.config?.mode ? { selinux_config_mode: se.config.mode } : {}),
    ...(se.config?.policyType ? { selinux_policy_type: se.config.policyType } : {}),
    apparmor_built_in: aa.builtIn,
    ...(aa.enabled !== undefined ? { apparmor_enabled: aa.enabled } : {}),
    ...(aa.profiles
      ? Object.fromEntries(Object.entries(aa.profiles.byMode).map(([m, n]) => [`apparmor_profiles_${m}`, n]))
      : {}),
    lsms: lsms ?? null,
  };
  const mac = enforcingMac(se, aa);

  if (mac !== "unknown") {
    yield {
      check_id: "mac.none",
      subject: "",
      passed: mac !== undefined,
      severity: inContainer ? "low" : "medium",
      description: noneReason(se, aa) +
        (inContainer
          ? " This scan runs inside a container: the host may still confine it, unseen from here."
          : ""),
      metadata: { ...status, ...(mac ? { enforcing_mac: mac } : {}) },
    };
  }

  if (se.active && se.enforcing !== undefined) {
    const switched = !se.enforcing && se.config?.mode === "enforcing";
    yield {
      check_id: "mac.selinux.permissive",
      subject: "",
      passed: se.enforcing,
      severity: switched ? "high" : "medium",
      description: switched
        ? "SELinux runs permissive although /etc/selinux/config says enforcing: it was switched at runtime " +
          "(setenforce 0) or booted with enforcing=0."
        : "SELinux runs permissive: denials are logged, not enforced.",
      metadata: status,
    };
    if (se.enforcing && se.config?.mode) {
      yield {
        check_id: "mac.selinux.config_weaker",
        subject: "",
        passed: se.config.mode === "enforcing",
        description: `SELinux enforces now but /etc/selinux/config sets SELINUX=${se.config.mode}.`,
        metadata: status,
        location: { path: "/etc/selinux/config" },
      };
    }
  } else if (!se.active && !inContainer && se.config?.mode && se.config.mode !== "disabled") {
    yield {
      check_id: "mac.selinux.disabled",
      subject: "",
      description:
        `/etc/selinux/config sets SELINUX=${se.config.mode}, but SELinux is not active in the kernel.`,
      metadata: status,
      location: { path: "/etc/selinux/config" },
    };
  }

  if (aa.enabled && aa.profiles) {
    const n = aa.profiles.complain.length;
    yield {
      check_id: "mac.apparmor.complain",
      subject: "",
      passed: n === 0,
      description:
        `${n} AppArmor profile(s) in complain mode: ${aa.profiles.complain.slice(0, 10).join(", ")}` +
        (n > 10 ? ", …" : "") + ".",
      metadata: { ...base, complain_profiles: aa.profiles.complain.slice(0, 200), complain_count: n },
    };
  }

  if (mac === "selinux" || mac === "apparmor") {
    await ctx.checkpoint();
    yield* unconfinedDaemons(ctx, mac, aa, base);
  }

  if (lsms) {
    for (const lsm of EXPECTED_LSMS) {
      yield {
        check_id: "mac.lsm.missing",
        subject: lsm,
        passed: lsms.includes(lsm),
        title: `${lsm === "yama" ? "Yama" : "Landlock"} LSM not active`,
        description: `/sys/kernel/security/lsm lists ${lsms.join(",")}: ${lsm} is not active.`,
        metadata: { ...base, lsm, lsms },
      };
    }
  }
}

/** The mac scanner. */
export const mac: Scanner = {
  name: NAME,
  summary:
    "SELinux/AppArmor enforcement, permissive and complain modes, unconfined network daemons, Yama/Landlock.",
  slow: false,
  enabledByDefault: () => true,
  checks,
  needs: ["root"],
  run,
};
