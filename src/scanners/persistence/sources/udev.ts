/** udev rules that run programs as root when a device appears (RUN, PROGRAM, IMPORT{program}). */
import { ROOT_ACCOUNT } from "../accounts.ts";
import type { Collector } from "../collect.ts";
import { parseUdevRules } from "../udev.ts";

/** udev rule directories, highest precedence first. */
export const UDEV_DIRS = [
  "/etc/udev/rules.d",
  "/run/udev/rules.d",
  "/usr/local/lib/udev/rules.d",
  "/usr/lib/udev/rules.d",
  "/lib/udev/rules.d",
];

/** udev rules that run programs (RUN, PROGRAM, IMPORT{program}); the first file of a name wins, as in udev. */
export function udevSources(c: Collector): void {
  const seenDirs = new Set<string>();
  const seenNames = new Set<string>();
  for (const dir of UDEV_DIRS) {
    const st = c.ctx.host.stat(dir);
    if (!st.ok || !st.value.isDirectory) continue;
    const key = `${st.value.dev}:${st.value.ino}`;
    if (seenDirs.has(key)) continue;
    seenDirs.add(key);
    for (const name of c.list(dir)) {
      if (!name.endsWith(".rules") || seenNames.has(name)) continue;
      seenNames.add(name);
      const path = `${dir}/${name}`;
      const f = c.read(path);
      if (!f) continue;
      const programs = parseUdevRules(f.text);
      if (programs.length === 0) continue;
      c.point({
        kind: "udev_rule",
        path,
        entries: programs.map((p) => ({ line: p.line, text: p.command, runAs: ROOT_ACCOUNT })),
      });
    }
  }
}
