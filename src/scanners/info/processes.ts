/** The processes scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { CheckInput } from "../../core/catalogue.ts";
import type { ScannerInfo } from "../../core/scanner.ts";

const NAME = "processes";

const checks: CheckInput[] = [{
  id: "process.inventory.entry",
  scanner: NAME,
  title: "Running process",
  severity: "info",
  category: "process",
  rationale:
    "An inventory of what runs (identity, owner, executable, arguments, container, namespaces) is the " +
    "baseline a responder compares a compromised host against.",
  remediation: "None: informational. Compare with a known-good baseline (`--baseline-db`) to spot newcomers.",
  confidence: "certain",
}];

/** The processes scanner's descriptor. */
export const PROCESSES_INFO: ScannerInfo = {
  name: NAME,
  summary: "Process inventory from the shared /proc snapshot (with --process-inventory).",
  slow: false,
  enabledByDefault: () => true,
  checks,
  needs: ["root (other users' exe, cwd, fd and environ links)"],
};
