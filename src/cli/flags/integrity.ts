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
      200,
      0,
      undefined,
      "N",
    ),
    integrityPkgRehash: bool("integrity-pkg-rehash", "Add the SHA-256 of mismatched files."),
    integrityPkgRehashLimit: int(
      "integrity-pkg-rehash-limit",
      "Cap on files rehashed.",
      50,
      0,
      undefined,
      "N",
    ),
    integrityCriticalOnly: bool("integrity-critical-only", "Verify only a fixed list of critical packages."),
    integritySamplePct: int(
      "integrity-sample-pct",
      "Verify a deterministic N% sample of packages (0 = all).",
      0,
      0,
      100,
      "N",
    ),
    integrityMaxMismatches: int(
      "integrity-max-mismatches",
      "Stop after N mismatches (0 = unlimited).",
      0,
      0,
      undefined,
      "N",
    ),
    integrityMaxFileSize: int(
      "integrity-max-file-size",
      "Files larger than this many MiB are not hashed (reported as a warning).",
      512,
      1,
      65536,
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
      32,
      1,
      4096,
      "MIB",
    ),
    yaraMaxFiles: int(
      "yara-max-files",
      "Stop the YARA scan after this many files.",
      50_000,
      1,
      undefined,
      "N",
    ),
  },
} as const satisfies FlagGroup;
