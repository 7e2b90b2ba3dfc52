/**
 * mac: mandatory access control. By default, a MAC the distribution ships that someone switched off or
 * weakened: AppArmor booted off or its profiles unloaded, SELinux permissive, disabled or configured weaker
 * than it runs, profiles switched to complain mode, a network daemon running outside the profile meant for it.
 * With --hardening, the gaps of the build itself: no MAC enforcing, profiles shipped in complain mode, daemons
 * without a profile, a missing Yama or Landlock. Findings made inside a container say so.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft, Metadata } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { selfContainer } from "../containers/self.ts";
import { declarationProvenance, type Provenance, weakenedMode } from "./declared.ts";
import {
  type AppArmorState,
  enforcedProfiles,
  readAppArmor,
  readLsms,
  readSelinux,
  type SelinuxState,
} from "./state.ts";
import { unconfinedDaemons } from "./daemons.ts";
import { MAC_INFO } from "../info/mac.ts";

/** LSMs whose absence is reported (lockdown is rated by kernel_hardening). */
export const EXPECTED_LSMS: readonly string[] = ["yama", "landlock"];

/** Which MAC enforces: "selinux", "apparmor", or undefined; "unknown" when AppArmor's profiles are unreadable. */
function enforcingMac(se: SelinuxState, aa: AppArmorState): "selinux" | "apparmor" | "unknown" | undefined {
  if (se.active && se.enforcing) return "selinux";
  if (aa.enabled && aa.profiles && enforcedProfiles(aa) > 0) return "apparmor";
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

/** Signal: the distribution's AppArmor, present in the kernel and installed, switched off. */
function apparmorDisabled(
  aa: AppArmorState,
  lsms: string[] | undefined,
  base: Metadata,
): FindingDraft | undefined {
  if (!aa.builtIn || !aa.parser || aa.declared.size === 0 || aa.enabled === undefined) return undefined;
  const inLsms = lsms === undefined || lsms.includes("apparmor");
  const meta = { ...base, declared_profiles: aa.declared.size, ...(lsms ? { lsms } : {}) };
  if (!aa.enabled || !inLsms) {
    return {
      check_id: "mac.apparmor.disabled",
      subject: "",
      severity: base.in_container ? "low" : "medium",
      description:
        `AppArmor is in the kernel and ${aa.declared.size} profile(s) are installed, but it is not ` +
        `active (${!aa.enabled ? "enabled=N: booted with apparmor=0" : "missing from the active LSMs"}).` +
        (base.in_container ? " This scan runs inside a container, which may not see the host's state." : ""),
      metadata: meta,
    };
  }
  if (!aa.profiles) return undefined;
  const enforced = enforcedProfiles(aa);
  return {
    check_id: "mac.apparmor.disabled",
    subject: "",
    passed: enforced > 0,
    severity: base.in_container ? "low" : "high",
    description: enforced > 0
      ? `AppArmor enforces ${enforced} profile(s).`
      : `AppArmor is enabled and ${aa.declared.size} profile(s) are installed, but the kernel enforces none: ` +
        "they were unloaded (aa-teardown, apparmor_parser -R) or never loaded at boot.",
    metadata: { ...meta, enforced_profiles: enforced },
  };
}

/** Complain-mode profiles split into those switched there and those their files ship in complain mode. */
function complainDrafts(
  ctx: ScanContext,
  aa: AppArmorState,
  base: Metadata,
  prov: Provenance,
): FindingDraft[] {
  if (!aa.enabled || !aa.profiles) return [];
  const complain = aa.profiles.complain;
  const switched: string[] = [];
  const why: string[] = [];
  const shipped: string[] = [];
  for (const name of complain) {
    const decls = aa.declared.get(name) ?? [];
    const forced = decls.map((d) => d.file.slice(d.file.lastIndexOf("/") + 1)).find((f) =>
      aa.forceComplain.has(f)
    );
    // A profile no file of /etc/apparmor.d declares was loaded by another manager (snapd, LXD, libvirt): it is
    // judged as shipped, since what asked for its mode cannot be read here.
    const weakened = weakenedMode(decls, "complain", prov);
    const reason = weakened?.kind === "not_asked"
      ? weakened.why
      : forced
      ? `forced through force-complain/${forced}`
      : weakened?.why;
    if (reason) {
      switched.push(name);
      why.push(`${name}: ${reason}`);
    } else shipped.push(name);
  }
  const out: FindingDraft[] = [{
    check_id: "mac.apparmor.complain",
    subject: "",
    passed: switched.length === 0,
    description:
      `${switched.length} AppArmor profile(s) switched to complain mode: ${why.slice(0, 10).join("; ")}` +
      (switched.length > 10 ? "; …" : "") + ".",
    metadata: { ...base, complain_profiles: switched.slice(0, 200), complain_count: switched.length },
  }];
  if (ctx.config.hardening) {
    out.push({
      check_id: "mac.apparmor.complain_shipped",
      subject: "",
      passed: shipped.length === 0,
      description: `${shipped.length} AppArmor profile(s) shipped in complain mode: ` +
        shipped.slice(0, 10).join(", ") + (shipped.length > 10 ? ", …" : "") + ".",
      metadata: { ...base, complain_profiles: shipped.slice(0, 200), complain_count: shipped.length },
    });
  }
  return out;
}

function* selinuxDrafts(se: SelinuxState, inContainer: boolean, status: Metadata): Generator<FindingDraft> {
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
        : "SELinux runs permissive, as /etc/selinux/config now says: denials are logged, not enforced.",
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

  const disabled = apparmorDisabled(aa, lsms, base);
  if (disabled) yield disabled;
  yield* selinuxDrafts(se, inContainer, status);
  // The files declaring a profile loaded in complain mode, or one declared in unconfined mode somewhere: the
  // package database says which declarations are the packages'.
  const prov = aa.enabled && aa.profiles
    ? await declarationProvenance(ctx, aa.declared, [
      ...aa.profiles.complain,
      ...[...aa.declared].filter(([, ds]) => ds.some((d) => d.flags.includes("unconfined"))).map(([n]) => n),
    ])
    : undefined;
  for (const d of complainDrafts(ctx, aa, base, prov)) yield d;
  if (mac === "selinux" || mac === "apparmor") {
    await ctx.checkpoint();
    yield* unconfinedDaemons(ctx, mac, aa, base, prov);
  }
  if (!ctx.config.hardening) return;
  if (mac !== "unknown") {
    yield {
      check_id: "mac.none",
      subject: "",
      passed: mac !== undefined,
      description: noneReason(se, aa) +
        (inContainer
          ? " This scan runs inside a container: the host may still confine it, unseen from here."
          : ""),
      metadata: { ...status, ...(mac ? { enforcing_mac: mac } : {}) },
    };
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
export const mac: Scanner = { ...MAC_INFO, run };
