/**
 * The kernel's usermode helpers as data: each setting's sysctl key, the files its live value is in, what it
 * runs, and whether its value names a program only after a `|`. Read by sources/kernel_helpers.ts (the values
 * configured and live) and by shell_words.ts (a script that writes one).
 */

/** A usermode helper setting: its sysctl key (slash form), where its live value is, and what it does. */
export interface Helper {
  key: string;
  live: readonly string[];
  role: string;
  /** The value names a program only after a leading `|` (core_pattern); otherwise the value is the program. */
  piped: boolean;
}

/** The usermode helpers the kernel runs as root. */
export const KERNEL_HELPERS: readonly Helper[] = [
  {
    key: "kernel/core_pattern",
    live: ["/proc/sys/kernel/core_pattern"],
    role: "crash-dump handler (every crash of any process)",
    piped: true,
  },
  {
    key: "kernel/modprobe",
    live: ["/proc/sys/kernel/modprobe"],
    role: "module loader (every module request and unknown executable format)",
    piped: false,
  },
  {
    key: "kernel/hotplug",
    live: ["/proc/sys/kernel/hotplug", "/sys/kernel/uevent_helper"],
    role: "uevent helper (every device event)",
    piped: false,
  },
  {
    key: "kernel/poweroff_cmd",
    live: ["/proc/sys/kernel/poweroff_cmd"],
    role: "orderly power-off command",
    piped: false,
  },
];
