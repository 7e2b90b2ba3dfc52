/** The containers scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { ScannerInfo } from "../../core/scanner.ts";
import { checks, NAME } from "../containers/checks.ts";

/** The containers scanner's descriptor. */
export const CONTAINERS_INFO: ScannerInfo = {
  name: NAME,
  summary:
    "Am I a container, running containers (runtime, pids), privileged/host-namespace containers, runtime sockets.",
  slow: false,
  enabledByDefault: (c) => c.containers,
  checks,
  needs: ["root"],
};
