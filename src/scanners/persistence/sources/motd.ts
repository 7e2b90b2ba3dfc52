/** update-motd: the scripts run-parts runs as root at every login (Debian and Ubuntu). */
import { ROOT_ACCOUNT } from "../accounts.ts";
import type { Collector } from "../collect.ts";
import { isExecutable, RUN_PARTS_SKIPPED, scriptPoint } from "./shared.ts";

/** The /etc/update-motd.d scripts; a name run-parts skips, or one without an execute bit, is inert. */
export function motdSources(c: Collector): void {
  for (const name of c.list("/etc/update-motd.d")) {
    const path = `/etc/update-motd.d/${name}`;
    scriptPoint(c, "motd_script", path, ROOT_ACCOUNT, RUN_PARTS_SKIPPED.test(name) || !isExecutable(c, path));
  }
}
