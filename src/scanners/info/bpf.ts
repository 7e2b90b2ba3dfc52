/** The bpf scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { ScannerInfo } from "../../core/scanner.ts";
import { BPF, BPF_CHECKS } from "../bpf/checks.ts";

/** The bpf scanner's descriptor. */
export const BPF_INFO: ScannerInfo = {
  name: BPF,
  summary:
    "BPF programs loaded in the running kernel: helpers that write into processes or override kernel " +
    "functions (eBPF rootkits), and tracing and packet programs with the processes that hold them.",
  slow: false,
  enabledByDefault: () => true,
  checks: BPF_CHECKS,
  needs: ["root (CAP_SYS_ADMIN to list programs)"],
};
