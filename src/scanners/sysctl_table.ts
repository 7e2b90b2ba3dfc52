/**
 * The data table of the kernel parameters kernel_params judges: how each one orders from weak to strict, the
 * least strict value `--hardening` accepts, the kernel's own default, and the severities of a gap against the
 * recommendation (a stock default, `--hardening`) and of a weakening against what the distribution ships
 * (signal, the default scan).
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

const ipv4 = (scope: string, key: string) => `net.ipv4.conf.${scope}.${key}`;
const ipv6 = (scope: string, key: string) => `net.ipv6.conf.${scope}.${key}`;
const HIGHER: Scale = { kind: "higher" };
const LOWER: Scale = { kind: "lower" };
/** rp_filter: off, loose (2), strict (1). */
const RP_FILTER: Scale = { kind: "order", weakToStrict: [0, 2, 1] };
/** suid_dumpable: dump readable by the user (1), dump for root only (2), no dump (0). */
const SUID_DUMPABLE: Scale = { kind: "order", weakToStrict: [1, 2, 0] };
/** The SysRq functions a recommended value may keep: sync (16), remount read-only (32), reboot (128). */
export const SYSRQ_SAFE = 16 | 32 | 128;
const SYSRQ_ALL = 0x1ff;

const kconfigBool = (option: string, on: number, off: number): KconfigDefault => ({
  option,
  value: (v) => (v === "y" ? on : off),
});

/** Every interface of the family has `key` at or above `min` (with no interface, undefined). */
function everyInterface(env: SysctlEnv, key: string, test: (v: number) => boolean): boolean | undefined {
  const names = env.interfaces();
  if (names.length === 0) return undefined;
  return names.every((n) => {
    const v = env.value(ipv4(n, key));
    return v !== undefined && test(v);
  });
}

function redirectRules(): SysctlRule[] {
  const out: SysctlRule[] = [];
  for (const scope of ["all", "default"] as const) {
    const other = scope === "all" ? "default" : "all";
    const acceptOff = (env: SysctlEnv) =>
      env.value(ipv4("all", "accept_redirects")) === 0 &&
      env.value(ipv4("default", "accept_redirects")) === 0;
    out.push(
      {
        key: ipv4(scope, "accept_redirects"),
        name: `ipv4_${scope}_accept_redirects`,
        scale: LOWER,
        recommended: 0,
        kernelDefault: 1,
        severity: "low",
        weakened: "medium",
        rationale:
          "An ICMP redirect rewrites the host's route to a destination; accepting them (1) lets anyone on the " +
          "local network send this host's traffic through a machine of their choice. A host that is not a " +
          "router takes redirects when either the all or the interface value is 1, so both must be 0.",
        mitre: ["T1557"],
      },
      {
        key: ipv4(scope, "secure_redirects"),
        name: `ipv4_${scope}_secure_redirects`,
        scale: HIGHER,
        recommended: 1,
        describe: "1",
        kernelDefault: 1,
        severity: "low",
        weakened: "medium",
        rationale: "With redirects accepted, 1 only follows those that name one of the current default " +
          "gateways, 0 follows any router on the link. The key has no effect once accept_redirects is 0 " +
          "for both all and default, so that passes as well (it is how hardening guides that ask for 0 " +
          "reach their goal).",
        mitre: ["T1557"],
        moot: (env) =>
          acceptOff(env) ? "accept_redirects is 0 (all and default): no redirect is taken" : undefined,
      },
      {
        key: ipv4(scope, "send_redirects"),
        name: `ipv4_${scope}_send_redirects`,
        scale: LOWER,
        recommended: 0,
        kernelDefault: 1,
        severity: "low",
        weakened: "medium",
        rationale:
          "A host sends ICMP redirects only for packets it forwards, telling senders to use another " +
          "gateway; a host that forwards but is not meant to route should not advertise routes (0). The key " +
          "has no effect while net.ipv4.ip_forward is 0.",
        moot: (env) =>
          env.value("net.ipv4.ip_forward") === 0
            ? "net.ipv4.ip_forward is 0: nothing is forwarded"
            : undefined,
      },
      {
        key: ipv4(scope, "accept_source_route"),
        name: `ipv4_${scope}_accept_source_route`,
        scale: LOWER,
        recommended: 0,
        kernelDefault: scope === "all" ? 0 : 1,
        severity: "low",
        weakened: "medium",
        rationale:
          "Source-routed packets carry the path they want to take, letting a sender reach networks " +
          "that filtering would keep them out of. The kernel honours source routing only where both the " +
          "all value and the interface's value are 1, so all = 0 (the kernel default) is enough.",
        mitre: ["T1599"],
        moot: (env) => {
          if (scope === "default") {
            return env.value(ipv4("all", "accept_source_route")) === 0
              ? "net.ipv4.conf.all.accept_source_route is 0: no interface takes source routes"
              : undefined;
          }
          return env.value(ipv4("default", "accept_source_route")) === 0 &&
              everyInterface(env, "accept_source_route", (v) => v === 0)
            ? "the default value and every interface's are 0: no interface takes source routes"
            : undefined;
        },
      },
      {
        key: ipv4(scope, "rp_filter"),
        name: `ipv4_${scope}_rp_filter`,
        scale: RP_FILTER,
        recommended: 2,
        describe: "1 or 2",
        kernelDefault: 0,
        severity: "low",
        weakened: "medium",
        rationale:
          "Reverse-path filtering drops packets whose source address could not be answered through " +
          "the interface they came in on, i.e. spoofed sources. Strict (1) and loose (2, what systemd and " +
          "Ubuntu ship, safe on multi-homed hosts) both pass. The kernel uses the higher of the all value " +
          "and the interface's, so all passes when every interface filters, and default when all does.",
        mitre: ["T1599"],
        moot: (env) => {
          const on = (v: number | undefined) => v === 1 || v === 2;
          if (scope === "default") {
            return on(env.value(ipv4("all", "rp_filter")))
              ? "net.ipv4.conf.all.rp_filter filters every interface"
              : undefined;
          }
          return everyInterface(env, "rp_filter", (v) => on(v))
            ? `every interface filters (rp_filter 1 or 2), whatever the ${other}/all value`
            : undefined;
        },
      },
      {
        key: ipv6(scope, "accept_redirects"),
        name: `ipv6_${scope}_accept_redirects`,
        scale: LOWER,
        recommended: 0,
        kernelDefault: 1,
        severity: "low",
        weakened: "medium",
        rationale: "An IPv6 redirect rewrites the host's route to a destination; accepting them (1) lets " +
          "anyone on the local network divert this host's traffic through a machine of their choice.",
        mitre: ["T1557"],
      },
      {
        key: ipv6(scope, "accept_source_route"),
        name: `ipv6_${scope}_accept_source_route`,
        scale: LOWER,
        recommended: 0,
        describe: "<= 0",
        kernelDefault: 0,
        severity: "low",
        weakened: "medium",
        rationale: "0 accepts only the type 2 routing header of Mobile IPv6 and a negative value none; a " +
          "positive value also accepts routing headers that let a sender choose the path through filters.",
        mitre: ["T1599"],
      },
    );
  }
  return out;
}

/** Every sysctl the kernel_params scanner checks. */
export const SYSCTL_RULES: readonly SysctlRule[] = [
  {
    key: "kernel.randomize_va_space",
    name: "randomize_va_space",
    scale: HIGHER,
    recommended: 2,
    kernelDefault: 2,
    kconfig: kconfigBool("CONFIG_COMPAT_BRK", 1, 2),
    severity: "low",
    weakened: "high",
    rationale: "2 randomises the stack, mmap, vDSO and heap addresses of every process; 1 leaves the heap " +
      "where it always is and 0 switches address-space randomisation off, so a memory-corruption exploit " +
      "can hard-code its addresses. Every mainstream distribution runs 2: a lower value was set on purpose.",
    mitre: ["T1068"],
  },
  {
    key: "kernel.kptr_restrict",
    name: "kptr_restrict",
    scale: HIGHER,
    recommended: 1,
    kernelDefault: 0,
    severity: "low",
    weakened: "medium",
    rationale:
      "With 1, kernel addresses in /proc/kallsyms, /proc/modules and other files read as zeros for " +
      "users without CAP_SYSLOG (2: for everyone); with 0 any user learns where the kernel is, which undoes " +
      "kernel address randomisation for a local kernel exploit.",
    mitre: ["T1068"],
  },
  {
    key: "kernel.dmesg_restrict",
    name: "dmesg_restrict",
    scale: HIGHER,
    recommended: 1,
    describe: "1",
    kernelDefault: 0,
    kconfig: kconfigBool("CONFIG_SECURITY_DMESG_RESTRICT", 1, 0),
    severity: "low",
    weakened: "medium",
    rationale: "1 limits reading the kernel log to CAP_SYSLOG. The log holds kernel addresses, hardware " +
      "details and traces of other users' programs (crash lines with their addresses) that help an exploit.",
    mitre: ["T1082"],
  },
  {
    key: "kernel.kexec_load_disabled",
    name: "kexec_load_disabled",
    scale: HIGHER,
    recommended: 1,
    describe: "1",
    kernelDefault: 0,
    severity: "low",
    weakened: "medium",
    rationale: "1 (which cannot be undone until reboot) stops even root from loading another kernel with " +
      "kexec: replacing the running kernel, and the defences it enforces, without going through the " +
      "firmware and its Secure Boot checks.",
    mitre: ["T1601"],
  },
  {
    key: "kernel.sysrq",
    name: "sysrq",
    scale: { kind: "sysrq" },
    recommended: SYSRQ_SAFE,
    describe: "0 or only sync, remount read-only and reboot (16, 32, 128)",
    kernelDefault: 1,
    kconfig: {
      option: "CONFIG_MAGIC_SYSRQ_DEFAULT_ENABLE",
      value: (v) => {
        const n = Number(v);
        return Number.isInteger(n) && n >= 0 ? n : 1;
      },
    },
    severity: "low",
    weakened: "medium",
    rationale: "The SysRq keys act below any login: at the console (or a serial line's break) they dump " +
      "memory and task state (8), kill every process (64), change the log level or keyboard mode (2, 4) " +
      "and renice real-time tasks (256); 1 allows them all. 0, or a mask of only sync (16), remount " +
      "read-only (32) and reboot (128), such as systemd's 16 or Ubuntu's 176, passes.",
    remediation: "Set kernel.sysrq = 0 (or 176) in /etc/sysctl.d/99-hardening.conf and run sysctl --system.",
  },
  {
    key: "kernel.yama.ptrace_scope",
    name: "yama_ptrace_scope",
    scale: HIGHER,
    recommended: 1,
    kernelDefault: 0,
    severity: "low",
    weakened: "high",
    rationale: "With 0 a process may attach to, and read the memory of, every other process of its user: " +
      "one compromised program takes the user's SSH agent keys, browser sessions and sudo-authenticated " +
      "shells. 1 limits ptrace to a process's own descendants, 2 to CAP_SYS_PTRACE, 3 forbids it.",
    mitre: ["T1055.008"],
  },
  {
    key: "kernel.unprivileged_bpf_disabled",
    name: "unprivileged_bpf_disabled",
    scale: HIGHER,
    recommended: 1,
    kernelDefault: 0,
    kconfig: kconfigBool("CONFIG_BPF_UNPRIV_DEFAULT_OFF", 2, 0),
    severity: "low",
    weakened: "high",
    rationale:
      "The eBPF verifier exposed to unprivileged users has been the way into the kernel for a long " +
      "line of local privilege escalations. 1 (one-way) or 2 (the default of kernels built with " +
      "BPF_UNPRIV_DEFAULT_OFF, as Debian, Ubuntu and RHEL build theirs) reserve bpf() to CAP_BPF.",
    mitre: ["T1068"],
  },
  {
    key: "net.core.bpf_jit_harden",
    name: "bpf_jit_harden",
    scale: HIGHER,
    recommended: 1,
    kernelDefault: 0,
    severity: "low",
    weakened: "medium",
    rationale: "Unprivileged users can still have classic BPF socket filters compiled to machine code. 1 " +
      "blinds the constants of their programs (2: of everyone's), so they cannot fill executable kernel " +
      "memory with bytes of their choosing (JIT spraying).",
    mitre: ["T1068"],
  },
  {
    key: "kernel.perf_event_paranoid",
    name: "perf_event_paranoid",
    scale: HIGHER,
    recommended: 2,
    kernelDefault: 2,
    kconfig: kconfigBool("CONFIG_SECURITY_PERF_EVENTS_RESTRICT", 3, 2),
    severity: "low",
    weakened: "medium",
    rationale: "At 2 unprivileged users may only profile their own code in user mode (Debian's 3 and " +
      "Ubuntu's 4 forbid perf_event_open to them altogether); lower values expose kernel addresses and " +
      "kernel profiling, a large and often exploited interface.",
    mitre: ["T1068"],
  },
  {
    key: "fs.protected_symlinks",
    name: "protected_symlinks",
    scale: HIGHER,
    recommended: 1,
    describe: "1",
    kernelDefault: 0,
    severity: "low",
    weakened: "high",
    rationale: "1 stops a process from following a symlink in a world-writable sticky directory (/tmp) " +
      "that someone else owns: without it, a user plants a link where root will write and redirects the " +
      "write onto any file (the classic /tmp race to root).",
    mitre: ["T1068"],
  },
  {
    key: "fs.protected_hardlinks",
    name: "protected_hardlinks",
    scale: HIGHER,
    recommended: 1,
    describe: "1",
    kernelDefault: 0,
    severity: "low",
    weakened: "high",
    rationale: "1 stops users from hard-linking files they cannot write: without it they keep a link to a " +
      "set-id program that the next update replaces (its vulnerable copy survives) or to a file root " +
      "later writes through a predictable path.",
    mitre: ["T1068"],
  },
  {
    key: "fs.protected_fifos",
    name: "protected_fifos",
    scale: HIGHER,
    recommended: 1,
    kernelDefault: 0,
    severity: "low",
    weakened: "medium",
    rationale: "1 stops a process from opening, for writing with O_CREAT, a FIFO that another user planted " +
      "in a world-writable sticky directory: a privileged program expecting to create its own file would " +
      "otherwise talk to the attacker's pipe.",
  },
  {
    key: "fs.protected_regular",
    name: "protected_regular",
    scale: HIGHER,
    recommended: 1,
    kernelDefault: 0,
    severity: "low",
    weakened: "medium",
    rationale: "1 stops a process from opening with O_CREAT a regular file that another user planted in a " +
      "world-writable sticky directory (2: also in group-writable ones), so a privileged program cannot be " +
      "tricked into writing into a file the attacker created in advance.",
  },
  {
    key: "fs.suid_dumpable",
    name: "suid_dumpable",
    scale: SUID_DUMPABLE,
    recommended: 2,
    describe: "0 or 2",
    kernelDefault: 0,
    severity: "low",
    weakened: "high",
    rationale: "A core dump of a set-id program holds what it read with its privileges (password hashes, " +
      "keys). 1 writes it as the user who ran the program, who then reads the privileged memory. 0 never " +
      "dumps them; 2 dumps them readable by root only, and the kernel then requires a core handler given as " +
      "a pipe or an absolute path (systemd-coredump and Ubuntu's apport set 2): both keep the memory from users.",
    mitre: ["T1003"],
  },
  {
    key: "dev.tty.ldisc_autoload",
    name: "ldisc_autoload",
    scale: LOWER,
    recommended: 0,
    kernelDefault: 1,
    kconfig: kconfigBool("CONFIG_LDISC_AUTOLOAD", 1, 0),
    severity: "low",
    weakened: "medium",
    rationale: "With 1 any user can make the kernel load a rarely used line-discipline module (several " +
      "had exploitable bugs) just by asking a terminal for it; 0 leaves module loading to root.",
    mitre: ["T1068"],
  },
  {
    key: "net.ipv4.tcp_syncookies",
    name: "tcp_syncookies",
    scale: HIGHER,
    recommended: 1,
    kernelDefault: 1,
    severity: "low",
    weakened: "medium",
    rationale: "SYN cookies (1: when the backlog overflows; 2: always) keep the host answering new " +
      "connections during a SYN flood; 0 lets a flood fill the backlog and lock legitimate clients out.",
    mitre: ["T1499"],
  },
  {
    key: "net.ipv4.ip_forward",
    name: "ip_forward",
    scale: LOWER,
    recommended: 0,
    kernelDefault: 0,
    severity: "info",
    weakened: "info",
    rationale:
      "A host that forwards packets is a router between its networks. Container hosts, VPN servers " +
      "and gateways need it (their runtimes set it at run time); elsewhere 0 keeps the host from relaying " +
      "traffic between networks it is attached to.",
    remediation: "Set net.ipv4.ip_forward = 0 unless this host routes traffic (containers, VPN, gateway).",
  },
  {
    key: "net.ipv4.icmp_echo_ignore_broadcasts",
    name: "icmp_echo_ignore_broadcasts",
    scale: HIGHER,
    recommended: 1,
    describe: "1",
    kernelDefault: 1,
    severity: "low",
    weakened: "medium",
    rationale: "Answering pings sent to a broadcast address (0) makes the host an amplifier in smurf " +
      "attacks against a spoofed victim; 1, the kernel default, ignores them.",
    mitre: ["T1498"],
  },
  ...redirectRules(),
];

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
