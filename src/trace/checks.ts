/** The exec/connect trace's check catalogue (data only, read by the scan's coordinator without the tracer). */
import type { CheckInput } from "../core/catalogue.ts";

/** The scanner's name. */
export const SCANNER = "ebpf_exec_trace";

/** The trace checks. */
export const TRACE_CHECKS: CheckInput[] = [
  {
    id: "trace.exec.observed",
    scanner: SCANNER,
    title: "Program executed during the trace",
    severity: "info",
    category: "process",
    rationale: "What ran while the host was watched, with its parents, is the raw material of triage.",
    remediation: "Review unexpected programs and their parent chain.",
    mitre: ["T1059"],
  },
  {
    id: "trace.exec.suspicious_location",
    scanner: SCANNER,
    title: "Program executed from a temporary, home, user-writable, deleted or memory-only location",
    severity: "medium",
    category: "ioc",
    rationale:
      "Payloads are dropped in world-writable or user directories, or run from memfd or deleted files to leave nothing on disk. " +
      "A program a non-root account can replace (its file or a directory above it owned by that account or writable by " +
      "a non-root group) runs whatever that account puts there.",
    remediation:
      "Identify the file and its parent process; preserve it (/proc/<pid>/exe while it runs) and investigate how it got there.",
    mitre: ["T1204.002", "T1620"],
    confidence: "heuristic",
  },
  {
    id: "trace.connect.external",
    scanner: SCANNER,
    title: "Outbound connection to an external address",
    severity: "low",
    category: "network_socket",
    rationale:
      "Outbound connections from shells, interpreters, programs in temporary directories or to unusual ports are how implants reach their operators.",
    remediation:
      "Check that the program is expected to talk to this destination; block and investigate if not.",
    mitre: ["T1071", "T1571"],
    confidence: "heuristic",
  },
  {
    id: "trace.connect.private",
    scanner: SCANNER,
    title: "Outbound connection to a private or link-local address",
    severity: "info",
    category: "network_socket",
    rationale:
      "Connections to internal addresses from unusual programs can be lateral movement or internal reconnaissance.",
    remediation: "Check that the program is expected to talk to this internal destination.",
    mitre: ["T1021", "T1046"],
    confidence: "heuristic",
  },
];
