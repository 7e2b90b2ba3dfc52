/** The auth scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { ScannerInfo } from "../../core/scanner.ts";
import { AUTH, AUTH_CHECKS } from "../auth/checks.ts";

/** The auth scanner's descriptor. */
export const AUTH_INFO: ScannerInfo = {
  name: AUTH,
  summary:
    "Authentication: PAM stacks (pam_exec, bypasses, foreign or modified modules, nullok), sshd's effective " +
    "configuration with Include and Match, polkit rules and D-Bus system services.",
  slow: false,
  enabledByDefault: () => true,
  checks: AUTH_CHECKS,
  needs: ["root (module digests, other users' ~/.ssh/rc)"],
};
