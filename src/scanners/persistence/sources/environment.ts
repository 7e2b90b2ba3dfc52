/**
 * The environment every login gets from PAM and systemd: /etc/environment, pam_env.conf, each person's
 * ~/.pam_environment, and environment.d (system and per user). A loader variable there (LD_PRELOAD, LD_AUDIT,
 * LD_LIBRARY_PATH) or a PATH that puts a directory others can write ahead of the system's hijacks every program
 * started in those sessions.
 */
import { type Location, LocationJudge } from "../../../host/location.ts";
import { judgeEntries, ldEntries } from "../../ioc/ld_env.ts";
import { unitAssignments } from "../../systemd_units/unit_file.ts";
import { type Account, ANY_USER, isUserHome, ROOT_ACCOUNT } from "../accounts.ts";
import { entryDigest, hiddenOutsideHomes, judgeLocation } from "../assess.ts";
import { matchPatterns } from "../patterns.ts";
import { type Collector, homeAccounts, normalisePath } from "../collect.ts";
import { type EnvAssignment, parseEnvFile, parsePamEnvConf } from "../env_files.ts";

/**
 * Variables that make a shell or an interpreter run code of their value's choosing when it starts or prompts:
 * bash runs BASH_ENV's file before every script and PROMPT_COMMAND before every prompt, sh the file of ENV,
 * python PYTHONSTARTUP's, perl the modules of PERL5OPT, node NODE_OPTIONS's --require, less the command of
 * LESSOPEN/LESSCLOSE. Stock distributions set none of them in these files.
 */
export const STARTUP_VARS: ReadonlySet<string> = new Set([
  "BASH_ENV",
  "ENV",
  "PROMPT_COMMAND",
  "PYTHONSTARTUP",
  "PERL5OPT",
  "NODE_OPTIONS",
  "LESSOPEN",
  "LESSCLOSE",
]);

/** environment.d files, which systemd's own parser reads (blanks around `=` allowed). */
const systemdEnv = (text: string) => parseEnvFile(text, { systemd: true });

/** The directories after which a PATH entry no longer shadows the system's commands. */
const SYSTEM_BIN = new Set(["/usr/bin", "/bin", "/usr/sbin", "/sbin"]);

interface EnvFile {
  path: string;
  runAs: Account;
  parse: (text: string) => { assignments: EnvAssignment[]; bad: number };
}

function envFiles(c: Collector): EnvFile[] {
  const out: EnvFile[] = [
    { path: "/etc/environment", runAs: ANY_USER, parse: parseEnvFile },
    { path: "/etc/security/pam_env.conf", runAs: ANY_USER, parse: parsePamEnvConf },
    { path: "/usr/etc/security/pam_env.conf", runAs: ANY_USER, parse: parsePamEnvConf },
  ];
  for (const dir of ["/etc/environment.d", "/usr/lib/environment.d", "/usr/local/lib/environment.d"]) {
    for (const name of c.list(dir).filter((n) => n.endsWith(".conf"))) {
      out.push({ path: `${dir}/${name}`, runAs: ANY_USER, parse: systemdEnv });
    }
  }
  for (const a of homeAccounts(c.ctx, c.accounts)) {
    out.push({ path: `${a.home}/.pam_environment`, runAs: a, parse: parsePamEnvConf });
    for (const name of c.list(`${a.home}/.config/environment.d`).filter((n) => n.endsWith(".conf"))) {
      out.push({ path: `${a.home}/.config/environment.d/${name}`, runAs: a, parse: systemdEnv });
    }
  }
  return out;
}

/**
 * Whether a judged location is unsafe for `runAs`: temporary and world-writable ones always are; a home or a
 * user-writable one is, unless it is the account's own (a person may put their own ~/bin first).
 */
function untrustedFor(loc: Location, path: string, runAs: Account): boolean {
  if (loc.kind === "system") return false;
  if (loc.kind === "home") {
    const home = runAs.uid >= 0 && runAs.home.startsWith("/") ? normalisePath(runAs.home) : undefined;
    return home === undefined || !(path === home || path.startsWith(home + "/"));
  }
  if (loc.kind === "user_writable") return !(loc.uid !== undefined && loc.uid === runAs.uid && runAs.uid > 0);
  return true;
}

const judges = new WeakMap<Collector, EnvJudge>();

/** Shells cron may be told to run jobs with (SHELL=) without that being worth a look. */
const SHELLS = new Set([
  "/bin/sh",
  "/bin/bash",
  "/bin/dash",
  "/usr/bin/sh",
  "/usr/bin/bash",
  "/usr/bin/dash",
]);

/** Where an assignment was read, and for whom. */
export interface EnvSource {
  path: string;
  runAs: Account;
  /** A crontab's variable lines: SHELL there is the program every job of the file runs through. */
  cron?: boolean;
}

/**
 * The judgement of environment assignments (loader variables, variables that run code at start, PATH, and a
 * crontab's SHELL) for the files that set them: the login environment here, crontabs in ./cron.ts.
 */
export class EnvJudge {
  readonly #judge: LocationJudge;

  /** The scan's one judge (its location judge's answers shared by every source that asks). */
  static of(c: Collector): EnvJudge {
    let j = judges.get(c);
    if (j === undefined) judges.set(c, j = new EnvJudge(c));
    return j;
  }

  private constructor(readonly c: Collector) {
    const homes = [...c.accounts.byName.values()].filter((a) => a.uid === 0 || isUserHome(a))
      .map((a) => normalisePath(a.home)).filter((h) => h !== "/");
    this.#judge = new LocationJudge(c.ctx.host, homes);
  }

  /** Reports what one assignment makes run, or where it makes programs look first. */
  assignment(file: EnvSource, a: EnvAssignment): void {
    const c = this.c;
    const judge = this.#judge;
    const untrusted = (loc: Location, path: string) => untrustedFor(loc, path, file.runAs);
    const report = (check: string, value: string, why: string, severity?: "medium" | "high") =>
      c.finding({
        check_id: check,
        subject: `${file.path}:${entryDigest(`${a.name}=${value}`)}`,
        severity,
        description: `${file.path}:${a.line} sets ${a.name}: ${value} ${why}.`,
        metadata: {
          path: file.path,
          line: a.line,
          variable: a.name,
          value: a.value.slice(0, 1000),
          entry: value,
          run_as: file.runAs.name,
        },
        location: { path: file.path },
      });
    if (a.name === "LD_PRELOAD" || a.name === "LD_AUDIT" || a.name === "LD_LIBRARY_PATH") {
      const entries = ldEntries(a.name === "LD_LIBRARY_PATH" ? "LD_LIBRARY_PATH" : "LD_PRELOAD", a.value)
        .filter((e) => !e.startsWith("$") && !e.startsWith("@"));
      const judged = judgeEntries(entries, judge).map((j) => ({
        ...j,
        location: j.location && judgeLocation(judge, normalisePath(j.entry)),
      }));
      for (const j of judged) {
        const path = j.entry.startsWith("/") ? normalisePath(j.entry) : j.entry;
        if (j.cwdRelative) {
          report("persistence.environment.loader_var", j.entry, "(relative to the current directory)");
        } else if (j.location && untrusted(j.location, path)) {
          report(
            "persistence.environment.loader_var",
            j.entry,
            `(${j.location.kind.replace("_", " ")} location)`,
          );
        } else if (j.location && hiddenOutsideHomes(path, c.accounts)) {
          report("persistence.environment.loader_var", j.entry, "(hidden location)");
        } else if (
          j.location && !j.trusted && a.name !== "LD_LIBRARY_PATH" && j.location.kind === "system"
        ) {
          report(
            "persistence.environment.loader_var",
            j.entry,
            "(outside the system library directories)",
            "medium",
          );
        }
      }
    }
    // A crontab's SHELL runs every job of the file: reported when it is not a system shell and is a payload or
    // lives in an untrusted place (zsh or ksh from the system's directories is a choice, not a finding).
    const cronShell = file.cron === true && a.name === "SHELL" && !SHELLS.has(normalisePath(a.value));
    if (STARTUP_VARS.has(a.name) || cronShell) {
      // High when what it runs is a payload or lives where others (or nobody legitimate) put files.
      const file = a.value.match(/(?:^|[\s=|'"])(\/[^\s|'";&]+)/)?.[1];
      const path = file === undefined ? undefined : normalisePath(file);
      const loc = path === undefined ? undefined : judgeLocation(judge, path);
      const bad = matchPatterns(a.value).length > 0 ||
        (path !== undefined && loc !== undefined &&
          (untrusted(loc, path) || hiddenOutsideHomes(path, c.accounts)));
      if (!cronShell || bad) {
        report(
          "persistence.environment.startup_code",
          a.value.slice(0, 300),
          cronShell
            ? "(every job of the crontab runs through it)"
            : "(every shell or interpreter of the sessions it applies to runs it)",
          bad ? "high" : undefined,
        );
      }
    }
    if (a.name === "PATH") {
      for (const dir of a.value.split(":")) {
        if (SYSTEM_BIN.has(normalisePath(dir || "."))) break;
        if (dir.startsWith("$") || dir.startsWith("@")) continue;
        if (dir === "" || !dir.startsWith("/")) {
          report(
            "persistence.environment.path_hijack",
            dir || "(empty: the current directory)",
            "before the system directories",
          );
          continue;
        }
        const path = normalisePath(dir);
        const loc = judgeLocation(judge, path);
        const hidden = hiddenOutsideHomes(path, c.accounts);
        if (untrusted(loc, path) || hidden) {
          report(
            "persistence.environment.path_hijack",
            dir,
            `before the system directories: ${
              hidden && loc.kind === "system" ? "hidden" : loc.kind.replace("_", " ")
            } location`,
          );
        }
      }
    }
  }
}

/**
 * The assignments of a systemd Environment= or DefaultEnvironment= value: words split at blanks, quotes
 * (around the word or inside it) removed, each `NAME=value`.
 */
export function systemdAssignments(value: string, line: number): EnvAssignment[] {
  const out: EnvAssignment[] = [];
  for (const m of value.matchAll(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g)) {
    const word = m[0].replace(/"([^"]*)"|'([^']*)'/g, (_, d, s) => d ?? s);
    const eq = word.indexOf("=");
    if (eq > 0) out.push({ line, name: word.slice(0, eq), value: word.slice(eq + 1) });
  }
  return out;
}

/** systemd's manager configuration: DefaultEnvironment= reaches every service (system) or user service (user). */
function managerFiles(c: Collector): EnvSource[] {
  const out: EnvSource[] = [];
  for (const [kind, runAs] of [["system", ROOT_ACCOUNT], ["user", ANY_USER]] as const) {
    for (const dir of ["/etc/systemd", "/run/systemd", "/usr/lib/systemd", "/usr/local/lib/systemd"]) {
      out.push({ path: `${dir}/${kind}.conf`, runAs });
      for (const name of c.list(`${dir}/${kind}.conf.d`).filter((n) => n.endsWith(".conf"))) {
        out.push({ path: `${dir}/${kind}.conf.d/${name}`, runAs });
      }
    }
  }
  return out;
}

/** Loader variables, variables that run code and PATH in the login environment files. */
export function environmentSources(c: Collector): void {
  const judge = EnvJudge.of(c);
  for (const file of managerFiles(c)) {
    const f = c.read(file.path);
    if (!f) continue;
    for (const a of unitAssignments(f.bytes).assignments) {
      if (a.section !== "Manager" || a.key !== "DefaultEnvironment") continue;
      for (const v of systemdAssignments(a.value, a.line)) judge.assignment(file, v);
    }
  }
  for (const file of envFiles(c)) {
    const f = c.read(file.path);
    if (!f) continue;
    const { assignments, bad } = file.parse(f.text);
    if (bad > 0) c.ctx.warn("environment_malformed", `${file.path}: ${bad} line(s) that set nothing`);
    c.point({
      kind: "environment_file",
      path: file.path,
      entries: [],
      meta: { variables: assignments.map((a) => `${a.name}=${a.value}`.slice(0, 300)).slice(0, 50) },
    });
    for (const a of assignments) judge.assignment(file, a);
  }
}
