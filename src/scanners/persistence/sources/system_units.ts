/**
 * The distribution's own systemd units, as an intruder would use them: a unit file planted among the package
 * units (/usr/lib/systemd/system, /usr/lib/systemd/user) that no package installed, a drop-in in /etc, /run or
 * /usr/local that changes what a package unit runs (Exec*=, Environment=), and any unit that preloads a library
 * (Environment=LD_PRELOAD or LD_AUDIT) from outside the system library directories.
 */
import { LocationJudge } from "../../../host/location.ts";
import { judgeEntries, ldEntries } from "../../ioc/ld_env.ts";
import { type LoadedUnit, loadUnits, VENDOR_DIRS } from "../../systemd_units/loader.ts";
import { EXEC_KEYS, listValues, parseExecLine, unitAssignments } from "../../systemd_units/unit_file.ts";
import { isUserHome, ROOT_ACCOUNT } from "../accounts.ts";
import { entryDigest, judgeLocation } from "../assess.ts";
import { type Collector, type Entry, normalisePath } from "../collect.ts";
import { parseEnvFile } from "../env_files.ts";
import { EnvJudge, STARTUP_VARS, systemdAssignments } from "./environment.ts";
import { unlessOwned } from "./ownership.ts";
import { serviceAccount } from "./systemd.ts";

/** Unit types whose files can start programs. */
const SUFFIXES = [".service", ".socket", ".timer", ".path", ".mount", ".swap", ".target"] as const;
/** The package directories of user units. */
const VENDOR_USER_DIRS = ["/usr/lib/systemd/user", "/lib/systemd/user"];

const inVendorDir = (path: string, dirs: readonly string[]) => dirs.some((d) => path.startsWith(d + "/"));

/** The Exec assignments of one file, as entries (commands without their prefixes; environment: see preloads). */
function assignmentEntries(c: Collector, path: string, u: LoadedUnit): Entry[] {
  const f = c.read(path, 1 << 20);
  if (!f) return [];
  const runAs = serviceAccount(c, u.sections);
  const out: Entry[] = [];
  for (const a of unitAssignments(f.bytes).assignments) {
    if ((EXEC_KEYS as readonly string[]).includes(a.key) || /^Exec(?:Start|Stop)(?:Pre|Post)$/.test(a.key)) {
      const { flags, command } = parseExecLine(a.value);
      if (command !== "") {
        out.push({ line: a.line, text: command, runAs: /[+!]/.test(flags) ? ROOT_ACCOUNT : runAs });
      }
    }
  }
  return out;
}

/**
 * The libraries (LD_PRELOAD, LD_AUDIT) and library directories (LD_LIBRARY_PATH) a unit's Environment= sets,
 * with where each was set.
 */
function preloads(
  c: Collector,
  u: LoadedUnit,
  files: string[],
): { library: string; variable: string; path: string; line: number }[] {
  if (!effectiveValues(u, "Environment").some((v) => /\bLD_(?:PRELOAD|AUDIT|LIBRARY_PATH)\s*=/.test(v))) {
    return [];
  }
  const out: { library: string; variable: string; path: string; line: number }[] = [];
  for (const { path, line, value } of environmentLines(c, files)) {
    const assigned = /\b(LD_PRELOAD|LD_AUDIT|LD_LIBRARY_PATH)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']*))/g;
    for (const m of value.matchAll(assigned)) {
      const split = m[1] === "LD_LIBRARY_PATH" ? "LD_LIBRARY_PATH" : "LD_PRELOAD";
      for (const library of ldEntries(split, m[2] ?? m[3] ?? m[4] ?? "")) {
        out.push({ library, variable: m[1], path, line });
      }
    }
  }
  return out;
}

/** A key's values in the unit's [Service] and [Socket] sections, its drop-ins applied. */
function effectiveValues(u: LoadedUnit, key: string): string[] {
  return [...listValues(u.sections, "Service", key), ...listValues(u.sections, "Socket", key)];
}

/**
 * Every Environment= line of a unit's files (its own and its drop-ins) with the file and line that holds it (the
 * files are read again: the loaded sections keep no line numbers).
 */
function environmentLines(c: Collector, files: string[]): { path: string; line: number; value: string }[] {
  const out: { path: string; line: number; value: string }[] = [];
  for (const path of files) {
    const f = c.read(path, 1 << 20);
    if (!f) continue;
    for (const a of unitAssignments(f.bytes).assignments) {
      if (a.key === "Environment") out.push({ path, line: a.line, value: a.value });
    }
  }
  return out;
}

/**
 * Environment= of a unit or its drop-ins that makes its shells or interpreters run code first (BASH_ENV for a
 * bash ExecStart=, PYTHONSTARTUP, PERL5OPT…): judged as the login environment's are.
 */
function startupVariables(
  c: Collector,
  u: LoadedUnit,
  files: string[],
  judge: EnvJudge,
  envFilesRead: Set<string>,
): void {
  // EnvironmentFile= (a leading "-" makes it optional): each file once per scan, every assignment judged (its
  // loader variables, variables that run code, PATH), as /etc/environment's are.
  for (const v of effectiveValues(u, "EnvironmentFile")) {
    const path = v.replace(/^-/, "").trim();
    if (!path.startsWith("/") || envFilesRead.has(path)) continue;
    envFilesRead.add(path);
    const f = c.read(path, 256 << 10);
    if (!f) continue;
    for (const a of parseEnvFile(f.text, { systemd: true }).assignments) {
      judge.assignment({ path, runAs: ROOT_ACCOUNT }, a);
    }
  }
  if (
    !effectiveValues(u, "Environment").some((v) => [...STARTUP_VARS].some((name) => v.includes(`${name}=`)))
  ) {
    return;
  }
  for (const { path, line, value } of environmentLines(c, files)) {
    for (const v of systemdAssignments(value, line)) {
      if (STARTUP_VARS.has(v.name)) judge.assignment({ path, runAs: ROOT_ACCOUNT }, v);
    }
  }
}

/** A drop-in of a package unit: unowned when it sits among the package units, else what it makes run. */
function dropIn(c: Collector, u: LoadedUnit, d: string): void {
  if (inVendorDir(d, VENDOR_DIRS)) {
    unlessOwned(c, d, {
      check_id: "persistence.systemd_unit.unowned",
      subject: d,
      description: `${d}: drop-in of ${u.name} among the package units that no installed package provides.`,
      metadata: { path: d, unit: u.name },
      location: { path: d },
    });
    return;
  }
  const entries = assignmentEntries(c, d, u);
  if (entries.length > 0) {
    c.point({
      kind: "system_unit",
      path: d,
      entries,
      meta: { unit: u.name, unit_path: u.path, drop_in: true },
    });
  }
}

/** Package units nobody installed, drop-ins that change package units, and preloaded libraries. */
export function systemUnitSources(c: Collector): void {
  const homes = [...c.accounts.byName.values()].filter((a) => a.uid === 0 || isUserHome(a))
    .map((a) => normalisePath(a.home)).filter((h) => h !== "/");
  const judge = new LocationJudge(c.ctx.host, homes);
  const loaded = loadUnits(c.ctx, SUFFIXES);
  const envFilesRead = new Set<string>();
  for (const u of loaded.units) {
    // An instance with drop-ins its template lacks (getty@tty1.service.d): the template's file and shared
    // drop-ins are judged with the template; what the instance's own add, at each, whoever's the template is.
    const files = u.template ? u.ownDropIns ?? [] : [u.path, ...u.dropIns];
    if (u.template) { for (const d of u.ownDropIns ?? []) dropIn(c, u, d); }
    else if (u.vendor) {
      unlessOwned(c, u.path, {
        check_id: "persistence.systemd_unit.unowned",
        subject: u.path,
        description:
          `${u.path}: unit ${u.name} sits among the package units but no installed package provides it.`,
        metadata: { path: u.path, unit: u.name, enabled: loaded.pulledInBy.has(u.name) },
        location: { path: u.path },
      });
      for (const d of u.dropIns) dropIn(c, u, d);
    }
    startupVariables(c, u, files, EnvJudge.of(c), envFilesRead);
    const libs = preloads(c, u, files);
    const judged = judgeEntries(libs.map((l) => l.library), judge).map((j) => ({
      ...j,
      location: j.location && judgeLocation(judge, normalisePath(j.entry)),
    }));
    judged.forEach((j, i) => {
      const l = libs[i];
      const untrusted = j.cwdRelative || (j.location !== undefined && j.location.kind !== "system");
      // A directory counts when it is untrusted; a library also when outside the system library directories
      // (a bare name is looked up in the system directories).
      if (l.variable === "LD_LIBRARY_PATH" ? !untrusted : j.trusted || !j.entry.includes("/")) return;
      c.finding({
        check_id: "persistence.systemd_unit.preload",
        subject: `${l.path}:${entryDigest(`${l.variable}=${l.library}`)}`,
        severity: untrusted ? "high" : undefined,
        description: `${l.path}:${l.line}: ${u.name} sets ${l.variable}=${l.library}` +
          (j.location && j.location.kind !== "system"
            ? ` (${j.location.kind.replace("_", " ")} location)`
            : ""),
        metadata: {
          path: l.path,
          line: l.line,
          unit: u.name,
          variable: l.variable,
          library: l.library,
          location_kind: j.location?.kind ?? null,
        },
        location: { path: l.path },
      });
    });
  }
  const user = loadUnits(c.ctx, SUFFIXES, VENDOR_USER_DIRS);
  for (const u of user.units) {
    unlessOwned(c, u.path, {
      check_id: "persistence.systemd_unit.unowned",
      subject: u.path,
      description:
        `${u.path}: user unit ${u.name} sits among the package units but no installed package provides it.`,
      metadata: { path: u.path, unit: u.name, user_unit: true },
      location: { path: u.path },
    });
  }
}
