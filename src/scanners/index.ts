/** The scanner registry: registration order is execution-report order. Add one line per scanner. */
import { Catalogue } from "../core/catalogue.ts";
import type { Scanner } from "../core/scanner.ts";
import { containers } from "./containers/index.ts";
import { kernelHardening } from "./kernel_hardening.ts";
import { ioc } from "./ioc/index.ts";
import { persistence } from "./persistence/index.ts";
import { accounts } from "./accounts/index.ts";
import { auth } from "./auth/index.ts";
import { logins } from "./logins/index.ts";
import { systemdUnits } from "./systemd_units/index.ts";
import { auditd } from "./auditd.ts";
import { kernelParams } from "./kernel_params.ts";
import { mac } from "./mac/index.ts";
import { modulesScanner } from "./modules/index.ts";
import { mountsScanner } from "./mounts.ts";
import { network } from "./network/index.ts";
import { processes } from "./processes.ts";
import { suidSgid } from "./suid_sgid.ts";
import { worldWritable } from "./world_writable/index.ts";
import { ebpfExecTrace } from "./ebpf_exec_trace.ts";
import { integrity } from "./integrity/scanner.ts";
import { yara } from "./yara/scanner.ts";

/** Every scanner, in report order. */
export const SCANNERS: readonly Scanner[] = [
  processes,
  network,
  kernelParams,
  modulesScanner,
  worldWritable,
  suidSgid,
  ioc,
  mac,
  persistence,
  accounts,
  auth,
  logins,
  mountsScanner,
  kernelHardening,
  systemdUnits,
  auditd,
  containers,
  integrity,
  yara,
  ebpfExecTrace,
];

/** The check catalogue of the given scanners (every registered one by default; a scan adds its plugins). */
export function fullCatalogue(scanners: readonly Scanner[] = SCANNERS): Catalogue {
  return new Catalogue(scanners.flatMap((s) => s.checks));
}
