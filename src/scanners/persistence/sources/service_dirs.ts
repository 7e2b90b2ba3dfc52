/**
 * Service directories of runit, daemontools and s6: a supervisor (runsvdir, svscan, s6-svscan) scans its
 * directory (/etc/service, /service, /var/service, /run/service, Debian's /etc/runit/runsvdir/<level>, s6-overlay's
 * /etc/services.d…) and runs, as root and again whenever it exits, the `run` of every subdirectory (or link to one)
 * whose name does not start with a dot, its `finish`, its `log/run`, and runit's `check` and `control/*` scripts.
 * A service with a `down` file is not started (inert), as is a definition in /etc/sv that no scan directory links
 * to (not enabled) and a `run` without an execute bit. Also read: s6-rc source definitions (longrun `run`/`finish`,
 * oneshot `up`/`down`), s6-overlay's /etc/cont-init.d and /etc/cont-finish.d scripts, and runit's stages
 * /etc/runit/1, 2, 3 and ctrlaltdel (run by runit as init). Each script is judged line by line as root's commands
 * (and itself, when others can change it); a binary `run` is judged as the program it is.
 */
import type { Metadata } from "../../../core/finding.ts";
import { ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, type Entry } from "../collect.ts";
import { distinctDirs, selfEntry, subdirs } from "./hook_files.ts";
import { isExecutable, scriptPoint } from "./shared.ts";

const TECHNIQUE = "T1543";
/** Directories supervisors scan: every subdirectory not starting with a dot is a service they run. */
export const SCAN_DIRS = [
  "/etc/service",
  "/service",
  "/var/service",
  "/run/service",
  "/run/runit/service",
  "/etc/services.d",
  "/etc/s6",
];
/** Debian's and Artix's runit runlevels: each subdirectory is a scan directory runsvchdir can switch to. */
export const RUNSVDIR_LEVELS = "/etc/runit/runsvdir";
/** Where runit service directories are defined; those no scan directory links to are not enabled (inert). */
export const DEFINITION_DIRS = ["/etc/sv", "/etc/runit/sv"];
/** s6-rc source directories (s6-rc's documented one, Artix's, s6-overlay v3's). */
export const S6_RC_SOURCES = [
  "/etc/s6-rc/source",
  "/etc/s6/sv",
  "/etc/s6/adminsv",
  "/etc/s6-overlay/s6-rc.d",
];
/** s6-overlay's scripts run as root when the container starts and stops. */
export const CONTAINER_SCRIPT_DIRS = ["/etc/cont-init.d", "/etc/cont-finish.d"];
/** runit's stages, run as root by runit as the init. */
export const RUNIT_STAGES = ["/etc/runit/1", "/etc/runit/2", "/etc/runit/3", "/etc/runit/ctrlaltdel"];
/** The scripts a service directory's supervisor runs (runit's control/* are added when present). */
const SERVICE_FILES = ["run", "finish", "check", "log/run", "log/finish"];

/** Collects the scripts, each file once (a `log/run` linked to a shared one is read where it lives). */
class ScriptReader {
  readonly #seen = new Set<string>();
  constructor(readonly c: Collector) {}

  /**
   * One script (or program) a supervisor runs as root. `skipped` says why it does not run; without it, a file
   * with no execute bit does not run either unless `parsed` (an s6-rc oneshot's `up`, read by execlineb).
   */
  file(path: string, meta: Metadata, skipped?: string, parsed = false): void {
    const c = this.c;
    const st = c.ctx.host.stat(path);
    if (!st.ok || !st.value.isFile) return;
    const real = c.ctx.host.canonical(path);
    if (real === "/dev/null" || this.#seen.has(real)) return;
    this.#seen.add(real);
    const why = skipped ?? (parsed || isExecutable(c, path) ? undefined : "not executable");
    const m = {
      ...meta,
      technique: TECHNIQUE,
      ...(real !== path ? { link: path } : {}),
      ...(why ? { skipped: why } : {}),
    };
    const magic = c.ctx.host.readBytes(real, 4);
    if (magic.ok && magic.value.length === 4 && new TextDecoder().decode(magic.value) === "\x7fELF") {
      const entries: Entry[] = [{ line: 0, text: real, runAs: ROOT_ACCOUNT }];
      const inert = why !== undefined;
      c.point({
        kind: "supervised_program",
        path: real,
        entries,
        meta: { ...m, script: false, ...(inert ? { inert } : {}) },
        ...(inert ? { inert } : {}),
      });
      return;
    }
    const entries = scriptPoint(c, "supervised_program", real, ROOT_ACCOUNT, why !== undefined, m);
    const self = entries && selfEntry(c, real, ROOT_ACCOUNT);
    if (entries && self) entries.unshift(self);
  }

  /** A runit/daemontools/s6 service directory: its scripts, inert when `skipped` or when a `down` file says so. */
  service(dir: string, meta: Metadata, skipped?: string): void {
    const c = this.c;
    const name = dir.slice(dir.lastIndexOf("/") + 1);
    const down = (sub: string) =>
      c.ctx.host.exists(`${dir}/${sub}down`) ? "a down file: not started" : undefined;
    const control = c.list(`${dir}/control`).map((n) => `control/${n}`);
    for (const file of [...SERVICE_FILES, ...control]) {
      const why = skipped ?? down(file.startsWith("log/") ? "log/" : "");
      this.file(`${dir}/${file}`, { ...meta, service: name, directory: dir }, why);
    }
  }
}

/** Subdirectories (and links to one) of `dir` whose names do not start with a dot, with their real paths. */
function serviceDirs(c: Collector, dir: string): { name: string; real: string }[] {
  return subdirs(c, dir, (n) => !n.startsWith(".")).map((name) => ({
    name,
    real: c.ctx.host.canonical(`${dir}/${name}`),
  }))
    .filter((s) => {
      const st = c.ctx.host.stat(s.real);
      return st.ok && st.value.isDirectory;
    });
}

/** Every service directory, s6-rc definition, s6-overlay script and runit stage. */
export function serviceDirSources(c: Collector): void {
  const reader = new ScriptReader(c);
  const services = new Set<string>();
  const levels = subdirs(c, RUNSVDIR_LEVELS, (n) => !n.startsWith(".")).map((n) => `${RUNSVDIR_LEVELS}/${n}`);
  for (const scan of distinctDirs(c, [...SCAN_DIRS, ...levels])) {
    for (const s of serviceDirs(c, scan)) {
      if (services.has(s.real)) continue;
      services.add(s.real);
      reader.service(s.real, { runner: "service directory", scan_dir: scan });
    }
  }
  for (const def of distinctDirs(c, DEFINITION_DIRS)) {
    for (const s of serviceDirs(c, def)) {
      if (services.has(s.real)) continue;
      services.add(s.real);
      reader.service(
        s.real,
        { runner: "service directory" },
        "not linked into a scan directory (not enabled)",
      );
    }
  }
  for (const src of distinctDirs(c, S6_RC_SOURCES)) {
    for (const s of serviceDirs(c, src)) {
      const type = c.read(`${s.real}/type`, 64)?.text.trim();
      const meta = { runner: "s6-rc", service: s.name, directory: s.real, type: type ?? "" };
      if (type === "longrun") { for (const f of ["run", "finish"]) reader.file(`${s.real}/${f}`, meta); }
      if (type === "oneshot") {
        for (const f of ["up", "down"]) reader.file(`${s.real}/${f}`, meta, undefined, true);
      }
    }
  }
  for (const dir of distinctDirs(c, CONTAINER_SCRIPT_DIRS)) {
    for (const name of c.list(dir)) reader.file(`${dir}/${name}`, { runner: "s6-overlay", directory: dir });
  }
  for (const stage of RUNIT_STAGES) reader.file(stage, { runner: "runit stage" });
}
