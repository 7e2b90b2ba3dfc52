/** The ebpf_exec_trace scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { ScannerInfo } from "../../core/scanner.ts";
import { SCANNER, TRACE_CHECKS } from "../../trace/checks.ts";

/** The ebpf_exec_trace scanner's descriptor. */
export const EBPF_EXEC_TRACE_INFO: ScannerInfo = {
  name: SCANNER,
  summary:
    "Traces process executions and outbound connects with eBPF for --ioc-exec-trace seconds (/proc polling fallback).",
  slow: true,
  enabledByDefault: (config) => config.iocExecTrace !== undefined,
  checks: TRACE_CHECKS,
  needs: ["root or CAP_BPF+CAP_PERFMON", "kernel BTF", "libbpf"],
};
