/** The network scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { ScannerInfo } from "../../core/scanner.ts";
import { checks, NAME } from "../network/checks.ts";

/** The network scanner's descriptor. */
export const NETWORK_INFO: ScannerInfo = {
  name: NAME,
  summary:
    "Listening sockets rated by exposure, miner/C2 ports, fan-out, raw and packet sockets, with owners.",
  slow: false,
  enabledByDefault: () => true,
  checks,
  needs: ["root"],
};
