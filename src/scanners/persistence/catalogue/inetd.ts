/**
 * Catalogue of the internet super-server family (sources/inetd.ts): inetd and xinetd services. The commands they
 * run are judged by the shared `persistence.command.*` checks; this is the check about what a service is.
 */
import type { CheckInput } from "../../../core/catalogue.ts";
import { FAMILY_BASE, PRESERVE_AND_REMOVE } from "./common.ts";

/** Checks of the inetd family. */
export const INETD_CHECKS: CheckInput[] = [
  {
    ...FAMILY_BASE,
    id: "persistence.inetd.shell_service",
    title: "inetd or xinetd service hands each connection to a shell",
    severity: "critical",
    rationale:
      "inetd and xinetd listen on the port of every service in their configuration (/etc/inetd.conf, " +
      "inetutils' /etc/inetd.d, /etc/xinetd.conf and the files it includes) and start the service's program " +
      "for each connection, as the service's user, with the connection as its input and output. When that " +
      "program is a shell or an interpreter (`31337 stream tcp nowait root /bin/sh sh -i`, `server = " +
      "/bin/bash`, behind tcpd or a link of another name), whoever connects types commands to it: the classic " +
      "bind shell, with no process running until someone connects. Services the daemon does not run " +
      "(update-inetd's `#<off>#`, `disable = yes`, the defaults' `disabled` list, files xinetd's includedir " +
      "skips) are listed in the inventory only." +
      " Critical: remote command execution, usually as root, for anyone who can reach the port.",
    remediation:
      "Disable the service (comment out the line, or `disable = yes`), reload the daemon (`systemctl reload " +
      "inetd` / `xinetd`) and find who added it; look for connections to its port in the logs. " +
      PRESERVE_AND_REMOVE,
    mitre: ["T1543", "T1059.004", "T1205"],
  },
];
