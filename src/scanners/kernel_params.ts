/**
 * kernel_params: kernel parameters (sysctl), two questions.
 *
 * - By default, "was this changed, and does the change help an attacker?": a parameter weaker than what the
 *   distribution ships (its packages' sysctl.d files over the kernel's own default) is reported when a
 *   configuration entry no package shipped puts it there (with the file and line: that is how the change is
 *   kept across reboots), and when the running kernel has it although no configuration does (a change at
 *   run time).
 * - With --hardening, "how far from a hardened baseline?": every parameter below the recommended value
 *   (`kernel.sysctl.<name>`), every stricter value passing, for the compliance controls.
 */
import type { FindingDraft, Metadata } from "../core/finding.ts";
import type { ScanContext } from "../core/context.ts";
import type { Scanner } from "../core/scanner.ts";
import {
  describeRecommendation,
  kernelDefault,
  meets,
  SYSCTL_RULES,
  type SysctlEnv,
  type SysctlRule,
  weaker,
} from "./sysctl_table.ts";
import {
  applyOrder,
  CMDLINE,
  globMatcher,
  normalizeKey,
  parseCmdlineSysctls,
  type Resolution,
  resolveKeys,
  settingInt,
  sharedSysctlFiles,
  type SysctlFile,
  type SysctlLine,
} from "./sysctl_files.ts";
import { fileOrigins, type Origin } from "./sysctl_origin.ts";
import { readKernelConfig } from "./kernel_config.ts";
import { pid1Name, sysctlAppliedAtBoot } from "../host/init_system.ts";
import { KERNEL_PARAMS_INFO, WEAKENED_CONFIG, WEAKENED_RUNTIME } from "./info/kernel_params.ts";

/** Path of a sysctl under /proc/sys. */
export function sysctlPath(key: string): string {
  return "/proc/sys/" + key.replaceAll(".", "/");
}

/** Parses a sysctl file's content as one integer; undefined when it is not exactly one. */
export function parseSysctlInt(text: string): number | undefined {
  const t = text.trim();
  return /^-?\d{1,18}$/.test(t) ? Number(t) : undefined;
}

/** A value and where it comes from. */
interface Sourced {
  value: number;
  /** "/usr/lib/sysctl.d/99-protect-links.conf line 9", "the kernel default", … */
  source: string;
  file?: string;
  line?: number;
  /** A kernel default read from the kernel's own build options (not assumed). */
  known?: boolean;
}

function fromResolution(r: Resolution | undefined, kdef: Sourced): Sourced {
  const s = r?.setting;
  const v = s ? settingInt(s.value) : undefined;
  if (!s || v === undefined) return kdef;
  return { value: v, source: `${s.file} line ${s.line}`, file: s.file, line: s.line };
}

/** Which local element makes the configured value weaker than the shipped one. */
function culprit(
  rule: SysctlRule,
  all: Resolution | undefined,
  vendor: Resolution | undefined,
  order: readonly SysctlFile[],
  origin: (path: string) => Origin,
): { file: string; line?: number; how: string; origin: Origin } | undefined {
  const s = all?.setting;
  if (s && !origin(s.file).vendor) {
    return {
      file: s.file,
      line: s.line,
      how: `${s.file} line ${s.line} sets ${s.glob ? "it through a glob" : rule.key} = ${s.value}`,
      origin: origin(s.file),
    };
  }
  if (all?.excludedBy && !origin(all.excludedBy.file).vendor) {
    const e = all.excludedBy;
    return {
      file: e.file,
      line: e.line,
      how: `${e.file} line ${e.line} keeps the shipped glob off ${rule.key}`,
      origin: origin(e.file),
    };
  }
  const shippedFile = vendor?.setting?.file;
  if (shippedFile) {
    const name = shippedFile.slice(shippedFile.lastIndexOf("/") + 1);
    const hider = order.find((f) => f.name === name && f.path !== shippedFile);
    if (hider) {
      return {
        file: hider.path,
        how:
          `${hider.path} hides the shipped ${shippedFile}, which sets ${rule.key} = ${vendor?.setting?.value}`,
        origin: origin(hider.path),
      };
    }
  }
  return undefined;
}

function liveEnv(ctx: ScanContext, cache: Map<string, number | undefined>): SysctlEnv {
  return {
    value(key) {
      if (!cache.has(key)) {
        const r = ctx.host.readText(sysctlPath(key), 256);
        cache.set(key, r.ok ? parseSysctlInt(r.value) : undefined);
      }
      return cache.get(key);
    },
    interfaces() {
      const r = ctx.host.readDir("/proc/sys/net/ipv4/conf", 10_000);
      if (!r.ok) return [];
      return r.value.map((e) => e.name).filter((n) => !["all", "default", "lo"].includes(n)).sort();
    },
  };
}

function configEnv(configured: Map<string, number>): SysctlEnv {
  return { value: (key) => configured.get(key), interfaces: () => [] };
}

function readLive(ctx: ScanContext, rule: SysctlRule): number | undefined {
  const path = sysctlPath(rule.key);
  const read = ctx.host.readText(path, 256);
  if (!read.ok) {
    if (read.reason !== "missing") ctx.warn("param_unreadable", `${path}: ${read.message}`);
    return undefined;
  }
  const value = parseSysctlInt(read.value);
  if (value === undefined) {
    ctx.warn("param_unparsable", `${path}: ${JSON.stringify(read.value.slice(0, 64))}`);
  }
  return value;
}

/**
 * Whether a configuration line could put a checked parameter below its recommended value: an assignment of a
 * weaker or non-numeric value, directly or through a glob, or a `-key` that keeps a glob off one. A file with
 * none of those cannot hide a weakening, whoever wrote it (weakenings are always below the recommendation).
 */
function weakensLine(keys: readonly string[]): (line: SysctlLine) => boolean {
  return (line) => {
    const hit = SYSCTL_RULES.filter((_, i) =>
      line.glob ? globMatcher(line.key)(keys[i]) : keys[i] === line.key
    );
    if (line.value === undefined) return hit.length > 0;
    const v = settingInt(line.value);
    return hit.some((r) => v === undefined || !meets(v, r));
  };
}

/** Everything known about one key: its rule and where its shipped and configured values come from. */
interface Row {
  rule: SysctlRule;
  /** The key in slash form. */
  key: string;
  kdef: Sourced;
  conf: Sourced;
  shipped: Sourced;
  /** The configured value comes from a package's file someone edited. */
  edited: boolean;
}

/** Signal: the configuration sets the key below what the distribution ships. */
function configDraft(
  row: Row,
  current: number | undefined,
  why: (row: Row) => ReturnType<typeof culprit>,
): FindingDraft {
  const { rule, conf, shipped, kdef } = row;
  // A package's file edited in place hides what it shipped: a value in it below the recommendation counts,
  // unless the kernel's own build options show it is the kernel default anyway.
  const edited = row.edited && !(kdef.known && !weaker(conf.value, kdef.value, rule.scale));
  const belowShipped = weaker(conf.value, shipped.value, rule.scale);
  const weak = !meets(conf.value, rule) && (belowShipped || edited);
  const cause = weak ? why(row) : undefined;
  return {
    check_id: WEAKENED_CONFIG,
    subject: rule.key,
    passed: !weak,
    severity: rule.weakened,
    description: weak
      ? `${cause?.how ?? `the configuration sets ${rule.key} = ${conf.value}`}: ` +
        (belowShipped
          ? `weaker than the ${shipped.value} the distribution ships (${shipped.source})`
          : `below the recommended ${describeRecommendation(rule)}, and what the package shipped in the ` +
            "file is not known") +
        `${cause ? `; ${cause.file}: ${cause.origin.why}` : ""}.` +
        (current !== undefined ? ` The running value is ${current}.` : "")
      : `${rule.key}: the configuration keeps at least the shipped ${shipped.value}.`,
    metadata: {
      ...baseMeta(row, current),
      ...(cause ? { file: cause.file, origin: cause.origin.why } : {}),
      ...(cause?.line !== undefined ? { line: cause.line } : {}),
      ...(cause?.origin.pkg ? { package: cause.origin.pkg } : {}),
    },
    ...(cause ? { location: { path: cause.file } } : {}),
  };
}

/**
 * Signal: the running kernel has the key weaker than what boot gives it: both the shipped and the configured
 * value where something applies the configuration at boot, the kernel default where nothing does (there a
 * running value between the two is the host's stock state, reported as information).
 */
function runtimeDraft(row: Row, current: number, init: BootInit): FindingDraft {
  const { rule, conf, shipped, kdef } = row;
  const belowFiles = weaker(current, shipped.value, rule.scale) && weaker(current, conf.value, rule.scale) &&
    !meets(current, rule);
  const weak = belowFiles && (init.applies || weaker(current, kdef.value, rule.scale));
  const unapplied = belowFiles && !weak;
  const description = weak
    ? `${rule.key} is ${current} in the running kernel, weaker than the ${shipped.value} the distribution ` +
      `ships (${shipped.source}) and than the ${conf.value} the configuration applies at boot ` +
      `(${conf.source})` +
      (init.applies
        ? `: it was changed at run time (sysctl -w, a write to ${sysctlPath(rule.key)}), or the ` +
          "configuration was not applied at boot."
        : ` and than ${kdef.value}, ${kdef.source}: it was changed at run time (sysctl -w, a write to ` +
          `${sysctlPath(rule.key)}).`)
    : unapplied
    ? `${rule.key} is ${current}, ${kdef.source}: the configuration sets ${conf.value} (${conf.source}) but ` +
      `nothing applies it at boot on this host (${init.why}), so this is its stock state, not a change.`
    : `${rule.key} is ${current}, not weaker than what the configuration and the distribution set.`;
  return {
    check_id: WEAKENED_RUNTIME,
    subject: rule.key,
    passed: !weak && !unapplied,
    severity: unapplied ? "info" : rule.weakened,
    description,
    metadata: {
      ...baseMeta(row, current),
      kernel_default: kdef.value,
      ...(init.applies ? {} : { configuration_applied_at_boot: false }),
    },
    location: { path: sysctlPath(rule.key) },
  };
}

/** Whether boot applies the sysctl configuration here, and why not when it does not. */
interface BootInit {
  applies: boolean;
  why: string;
}

function bootInit(ctx: ScanContext): BootInit {
  if (sysctlAppliedAtBoot(ctx.host)) return { applies: true, why: "" };
  const pid1 = pid1Name(ctx.host);
  return {
    applies: false,
    why:
      `PID 1 is ${pid1 ? JSON.stringify(pid1) : "unknown"}, neither systemd (systemd-sysctl) nor an init ` +
      "running the procps or sysctl script",
  };
}

/** --hardening: the key against the recommended value (the running one, or the configured one on an image). */
function hardeningDraft(row: Row, current: number | undefined, env: SysctlEnv): FindingDraft {
  const { rule, conf } = row;
  const value = current ?? conf.value;
  const ok = meets(value, rule);
  const moot = ok ? undefined : rule.moot?.(env);
  return {
    check_id: `kernel.sysctl.${rule.name}`,
    subject: "",
    passed: ok || moot !== undefined,
    description: moot
      ? `${rule.key} is ${value}, which has no effect here: ${moot}.`
      : `${rule.key} is ${value}${current === undefined ? ` as configured (${conf.source})` : ""}; ` +
        `${describeRecommendation(rule)} is recommended. ${rule.rationale}`,
    metadata: {
      key: rule.key,
      path: sysctlPath(rule.key),
      current: value,
      desired: describeRecommendation(rule),
      source: current === undefined ? "configuration" : "live",
      ...(moot ? { moot } : {}),
    },
  };
}

function baseMeta({ rule, shipped, conf }: Row, current: number | undefined): Metadata {
  return {
    key: rule.key,
    shipped: shipped.value,
    shipped_source: shipped.source,
    configured: conf.value,
    configured_source: conf.source,
    recommended: describeRecommendation(rule),
    ...(current !== undefined ? { current } : {}),
  };
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const live = ctx.host.stat("/proc/sys/kernel").ok;
  const files = sharedSysctlFiles(ctx);
  if (!live && files.length === 0) {
    ctx.skip(
      `no /proc/sys and no sysctl configuration under ${ctx.host.root}: nothing to compare (a running system, ` +
        "or an image with /etc/sysctl.d, is needed)",
    );
    return;
  }
  if (live) {
    const cmd = ctx.host.readText(CMDLINE, 64 << 10);
    const lines = cmd.ok ? parseCmdlineSysctls(cmd.value) : [];
    if (lines.length > 0) files.push({ path: CMDLINE, name: "", rank: -1, lines });
  }
  const keys = SYSCTL_RULES.map((r) => normalizeKey(r.key));
  const origins = await fileOrigins(ctx, files, new Set(keys), weakensLine(keys));
  const origin = (path: string): Origin => origins.get(path) ?? { vendor: false, why: "not read" };
  const order = applyOrder(files);
  const all = resolveKeys(order, keys);
  const vendor = resolveKeys(applyOrder(files.filter((f) => origin(f.path).vendor)), keys);
  const kconfig = live ? await readKernelConfig(ctx) : undefined;
  const rows: Row[] = SYSCTL_RULES.map((rule, i) => {
    const known = rule.kconfig !== undefined && kconfig?.options.has(rule.kconfig.option) === true;
    const kdef: Sourced = {
      value: kernelDefault(rule, kconfig?.options),
      source: known
        ? `the kernel default per ${rule.kconfig?.option} in ${kconfig?.path}`
        : "the kernel default",
      known,
    };
    const setting = all.get(keys[i])?.setting;
    return {
      rule,
      key: keys[i],
      kdef,
      conf: fromResolution(all.get(keys[i]), kdef),
      shipped: fromResolution(vendor.get(keys[i]), kdef),
      edited: setting !== undefined && origin(setting.file).modified === true,
    };
  });
  const why = (row: Row) => culprit(row.rule, all.get(row.key), vendor.get(row.key), order, origin);
  const cache = new Map<string, number | undefined>();
  const env = live ? liveEnv(ctx, cache) : configEnv(new Map(rows.map((r) => [r.rule.key, r.conf.value])));
  const init = bootInit(ctx);
  await ctx.checkpoint();
  for (const row of rows) {
    const current = live ? readLive(ctx, row.rule) : undefined;
    if (live && current === undefined) continue;
    cache.set(row.rule.key, current);
    yield configDraft(row, current, why);
    if (current !== undefined) yield runtimeDraft(row, current, init);
    if (ctx.config.hardening) yield hardeningDraft(row, current, env);
  }
}

/** The kernel_params scanner. */
export const kernelParams: Scanner = { ...KERNEL_PARAMS_INFO, run };
