/** The persistence scanner's catalogue: the command checks every family shares, the family-specific ones, the inventory. */
import type { CheckInput } from "../../core/catalogue.ts";
import { OWNERSHIP_CHECKS } from "./catalogue/ownership.ts";
import { PACKAGES_RECENT_CHECKS } from "./catalogue/packages_recent.ts";
import { DNF_PLUGIN_CHECKS } from "./catalogue/dnf_plugins.ts";
import { GENERATOR_CHECKS } from "./catalogue/generators.ts";
import { SYSTEM_UNIT_CHECKS } from "./catalogue/system_units.ts";
import { SYSV_CHECKS } from "./catalogue/sysv.ts";
import { BOOT_CHECKS } from "./catalogue/grub.ts";
import { TMPFILES_CHECKS } from "./catalogue/tmpfiles.ts";
import { LD_SO_CONF_CHECKS } from "./catalogue/ld_so_conf.ts";
import { ENVIRONMENT_CHECKS } from "./catalogue/environment.ts";
import { KERNEL_MODULE_CHECKS } from "./catalogue/kernel_modules.ts";
import { EVENT_HOOK_CHECKS } from "./catalogue/event_hooks.ts";
import { SHELL_TOOL_CHECKS } from "./catalogue/shell_tools.ts";
import { BINARY_CHECKS } from "./catalogue/binaries.ts";
import { WEB_SHELL_CHECKS } from "./catalogue/web_shells.ts";
import { WEB_SERVER_CHECKS } from "./catalogue/web_servers.ts";
import { DATABASE_CHECKS } from "./catalogue/databases.ts";
import { CONTAINER_CHECKS } from "./catalogue/containers.ts";
import { INETD_CHECKS } from "./catalogue/inetd.ts";
import { SUPERVISOR_CHECKS } from "./catalogue/supervisors.ts";
import { MONITORING_CHECKS } from "./catalogue/monitoring.ts";

/** The scanner name. */
export const PERSISTENCE = "persistence";

const base = { scanner: PERSISTENCE, category: "ioc" as const };
/** A family's checks, kept in its source file under sources/, with this scanner's name. */
const family = (checks: Omit<CheckInput, "scanner">[]): CheckInput[] =>
  checks.map((c) => ({ ...c, scanner: PERSISTENCE }));
const INSPECT =
  "Inspect the entry and the file it lives in; if nobody on the team put it there, preserve a copy for analysis, " +
  "remove it, and look for how it got there (authentication logs, the other persistence points of this report).";

/** Every persistence check. */
export const PERSISTENCE_CHECKS: CheckInput[] = [
  {
    ...base,
    id: "persistence.file.oversized",
    title: "Persistence file or directory larger than the scan reads",
    severity: "medium",
    rationale:
      "Each configuration file or script a persistence point lives in is read up to a bound (4 MiB for most), " +
      "and each directory up to 50,000 entries; the program that reads them takes all. Lines or files past the " +
      "bound were not judged. No crontab, unit, sudoers, shell start-up file or hook script a package or an " +
      "administrator writes comes near that size, and no such directory holds that many files: one that does was " +
      "most likely padded to push an entry out of view.",
    remediation: INSPECT,
    mitre: ["T1027.001"],
  },
  {
    ...base,
    id: "persistence.file.undecodable_name",
    title: "File with a name that is not valid UTF-8 where persistence files are read",
    severity: "high",
    rationale:
      "sudo, cron, the shell and the service managers read their directories by bytes and use every file there; " +
      "this scan names files as text, and a name that is not valid UTF-8 cannot be opened through it. No package " +
      "ships such a name in these directories: it is either damage or a file placed where the scan cannot look." +
      " High: whatever the file holds runs with the runner's privileges, often root, and was not checked.",
    remediation:
      "List the directory with `ls -b` to see the name's bytes, copy the file out (`cp -- ./$'\\xff' /root/evidence`) " +
      "and inspect it; remove it if nobody put it there on purpose.",
    mitre: ["T1564", "T1036"],
  },
  {
    ...base,
    id: "persistence.entry.unjudged_programs",
    title: "Persistence entry names more programs than are checked one by one",
    severity: "medium",
    rationale:
      "Each program an entry runs is checked for where it lives, who installed it and what its script holds, at " +
      "most 256 of one entry and 20,000 in a scan: each costs system calls, and a file of decoy paths must not " +
      "use up the scanner's time. The rest were matched against the payload patterns only. No configuration " +
      "line a package or an administrator writes runs hundreds of programs; one that does was padded, and the " +
      "program that matters may be among those not checked.",
    remediation: INSPECT,
    mitre: ["T1027", "T1053.003"],
  },
  {
    ...base,
    id: "persistence.command.reverse_shell",
    title: "Persistence entry starts a reverse shell",
    severity: "critical",
    rationale:
      "The command connects a shell to a remote host (bash /dev/tcp, nc -e, socat exec, pty.spawn, a fifo " +
      "piped through netcat…): an attacker's way back into the host." +
      " Critical: it gives an attacker a shell on the host every time the entry runs.",
    remediation: INSPECT,
    mitre: ["T1059.004", "T1053.003"],
    confidence: "heuristic",
  },
  {
    ...base,
    id: "persistence.command.download_exec",
    title: "Persistence entry downloads and runs code",
    severity: "high",
    rationale:
      "The command fetches code from the network and runs it (curl|sh, wget -O- | bash, python -c urllib…): " +
      "whoever controls the URL controls the host, every time the entry runs." +
      " High: no package installs an entry that runs code fetched from the network.",
    remediation: INSPECT,
    mitre: ["T1105", "T1059.004"],
    confidence: "heuristic",
  },
  {
    ...base,
    id: "persistence.command.encoded_payload",
    title: "Persistence entry decodes a payload and runs it",
    severity: "high",
    rationale:
      "The command decodes base64 (or hex) data and feeds it to a shell or interpreter, hiding what it runs." +
      " High: packaged entries run readable commands; encoding one serves only to hide it.",
    remediation: INSPECT + " Decode the payload offline to see what it does.",
    mitre: ["T1027", "T1140"],
    confidence: "heuristic",
  },
  {
    ...base,
    id: "persistence.command.untrusted_path",
    title: "Persistence entry runs a program from an untrusted location",
    severity: "high",
    rationale:
      "The entry runs (or preloads) a program from a temporary directory, a hidden directory outside the " +
      "homes (/usr/local/bin/.x), from another person's home, or " +
      "from a file or directory that accounts other than root and the entry's own user can change." +
      " High: whoever can write there runs code with the entry's privileges, usually root, at its next run.",
    remediation: INSPECT + " Legitimate programs belong in a root-owned directory such as /usr/local/sbin.",
    mitre: ["T1053.003", "T1546.004", "T1574.006"],
    confidence: "heuristic",
  },
  {
    ...base,
    id: "persistence.rc_local.active",
    title: "rc.local runs commands at boot",
    severity: "low",
    rationale:
      "An executable rc.local runs as root at every boot; it is rarely used on purpose on systemd hosts and " +
      "is a classic place to hide persistence.",
    remediation: "Review every command in it; move wanted ones to a systemd unit and remove the execute bit.",
    mitre: ["T1037.004"],
  },
  {
    ...base,
    id: "persistence.ssh_key.forced_command",
    title: "SSH key with a forced command",
    severity: "low",
    rationale:
      "A command= option makes a key run a fixed program at every login: legitimate for backups and git " +
      "hosting, but also a way to run code whenever a key is used.",
    remediation: "Confirm the key and its command belong to a known service; remove the key otherwise.",
    mitre: ["T1098.004"],
  },
  {
    ...base,
    id: "persistence.ssh_key.unusual_location",
    title: "SSH keys in an unusual place",
    severity: "medium",
    rationale:
      "Keys in authorized_keys2, in the home of a service account without a login shell, or in a file owned " +
      "by another account are a common way to keep access while staying out of sight.",
    remediation:
      "Compare the fingerprints with the keys you issued; remove unknown keys and the file if unused.",
    mitre: ["T1098.004"],
  },
  {
    ...base,
    id: "persistence.ssh_key.recent",
    title: "authorized_keys changed recently",
    severity: "low",
    rationale:
      "A key file changed within the last days (see --persistence-recent-days) may hold a key an intruder " +
      "added; on the live host its inode change time counts too, so a key back-dated with `touch -d` is still " +
      "recent (`mtime_set_back`). `appended_in_place` tells whether the file was appended to rather than " +
      "replaced.",
    remediation: "Compare the listed fingerprints with the keys you issued and remove unknown ones.",
    mitre: ["T1098.004"],
  },
  {
    ...base,
    id: "persistence.sudoers.nopasswd_all",
    title: "Passwordless full root through sudo for a non-admin",
    severity: "high",
    rationale:
      "A user or group outside the admin groups (sudo, wheel, admin) may run anything as root without a " +
      "password — ALL, a shell, an interpreter or a program with a shell escape, a directory (any file in it), " +
      "or a wildcard or regular expression that reaches one — read as sudo reads it: every `: host = …` section " +
      "of a rule, aliases of every kind (defined in any included file), runas users that include root (ALL, " +
      "#0, %#0, a Runas_Alias), and the file sudo.conf's sudoers_file= names instead of /etc/sudoers." +
      " High: it is root without a password for whoever gets the account; distributions grant it only to their admin groups, with a password.",
    remediation: "Remove the rule or restrict it to the exact commands needed, and require a password.",
    mitre: ["T1548.003"],
    category: "privilege_escalation_surface",
  },
  {
    ...base,
    id: "persistence.sudoers.no_authenticate",
    title: "sudo authentication turned off",
    severity: "high",
    rationale: "`Defaults !authenticate` lets the affected users run their sudo rules without a password." +
      " High: every sudo rule it covers becomes root without a password, for whoever gets the account.",
    remediation: "Remove the Defaults entry.",
    mitre: ["T1548.003"],
    category: "privilege_escalation_surface",
  },
  {
    ...base,
    id: "persistence.sudoers.env_keep_code",
    title: "sudo keeps variables that make root's programs run the caller's code",
    severity: "high",
    rationale:
      "sudo deletes LD_PRELOAD, BASH_ENV, PYTHONPATH and the like from the environment of the programs it runs; " +
      '`Defaults env_keep += "LD_PRELOAD"` (or any such variable) or `Defaults setenv` hands them through, so ' +
      "whoever may run any sudo rule runs a library or script of their choosing as root." +
      " High: every sudo rule becomes a root shell for its users.",
    remediation: "Remove the variable from env_keep (or the setenv default) and review who holds sudo rules.",
    mitre: ["T1548.003", "T1574.006"],
    category: "privilege_escalation_surface",
  },
  {
    ...base,
    id: "persistence.sudoers.include_untrusted",
    title: "sudoers includes a file from an untrusted location",
    severity: "high",
    rationale:
      "Whoever can write the included file or directory (or the file sudo.conf's sudoers_file= makes " +
      "sudo read instead of /etc/sudoers) can grant themselves root." +
      " High: it is root for every account that can write there.",
    remediation: "Include only root-owned files under /etc (the default is #includedir /etc/sudoers.d).",
    mitre: ["T1548.003"],
    category: "privilege_escalation_surface",
  },
  {
    ...base,
    id: "persistence.inventory.point",
    title: "Persistence point",
    severity: "info",
    rationale: "An inventory entry (--persistence-inventory): a place that makes code run again later.",
    remediation: "Compare with a known-good host or a baseline.",
    mitre: [],
  },
  ...family(OWNERSHIP_CHECKS), // sources/ownership.ts
  ...family(PACKAGES_RECENT_CHECKS), // sources/packages_recent.ts
  ...family(DNF_PLUGIN_CHECKS), // sources/dnf_plugins.ts
  ...family(GENERATOR_CHECKS), // sources/generators.ts
  ...family(SYSTEM_UNIT_CHECKS), // sources/system_units.ts
  ...family(SYSV_CHECKS), // sources/sysv.ts
  ...family(BOOT_CHECKS), // sources/grub.ts (and initramfs.ts)
  ...family(TMPFILES_CHECKS), // sources/tmpfiles.ts
  ...family(LD_SO_CONF_CHECKS), // sources/ld_so_conf.ts
  ...family(ENVIRONMENT_CHECKS), // sources/environment.ts
  ...family(KERNEL_MODULE_CHECKS), // sources/kernel_modules.ts
  ...EVENT_HOOK_CHECKS,
  ...SHELL_TOOL_CHECKS,
  ...BINARY_CHECKS,
  ...WEB_SHELL_CHECKS,
  ...WEB_SERVER_CHECKS,
  ...DATABASE_CHECKS, // sources/databases.ts
  ...CONTAINER_CHECKS,
  ...INETD_CHECKS, // sources/inetd.ts
  ...SUPERVISOR_CHECKS, // sources/supervisors.ts
  ...MONITORING_CHECKS, // sources/monitoring.ts (and monitoring_snmp.ts)
];
