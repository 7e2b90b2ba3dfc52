/**
 * Catalogue of the web-server hooks family: shared objects Apache and nginx load into their root process. The
 * programs their configurations start (piped logs, RewriteMap prg:, exec: helpers) are judged by the shared
 * `persistence.command.*` checks; an object in a module directory that nothing loads is `persistence.hook.unpackaged`.
 */
import type { CheckInput } from "../../../core/catalogue.ts";
import { FAMILY_BASE, PRESERVE_AND_REMOVE } from "./common.ts";

/** Checks of the web-server hooks family. */
export const WEB_SERVER_CHECKS: CheckInput[] = [
  {
    ...FAMILY_BASE,
    id: "persistence.web_server.unpackaged_module",
    title: "Web server loads a module that no package installed",
    severity: "high",
    rationale:
      "Apache's `LoadModule` and `LoadFile` and nginx's `load_module` make the server dlopen a shared object in " +
      "its parent (master) process, which runs as root and keeps running for as long as the server does: the " +
      "object's code runs as root before any request is served, and inside every worker after that. " +
      "Distributions ship their modules in packages (apache2-bin, httpd, libnginx-mod-*, libapache2-mod-*); one " +
      "that no package installed — wherever it lies, the package directories or /usr/local, /opt, /etc, a web " +
      "root — was built or copied in by hand, which is how Apache and nginx backdoor modules (mod_rootme, " +
      "request-triggered shells, credential sniffers) are installed." +
      " High: the object runs code as root at every start of the web server and sees every request it serves.",
    remediation:
      "Find where the object came from (`dpkg -S` / `rpm -qf`, its timestamps, `strings`, who edited the line that " +
      "loads it); if nobody built it on purpose, remove the line and the object, restart the server, and treat the " +
      "credentials and sessions it could see as exposed. " + PRESERVE_AND_REMOVE,
    mitre: ["T1505"],
    confidence: "heuristic",
  },
];
