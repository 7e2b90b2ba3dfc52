/** Set-id hard links (--fs-hygiene): a set-id file with a link outside the system directories, or links not found. */
import type { FindingDraft } from "../../core/finding.ts";
import type { Severity } from "../../core/severity.ts";
import { SYSTEM_DIRS, under } from "../../host/location.ts";
import { octalMode } from "../fs_common.ts";

/** The links of one set-id file (one dev:inode) met in the census. */
export interface SetidLink {
  paths: string[];
  nlink: number;
  mode: number;
}

/** One fs.setid.hardlink finding per set-id file with a link outside the system directories or not found. */
export function hardlinkFindings(groups: Map<string, SetidLink>): FindingDraft[] {
  const out: FindingDraft[] = [];
  for (const g of groups.values()) {
    if (g.nlink < 2) continue;
    const paths = [...new Set(g.paths)].sort();
    const outside = paths.filter((p) => !SYSTEM_DIRS.some((d) => under(p, d)));
    const missing = g.nlink - paths.length;
    if (outside.length === 0 && missing <= 0) continue;
    const subject = outside[0] ?? paths[0];
    const severity: Severity | undefined = outside.length === 0 ? "medium" : undefined;
    const reason = outside.length > 0
      ? `hard link(s) outside the system directories: ${outside.join(", ")}`
      : `${missing} of ${g.nlink} links are outside the scanned directories`;
    out.push({
      check_id: "fs.setid.hardlink",
      subject,
      severity,
      description: `Set-id file (mode ${octalMode(g.mode)}) with ${g.nlink} links: ${reason}.`,
      metadata: {
        paths,
        nlink: g.nlink,
        mode: octalMode(g.mode),
        links_not_found: Math.max(0, missing),
        reason,
      },
      location: { path: subject },
    });
  }
  return out;
}
