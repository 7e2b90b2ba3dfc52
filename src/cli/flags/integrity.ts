/** Flags: package integrity and the YARA scanner's file selection. */
import { bool, csv, type FlagGroup, int } from "./spec.ts";

/** Integrity and YARA scanner options (the rule source, --yara-rules, is with the rules flags). */
export const integrityFlags = {
  title: "Integrity and YARA",
  flags: {
    integrity: bool("integrity", "Run the integrity scanner (package file verification)."),
    integrityIma: bool("integrity-ima", "Count IMA measurements and violations."),
    integrityPkgVerify: bool(
      "integrity-pkg-verify",
      "Verify with dpkg -V / rpm -Va instead of the native reader.",
    ),
    integrityPkgLimit: int(
      "integrity-pkg-limit",
      "Cap on per-file mismatch findings, most severe first (0 = unlimited).",
    ),
    integrityPkgRehash: bool("integrity-pkg-rehash", "Add the SHA-256 of mismatched files."),
    integrityPkgRehashLimit: int("integrity-pkg-rehash-limit", "Cap on files rehashed."),
    integrityCriticalOnly: bool("integrity-critical-only", "Verify only a fixed list of critical packages."),
    integritySamplePct: int(
      "integrity-sample-pct",
      "Verify a deterministic N% sample of packages (0 = all).",
    ),
    integrityMaxMismatches: int(
      "integrity-max-mismatches",
      "Stop after N mismatches (0 = unlimited).",
    ),
    integrityMaxFileSize: int(
      "integrity-max-file-size",
      "Files larger than this many MiB are not hashed (reported as a warning).",
      "MIB",
    ),
    yaraRoots: csv(
      "yara-roots",
      "Paths the yara scanner walks instead of its defaults (temp, cron/systemd, homes, /usr/local, web roots).",
      "PATHS",
    ),
    yaraMaxFileSize: int(
      "yara-max-file-size",
      "Files larger than this many MiB are not scanned by YARA.",
      "MIB",
    ),
    yaraMaxFiles: int("yara-max-files", "Stop the YARA scan after this many files."),
  },
} as const satisfies FlagGroup;
