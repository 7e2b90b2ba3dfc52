/**
 * Packages whose tampering gives an attacker control or hides them: shells, core utilities, authentication
 * (PAM, sudo, login, ssh), the C library, init, and the tools a responder uses to look (ps, ss, lsmod, find).
 * Real binary package names, for `--integrity-critical-only`.
 */

/** Debian and Ubuntu binary package names. */
export const CRITICAL_DEBIAN: readonly string[] = [
  "bash",
  "coreutils",
  "cron",
  "dash",
  "findutils",
  "grep",
  "init",
  "iproute2",
  "kmod",
  "libc-bin",
  "libc6",
  "libpam-modules",
  "libpam-modules-bin",
  "libpam-runtime",
  "libpam0g",
  "libssl3",
  "libsystemd0",
  "login",
  "net-tools",
  "openssh-client",
  "openssh-server",
  "openssl",
  "passwd",
  "procps",
  "sudo",
  "systemd",
  "systemd-sysv",
  "util-linux",
];

/** RHEL, Fedora, Rocky and Alma package names. */
export const CRITICAL_RHEL: readonly string[] = [
  "audit",
  "bash",
  "coreutils",
  "cronie",
  "findutils",
  "glibc",
  "grep",
  "iproute",
  "kmod",
  "net-tools",
  "openssh-clients",
  "openssh-server",
  "openssl",
  "openssl-libs",
  "pam",
  "passwd",
  "procps-ng",
  "shadow-utils",
  "sudo",
  "systemd",
  "util-linux",
];

/** The critical list for a package tool. */
export function criticalPackages(tool: "dpkg" | "rpm"): readonly string[] {
  return tool === "dpkg" ? CRITICAL_DEBIAN : CRITICAL_RHEL;
}

const ALL = new Set([...CRITICAL_DEBIAN, ...CRITICAL_RHEL]);

/** True for a package on either critical list (name without an `:arch` suffix). */
export function isCriticalPackage(name: string): boolean {
  const colon = name.indexOf(":");
  return ALL.has(colon < 0 ? name : name.slice(0, colon));
}
