/**
 * The scanner registry of the scan worker: each scanner's module loaded only when the scan runs it. index.ts
 * holds every scanner's descriptor (the coordinator needs their names, checks and budgets); the worker needs
 * only the code of the ones it runs, and every module it does not evaluate is memory and start-up time saved
 * in that second isolate (`--fast-scan` leaves out six scanners, `--enable integrity` runs one).
 *
 * The modules are named by URLs made at run time, not by literal `import()`s: `deno run` reads and parses every
 * module a literal `import()` names when the importing module loads, so the worker paid for the graphs of all
 * twenty scanners (measured for one scanner's graph: 2.5 MiB and 10 ms). scripts/compile.ts embeds them
 * (`SCANNER_MODULES`); a test keeps this table, the registry and the modules in step.
 */
import type { Scanner } from "../core/scanner.ts";

/** Scanner name → its module (relative to this file) and the name of the export that is the scanner. */
export const SCANNER_MODULES: Readonly<Record<string, { path: string; export: string }>> = {
  processes: { path: "./processes.ts", export: "processes" },
  network: { path: "./network/index.ts", export: "network" },
  kernel_params: { path: "./kernel_params.ts", export: "kernelParams" },
  modules: { path: "./modules/index.ts", export: "modulesScanner" },
  bpf: { path: "./bpf/index.ts", export: "bpfScanner" },
  world_writable: { path: "./world_writable/index.ts", export: "worldWritable" },
  suid_sgid: { path: "./suid_sgid.ts", export: "suidSgid" },
  ioc: { path: "./ioc/index.ts", export: "ioc" },
  mac: { path: "./mac/index.ts", export: "mac" },
  persistence: { path: "./persistence/index.ts", export: "persistence" },
  accounts: { path: "./accounts/index.ts", export: "accounts" },
  auth: { path: "./auth/index.ts", export: "auth" },
  logins: { path: "./logins/index.ts", export: "logins" },
  mounts: { path: "./mounts.ts", export: "mountsScanner" },
  kernel_hardening: { path: "./kernel_hardening.ts", export: "kernelHardening" },
  systemd_units: { path: "./systemd_units/index.ts", export: "systemdUnits" },
  auditd: { path: "./auditd.ts", export: "auditd" },
  containers: { path: "./containers/index.ts", export: "containers" },
  integrity: { path: "./integrity/scanner.ts", export: "integrity" },
  yara: { path: "./yara/scanner.ts", export: "yara" },
  ebpf_exec_trace: { path: "./ebpf_exec_trace.ts", export: "ebpfExecTrace" },
};

/** Loads one built-in scanner's module and returns its scanner (the name must be a key of SCANNER_MODULES). */
export async function loadScanner(name: string): Promise<Scanner> {
  const m = SCANNER_MODULES[name];
  const mod = await import(new URL(m.path, import.meta.url).href) as Record<string, Scanner>;
  return mod[m.export];
}

/** The built-in scanners among `names`, loaded (names that are not built in are left out). */
export async function loadScanners(names: readonly string[]): Promise<Scanner[]> {
  const out: Scanner[] = [];
  for (const n of names) {
    if (Object.hasOwn(SCANNER_MODULES, n)) out.push(await loadScanner(n));
  }
  return out;
}
