/**
 * The model of a kernel parameter rule: how its values order from weak to strict, the recommendation, the
 * kernel's default and what may make it moot. The data is in sysctl_table.ts and sysctl_net_rules.ts.
 */
import type { Severity } from "../core/severity.ts";

/**
 * How the values of a key order from weak to strict. `higher`: a larger value is stricter; `lower`: a smaller
 * one is; `order`: the listed values, weakest first (an unlisted value is weaker than any listed one);
 * `sysrq`: a bitmask of enabled SysRq functions (1 means all), fewer functions being stricter.
 */
export type Scale =
  | { kind: "higher" }
  | { kind: "lower" }
  | { kind: "order"; weakToStrict: readonly number[] }
  | { kind: "sysrq" };

/** What a rule may consult to decide that its key has no effect on this host (see `SysctlRule.moot`). */
export interface SysctlEnv {
  /** The value another key has (live, or as configured on an image), or undefined. */
  value(key: string): number | undefined;
  /** The IPv4 interfaces with their own conf directory (lo, all and default left out). */
  interfaces(): readonly string[];
}

/** The kernel build option that decides a key's default, and the default it gives. */
export interface KconfigDefault {
  option: string;
  /** The default for the option's value ("n" when the config says it is not set). */
  value: (v: string) => number;
}

/** One kernel parameter. */
export interface SysctlRule {
  /** Dotted sysctl key, e.g. "kernel.kptr_restrict". */
  key: string;
  /** Short name used in the check id `kernel.sysctl.<name>`. */
  name: string;
  scale: Scale;
  /** The least strict value `--hardening` accepts: every value at least as strict passes. */
  recommended: number;
  /** How the recommended value reads in a title ("2", ">= 1", "1 or 2"). */
  describe?: string;
  /**
   * The kernel's default when no configuration sets the key: the upstream default, or the weakest a mainstream
   * distribution kernel builds (Debian and RHEL patch Yama's ptrace_scope to 0), unless `kconfig` decides it.
   */
  kernelDefault: number;
  kconfig?: KconfigDefault;
  /** Severity of `kernel.sysctl.<name>` (`--hardening`): the host is below the recommendation. */
  severity: Severity;
  /** Severity of a value weaker than the shipped one (`kernel.sysctl.weakened_*`): someone changed it. */
  weakened: Severity;
  /** Why the recommended value matters. */
  rationale: string;
  remediation?: string;
  mitre?: string[];
  /** The reason the key has no effect here given other keys (the kernel ignores it), or undefined. */
  moot?: (env: SysctlEnv) => string | undefined;
}

/** A larger value is stricter. */
export const HIGHER: Scale = { kind: "higher" };
/** A smaller value is stricter. */
export const LOWER: Scale = { kind: "lower" };
/** The SysRq functions a recommended value may keep: sync (16), remount read-only (32), reboot (128). */
export const SYSRQ_SAFE = 16 | 32 | 128;
const SYSRQ_ALL = 0x1ff;

/** A kernel default decided by a boolean build option. */
export const kconfigBool = (option: string, on: number, off: number): KconfigDefault => ({
  option,
  value: (v) => (v === "y" ? on : off),
});

/** Every IPv4 interface has a value of `key` that passes `test`; undefined when the host has no interface. */
export function everyInterface(
  env: SysctlEnv,
  key: string,
  test: (v: number) => boolean,
): boolean | undefined {
  const names = env.interfaces();
  if (names.length === 0) return undefined;
  return names.every((n) => {
    const v = env.value(`net.ipv4.conf.${n}.${key}`);
    return v !== undefined && test(v);
  });
}

function bits(value: number): number {
  return value === 1 ? SYSRQ_ALL : value & SYSRQ_ALL & ~1;
}

/** True when `value` is weaker (less strict) than `than` on the scale. */
export function weaker(value: number, than: number, scale: Scale): boolean {
  switch (scale.kind) {
    case "higher":
      return value < than;
    case "lower":
      return value > than;
    case "order":
      return scale.weakToStrict.indexOf(value) < scale.weakToStrict.indexOf(than);
    case "sysrq":
      return (bits(value) & ~bits(than)) !== 0 || (value < 0 && than >= 0);
  }
}

/** True when `value` is at least as strict as the rule's recommended value. */
export function meets(value: number, rule: Pick<SysctlRule, "recommended" | "scale">): boolean {
  return !weaker(value, rule.recommended, rule.scale);
}

/** Human text for a rule's recommendation ("2", ">= 1", "1 or 2"). */
export function describeRecommendation(rule: SysctlRule): string {
  if (rule.describe) return rule.describe;
  switch (rule.scale.kind) {
    case "higher":
      return `>= ${rule.recommended}`;
    case "lower":
      return rule.recommended === 0 ? "0" : `<= ${rule.recommended}`;
    case "order": {
      const ok = rule.scale.weakToStrict.filter((v) => meets(v, rule)).sort((a, b) => a - b);
      return ok.join(" or ");
    }
    case "sysrq":
      return `a subset of ${rule.recommended}`;
  }
}

/**
 * The kernel's default for a rule, from the running kernel's build options when they mention the option that
 * decides it, else the table's default.
 */
export function kernelDefault(rule: SysctlRule, kconfig: ReadonlyMap<string, string> | undefined): number {
  const v = rule.kconfig ? kconfig?.get(rule.kconfig.option) : undefined;
  return rule.kconfig && v !== undefined ? rule.kconfig.value(v) : rule.kernelDefault;
}
