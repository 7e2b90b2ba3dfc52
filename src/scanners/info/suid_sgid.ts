/** The suid_sgid scanner's descriptor: name, gates and check catalogue (data only; the code is in the scanner's module). */
import type { CheckInput } from "../../core/catalogue.ts";
import type { ScannerInfo } from "../../core/scanner.ts";

const NAME = "suid_sgid";
const base = {
  scanner: NAME,
  category: "privilege_escalation_surface" as const,
  mitre: ["T1548.001"],
};

const checks: CheckInput[] = [
  {
    ...base,
    id: "suid.file.writable_location",
    title: "SUID/SGID file in a temporary, home, world- or user-writable location",
    severity: "critical",
    rationale:
      "Set-id files have no business where users can write; one there is usually a planted backdoor " +
      "(a copied shell or a hard link to an old vulnerable binary). User-writable: the file or a directory on " +
      "its path up to the root is owned by a non-root user or writable by a non-root group (that account can " +
      "swap the program, or plant what it loads next to it). Critical: whoever can write there controls what runs " +
      "with the owner's privileges.",
    remediation:
      "Find out who created it (mtime, audit log, shell history), remove it, and check the system for " +
      "other persistence.",
  },
  {
    ...base,
    id: "suid.file.shell_escape",
    title: "Set-id program that gives a shell or arbitrary file access",
    severity: "critical",
    rationale:
      "Interpreters, editors, pagers, find, tar and similar programs run commands or read and write any " +
      "file; with the set-id bit every local user gets the owner's privileges (GTFOBins). Critical: every local user " +
      "becomes the owner, usually root, with one command.",
    remediation: "Remove the bit (`chmod u-s,g-s FILE`), then find out who set it.",
  },
  {
    ...base,
    id: "suid.file.modified",
    title: "SUID/SGID program differs from the file its package installed",
    severity: "critical",
    rationale:
      "A set-id program whose content no longer matches the package database was replaced or patched " +
      "after installation: a classic root backdoor (e.g. a trojaned su or passwd). Critical: a replaced set-id " +
      "program runs the intruder's code as its owner, usually root, for anyone.",
    remediation: "Preserve the file for analysis, reinstall the package (`apt install --reinstall PKG` / " +
      "`dnf reinstall PKG`), and treat the host as compromised until explained.",
    mitre: ["T1548.001", "T1554"],
  },
  {
    ...base,
    id: "suid.file.unpackaged",
    title: "SUID/SGID file not installed by any package",
    severity: "high",
    rationale:
      "Every set-id program of a stock system comes from a package; one in a system directory that no " +
      "package owns was put there by hand. High: a set-id program no package owns was put there on purpose.",
    remediation: "Identify the file (its hash, strings, mtime); remove it or its set-id bit unless it is " +
      "known, then add it to --suid-expected.",
    confidence: "heuristic",
  },
  {
    ...base,
    id: "suid.file.unexpected",
    title: "Unexpected SUID/SGID file",
    severity: "medium",
    rationale:
      "Each set-id program is privilege-escalation surface; ones outside the stock list deserve a look.",
    remediation: "Check why the program needs the bit; remove it (`chmod u-s,g-s FILE`) or add the path to " +
      "--suid-expected.",
    confidence: "heuristic",
  },
  {
    ...base,
    id: "suid.census.incomplete",
    title: "Part of the filesystem was not examined for set-id files",
    severity: "medium",
    rationale:
      "The walk is bounded so that a hostile tree cannot hang or exhaust the scan: a directory of more than " +
      "200,000 entries is read in part, one nested deeper than 512 is not entered, and the walk stops after " +
      "2,000,000 entries or its time budget. A set-id file past a bound was not seen, and an intruder can build " +
      "such a tree on purpose to hide a backdoor in it; what was not examined is not reported as clean.",
    remediation:
      "Look at the directory named (who made it, and what is in it: `find DIR -xdev -perm /6000`), or scan " +
      "again with a longer budget (--scanner-timeout) or narrower roots (--suid-dirs).",
    mitre: ["T1548.001", "T1564"],
  },
];

/** The suid_sgid scanner's descriptor. */
export const SUID_SGID_INFO: ScannerInfo = {
  name: NAME,
  summary:
    "Every SUID/SGID file with owner, hash and package; unexpected ones rated by location and program. " +
    "Reads the filesystem census it shares with world_writable.",
  slow: true,
  enabledByDefault: () => true,
  checks,
  needs: ["root"],
};
