/** The world_writable scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { ScannerInfo } from "../../core/scanner.ts";
import { WORLD_WRITABLE, WORLD_WRITABLE_CHECKS } from "../world_writable/checks.ts";

/** The world_writable scanner's descriptor. */
export const WORLD_WRITABLE_INFO: ScannerInfo = {
  name: WORLD_WRITABLE,
  summary:
    "World-writable files and directories in system trees, set-id interpreters and file capabilities " +
    "(also in temp dirs); with --fs-hygiene root's PATH and set-id hard links. Reads the filesystem census " +
    "it shares with suid_sgid (a whole-tree walk, so --fast-scan skips it).",
  slow: true,
  heavy: true,
  enabledByDefault: () => true,
  checks: WORLD_WRITABLE_CHECKS,
  needs: ["root"],
};
