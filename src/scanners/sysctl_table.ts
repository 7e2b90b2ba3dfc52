/**
 * The data table of the kernel parameters kernel_params judges: how each one orders from weak to strict, the
 * least strict value `--hardening` accepts, the kernel's own default, and the severities of a gap against the
 * recommendation (a stock default, `--hardening`) and of a weakening against what the distribution ships
 * (signal, the default scan). The per-interface network rules are in sysctl_net_rules.ts.
 */
import { HIGHER, kconfigBool, LOWER, type Scale, type SysctlRule, SYSRQ_SAFE } from "./sysctl_rule.ts";
import { netConfRules } from "./sysctl_net_rules.ts";

export {
  describeRecommendation,
  kernelDefault,
  meets,
  type Scale,
  type SysctlEnv,
  type SysctlRule,
  SYSRQ_SAFE,
  weaker,
} from "./sysctl_rule.ts";

/** suid_dumpable: dump readable by the user (1), dump for root only (2), no dump (0). */
const SUID_DUMPABLE: Scale = { kind: "order", weakToStrict: [1, 2, 0] };

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
  ...netConfRules(),
];
