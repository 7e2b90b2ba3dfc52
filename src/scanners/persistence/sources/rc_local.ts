/** rc.local: the script the rc-local compatibility unit runs as root at boot. */
import { ROOT_ACCOUNT } from "../accounts.ts";
import type { Collector } from "../collect.ts";
import { isExecutable, scriptPoint } from "./shared.ts";

/** rc.local: an executable one with commands is reported on its own, besides its entries. */
export function rcLocalSources(c: Collector): void {
  for (const path of ["/etc/rc.local", "/etc/rc.d/rc.local"]) {
    const st = c.ctx.host.stat(path);
    if (!st.ok || !st.value.isFile) continue;
    const executable = isExecutable(c, path);
    const entries = scriptPoint(c, "rc_local", path, ROOT_ACCOUNT, !executable);
    if (!entries) continue;
    const commands = entries.filter((e) =>
      !e.shebang && !/^(?:exit\s+0|touch\s+\/var\/lock\/subsys\/local)$/.test(e.text)
    );
    if (executable && commands.length > 0) {
      c.finding({
        check_id: "persistence.rc_local.active",
        subject: path,
        description: `${path} is executable and runs ${commands.length} command(s) as root at boot.`,
        metadata: { path, commands: commands.slice(0, 20).map((e) => e.text.slice(0, 300)) },
        location: { path },
      });
    }
  }
}
