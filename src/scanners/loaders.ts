/**
 * The scanner registry of the scan worker: each scanner's module loaded only when the scan runs it. index.ts
 * imports every scanner (the CLI needs their names, checks and budgets); the worker needs only the code of
 * the ones it runs, and every module it does not evaluate is memory and start-up time saved in that second
 * isolate (`--fast-scan` leaves out five scanners, `--enable integrity` runs one). A test keeps this table and
 * SCANNERS in step.
 */
import type { Scanner } from "../core/scanner.ts";

/** Scanner name → its module's scanner, loaded on first use. */
export const SCANNER_LOADERS: Readonly<Record<string, () => Promise<Scanner>>> = {
  processes: async () => (await import("./processes.ts")).processes,
  network: async () => (await import("./network/index.ts")).network,
  kernel_params: async () => (await import("./kernel_params.ts")).kernelParams,
  modules: async () => (await import("./modules/index.ts")).modulesScanner,
  world_writable: async () => (await import("./world_writable/index.ts")).worldWritable,
  suid_sgid: async () => (await import("./suid_sgid.ts")).suidSgid,
  ioc: async () => (await import("./ioc/index.ts")).ioc,
  mac: async () => (await import("./mac/index.ts")).mac,
  persistence: async () => (await import("./persistence/index.ts")).persistence,
  accounts: async () => (await import("./accounts/index.ts")).accounts,
  auth: async () => (await import("./auth/index.ts")).auth,
  logins: async () => (await import("./logins/index.ts")).logins,
  mounts: async () => (await import("./mounts.ts")).mountsScanner,
  kernel_hardening: async () => (await import("./kernel_hardening.ts")).kernelHardening,
  systemd_units: async () => (await import("./systemd_units/index.ts")).systemdUnits,
  auditd: async () => (await import("./auditd.ts")).auditd,
  containers: async () => (await import("./containers/index.ts")).containers,
  integrity: async () => (await import("./integrity/scanner.ts")).integrity,
  yara: async () => (await import("./yara/scanner.ts")).yara,
  ebpf_exec_trace: async () => (await import("./ebpf_exec_trace.ts")).ebpfExecTrace,
};

/** The built-in scanners among `names`, loaded (names that are not built in are left out). */
export async function loadScanners(names: readonly string[]): Promise<Scanner[]> {
  const out: Scanner[] = [];
  for (const n of names) {
    if (Object.hasOwn(SCANNER_LOADERS, n)) out.push(await SCANNER_LOADERS[n]());
  }
  return out;
}
