/** The world_writable scanner's catalogue: writable files and directories, set-id and capability checks, hygiene. */
import type { CheckInput } from "../../core/catalogue.ts";

/** The world_writable scanner's name. */
export const WORLD_WRITABLE = "world_writable";

const base = { scanner: WORLD_WRITABLE, category: "filesystem" as const };

/** Every world_writable check. */
export const WORLD_WRITABLE_CHECKS: CheckInput[] = [
  {
    ...base,
    id: "fs.world_writable.file",
    title: "World-writable file in a system directory",
    severity: "medium",
    rationale: "Any local user can change it: a writable program, library or configuration file runs the " +
      "attacker's code with the privileges of whoever uses it next.",
    remediation:
      "Remove the world-write bit (`chmod o-w FILE`) and check the file's content against its package.",
    mitre: ["T1222.002", "T1574"],
  },
  {
    ...base,
    id: "fs.world_writable.dir_no_sticky",
    title: "World-writable directory without the sticky bit",
    severity: "high",
    rationale: "Without the sticky bit any user can delete or replace other users' files in it, including " +
      "programs and configuration that privileged processes load. High: stock systems have none outside the sticky " +
      "temporary directories.",
    remediation:
      "Remove the world-write bit (`chmod o-w DIR`), or add the sticky bit (`chmod +t DIR`) if it is " +
      "a shared scratch directory.",
    mitre: ["T1222.002"],
  },
  {
    ...base,
    category: "privilege_escalation_surface",
    id: "fs.setid.interpreter",
    title: "Set-id interpreter",
    severity: "critical",
    rationale:
      "A set-id shell or interpreter (or a renamed copy of one) gives every local user a shell with " +
      "its owner's privileges. Critical: an instant shell as the owner (usually root) for every local user; no " +
      "distribution ships one.",
    remediation: "Remove the file or its set-id bits (`chmod u-s,g-s FILE`) and investigate who created it.",
    mitre: ["T1548.001"],
  },
  {
    ...base,
    category: "privilege_escalation_surface",
    id: "fs.capability.file",
    title: "Program with file capabilities",
    severity: "medium",
    rationale:
      "File capabilities grant parts of root's power on exec without the set-uid bit, and do not show " +
      "up in a search for SUID files; cap_setuid, cap_sys_admin or cap_dac_override are root.",
    remediation: "Check why the program needs them; remove with `setcap -r FILE` unless a package set them.",
    mitre: ["T1548"],
  },
  {
    ...base,
    id: "fs.path.writable_dir",
    title: "Directory in root's PATH writable by other users",
    severity: "high",
    rationale:
      "A user who can write to a directory in root's PATH can plant a program that root runs by name. High: a " +
      "planted program runs as root the next time root types its name.",
    remediation: "Make the directory and every parent owned by root and not group- or world-writable, or " +
      "remove it from the PATH in the file named in the finding.",
    mitre: ["T1574.007"],
  },
  {
    ...base,
    id: "fs.path.relative_entry",
    title: "Relative or empty entry in root's PATH",
    severity: "high",
    rationale:
      "An empty entry, `.` or a relative directory makes root run programs from whatever directory it " +
      "is in, e.g. a user's home or /tmp. High: root runs what it finds there without being asked; stock PATHs hold " +
      "absolute system directories only.",
    remediation: "Remove the entry from the PATH assignment in the file named in the finding.",
    mitre: ["T1574.007"],
  },
  {
    ...base,
    category: "privilege_escalation_surface",
    id: "fs.setid.hardlink",
    title: "Set-id file hard-linked outside the system directories",
    severity: "high",
    rationale:
      "A hard link keeps a set-id program (and its vulnerabilities) alive after the package upgrade " +
      "replaced it, and gives the attacker a copy in a directory they control. High: packages never make one; it is " +
      "a deliberate copy of a privilege.",
    remediation:
      "Remove the extra link (check `find / -xdev -samefile FILE`), and enable fs.protected_hardlinks=1.",
    mitre: ["T1548.001"],
  },
  {
    ...base,
    id: "fs.census.incomplete",
    title: "Part of the filesystem was not examined for writable files and capabilities",
    severity: "medium",
    rationale:
      "The walk is bounded so that a hostile tree cannot hang or exhaust the scan: a directory of more than " +
      "200,000 entries is read in part, one nested deeper than 512 is not entered, and the walk stops after " +
      "2,000,000 entries or its time budget. A world-writable file, set-id interpreter or file capability past " +
      "a bound was not seen, and an intruder can build such a tree on purpose; what was not examined is not " +
      "reported as clean.",
    remediation:
      "Look at the directory named (who made it, and what is in it), or scan again with a longer budget " +
      "(--scanner-timeout) or a known directory left out (--world-writable-exclude).",
    mitre: ["T1564"],
  },
];
