/**
 * The scanner registry as the coordinator sees it: every built-in scanner's descriptor (name, gates, checks),
 * in registration order, which is execution-report order. Descriptors are data: importing this module
 * evaluates no scanner code (the scan worker loads that through `loaders.ts`). Add one line per scanner.
 */
import { Catalogue } from "../core/catalogue.ts";
import type { ScannerInfo } from "../core/scanner.ts";
import { ACCOUNTS_INFO } from "./info/accounts.ts";
import { AUDITD_INFO } from "./info/auditd.ts";
import { AUTH_INFO } from "./info/auth.ts";
import { BPF_INFO } from "./info/bpf.ts";
import { CONTAINERS_INFO } from "./info/containers.ts";
import { EBPF_EXEC_TRACE_INFO } from "./info/ebpf_exec_trace.ts";
import { INTEGRITY_INFO } from "./info/integrity.ts";
import { IOC_INFO } from "./info/ioc.ts";
import { KERNEL_HARDENING_INFO } from "./info/kernel_hardening.ts";
import { KERNEL_PARAMS_INFO } from "./info/kernel_params.ts";
import { LOGINS_INFO } from "./info/logins.ts";
import { MAC_INFO } from "./info/mac.ts";
import { MODULES_INFO } from "./info/modules.ts";
import { MOUNTS_INFO } from "./info/mounts.ts";
import { NETWORK_INFO } from "./info/network.ts";
import { PERSISTENCE_INFO } from "./info/persistence.ts";
import { PROCESSES_INFO } from "./info/processes.ts";
import { SUID_SGID_INFO } from "./info/suid_sgid.ts";
import { SYSTEMD_UNITS_INFO } from "./info/systemd_units.ts";
import { WORLD_WRITABLE_INFO } from "./info/world_writable.ts";
import { YARA_INFO } from "./info/yara.ts";

/** Every scanner's descriptor, in report order. */
export const SCANNERS: readonly ScannerInfo[] = [
  PROCESSES_INFO,
  NETWORK_INFO,
  KERNEL_PARAMS_INFO,
  MODULES_INFO,
  BPF_INFO,
  WORLD_WRITABLE_INFO,
  SUID_SGID_INFO,
  IOC_INFO,
  MAC_INFO,
  PERSISTENCE_INFO,
  ACCOUNTS_INFO,
  AUTH_INFO,
  LOGINS_INFO,
  MOUNTS_INFO,
  KERNEL_HARDENING_INFO,
  SYSTEMD_UNITS_INFO,
  AUDITD_INFO,
  CONTAINERS_INFO,
  INTEGRITY_INFO,
  YARA_INFO,
  EBPF_EXEC_TRACE_INFO,
];

/** The check catalogue of the given scanners (every registered one by default; a scan adds its plugins). */
export function fullCatalogue(scanners: readonly ScannerInfo[] = SCANNERS): Catalogue {
  return new Catalogue(scanners.flatMap((s) => s.checks));
}
