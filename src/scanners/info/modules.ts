/** The modules scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { ScannerInfo } from "../../core/scanner.ts";
import { MODULES, MODULES_CHECKS } from "../modules/checks.ts";

/** The modules scanner's descriptor. */
export const MODULES_INFO: ScannerInfo = {
  name: MODULES,
  summary:
    "Loaded kernel modules: hidden, unsigned, out-of-tree, missing or odd ELF files, and kernel taint. " +
    "--fast-scan keeps the view comparison and taint but skips reading and decompressing module files.",
  slow: false,
  enabledByDefault: () => true,
  checks: MODULES_CHECKS,
};
