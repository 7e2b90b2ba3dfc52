/**
 * fail2ban: the commands fail2ban-server runs as root through `sh -c` — each action's `actionstart`,
 * `actionstop`, `actioncheck`, `actionban`, `actionunban`… (when a jail starts, stops, and whenever it bans an
 * address, which anyone can make happen with failed logins) and each jail's `ignorecommand` (run for every
 * address it considers) — and the Python actions (`action = name.py`) it loads. The configuration is read as
 * fail2ban's client reads it (sources/fail2ban_parse.ts, fail2ban_expand.ts): jail.conf, jail.d/*.conf,
 * jail.local, jail.d/*.local; for each action action.d/NAME.conf, NAME.d/*.conf, NAME.local, NAME.d/*.local,
 * each file's `[INCLUDES]` and `.local` companion; a jail's `action = name[actionban="…"]` options override the
 * action's own. The jails `enabled` makes active are judged; the actions no enabled jail uses, and the
 * ignorecommand of disabled jails, are recorded inert. Each command is an entry of the file that wrote it (the
 * overriding `.local` or jail.d file when one changed it), run as root.
 */
import type { Metadata } from "../../../core/finding.ts";
import { ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, type Entry, normalisePath } from "../collect.ts";
import { scriptLines } from "../cron.ts";
import { selfEntry, subdirs } from "./hook_files.ts";
import {
  type IniConfig,
  type IniFile,
  type IniValue,
  mergeIni,
  type Origin,
  parseActionList,
  parseIni,
} from "./fail2ban_parse.ts";
import { actionCommands, Budget, getOption, includesOf } from "./fail2ban_expand.ts";

const TECHNIQUE = "T1546";
/** fail2ban's configuration directory (the client's default `-c`). */
export const FAIL2BAN_DIR = "/etc/fail2ban";
/** Files one configuration may read (its files, their includes, and theirs). */
const MAX_FILES = 256;
/** Includes of includes followed this deep (fail2ban only stops at a loop). */
const MAX_INCLUDE_DEPTH = 8;
/** Enabled jails, and actions of one jail, resolved. */
const MAX_JAILS = 500;
const MAX_ACTIONS = 32;
/** Characters the expansion of every value of a scan may produce or scan (see fail2ban_expand.ts Budget). */
export const FAIL2BAN_BUDGET = 16 << 20;
/** The jail keys an action's values can name (JailReader._configOpts and the filter's). */
const JAIL_KEYS = [
  "enabled",
  "backend",
  "maxretry",
  "maxmatches",
  "findtime",
  "bantime",
  "ignorecommand",
  "ignoreself",
  "ignoreip",
  "ignorecache",
  "filter",
  "logtimezone",
  "logencoding",
  "logpath",
  "action",
  "usedns",
  "prefregex",
  "ignoreregex",
  "failregex",
  "maxlines",
  "datepattern",
  "journalmatch",
];

/** Python's os.path.splitext(path)[0]: the path without its extension (a name's leading dots are no dot). */
function withoutExtension(path: string): string {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  if (dot <= slash) return path;
  for (let i = slash + 1; i < dot; i++) if (path[i] !== ".") return path.slice(0, dot);
  return path;
}

/** os.path.join(dir, name): an absolute name replaces the directory. */
function join(dir: string, name: string): string {
  return normalisePath(name.startsWith("/") ? name : `${dir}/${name}`);
}

/** A configuration as fail2ban merged it, and the files it read, in order. */
interface Config {
  conf: IniConfig;
  files: string[];
}

/** Reads fail2ban's files once each, in reading order, with their includes. */
class Reader {
  readonly #files = new Map<string, { ini: IniFile; before: string[]; after: string[] } | undefined>();
  readonly #configs = new Map<string, Config | undefined>();
  #rank = 0;
  #warned = false;

  constructor(readonly c: Collector, readonly budget: Budget) {}

  #isFile(path: string): boolean {
    const st = this.c.ctx.host.stat(path);
    return st.ok && st.value.isFile;
  }

  /** A file parsed once, with the paths its `[INCLUDES]` name (relative ones from its directory). */
  #file(path: string) {
    if (this.#files.has(path)) return this.#files.get(path);
    const f = this.#isFile(path) ? this.c.read(path) : undefined;
    let parsed;
    if (f) {
      const ini = parseIni(f.text, path, this.#rank++);
      const dir = path.slice(0, path.lastIndexOf("/")) || "/";
      const inc = includesOf(ini, this.budget);
      parsed = {
        ini,
        before: inc.before.map((n) => join(dir, n)),
        after: inc.after.map((n) => join(dir, n)),
      };
    }
    this.#files.set(path, parsed);
    return parsed;
  }

  /**
   * fail2ban's _getIncludes: each path followed by its `.local` companion when that exists, then each one's
   * `before` includes, itself, and its `after` includes, recursively (a file already on the way is skipped).
   */
  #expand(paths: readonly string[], seen: readonly string[], out: string[]): void {
    if (out.length >= MAX_FILES || seen.length > MAX_INCLUDE_DEPTH) {
      if (!this.#warned) {
        this.#warned = true;
        this.c.ctx.warn(
          "truncated",
          `${
            paths[0]
          }: fail2ban includes nested deeper than ${MAX_INCLUDE_DEPTH} or more than ${MAX_FILES} files, not read`,
        );
      }
      return;
    }
    const given = new Set(paths);
    const withLocal: string[] = [];
    for (const p of paths) {
      withLocal.push(p);
      const local = `${withoutExtension(p)}.local`;
      if (!given.has(local) && this.#isFile(local)) withLocal.push(local);
    }
    for (const path of withLocal) {
      const f = this.#file(path);
      if (!f) continue;
      const next = (includes: string[]) => {
        for (const r of includes) if (!seen.includes(r)) this.#expand([r], [...seen, path], out);
      };
      next(f.before);
      if (out.length < MAX_FILES) out.push(path);
      next(f.after);
    }
  }

  /**
   * ConfigReaderUnshared.read(base): base.conf, base.d/*.conf, base.local, base.d/*.local, with includes,
   * merged (each key merged is charged to the budget: undefined, with a warning, once it is spent).
   */
  config(base: string): Config | undefined {
    if (this.#configs.has(base)) return this.#configs.get(base);
    const inDir = (ext: string) =>
      this.c.list(`${base}.d`).filter((n) => n.endsWith(ext)).map((n) => `${base}.d/${n}`);
    const top = [`${base}.conf`, ...inDir(".conf"), `${base}.local`, ...inDir(".local")].filter((p) =>
      this.#isFile(p)
    );
    const files: string[] = [];
    if (top.length > 0) this.#expand(top, [], files);
    const parsed = files.map((p) => this.#file(p)?.ini).filter((f) => f !== undefined);
    let keys = 0;
    for (const f of parsed) for (const s of [f.defaults, ...f.sections.values()]) keys += s.size + 1;
    const config = parsed.length > 0 && this.budget.spend(keys)
      ? { conf: mergeIni(parsed), files }
      : undefined;
    this.#configs.set(base, config);
    return config;
  }
}

/** True for a file that overrides another: a `.local`, a jail.d file, a file of an action's NAME.d directory. */
function overrides(file: string): boolean {
  return file.endsWith(".local") || file.startsWith(`${FAIL2BAN_DIR}/jail.d/`) ||
    /\/action\.d\/[^/]+\.d\//.test(file);
}

/** Where a command is reported: the latest overriding file among the values it was built from, else its own. */
function attribute(from: readonly Origin[]): Origin {
  let best: Origin | undefined;
  for (const o of from) if (overrides(o.file) && (!best || o.rank > best.rank)) best = o;
  return best ?? from[0];
}

/** What one file makes fail2ban run (or would, for inert entries), and for which jails and actions. */
interface FilePoint {
  entries: Entry[];
  seen: Set<string>;
  jails: Set<string>;
  actions: Set<string>;
  hooks: Set<string>;
  files: Set<string>;
}

/** What fail2ban runs, by the file each entry is reported in: active entries, and inert ones apart. */
class Points {
  readonly #active = new Map<string, FilePoint>();
  readonly #inert = new Map<string, FilePoint>();

  #at(active: boolean, path: string): FilePoint {
    const map = active ? this.#active : this.#inert;
    let p = map.get(path);
    if (!p) {
      p = {
        entries: [],
        seen: new Set(),
        jails: new Set(),
        actions: new Set(),
        hooks: new Set(),
        files: new Set(),
      };
      map.set(path, p);
    }
    return p;
  }

  /** A command (its lines are the entries) built from `from`, run when `active`. */
  add(
    text: string,
    from: readonly Origin[],
    active: boolean,
    what: { jail?: string; action?: string; hook: string },
  ): void {
    if (from.length === 0) return;
    const o = attribute(from);
    const p = this.#at(active, o.file);
    for (const l of scriptLines(text)) {
      const key = `${o.line}\0${l.text}`;
      if (p.seen.has(key)) continue;
      p.seen.add(key);
      p.entries.push({ line: o.line, text: l.text, runAs: ROOT_ACCOUNT });
    }
    if (what.jail) p.jails.add(what.jail);
    if (what.action) p.actions.add(what.action);
    p.hooks.add(what.hook);
    for (const f of from) if (p.files.size < 32) p.files.add(f.file);
  }

  /** The file itself as an active entry, when it sits where others can change it (see selfEntry). */
  self(c: Collector, path: string): void {
    const e = selfEntry(c, path, ROOT_ACCOUNT);
    const p = e ? this.#at(true, path) : undefined;
    if (e && p && !p.seen.has(`0\0${e.text}`)) {
      p.seen.add(`0\0${e.text}`);
      p.entries.unshift(e);
    }
  }

  /** One point per file: active when anything in it runs, inert (what unused actions hold) otherwise. */
  emit(c: Collector): void {
    const paths = [...new Set([...this.#active.keys(), ...this.#inert.keys()])];
    for (const path of paths) {
      const inert = !this.#active.has(path);
      const p = (inert ? this.#inert : this.#active).get(path)!;
      if (p.entries.length === 0) continue;
      const meta: Metadata = {
        technique: TECHNIQUE,
        runner: "fail2ban-server",
        jails: [...p.jails].sort(),
        actions: [...p.actions].sort(),
        hooks: [...p.hooks].sort(),
        files: [...p.files],
        ...(inert ? { inert: true, skipped: "no enabled jail uses it" } : {}),
      };
      c.point({
        kind: "fail2ban_command",
        path,
        entries: p.entries,
        meta,
        ...(inert ? { inert: true } : {}),
      });
    }
  }
}

/** The actions of one jail's `action` value: each command entered; the action bases it read. */
function jailActions(
  r: Reader,
  points: Points,
  jail: string,
  vars: Map<string, IniValue>,
  used: Set<string>,
): void {
  const action = vars.get("action");
  if (!action) return;
  const refs = parseActionList(action.value, MAX_ACTIONS + 1);
  if (refs.length > MAX_ACTIONS) {
    r.c.ctx.warn("truncated", `fail2ban jail ${jail}: more than ${MAX_ACTIONS} actions, the rest not read`);
  }
  for (const ref of refs.slice(0, MAX_ACTIONS)) {
    if (ref.name.endsWith(".py")) {
      // A Python action: the module is loaded into fail2ban-server and runs there, as root.
      const path = join(`${FAIL2BAN_DIR}/action.d`, ref.name);
      used.add(path);
      points.add(path, action.from, true, { jail, action: ref.name, hook: "python action" });
      continue;
    }
    const base = join(`${FAIL2BAN_DIR}/action.d`, ref.name);
    used.add(base);
    const cfg = r.config(base);
    if (!cfg) continue;
    for (const f of cfg.files) points.self(r.c, f);
    const options = new Map<string, IniValue>();
    for (const [k, v] of ref.options) options.set(k, { value: v, from: action.from });
    const name = options.get("name")?.value ?? jail;
    if (!options.has("name")) options.set("name", { value: jail, from: [] });
    if (!options.has("actname")) {
      const suffix = name === jail ? "" : name.startsWith(jail) ? name.slice(jail.length) : `-${name}`;
      options.set("actname", { value: ref.name + suffix, from: [] });
    }
    for (const cmd of actionCommands(cfg.conf, options, vars, r.budget)) {
      points.add(cmd.text, cmd.from, true, { jail, action: ref.name, hook: cmd.hook });
    }
  }
}

/** The action names of action.d (NAME.conf, NAME.local, NAME.d/) and its Python actions, as bases. */
function shippedActions(c: Collector): string[] {
  const dir = `${FAIL2BAN_DIR}/action.d`;
  const names = new Set<string>();
  for (const n of c.list(dir)) {
    const m = /^(.+)\.(?:conf|local)$/.exec(n);
    if (m) names.add(`${dir}/${m[1]}`);
    else if (n.endsWith(".py")) names.add(`${dir}/${n}`);
  }
  for (const d of subdirs(c, dir, /.\.d$/)) names.add(`${dir}/${d.slice(0, -2)}`);
  return [...names].sort();
}

/** fail2ban's jails and actions, when /etc/fail2ban holds a jail configuration. */
export function fail2banSources(c: Collector): void {
  const budget = new Budget(FAIL2BAN_BUDGET);
  const r = new Reader(c, budget);
  const jails = r.config(`${FAIL2BAN_DIR}/jail`);
  if (!jails) return;
  const points = new Points();
  for (const f of jails.files) points.self(c, f);
  // JailReader adds these before reading a jail (the configuration's own fail2ban_confpath is replaced).
  jails.conf.defaults.set("fail2ban_version", { value: "1.0.2", from: [] });
  jails.conf.defaults.set("fail2ban_confpath", { value: FAIL2BAN_DIR, from: [] });
  const used = new Set<string>();
  let enabledCount = 0;
  for (const jail of jails.conf.sections.keys()) {
    if (jail === "INCLUDES" || jail.startsWith("KNOWN/")) continue;
    const get = (key: string) => getOption(jails.conf, jail, key, undefined, budget);
    const enabled = ["1", "on", "true", "yes"].includes((get("enabled")?.text ?? "").toLowerCase());
    if (enabled && ++enabledCount > MAX_JAILS) {
      if (enabledCount === MAX_JAILS + 1) {
        c.ctx.warn("truncated", `more than ${MAX_JAILS} fail2ban jails enabled: the rest not read`);
      }
      continue;
    }
    const ignore = get("ignorecommand");
    if (ignore && ignore.text.trim() !== "") {
      points.add(ignore.text, ignore.from, enabled, { jail, hook: "ignorecommand" });
    }
    if (!enabled) continue;
    const vars = new Map<string, IniValue>();
    for (const key of JAIL_KEYS) {
      const v = get(key);
      if (v) vars.set(key, { value: v.text, from: v.from });
    }
    jailActions(r, points, jail, vars, used);
  }
  for (const base of shippedActions(c)) {
    if (used.has(base)) continue;
    if (base.endsWith(".py")) {
      points.add(base, [{ file: base, line: 0, rank: 0 }], false, {
        action: base.slice(base.lastIndexOf("/") + 1),
        hook: "python action",
      });
      continue;
    }
    const cfg = r.config(base);
    if (!cfg) continue;
    const name = base.slice(base.lastIndexOf("/") + 1);
    for (const cmd of actionCommands(cfg.conf, new Map(), new Map(), budget)) {
      points.add(cmd.text, cmd.from, false, { action: name, hook: cmd.hook });
    }
  }
  if (budget.exhausted) {
    c.ctx.warn(
      "truncated",
      `${FAIL2BAN_DIR}: expanding fail2ban's values took more than ${FAIL2BAN_BUDGET} steps; the rest were judged unexpanded`,
    );
  }
  points.emit(c);
}
