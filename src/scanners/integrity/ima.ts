/**
 * IMA runtime measurement list (`/sys/kernel/security/ima/ascii_runtime_measurements`). Each line is
 * `PCR template-hash template-name file-hash file-name [...]`; IMA records a measurement it could not trust
 * (a file opened for write while measured, or measured while open for write) as a *violation*: an entry whose
 * template hash is all zeros. Those are the failures counted here.
 */

/** Counts from the measurement list. */
export interface ImaCounts {
  entries: number;
  violations: number;
  /** Files named by violation entries, sorted, at most 20. */
  violationFiles: string[];
  malformed: number;
  /** True when the line cap was reached. */
  truncated: boolean;
}

/** Parses the ASCII measurement list, reading at most `maxLines` lines. */
export function parseImaMeasurements(text: string, maxLines: number): ImaCounts {
  const out: ImaCounts = { entries: 0, violations: 0, violationFiles: [], malformed: 0, truncated: false };
  const files = new Set<string>();
  let seen = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    if (seen++ >= maxLines) {
      out.truncated = true;
      break;
    }
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || !/^\d+$/.test(f[0]) || !/^[0-9a-f]+$/i.test(f[1])) {
      out.malformed++;
      continue;
    }
    out.entries++;
    if (/^0+$/.test(f[1])) {
      out.violations++;
      const name = f[2] === "ima-sig" || f[2] === "ima-modsig" ? f[4] : f.slice(4).join(" ");
      if (files.size < 20) files.add(name);
    }
  }
  out.violationFiles = [...files].sort();
  return out;
}
