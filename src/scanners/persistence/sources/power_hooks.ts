/**
 * Power hooks: programs run as root around suspend, hibernation and shutdown. systemd-sleep runs every executable
 * of its system-sleep directories before and after each suspend or hibernation, systemd-shutdown every executable
 * of its system-shutdown directories just before halt, power-off, reboot or kexec (systemd 255 and earlier read
 * only /usr/lib/systemd/…; 256 and later also /etc, /run and /usr/local), elogind does the same from its own
 * directories, and pm-utils runs its sleep.d hooks on suspend and its power.d hooks when the power source changes.
 * Every file of every directory is judged, whatever its name: a name in /etc does not hide the same name in
 * /usr/lib (it does on 256 and later, not before), and a hidden or backup name the runner skips is still something
 * nobody should have put there.
 */
import { ROOT_ACCOUNT } from "../accounts.ts";
import type { Collector } from "../collect.ts";
import { distinctDirs, judgeUnpackaged } from "./hook_files.ts";
import { programPoint } from "./shared.ts";

const SYSTEMD_BASES = [
  "/etc/systemd",
  "/run/systemd",
  "/usr/local/lib/systemd",
  "/usr/lib/systemd",
  "/lib/systemd",
];

/** The hook directories, by the runner that executes them and when. */
export const POWER_HOOK_DIRS: readonly { runner: string; when: string; dirs: readonly string[] }[] = [
  {
    runner: "systemd-sleep",
    when: "before and after every suspend and hibernation",
    dirs: SYSTEMD_BASES.map((b) => `${b}/system-sleep`),
  },
  {
    runner: "systemd-shutdown",
    when: "at every halt, power-off, reboot and kexec",
    dirs: SYSTEMD_BASES.map((b) => `${b}/system-shutdown`),
  },
  {
    runner: "elogind",
    when: "around suspend, hibernation and shutdown",
    dirs: ["/etc/elogind", "/usr/lib/elogind", "/lib/elogind"].flatMap((b) => [
      `${b}/system-sleep`,
      `${b}/system-shutdown`,
    ]),
  },
  {
    runner: "pm-utils",
    when: "on suspend and resume (sleep.d) and when the power source changes (power.d)",
    dirs: ["/etc/pm", "/usr/lib/pm-utils", "/usr/lib64/pm-utils", "/lib/pm-utils"].flatMap((b) => [
      `${b}/sleep.d`,
      `${b}/power.d`,
    ]),
  },
];

/** Every file of the power hook directories, as a program root runs; those nobody installed in /usr/lib are reported. */
export function powerHookSources(c: Collector): void {
  const hooks: string[] = [];
  for (const { runner, when, dirs } of POWER_HOOK_DIRS) {
    for (const dir of distinctDirs(c, dirs)) {
      for (const name of c.list(dir, true)) {
        const path = `${dir}/${name}`;
        const point = programPoint(c, "power_hook", path, ROOT_ACCOUNT, { runner, when, technique: "T1546" });
        if (point && !point.inert) hooks.push(path);
      }
    }
  }
  judgeUnpackaged(c, hooks, "power hook");
}
