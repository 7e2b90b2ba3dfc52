/** The accounts scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { ScannerInfo } from "../../core/scanner.ts";
import { ACCOUNT_CHECKS, ACCOUNTS } from "../accounts/checks.ts";

/** The accounts scanner's descriptor. */
export const ACCOUNTS_INFO: ScannerInfo = {
  name: ACCOUNTS,
  summary:
    "Local accounts as glibc reads them: extra uid-0 and lookalike accounts, shared uids, empty or obsolete " +
    "passwords, system accounts given a password, shell or keys, root-equivalent groups, recent changes.",
  slow: false,
  enabledByDefault: () => true,
  checks: ACCOUNT_CHECKS,
  needs: ["root (/etc/shadow, /etc/gshadow)"],
};
