/** The persistence scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { ScannerInfo } from "../../core/scanner.ts";
import { PERSISTENCE, PERSISTENCE_CHECKS } from "../persistence/checks.ts";

/** The persistence scanner's descriptor. */
export const PERSISTENCE_INFO: ScannerInfo = {
  name: PERSISTENCE,
  summary:
    "Cron, at, timers, sockets and local units, rc.local, motd scripts, shell and X session start-up files, " +
    "udev, SSH keys, sudoers, ld.so.preload and autostart entries; generators, package units, init scripts, " +
    "GRUB, initramfs and kernel hooks, tmpfiles.d, APT/dpkg/dnf hooks, maintainer scripts, ld.so.conf, NSS " +
    "modules, login and systemd environment, module loading; network, logrotate and binfmt hooks, shell " +
    "aliases and hooks, git and Python start-up code, replaced programs, web shells, self-restarting " +
    "containers; and the scripts each entry runs.",
  slow: false,
  enabledByDefault: () => true,
  checks: PERSISTENCE_CHECKS,
  needs: ["root"],
};
