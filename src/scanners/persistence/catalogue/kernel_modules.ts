/** Catalogue of the persistence scanner's kernel modules family (data only). */
import type { CheckInput } from "../../../core/catalogue.ts";

/** The checks of this file (the scanner name is added in checks.ts). */
export const KERNEL_MODULE_CHECKS: Omit<CheckInput, "scanner">[] = [
  {
    id: "persistence.module_load.unknown",
    title: "Module loaded at boot that no installed kernel ships",
    severity: "medium",
    category: "kernel_module",
    rationale:
      "modules-load.d and /etc/modules name modules systemd-modules-load loads at every boot. A name that is in " +
      "no installed kernel's module index (modules.dep, modules.builtin, aliases) is a module put in place by " +
      "hand — the usual way a rootkit module comes back after a reboot — or a stale entry.",
    remediation:
      "Find the module file (modinfo <name>, find /lib/modules -name '<name>.ko*'), check where it came from, " +
      "and remove the entry unless the module is known; a module not in modules.dep was installed without depmod.",
    mitre: ["T1547.006"],
    confidence: "heuristic",
  },
  {
    id: "persistence.module_load.unowned",
    title: "Module loaded at boot whose file no package installed",
    severity: "medium",
    category: "kernel_module",
    rationale:
      "The module a boot-time entry loads is in the kernel's module tree, but no package installed the file " +
      "(and DKMS did not build it): a module copied in and indexed with depmod to load at every boot.",
    remediation:
      "Check the module's origin (modinfo, its signature, its timestamps); remove the entry and the file unless " +
      "a vendor driver installer put it there.",
    mitre: ["T1547.006"],
    confidence: "heuristic",
  },
  {
    id: "persistence.modprobe.command",
    title: "modprobe runs a program when a module is loaded or removed",
    severity: "medium",
    category: "kernel_module",
    rationale:
      "An `install` or `remove` line of modprobe.d replaces loading (or unloading) the module with a shell " +
      "command that runs as root every time the module is requested — at boot, when a device appears, or when " +
      "any program asks for the module. Stock files use it only to block modules (/bin/false, /bin/true) or to " +
      "load companions with modprobe.",
    remediation:
      "Read the command; remove the line unless it is a known local arrangement, and inspect the programs it runs.",
    mitre: ["T1547.006", "T1546"],
    confidence: "heuristic",
  },
];
