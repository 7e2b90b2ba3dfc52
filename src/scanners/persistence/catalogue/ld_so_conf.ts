/** Catalogue of the persistence scanner's dynamic-linker family: ld.so.conf and NSS modules (data only). */
import type { CheckInput } from "../../../core/catalogue.ts";

/** The checks of this file (the scanner name is added in checks.ts). */
export const LD_SO_CONF_CHECKS: Omit<CheckInput, "scanner">[] = [{
  id: "persistence.ld_so_conf.untrusted_dir",
  title: "Library search directory in an untrusted location",
  severity: "high",
  category: "ioc",
  rationale:
    "ldconfig puts the directories of ld.so.conf (and the files it includes) in the loader's cache, so every " +
    "program looks there for its libraries. A directory that is temporary, hidden, in a home or writable by " +
    "accounts other than root lets whoever controls it plant a library every program will load." +
    " High: a library placed there is loaded by every program that links it, those run by root included.",
  remediation:
    "Remove the directory from the configuration file named in the finding, run ldconfig, and inspect the " +
    "libraries it held.",
  mitre: ["T1574.006"],
  confidence: "heuristic",
}, {
  id: "persistence.ld_so_conf.shadowing_library",
  title: "Library that shadows a system library from an earlier search directory",
  severity: "medium",
  category: "ioc",
  rationale:
    "The directories of ld.so.conf are searched before the system's own (/lib, /usr/lib and their multiarch " +
    "directories), and Debian and Ubuntu configure /usr/local/lib among them. A library there, or in another " +
    "configured directory outside the package trees, named like a system library (libc.so.6, libpam.so.0, " +
    "libcrypto.so.3) is loaded by every program that links the system one, root's daemons included: a " +
    "root-owned file in a root-owned directory that no location check flags. Custom builds of a library do " +
    "this on purpose; an intruder does it to sit inside sshd.",
  remediation:
    "Find out who built or copied the library there (`ls -l`, `ldd /usr/sbin/sshd`); if nobody did, keep a " +
    "copy, remove it, run ldconfig and restart what loaded it.",
  mitre: ["T1574.006"],
  confidence: "heuristic",
}, {
  id: "persistence.nss.unowned_module",
  title: "Name service module that no package installed",
  severity: "high",
  category: "ioc",
  rationale:
    "Every service nsswitch.conf names is a library, libnss_<name>.so.2, that glibc loads into each process that " +
    "looks up a user, a group or a host: sshd, sudo, login and cron among them, as root. A module no package " +
    "installed runs code in all of them, and can answer lookups with accounts that exist nowhere on disk." +
    " High: code loaded into every root process that resolves a name, chosen by whoever wrote the file.",
  remediation:
    "Remove the service from nsswitch.conf, keep a copy of the library for analysis and remove it, and check " +
    "sshd and sudo logs for logins the module may have let in.",
  mitre: ["T1574.006", "T1556"],
  confidence: "heuristic",
}];
