/** The persistence scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { ScannerInfo } from "../../core/scanner.ts";
import { PERSISTENCE, PERSISTENCE_CHECKS } from "../persistence/checks.ts";

/** The persistence scanner's descriptor. */
export const PERSISTENCE_INFO: ScannerInfo = {
  name: PERSISTENCE,
  summary:
    "Cron, at, incron, timers, sockets and local units, rc.local, motd scripts, shell, editor and X session " +
    "start-up files, display managers' hooks, udev, SSH keys, sudoers, ld.so.preload and autostart entries; " +
    "generators, package units, sleep and shutdown hooks, init scripts, GRUB, initramfs and kernel hooks, " +
    "tmpfiles.d, APT/dpkg/dnf hooks, maintainer scripts, ld.so.conf, NSS modules, login and systemd environment, " +
    "module loading; network, logrotate, logger and binfmt hooks, fail2ban actions, inetd and xinetd services, " +
    "process supervisors (supervisord, monit, runit), monitoring agents (snmpd, Zabbix, NRPE), web and database " +
    "servers' hooks and modules, container engines' runtimes and OCI hooks; shell aliases and hooks, git, ssh " +
    "client, kubeconfig and Docker client hooks, Python start-up code, replaced programs, web shells, " +
    "self-restarting containers; and the scripts each entry runs.",
  slow: false,
  enabledByDefault: () => true,
  checks: PERSISTENCE_CHECKS,
  needs: ["root"],
};
