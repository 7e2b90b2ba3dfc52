/**
 * Display managers' hooks: scripts and commands GDM, LightDM and SDDM run around every graphical login — most as
 * root. GDM runs (through /bin/sh) the Init, PostLogin, PreSession and PostSession scripts of its configuration
 * directory; LightDM the display-, greeter- and session-setup and cleanup scripts of its configuration (as root)
 * and its session wrapper (as the user); SDDM its display setup and stop commands (as root, by default the
 * Xsetup and Xstop scripts), its halt and reboot commands, and its session command (as the user).
 */
import { parseIni } from "../../keyfile.ts";
import { type Account, ANY_USER, ROOT_ACCOUNT } from "../accounts.ts";
import type { Collector, Entry } from "../collect.ts";
import { distinctDirs } from "./hook_files.ts";
import { RUN_PARTS_SKIPPED, scriptPoint } from "./shared.ts";

/** GDM's script directories (Debian's gdm3, then upstream's and RHEL's gdm), each run as root. */
export const GDM_SCRIPT_DIRS = ["/etc/gdm3", "/etc/gdm"].flatMap((base) =>
  ["Init", "PostLogin", "PreSession", "PostSession"].map((stage) => `${base}/${stage}`)
);
/** LightDM's configuration: the drop-in directories in the order it reads them, then lightdm.conf. */
const LIGHTDM_DROPIN_DIRS = [
  "/usr/share/lightdm/lightdm.conf.d",
  "/usr/local/share/lightdm/lightdm.conf.d",
  "/etc/xdg/lightdm/lightdm.conf.d",
  "/etc/lightdm/lightdm.conf.d",
];
/** SDDM's configuration: drop-ins of the system and the administrator, then sddm.conf. */
const SDDM_DROPIN_DIRS = ["/usr/lib/sddm/sddm.conf.d", "/etc/sddm.conf.d"];
/** SDDM's default display setup and stop scripts (DisplayCommand, DisplayStopCommand). */
export const SDDM_SCRIPTS = ["/usr/share/sddm/scripts/Xsetup", "/usr/share/sddm/scripts/Xstop"];

/** LightDM keys whose value is a command, and who runs it. */
const LIGHTDM_COMMANDS: Record<string, Account> = {
  "display-setup-script": ROOT_ACCOUNT,
  "display-stopped-script": ROOT_ACCOUNT,
  "greeter-setup-script": ROOT_ACCOUNT,
  "session-setup-script": ROOT_ACCOUNT,
  "session-cleanup-script": ROOT_ACCOUNT,
  "guest-account-script": ROOT_ACCOUNT,
  "session-wrapper": ANY_USER,
};
/** SDDM keys (any section) whose value is a command, and who runs it. */
const SDDM_COMMANDS: Record<string, Account> = {
  DisplayCommand: ROOT_ACCOUNT,
  DisplayStopCommand: ROOT_ACCOUNT,
  HaltCommand: ROOT_ACCOUNT,
  RebootCommand: ROOT_ACCOUNT,
  SessionCommand: ANY_USER,
};

/** One key-file configuration's commands as a point. */
function configPoint(c: Collector, path: string, runner: string, commands: Record<string, Account>): void {
  const f = c.read(path);
  if (!f) return;
  const entries: Entry[] = [];
  for (const s of parseIni(f.text)) {
    for (const [key, value] of s.keys) {
      const runAs = Object.hasOwn(commands, key) ? commands[key] : undefined;
      if (runAs && value !== "") entries.push({ line: s.keyLines.get(key) ?? s.line, text: value, runAs });
    }
  }
  c.point({ kind: "display_manager", path, entries, meta: { technique: "T1037", runner } });
}

/** GDM's scripts, LightDM's and SDDM's configuration, and SDDM's default scripts. */
export function displayManagerSources(c: Collector): void {
  for (const dir of GDM_SCRIPT_DIRS) {
    for (const name of c.list(dir)) {
      // GDM runs the script named after the display, else Default; a .sample or a backup is never run.
      const inert = name.endsWith(".sample") || RUN_PARTS_SKIPPED.test(name);
      scriptPoint(c, "display_manager", `${dir}/${name}`, ROOT_ACCOUNT, inert, {
        technique: "T1037",
        runner: "gdm",
      });
    }
  }
  // Both read every .conf file of every drop-in directory (a later one overrides keys, not files): all judged.
  const dropIns = (dirs: readonly string[]) =>
    distinctDirs(c, dirs).flatMap((d) =>
      c.list(d).filter((n) => n.endsWith(".conf")).map((n) => `${d}/${n}`)
    );
  for (const path of [...dropIns(LIGHTDM_DROPIN_DIRS), "/etc/lightdm/lightdm.conf"]) {
    configPoint(c, path, "lightdm", LIGHTDM_COMMANDS);
  }
  for (const path of [...dropIns(SDDM_DROPIN_DIRS), "/etc/sddm.conf"]) {
    configPoint(c, path, "sddm", SDDM_COMMANDS);
  }
  for (const path of SDDM_SCRIPTS) {
    scriptPoint(c, "display_manager", path, ROOT_ACCOUNT, false, { technique: "T1037", runner: "sddm" });
  }
}
