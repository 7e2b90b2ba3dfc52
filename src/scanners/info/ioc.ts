/** The ioc scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { ScannerInfo } from "../../core/scanner.ts";
import { IOC, IOC_CHECKS } from "../ioc/checks.ts";

/** The ioc scanner's descriptor. */
export const IOC_INFO: ScannerInfo = {
  name: IOC,
  summary:
    "Process indicators of compromise (deleted/fileless/writable executables, injected libraries, LD_* " +
    "hijacking, kernel-thread disguise, miners, reverse shells and relays, hidden pids) and /etc/ld.so.preload.",
  slow: false,
  enabledByDefault: () => true,
  checks: IOC_CHECKS,
  needs: ["root (other users' exe, fd, environ and maps)"],
};
