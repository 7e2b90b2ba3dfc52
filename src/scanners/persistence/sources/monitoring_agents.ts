/**
 * What the monitoring agent sources (monitoring.ts, monitoring_snmp.ts) share: the systemd service that starts an
 * agent (its User= and its command line, with Environment= and EnvironmentFile= expanded, read cheaply without
 * loading every unit), the account a name or uid names, one configuration file's entries as a point, and the
 * judgement of a shared object an agent loads.
 */
import { UNIT_DIRS } from "../../systemd_units/loader.ts";
import {
  listValues,
  mergeSections,
  parseExecLine,
  parseUnitFile,
  type UnitSections,
} from "../../systemd_units/unit_file.ts";
import { type Account, ROOT_ACCOUNT, UNKNOWN_ACCOUNT } from "../accounts.ts";
import { pathRisk } from "../assess.ts";
import { type Collector, type Entry, normalisePath } from "../collect.ts";
import { parseEnvFile } from "../env_files.ts";
import { unlessOwned } from "./ownership.ts";
import { account, confFiles } from "./shared.ts";

/** MITRE technique of the family's points: a server software component (the agent) extended to run code. */
export const TECHNIQUE = "T1505";
/** Bounds of one agent's configuration walk: files read, include nesting, metadata lines per point. */
export const MONITORING_LIMITS = { files: 200, depth: 16, metaLines: 50 } as const;

/** The systemd service that starts an agent. */
export interface AgentService {
  /** The unit file read (drop-ins applied). */
  unit: string;
  /** The account of User= (root when unset or root). */
  account: Account;
  /** ExecStart's words, Environment= and EnvironmentFile= variables expanded. */
  argv: string[];
}

/** Variables of a service's Environment= and EnvironmentFile= (which systemd applies after Environment=). */
function serviceEnvironment(c: Collector, sections: UnitSections): Map<string, string> {
  const env = new Map<string, string>();
  for (const v of listValues(sections, "Service", "Environment")) {
    for (const m of v.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
      const a = m[1] ?? m[2] ?? m[3] ?? "";
      const eq = a.indexOf("=");
      if (eq > 0) env.set(a.slice(0, eq), a.slice(eq + 1));
    }
  }
  for (const v of listValues(sections, "Service", "EnvironmentFile")) {
    const path = v.replace(/^-/, "").trim();
    const f = path.startsWith("/") ? c.read(path, 64 << 10) : undefined;
    for (const a of f ? parseEnvFile(f.text, { systemd: true }).assignments : []) env.set(a.name, a.value);
  }
  return env;
}

/** A command line split into words, `$NAME` and `${NAME}` expanded from `env`, quotes removed. */
export function commandWords(command: string, env: ReadonlyMap<string, string> = new Map()): string[] {
  const expanded = command.slice(0, 16 << 10).replace(
    /\$(?:\{(\w+)\}|(\w+))/g,
    (_, a?: string, b?: string) => env.get(a ?? b!) ?? "",
  );
  return [...expanded.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

/**
 * The first of `names` found in the unit directories (in systemd's precedence), its drop-ins applied: User= and
 * ExecStart. Undefined when no such unit exists (or it is masked): the agent is then started some other way.
 */
export function agentService(c: Collector, names: readonly string[]): AgentService | undefined {
  for (const name of names) {
    for (const dir of UNIT_DIRS) {
      const path = `${dir}/${name}`;
      const link = c.ctx.host.readLink(path);
      if (link.ok && normalisePath(link.value) === "/dev/null") return undefined;
      const f = c.read(path, 256 << 10);
      if (!f) continue;
      let sections = parseUnitFile(f.text).sections;
      for (const p of confFiles(c, UNIT_DIRS.map((d) => `${d}/${name}.d`))) {
        const d = c.read(p, 256 << 10);
        if (d) sections = mergeSections(sections, parseUnitFile(d.text).sections);
      }
      const user = listValues(sections, "Service", "User").at(-1);
      const start = listValues(sections, "Service", "ExecStart").at(-1);
      return {
        unit: path,
        account: user === undefined || user === "root" || user === "0" ? ROOT_ACCOUNT : accountNamed(c, user),
        argv: start ? commandWords(parseExecLine(start).command, serviceEnvironment(c, sections)) : [],
      };
    }
  }
  return undefined;
}

/** The value of the last `-x VALUE`, `-xVALUE` or `--long=VALUE`/`--long VALUE` option of `argv`. */
export function optionValue(argv: readonly string[], short: string, long?: string): string | undefined {
  let value: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === short || (long !== undefined && a === long)) value = argv[++i];
    else if (long !== undefined && a.startsWith(`${long}=`)) value = a.slice(long.length + 1);
    else if (a.startsWith(short) && a.length > short.length && !a.startsWith("--")) {
      value = a.slice(short.length);
    }
  }
  return value;
}

/** The account a name, a numeric uid or a `#uid` names (the unknown account when nobody has it). */
export function accountNamed(c: Collector, spec: string): Account {
  const s = spec.trim();
  const uid = /^#?([0-9]+)$/.exec(s);
  if (uid) {
    const n = Number(uid[1]);
    return n === 0 ? ROOT_ACCOUNT : c.accounts.byUid.get(n) ?? UNKNOWN_ACCOUNT;
  }
  return s === "root" ? ROOT_ACCOUNT : account(c, s);
}

/** One configuration file of an agent: the entries it gives and the lines describing them. */
export class AgentFile {
  readonly entries: Entry[] = [];
  readonly notes: string[] = [];

  constructor(readonly path: string) {}

  /** Notes what line `line` makes the agent do. */
  note(line: number, text: string): void {
    this.notes.push(`${line}: ${text}`);
  }

  /** Records the file as a point of the agent, with the account its commands run as (and why). */
  flush(c: Collector, agent: string, meta: Record<string, string>): void {
    c.point({
      kind: "monitoring_command",
      path: this.path,
      entries: this.entries,
      meta: {
        technique: TECHNIQUE,
        agent,
        ...meta,
        ...(this.notes.length > 0 ? { hooks: this.notes.slice(0, MONITORING_LIMITS.metaLines) } : {}),
      },
    });
  }
}

/** A shared object an agent's configuration loads, and where. */
export interface LoadedObject {
  agent: string;
  line: number;
  directive: string;
  /** The path as the configuration writes it. */
  written: string;
  /** Where the agent looks for it, in order (a relative path is tried in each module directory). */
  candidates: readonly string[];
  /** Who loads it (the metadata's words) and with whose privileges. */
  loader: string;
  runAs: Account;
}

/**
 * Judges an object an agent loads: the first candidate that is a file (links followed) is the object; where
 * others can change it (or the link to it) is an entry of the file (judged as a program the agent runs), and
 * when no package installed it, `persistence.monitoring.unpackaged_module`. A missing object is only noted.
 */
export function loadedObject(c: Collector, file: AgentFile, o: LoadedObject): void {
  const path = o.candidates.find((p) => {
    const st = c.ctx.host.stat(p);
    return st.ok && st.value.isFile;
  });
  if (path === undefined) {
    file.note(o.line, `${o.directive} ${o.written}: no such file (nothing is loaded)`);
    return;
  }
  const real = c.ctx.host.canonical(path);
  file.note(
    o.line,
    `${o.directive} ${o.written}${real !== o.written ? ` (${real})` : ""}, loaded by ${o.loader}`,
  );
  for (const p of new Set([path, real])) {
    if (pathRisk(c.ctx.host, p, o.runAs, c.accounts)) {
      file.entries.push({ line: o.line, text: p, runAs: o.runAs });
    }
  }
  unlessOwned(c, real, {
    check_id: "persistence.monitoring.unpackaged_module",
    subject: real,
    description: `${file.path}:${o.line} (${o.directive}) makes ${o.agent} load ${o.written}${
      real !== o.written ? ` (${real})` : ""
    } into ${o.loader}; no installed package provides it.`,
    metadata: {
      path: file.path,
      line: o.line,
      agent: o.agent,
      directive: o.directive,
      module: o.written,
      file: real,
      run_as: o.runAs.name,
    },
    location: { path: file.path },
  });
}
