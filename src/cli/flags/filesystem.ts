/** Flags: world_writable and suid_sgid. */
import { bool, csv, type FlagGroup, int, str } from "./spec.ts";

/** Filesystem scanner options. */
export const filesystemFlags = {
  title: "Filesystem",
  flags: {
    fsHygiene: bool("fs-hygiene", "Also check PATH directories and SUID hard links.", false),
    fsWorldWritableLimit: int(
      "fs-world-writable-limit",
      "Cap on world-writable file findings (0 = unlimited).",
      0,
      0,
      undefined,
      "N",
      false,
    ),
    worldWritableDirs: csv("world-writable-dirs", "Extra directories for the world-writable scan.", "DIRS", false),
    worldWritableExclude: csv("world-writable-exclude", "Skip paths containing any of these substrings.", "LIST", false),
    suidExpected: csv("suid-expected", "Extra expected SUID/SGID paths.", "PATHS", false),
    suidExpectedFile: str("suid-expected-file", "File of expected SUID/SGID paths, one per line.", "FILE", false),
  },
} as const satisfies FlagGroup;
