/**
 * What brought the host up. Several "shipped state" expectations hold only when a given init applied them:
 * systemd mounts its API filesystems with fixed options and systemd-sysctl applies the sysctl.d files, while a
 * host started by another PID 1 (a SysV or OpenRC init, a VM or container supervisor) may apply neither.
 */
import type { Host } from "./host.ts";

/** PID 1's command name (/proc/1/comm) under the scan root; undefined when there is no readable /proc. */
export function pid1Name(host: Host): string | undefined {
  const r = host.readText("/proc/1/comm", 64);
  return r.ok ? r.value.trim() : undefined;
}

/**
 * True when systemd booted the host: /run/systemd/system exists (what sd_booted tests) or PID 1 is systemd.
 * Either one suffices, so deleting the directory does not make a systemd host look otherwise.
 */
export function bootedBySystemd(host: Host): boolean {
  return host.exists("/run/systemd/system") || pid1Name(host) === "systemd";
}

/**
 * True when something applies the sysctl configuration (sysctl.d, sysctl.conf) at boot: systemd-sysctl on a
 * systemd host, the procps or sysctl init script under a SysV or OpenRC init. False for any other PID 1 (a VM
 * or container supervisor): there the running values start at the kernel defaults, whatever the files say.
 */
export function sysctlAppliedAtBoot(host: Host): boolean {
  if (bootedBySystemd(host)) return true;
  const init = pid1Name(host);
  if (init === undefined) return true;
  return ["init", "openrc-init"].includes(init) &&
    (host.exists("/etc/init.d/procps") || host.exists("/etc/init.d/sysctl"));
}
