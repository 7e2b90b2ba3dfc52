/** XDG autostart: desktop entries a graphical session starts at login, system-wide and per user. */
import { type Account, ANY_USER } from "../accounts.ts";
import { type Collector, type Entry, homeAccounts } from "../collect.ts";
import { parseDesktopEntry } from "../desktop.ts";

/** XDG autostart entries, system-wide (they run as whoever logs in) and per user. */
export function autostartSources(c: Collector): void {
  const dirs: [string, Account][] = [["/etc/xdg/autostart", ANY_USER]];
  for (const a of homeAccounts(c.ctx, c.accounts)) dirs.push([`${a.home}/.config/autostart`, a]);
  for (const [dir, runAs] of dirs) {
    for (const name of c.list(dir)) {
      if (!name.endsWith(".desktop")) continue;
      const path = `${dir}/${name}`;
      const f = c.read(path, 256 << 10);
      if (!f) continue;
      const d = parseDesktopEntry(f.text);
      const entries: Entry[] = d.exec !== undefined && !d.disabled
        ? [{ line: d.execLine, text: d.exec, runAs }]
        : [];
      c.point({ kind: "xdg_autostart", path, entries, meta: { disabled: d.disabled } });
    }
  }
}
