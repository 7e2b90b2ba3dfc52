/**
 * Catalogue of the process supervisor family (sources/supervisors.ts, service_dirs.ts): the programs supervisord
 * and monit run and the scripts of runit, daemontools and s6 service directories are judged by the shared
 * `persistence.command.*` checks (and supervisord's `environment=` by the environment family's); this is the
 * check about who else may control what supervisord runs.
 */
import type { CheckInput } from "../../../core/catalogue.ts";
import { FAMILY_BASE } from "./common.ts";

/** Checks of the process supervisor family. */
export const SUPERVISOR_CHECKS: CheckInput[] = [
  {
    ...FAMILY_BASE,
    id: "persistence.supervisord.open_control",
    title: "supervisord's control server needs no password",
    severity: "medium",
    category: "privilege_escalation_surface",
    rationale:
      "supervisord usually runs as root and takes its orders (start, stop, restart, write to a program's input, " +
      "read its logs, reread and apply the configuration, shut down) from supervisorctl and XML-RPC clients " +
      "through its `[inet_http_server]` or `[unix_http_server]`. Without `username` and `password`, whoever " +
      "reaches the server gives those orders: anyone on the network for an `[inet_http_server]` listening " +
      "beyond the loopback (medium; old supervisor releases also let such clients run commands, " +
      "CVE-2017-11610), every local account for one on 127.0.0.1 or a UNIX socket whose `chmod` lets others " +
      "write to it (low). Debian's own configuration has only a UNIX socket with chmod=0700.",
    remediation:
      "Add `username` and `password` to the section (or remove `[inet_http_server]`), keep the UNIX socket at " +
      "chmod=0700 (or give it to an admin group with chown=), and restart supervisord.",
    mitre: ["T1543", "T1569"],
  },
];
