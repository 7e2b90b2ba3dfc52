/** Catalogue of the persistence scanner's ld so conf family (data only). */
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
}];
