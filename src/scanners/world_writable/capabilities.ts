/** File capabilities: the decoded security.capability attribute of an executable, rated by what it grants. */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { Severity } from "../../core/severity.ts";
import type { WalkEntry } from "../../host/walker.ts";
import { decodeFileCaps } from "../../host/xattr.ts";
import { pathLocation } from "../../host/location.ts";
import { entryTimes, octalMode } from "../fs_common.ts";
import { DANGEROUS_CAPABILITIES, EXPECTED_FILE_CAPS, isShellEscapeProgram } from "../suid_expected.ts";

/** Capabilities that are root in all but name; on an unexpected program they are critical. */
export const CRITICAL_CAPABILITIES: ReadonlySet<string> = new Set([
  "CAP_SETUID",
  "CAP_SETGID",
  "CAP_SYS_ADMIN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_SYS_MODULE",
  "CAP_SYS_PTRACE",
  "CAP_SETFCAP",
]);

/**
 * The fs.capability.file finding for an executable's raw attribute (passed when the distribution sets these
 * capabilities on this program); a malformed attribute is a warning and no finding.
 */
export function capabilityFinding(e: WalkEntry, raw: Uint8Array, ctx: ScanContext): FindingDraft | undefined {
  const caps = decodeFileCaps(raw);
  if ("error" in caps) {
    ctx.warn("xattr_malformed", `${e.path}: ${caps.error}`);
    return undefined;
  }
  const all = [...new Set([...caps.permitted, ...caps.inheritable])].sort();
  const expected = EXPECTED_FILE_CAPS.get(e.path);
  const dangerous = all.filter((c) => DANGEROUS_CAPABILITIES.has(c));
  const critical = all.filter((c) => CRITICAL_CAPABILITIES.has(c));
  let severity: Severity;
  let reason: string;
  let passed = false;
  const loc = pathLocation(e.path);
  if (expected !== undefined && all.every((c) => expected.includes(c))) {
    passed = true;
    severity = "info";
    reason = "capabilities this distribution sets on this program";
  } else if (loc !== undefined && all.length > 0) {
    severity = "critical";
    reason = `capabilities on a program in a ${loc} directory`;
  } else if (critical.length > 0 || (dangerous.length > 0 && isShellEscapeProgram(e.name))) {
    severity = "critical";
    reason = `root-equivalent capabilities (${(critical.length > 0 ? critical : dangerous).join(", ")})`;
  } else if (dangerous.length > 0) {
    severity = "high";
    reason = `privileged capabilities (${dangerous.join(", ")})`;
  } else {
    severity = "low";
    reason = all.length === 0 ? "empty capability sets" : "capabilities that do not give root";
  }
  return {
    check_id: "fs.capability.file",
    subject: e.path,
    passed,
    severity: passed ? undefined : severity,
    description: `${e.path} has file capabilities ${all.join(",") || "(none)"}${
      caps.effective ? "+ep" : ""
    }: ${reason}.`,
    metadata: {
      path: e.path,
      capabilities: all,
      permitted: caps.permitted,
      inheritable: caps.inheritable,
      effective: caps.effective,
      revision: caps.revision,
      rootid: caps.rootid,
      mode: octalMode(e.mode),
      uid: e.uid,
      reason,
      ...entryTimes(e),
    },
    location: { path: e.path },
  };
}
