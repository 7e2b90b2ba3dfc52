/** Flags: package integrity. */
import { bool, type FlagGroup, int } from "./spec.ts";

/** Integrity scanner options. */
export const integrityFlags = {
  title: "Integrity",
  flags: {
    integrity: bool("integrity", "Run the integrity scanner (package file verification).", false),
    integrityIma: bool("integrity-ima", "Count IMA measurements and failures.", false),
    integrityPkgVerify: bool(
      "integrity-pkg-verify",
      "Verify with dpkg -V / rpm -Va instead of the native reader.",
      false,
    ),
    integrityPkgLimit: int(
      "integrity-pkg-limit",
      "Cap on per-file mismatch findings.",
      200,
      0,
      undefined,
      "N",
      false,
    ),
    integrityPkgRehash: bool("integrity-pkg-rehash", "Add the SHA-256 of mismatched files.", false),
    integrityPkgRehashLimit: int(
      "integrity-pkg-rehash-limit",
      "Cap on files rehashed.",
      50,
      0,
      undefined,
      "N",
      false,
    ),
    integrityCriticalOnly: bool(
      "integrity-critical-only",
      "Verify only a fixed list of critical packages.",
      false,
    ),
    integritySamplePct: int(
      "integrity-sample-pct",
      "Verify a deterministic N% sample of packages (0 = all).",
      0,
      0,
      100,
      "N",
      false,
    ),
    integrityMaxMismatches: int(
      "integrity-max-mismatches",
      "Stop after N mismatches (0 = unlimited).",
      0,
      0,
      undefined,
      "N",
      false,
    ),
  },
} as const satisfies FlagGroup;
