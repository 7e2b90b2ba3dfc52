/** The mac scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { ScannerInfo } from "../../core/scanner.ts";
import { checks, NAME } from "../mac/checks.ts";

/** The mac scanner's descriptor. */
export const MAC_INFO: ScannerInfo = {
  name: NAME,
  summary:
    "MAC switched off or weakened (AppArmor off or unloaded, SELinux permissive or disabled, profiles " +
    "switched to complain, daemons outside their profile); with --hardening, no MAC, missing profiles, Yama/Landlock.",
  slow: false,
  enabledByDefault: () => true,
  checks,
  needs: ["root"],
};
