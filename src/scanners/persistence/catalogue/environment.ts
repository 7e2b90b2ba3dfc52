/** Catalogue of the persistence scanner's environment family (data only). */
import type { CheckInput } from "../../../core/catalogue.ts";

/** The checks of this file (the scanner name is added in checks.ts). */
export const ENVIRONMENT_CHECKS: Omit<CheckInput, "scanner">[] = [
  {
    id: "persistence.environment.loader_var",
    title: "Login environment sets a dynamic-loader variable to an untrusted place",
    severity: "high",
    category: "ioc",
    rationale:
      "LD_PRELOAD or LD_AUDIT in /etc/environment, pam_env.conf, a ~/.pam_environment, environment.d or " +
      "systemd's DefaultEnvironment= loads a " +
      "library into every program of every session it applies to; LD_LIBRARY_PATH makes the loader search a " +
      "directory first. From a temporary, home, hidden or writable location (or the current directory) that is " +
      "code injection on demand; a library outside the system directories is reported as medium." +
      " High: the library is loaded into every login session's programs, sudo and su included.",
    remediation:
      "Remove the assignment, inspect the library or directory it named, and check the other persistence points " +
      "of this report for how it got there.",
    mitre: ["T1574.006"],
    confidence: "heuristic",
  },
  {
    id: "persistence.environment.startup_code",
    title: "Login environment makes shells or interpreters run code at start",
    severity: "medium",
    category: "ioc",
    rationale:
      "BASH_ENV, ENV, PROMPT_COMMAND, PYTHONSTARTUP, PERL5OPT, NODE_OPTIONS, LESSOPEN or LESSCLOSE in " +
      "/etc/environment, pam_env.conf, a ~/.pam_environment, environment.d, systemd's DefaultEnvironment= or a " +
      "unit's Environment= makes every bash script, sh, prompt, python, perl, node or less of the sessions or " +
      "services it applies to run a file or command first; a crontab's SHELL= in an untrusted place runs every " +
      "job through it. Persistence that runs as whoever logs in or whatever the service runs as, root included. " +
      "Stock distributions set none of them there." +
      " High when the value holds a payload or names a file in a temporary, hidden, home or writable location.",
    remediation:
      "Remove the assignment, inspect the file or command it named, and check the other persistence points of " +
      "this report for how it got there.",
    mitre: ["T1546.004", "T1574.006"],
    confidence: "heuristic",
  },
  {
    id: "persistence.environment.path_hijack",
    title: "Login environment puts a writable directory first in PATH",
    severity: "high",
    category: "ioc",
    rationale:
      "A PATH that lists a temporary, hidden or writable directory (or the current directory) before the system's " +
      "lets whoever can write there shadow sudo, ls or any command for everyone whose sessions get this PATH." +
      " High: whoever can write that directory replaces the commands every login runs by name.",
    remediation:
      "Put the system directories first and remove directories other accounts can write from PATH.",
    mitre: ["T1574.007"],
    confidence: "heuristic",
  },
];
