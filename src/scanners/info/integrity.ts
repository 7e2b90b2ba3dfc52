/** The integrity scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { ScannerInfo } from "../../core/scanner.ts";
import { checks, NAME } from "../integrity/checks.ts";

/** The integrity scanner's descriptor. */
export const INTEGRITY_INFO: ScannerInfo = {
  name: NAME,
  summary:
    "Package file verification (native dpkg md5sums, or dpkg/rpm --verify) and IMA measurement counts.",
  slow: true,
  heavy: true,
  enabledByDefault: (c) => c.integrity,
  checks,
  needs: ["root"],
};
