/** The logins scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { ScannerInfo } from "../../core/scanner.ts";
import { LOGIN_CHECKS, LOGINS } from "../logins/checks.ts";

/** The logins scanner's descriptor. */
export const LOGINS_INFO: ScannerInfo = {
  name: LOGINS,
  summary:
    "Login records read natively (utmp, wtmp, btmp, lastlog): current sessions, remote root and system-account " +
    "logins, brute force, wiped or redirected records, and shell history turned off.",
  slow: false,
  enabledByDefault: () => true,
  checks: LOGIN_CHECKS,
  needs: ["root (btmp, other users' homes)"],
};
