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
