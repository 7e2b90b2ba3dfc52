/** A sample Finding for rule, risk and compliance tests. */
import type { Finding } from "../../src/core/finding.ts";
import { BASE_SEVERITY_SCORE } from "../../src/core/severity.ts";

/** A finding with sensible defaults; override any field. */
export function sampleFinding(over: Partial<Finding> = {}): Finding {
  const severity = over.severity ?? "medium";
  return {
    id: "mount.tmp.noexec_missing:/tmp",
    check_id: "mount.tmp.noexec_missing",
    scanner: "mounts",
    title: "Temporary directory mounted without noexec",
    description: "Attackers drop payloads in /tmp",
    severity,
    base_severity_score: BASE_SEVERITY_SCORE[severity],
    risk_score: BASE_SEVERITY_SCORE[severity],
    metadata: { mount: "/tmp", options: "rw,nosuid", count: 3, exposed: false, users: ["alice", "bob"] },
    location: { path: "/tmp" },
    mitre: ["T1059"],
    tags: ["fs"],
    severity_source: "raw",
    ...over,
  };
}
