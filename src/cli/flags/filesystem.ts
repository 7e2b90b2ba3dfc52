/** Flags: world_writable and suid_sgid. */
import { bool, csv, type FlagGroup, int, str } from "./spec.ts";

/** Filesystem scanner options. */
export const filesystemFlags = {
  title: "Filesystem",
  flags: {
    remoteFs: bool(
      "remote-fs",
      "Also read and walk remote and FUSE filesystems (NFS, CIFS, sshfs…); by default they are skipped with a " +
        "warning, since a hung server blocks whoever reads it.",
    ),
    fsHygiene: bool("fs-hygiene", "Also check root's PATH directories and SUID/SGID hard links."),
    fsWorldWritableLimit: int(
      "fs-world-writable-limit",
      "Cap on world-writable file findings (0 = unlimited).",
    ),
    worldWritableDirs: csv("world-writable-dirs", "Extra directories for the world-writable scan.", "DIRS"),
    worldWritableExclude: csv(
      "world-writable-exclude",
      "Skip paths containing any of these substrings.",
      "LIST",
    ),
    suidDirs: csv(
      "suid-dirs",
      "Directories the SUID/SGID scan walks instead of the whole root filesystem.",
      "DIRS",
    ),
    suidExpected: csv("suid-expected", "Extra expected SUID/SGID paths (full paths).", "PATHS"),
    suidExpectedFile: str("suid-expected-file", "File of expected SUID/SGID paths, one per line.", "FILE"),
  },
} as const satisfies FlagGroup;
