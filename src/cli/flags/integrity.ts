/** Flags: package integrity. */
import { bool, type FlagGroup, int } from "./spec.ts";

/** Integrity scanner options. */
export const integrityFlags = {
  title: "Integrity",
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
  },
} as const satisfies FlagGroup;
