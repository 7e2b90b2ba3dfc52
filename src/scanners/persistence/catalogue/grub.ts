/** Catalogue of the persistence scanner's grub family (data only). */
import type { CheckInput } from "../../../core/catalogue.ts";

/** The checks of the boot families (grub.ts and initramfs.ts; the scanner name is added in checks.ts). */
export const BOOT_CHECKS: Omit<CheckInput, "scanner">[] = [
  {
    id: "persistence.boot.init_override",
    title: "Kernel command line replaces the init program",
    severity: "high",
    category: "ioc",
    rationale:
      "init= (or rdinit= for the initramfs) makes the kernel start that program as PID 1 instead of systemd: " +
      "whatever it is runs first, as root, at every boot, and can start the real init afterwards to stay unseen." +
      " High: the program named runs as the first process, as root, before any service or security tool starts.",
    remediation:
      "Remove the parameter from the boot configuration (GRUB_CMDLINE_* in /etc/default/grub, then update-grub / " +
      "grub2-mkconfig; or grubby --remove-args) and inspect the program it named.",
    mitre: ["T1542.003", "T1037"],
    confidence: "certain",
  },
  {
    id: "persistence.boot.protection_off",
    title: "Kernel command line switches a protection off",
    severity: "medium",
    category: "ioc",
    rationale:
      "module.sig_enforce=0, lockdown=none, security=none, selinux=0, enforcing=0, apparmor=0 or ima_appraise=off " +
      "in the boot configuration turn off, at every boot, what stops unsigned kernel modules or confines " +
      "services: the ground an intruder prepares for a rootkit.",
    remediation:
      "Remove the parameter from the boot configuration and regenerate it (update-grub, grub2-mkconfig, " +
      "grubby --remove-args), unless it is a documented decision.",
    mitre: ["T1542.003", "T1562.001"],
    confidence: "certain",
  },
  {
    id: "persistence.boot_script.unowned",
    title: "Boot-time script that no package installed",
    severity: "medium",
    category: "ioc",
    rationale:
      "/etc/grub.d scripts run as root whenever the boot menu is regenerated and write what the boot loader " +
      "does; initramfs hooks and scripts and dracut modules run while the initramfs is built and at boot before " +
      "the root filesystem is mounted. One that no package installed was added by hand or by an intruder.",
    remediation:
      "Read it; if nobody installed it on purpose, keep a copy, remove it and rebuild the boot files " +
      "(update-grub, update-initramfs -u, dracut -f), then check what the old ones contained.",
    mitre: ["T1542.003", "T1037"],
    confidence: "heuristic",
  },
];
