/** The kernel_params scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { CheckInput } from "../../core/catalogue.ts";
import { describeRecommendation, SYSCTL_RULES } from "../sysctl_table.ts";
import type { ScannerInfo } from "../../core/scanner.ts";

const NAME = "kernel_params";
/** A weakened value set by a configuration entry no package shipped. */
export const WEAKENED_CONFIG = "kernel.sysctl.weakened_config";
/** A weakened value in the running kernel that no configuration sets. */
export const WEAKENED_RUNTIME = "kernel.sysctl.weakened_runtime";
const SEVERITY_NOTE = "High for the parameters whose weakening directly prepares privilege escalation or " +
  "credential theft (randomize_va_space, yama.ptrace_scope, unprivileged_bpf_disabled, protected_symlinks, " +
  "protected_hardlinks, suid_dumpable), medium for the others, information for ip_forward (a role, not a " +
  "weakening): a deliberate change outranks the same value as a stock default, which --hardening rates low.";

const checks: CheckInput[] = [
  {
    id: WEAKENED_CONFIG,
    scanner: NAME,
    title: "Kernel parameter weakened by a configuration file no package shipped",
    severity: "high",
    category: "kernel_param",
    rationale: "A sysctl.d or sysctl.conf entry that no package installed (or a package's file someone " +
      "edited, a file hiding a shipped one of the same name, a `sysctl.` kernel argument) sets a kernel " +
      "parameter below the value the distribution ships. It is applied again at every boot: how an intruder " +
      "keeps a defence off (ptrace for credential theft, address randomisation, link protections). " +
      SEVERITY_NOTE,
    remediation: "Find who wrote or edited the file (package logs, shell history, file times), remove the " +
      "entry, and apply the shipped configuration with `sysctl --system`.",
    mitre: ["T1562.001"],
  },
  {
    id: WEAKENED_RUNTIME,
    scanner: NAME,
    title: "Kernel parameter weakened at run time",
    severity: "high",
    category: "kernel_param",
    rationale: "The running kernel has a value weaker than both what the distribution ships and what the " +
      "configuration on disk applies at boot: root changed it at run time (sysctl -w, a write under " +
      "/proc/sys), as intruders do before an exploit or to read other processes' memory, or the " +
      "configuration was not applied at boot. Where nothing applies the configuration at boot (PID 1 neither " +
      "systemd nor an init running the procps or sysctl script, as in some VMs and containers) the running " +
      "value is judged against the kernel default, and a value between the two is information. " +
      SEVERITY_NOTE,
    remediation:
      "Find who changed it (audit records of writes under /proc/sys, shell history), then restore " +
      "the configured values with `sysctl --system`.",
    mitre: ["T1562.001"],
  },
  ...SYSCTL_RULES.map((r): CheckInput => ({
    id: `kernel.sysctl.${r.name}`,
    scanner: NAME,
    title: `${r.key} is not ${describeRecommendation(r)}`,
    severity: r.severity,
    category: "kernel_param",
    hardening: true,
    rationale: r.rationale,
    remediation: r.remediation ??
      `Set ${r.key} = ${r.recommended} in /etc/sysctl.d/99-hardening.conf and run sysctl --system.`,
    mitre: r.mitre ?? [],
  })),
];

/** The kernel_params scanner's descriptor. */
export const KERNEL_PARAMS_INFO: ScannerInfo = {
  name: NAME,
  summary: "Kernel parameters (sysctl): weakened against what the distribution ships, by a configuration " +
    "file no package shipped or at run time; with --hardening, below a hardened baseline (stricter values pass).",
  slow: false,
  enabledByDefault: () => true,
  checks,
};
