/** kernel_params: sysctl values compared with the expectation table (stricter values pass). */
import type { CheckInput } from "../core/catalogue.ts";
import type { FindingDraft } from "../core/finding.ts";
import type { ScanContext } from "../core/context.ts";
import type { Scanner } from "../core/scanner.ts";
import { describeExpectation, meets, SYSCTL_RULES } from "./sysctl_table.ts";

const NAME = "kernel_params";

/** Path of a sysctl under /proc/sys. */
export function sysctlPath(key: string): string {
  return "/proc/sys/" + key.replaceAll(".", "/");
}

/** Parses a sysctl file's content as one integer; undefined when it is not exactly one. */
export function parseSysctlInt(text: string): number | undefined {
  const t = text.trim();
  return /^-?\d{1,18}$/.test(t) ? Number(t) : undefined;
}

const checks: CheckInput[] = SYSCTL_RULES.map((r) => ({
  id: `kernel.sysctl.${r.name}`,
  scanner: NAME,
  title: `${r.key} is not ${describeExpectation(r.expect)}`,
  severity: r.severity,
  category: "kernel_param",
  rationale: r.rationale,
  remediation: r.remediation ??
    `Set ${r.key} = ${
        "min" in r.expect ? r.expect.min : "eq" in r.expect ? r.expect.eq : describeExpectation(r.expect)
      } ` +
      `in /etc/sysctl.d/99-hardening.conf and run sysctl --system.`,
  mitre: r.mitre ?? [],
}));

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  if (!ctx.host.stat("/proc/sys/kernel").ok) {
    ctx.skip(`no /proc/sys under ${ctx.host.root}: sysctls are only readable on a running system`);
    return;
  }
  for (const rule of SYSCTL_RULES) {
    const path = sysctlPath(rule.key);
    const read = ctx.host.readText(path, 256);
    if (!read.ok) {
      if (read.reason !== "missing") ctx.warn("param_unreadable", `${path}: ${read.message}`);
      continue;
    }
    const value = parseSysctlInt(read.value);
    if (value === undefined) {
      ctx.warn("param_unparsable", `${path}: ${JSON.stringify(read.value.slice(0, 64))}`);
      continue;
    }
    yield {
      check_id: `kernel.sysctl.${rule.name}`,
      subject: "",
      passed: meets(value, rule.expect),
      description: rule.rationale,
      metadata: { key: rule.key, path, current: value, desired: describeExpectation(rule.expect) },
    };
  }
}

/** The kernel_params scanner. */
export const kernelParams: Scanner = {
  name: NAME,
  summary: "Kernel parameters (sysctl) against a hardening table; stricter values pass.",
  slow: false,
  enabledByDefault: () => true,
  checks,
  run,
};
