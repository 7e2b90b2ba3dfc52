/**
 * Catalogue of the monitoring agents family (sources/monitoring.ts): Net-SNMP's snmpd and snmptrapd, the Zabbix
 * agents, NRPE. The commands their configuration makes them run are judged by the shared `persistence.command.*`
 * checks; these are the checks about settings that hand the choice of command to the network, and about shared
 * objects loaded into an agent.
 */
import type { CheckInput } from "../../../core/catalogue.ts";
import { FAMILY_BASE, PRESERVE_AND_REMOVE } from "./common.ts";

/** Checks of the monitoring agents family. */
export const MONITORING_CHECKS: CheckInput[] = [
  {
    ...FAMILY_BASE,
    id: "persistence.monitoring.remote_commands",
    title: "Monitoring agent runs commands the network chooses",
    severity: "high",
    rationale:
      "A Zabbix agent whose AllowKey rules (or the older EnableRemoteCommands=1) let `system.run[…]` through with " +
      "a wildcard in the command runs any shell command its server sends — or anyone who can send from an " +
      "address its Server= list allows, since the agent authenticates nothing else by default; so does one with " +
      "UnsafeUserParameters=1 and a flexible UserParameter that puts `$1`…`$9` into its shell command, and an " +
      "NRPE server with dont_blame_nrpe=1 whose `$ARGn$` arguments may carry shell syntax " +
      "(allow_bash_command_substitution=1 or a nasty_metachars list without the shell's separators). An attacker " +
      "who edits the agent's configuration gets a remote command runner that looks like monitoring and that no " +
      "other persistence point shows. Sites do enable Zabbix remote commands on purpose, for actions that " +
      "restart services: the finding is medium when the agent runs as an unprivileged account." +
      " High: when the agent runs the command as root (AllowRoot=1, a unit without User=, a root User=, or NRPE's " +
      "command_prefix through sudo), it is a remote root shell for whoever reaches the agent's port.",
    remediation:
      "If nobody enabled remote commands on purpose, remove the AllowKey/EnableRemoteCommands line (or " +
      "UnsafeUserParameters, dont_blame_nrpe, allow_bash_command_substitution), restart the agent, and look " +
      "for the commands it ran (Zabbix LogRemoteCommands, the agent's log, the server's action log) and for " +
      "who changed the file. Otherwise restrict it to exact `system.run[<command>]` keys and require TLS or PSK " +
      "from the server.",
    mitre: ["T1059.004", "T1505", "T1021"],
    confidence: "heuristic",
  },
  {
    ...FAMILY_BASE,
    id: "persistence.monitoring.argument_injection",
    title: "NRPE accepts arguments from the network into its commands",
    severity: "medium",
    rationale:
      "With dont_blame_nrpe=1, NRPE substitutes the arguments a client sends for the `$ARGn$` macros of its " +
      "commands before running them through /bin/sh -c, as the nrpe account (or as root through a sudo " +
      "command_prefix). Its metacharacter filter keeps `;`, `|`, backticks and `$(` out, but whoever reaches " +
      "the port still chooses the words: options that make a plugin read or write files, run a helper, or " +
      "connect elsewhere. Debian builds nrpe without argument support (the setting is inert until the program " +
      "is replaced: the finding is then low); the EPEL and source builds honour it.",
    remediation:
      "Set dont_blame_nrpe=0 and give each check its own fixed `command[…]` line; if arguments are needed, restrict " +
      "allowed_hosts, require TLS, and review every command that uses `$ARGn$`.",
    mitre: ["T1059.004", "T1505"],
    confidence: "heuristic",
  },
  {
    ...FAMILY_BASE,
    id: "persistence.monitoring.unpackaged_module",
    title: "Monitoring agent loads a shared object that no package installed",
    severity: "high",
    rationale:
      "snmpd's `dlmod NAME PATH` makes the agent dlopen the object and call its init_NAME function while it reads " +
      "its configuration — as root, before it drops to the account of `-u` or agentuser — and Zabbix agent's " +
      "`LoadModule=` loads a module into every agent process; the object's code then answers requests from the " +
      "network for as long as the agent runs. Distributions ship no such modules outside packages; one that no " +
      "package installed was built or copied in by hand, which is how an agent is turned into a backdoor " +
      "without a command line anyone would see." +
      " High: the object runs code inside a network-facing daemon at every start, as root in snmpd's case.",
    remediation:
      "Find where the object came from (`dpkg -S` / `rpm -qf`, its timestamps, `strings`, who edited the line " +
      "that loads it); if nobody built it on purpose, remove the line and the object and restart the agent. " +
      PRESERVE_AND_REMOVE,
    mitre: ["T1505", "T1129"],
    confidence: "heuristic",
  },
];
