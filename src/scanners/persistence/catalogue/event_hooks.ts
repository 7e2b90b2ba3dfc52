/**
 * Catalogue of the event-hook families: network hooks (NetworkManager, networkd-dispatcher, ifupdown, ppp,
 * dhclient), logrotate scripts, udev rules and binfmt_misc registrations. Their command lines are judged by the
 * shared `persistence.command.*` checks; these are the checks about the hook files themselves.
 */
import type { CheckInput } from "../../../core/catalogue.ts";
import { FAMILY_BASE, PRESERVE_AND_REMOVE } from "./common.ts";

/** Checks of the event-hook families. */
export const EVENT_HOOK_CHECKS: CheckInput[] = [
  {
    ...FAMILY_BASE,
    id: "persistence.hook.unpackaged",
    title: "Code-running file that no package installed, in a directory only packages write",
    severity: "medium",
    rationale:
      "udev rules that run programs, NetworkManager or networkd dispatcher scripts, binfmt.d registrations, " +
      "Python .pth start-up code, sitecustomize modules, CUPS backends, rsyslog modules under /usr/lib, " +
      "Apache and nginx modules in their module directories (those a configuration loads are " +
      "persistence.web_server.unpackaged_module), " +
      "MySQL/MariaDB plugins in the server's plugin directory (a UDF such as lib_mysqludf_sys, loaded from " +
      "mysql.func at every start; those a configuration loads are persistence.database.unpackaged_library) " +
      "and " +
      "the vim runtime's plugins come " +
      "from packages; one there that " +
      "the package database does not list was put there by hand, where nobody looks for it. (Files under " +
      "/etc and /usr/local are the administrator's and are judged by what they run instead.)",
    remediation: "Find which package or tool should own it (`dpkg -S PATH` / `rpm -qf PATH`). " +
      PRESERVE_AND_REMOVE,
    mitre: ["T1546", "T1546.017"],
    confidence: "heuristic",
  },
  {
    ...FAMILY_BASE,
    id: "persistence.binfmt.untrusted_interpreter",
    title: "binfmt_misc registration runs an interpreter from an untrusted location",
    severity: "high",
    rationale:
      "The kernel runs a binfmt_misc interpreter for every program that matches the registration's magic " +
      "or extension, as the user who started it (with the C flag, with the program's set-id credentials). An " +
      "interpreter in a temporary, home, hidden or user-writable place lets whoever controls it run code in " +
      "every matching exec." +
      " High: whoever can write the interpreter runs code inside every matching program started, root's included.",
    remediation:
      "Remove the registration (`echo -1 > /proc/sys/fs/binfmt_misc/NAME`) and the binfmt.d file " +
      "that creates it at boot. " + PRESERVE_AND_REMOVE,
    mitre: ["T1546"],
  },
  {
    ...FAMILY_BASE,
    id: "persistence.binfmt.native_hijack",
    title: "binfmt_misc registration intercepts this host's own programs or scripts",
    severity: "high",
    rationale:
      "Registrations exist to run foreign binaries (other architectures through qemu, Windows programs through " +
      "wine); one whose magic matches this host's own ELF executables or `#!` scripts hands every program " +
      "start to its interpreter: a system-wide execution hook that survives reboots through binfmt.d." +
      " High: every matching program the host starts, root's included, is run by the intruder's interpreter.",
    remediation:
      "Remove the registration (`echo -1 > /proc/sys/fs/binfmt_misc/NAME`) and its binfmt.d file. " +
      PRESERVE_AND_REMOVE,
    mitre: ["T1546"],
  },
  {
    ...FAMILY_BASE,
    id: "persistence.kernel_helper.unowned",
    title: "The kernel runs a helper program that no package installed",
    severity: "medium",
    rationale:
      "kernel.core_pattern starting with `|`, kernel.modprobe, kernel.hotplug (the uevent helper) and " +
      "kernel.poweroff_cmd name programs the kernel itself starts as root with every capability: on any " +
      "process's crash (which any user can cause), on a module request or an unknown executable format, on " +
      "every device event, on an orderly power-off. Distributions point them at packaged programs " +
      "(systemd-coredump, apport, abrt, kmod); one that no package installed, set live or in a sysctl file, is " +
      "how an intruder gets root code run on demand without a service, a cron job or a login.",
    remediation:
      "Read the program; set the value back (`sysctl -w kernel.core_pattern=core`, `kernel.modprobe=/sbin/modprobe`) " +
      "and remove the sysctl file that sets it at boot. " + PRESERVE_AND_REMOVE,
    mitre: ["T1546", "T1547"],
    confidence: "heuristic",
  },
];
