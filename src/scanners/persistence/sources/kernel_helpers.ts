/**
 * The kernel's usermode helpers: programs the kernel itself starts as root, with every capability, outside any
 * service manager. `kernel.core_pattern` starting with `|` pipes every crash dump into a program (any user can
 * make a process crash), `kernel.modprobe` runs when a module or an unknown executable format is asked for,
 * `kernel.hotplug` (/sys/kernel/uevent_helper) on every device event, `kernel.poweroff_cmd` on an orderly
 * power-off. Both what runs now (/proc/sys, /sys) and what every sysctl file and the kernel command line set at
 * boot are read; each program is judged like any command root runs, and one that no package installed is
 * `persistence.kernel_helper.unowned`.
 */
import { ROOT_ACCOUNT } from "../accounts.ts";
import type { Collector, Entry } from "../collect.ts";
import { executedPaths } from "../shell_words.ts";
import { CMDLINE, parseCmdlineSysctls, sharedSysctlFiles } from "../../sysctl_files.ts";
import { unlessOwned } from "./ownership.ts";
import { linkTarget } from "./shared.ts";
import { type Helper, KERNEL_HELPERS } from "../kernel_helper_table.ts";

const TECHNIQUE = "T1546";

/** The command a helper's value makes the kernel run, or undefined when it runs none (a core file name, ""). */
export function helperCommand(value: string, piped: boolean): string | undefined {
  let v = value.replaceAll("\0", " ").trim();
  if (piped) {
    if (!v.startsWith("|")) return undefined;
    v = v.slice(1).trim();
  }
  return v === "" ? undefined : v;
}

/** One helper value found somewhere (a live file, a sysctl file's line, the kernel command line). */
interface Found {
  helper: Helper;
  path: string;
  line: number;
  command: string;
  live: boolean;
}

function liveValues(c: Collector): Found[] {
  const out: Found[] = [];
  for (const helper of KERNEL_HELPERS) {
    for (const path of helper.live) {
      const r = c.ctx.host.readText(path, 8192);
      if (!r.ok) continue; // not built into this kernel, or not the live host
      const command = helperCommand(r.value, helper.piped);
      if (command !== undefined) out.push({ helper, path, line: 0, command, live: true });
    }
  }
  return out;
}

function configuredValues(c: Collector): Found[] {
  const byKey = new Map(KERNEL_HELPERS.map((h) => [h.key, h]));
  const out: Found[] = [];
  const files = sharedSysctlFiles(c.ctx);
  const cmdline = c.ctx.host.readText(CMDLINE, 64 << 10);
  if (cmdline.ok) {
    files.push({ path: CMDLINE, name: "", rank: -1, lines: parseCmdlineSysctls(cmdline.value) });
  }
  // Every file's setting, not only the one that wins: a planted file another overrides today is still planted.
  for (const f of files) {
    for (const l of f.lines) {
      const helper = byKey.get(l.key);
      if (!helper || l.value === undefined) continue;
      const command = helperCommand(l.value, helper.piped);
      if (command !== undefined) out.push({ helper, path: f.path, line: l.line, command, live: false });
    }
  }
  return out;
}

/** The kernel's usermode helpers, live and configured, as root's commands; unowned helper programs. */
export function kernelHelperSources(c: Collector): void {
  const byPath = new Map<string, { entries: Entry[]; found: Found[] }>();
  for (const f of [...liveValues(c), ...configuredValues(c)]) {
    const point = byPath.get(f.path) ?? { entries: [], found: [] };
    byPath.set(f.path, point);
    point.entries.push({ line: f.line, text: f.command, runAs: ROOT_ACCOUNT });
    point.found.push(f);
  }
  for (const [path, p] of byPath) {
    c.point({
      kind: "kernel_helper",
      path,
      entries: p.entries,
      meta: {
        technique: TECHNIQUE,
        helpers: [...new Set(p.found.map((f) => f.helper.key.replaceAll("/", ".")))].sort(),
        live: p.found.some((f) => f.live),
      },
    });
    // Every program the helper runs: the interpreter and the script it is given (`/bin/sh /usr/local/sbin/k.sh`).
    for (const f of p.found) {
      for (const program of executedPaths(f.command)) {
        const file = linkTarget(c, program, 16);
        const st = c.ctx.host.lstat(file);
        if (!st.ok || !st.value.isFile) continue;
        const setting = f.helper.key.replaceAll("/", ".");
        unlessOwned(c, file, {
          check_id: "persistence.kernel_helper.unowned",
          subject: `${setting}:${file}`,
          description: `${path}${f.line > 0 ? `:${f.line}` : ""}: ${setting} makes the kernel run ${program}${
            file !== program ? ` (${file})` : ""
          } as root, the ${f.helper.role}, and no installed package provides it: ${f.command.slice(0, 300)}`,
          metadata: {
            kind: "kernel_helper",
            path,
            line: f.line,
            setting,
            program,
            ...(file !== program ? { resolved: file } : {}),
            command: f.command.slice(0, 1000),
            live: f.live,
            technique: TECHNIQUE,
          },
          location: { path },
        });
      }
    }
  }
}
