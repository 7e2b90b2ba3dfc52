/**
 * udev rules that run programs as root when a device appears (RUN, PROGRAM, IMPORT{program}), in every rules
 * directory; a rules file that runs programs in /usr/lib or /lib that no package installed is reported too.
 */
import { ROOT_ACCOUNT } from "../accounts.ts";
import type { Collector } from "../collect.ts";
import { parseUdevRules, type UdevProgram } from "../udev.ts";
import { distinctDirs, judgeUnpackaged } from "./hook_files.ts";

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
  const seenNames = new Set<string>();
  const withPrograms: string[] = [];
  for (const dir of distinctDirs(c, UDEV_DIRS)) {
    for (const name of c.list(dir)) {
      if (!name.endsWith(".rules") || seenNames.has(name)) continue;
      seenNames.add(name);
      const path = `${dir}/${name}`;
      const f = c.read(path);
      if (!f) continue;
      const programs = parseUdevRules(f.text);
      if (programs.length === 0) continue;
      withPrograms.push(path);
      c.point({
        kind: "udev_rule",
        path,
        entries: programs.map((p) => ({ line: p.line, text: resolveRelative(c, p), runAs: ROOT_ACCOUNT })),
        meta: { technique: "T1546.017" },
      });
    }
  }
  judgeUnpackaged(c, withPrograms, "udev rule that runs programs");
}

/**
 * A relative program name is looked up in udev's library directory: /usr/lib/udev, or /lib/udev on a system
 * without merged /usr whose udev still lives there.
 */
function resolveRelative(c: Collector, p: UdevProgram): string {
  const program = p.command.split(/\s/, 1)[0];
  if (!p.relative || c.ctx.host.exists(program)) return p.command;
  const legacy = program.replace(/^\/usr\/lib\/udev\//, "/lib/udev/");
  return c.ctx.host.exists(legacy) ? legacy + p.command.slice(program.length) : p.command;
}
