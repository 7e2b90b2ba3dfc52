/**
 * fail2ban's expansion of configuration values, pure and bounded: configparser's `%(name)s` interpolation (with
 * fail2ban's `%(section/key)s` and `%(known/key)s`), its `<tag>` substitution, and the commands an action's
 * files and a jail's options make it run. A hostile configuration (a value naming itself, an exponential chain
 * of references) costs at most the budget it is given: every character produced or scanned is charged, and a
 * value whose expansion runs out of budget is given raw.
 */
import { type IniConfig, type IniValue, type Origin, pyStrip } from "./fail2ban_parse.ts";

/** Work left for expanding values: every character produced or scanned costs one. */
export class Budget {
  /** True once the budget ran out: later expansions give their raw text. */
  exhausted = false;
  constructor(public left: number) {}

  /** Charges `n`; false (and exhausted) when too little is left. */
  spend(n: number): boolean {
    if (this.exhausted) return false;
    this.left -= n;
    if (this.left < 0) this.exhausted = true;
    return !this.exhausted;
  }
}

/** A value after expansion, with where every value used was written (its own place first). */
export interface Resolved {
  text: string;
  from: Origin[];
}

/** The longest expanded value (an exponential `%(a)s%(a)s` chain stops here). */
export const MAX_EXPANDED = 1 << 20;
/** configparser's MAX_INTERPOLATION_DEPTH. */
const MAX_DEPTH = 10;
/** At most this many origins are kept for one value. */
const MAX_ORIGINS = 32;

/** Text built under a cap and a budget, with the origins of what went into it. */
class Out {
  readonly parts: string[] = [];
  readonly from: Origin[] = [];
  size = 0;
  full = false;
  /** True when the budget (not the cap) stopped it: the caller falls back to the raw text. */
  starved = false;
  constructor(readonly budget: Budget) {}

  add(s: string): void {
    if (this.full || s === "") return;
    if (!this.budget.spend(s.length)) {
      this.full = this.starved = true;
      return;
    }
    if (this.size + s.length > MAX_EXPANDED) {
      this.parts.push(s.slice(0, MAX_EXPANDED - this.size));
      this.size = MAX_EXPANDED;
      this.full = true;
      return;
    }
    this.parts.push(s);
    this.size += s.length;
  }

  origin(from: readonly Origin[]): void {
    for (const o of from) {
      if (this.from.length >= MAX_ORIGINS) return;
      if (!this.from.some((x) => x.file === o.file && x.line === o.line)) this.from.push(o);
    }
  }

  text(): string {
    return this.parts.join("");
  }
}

/** Variables that take precedence over a section's keys (configparser's `vars`), keys lower-cased. */
export type Vars = ReadonlyMap<string, IniValue>;

/** The raw value configparser's get(section, key, vars) starts from: vars, the section, then [DEFAULT]. */
function rawValue(conf: IniConfig, section: string, key: string, vars?: Vars): IniValue | undefined {
  const own = section === "DEFAULT" ? undefined : conf.sections.get(section);
  return vars?.get(key) ?? own?.get(key) ?? conf.defaults.get(key);
}

/** `%(section/key)s` (fail2ban's addition): `known/` is the value a later file replaced, `default/` [DEFAULT]. */
function sectionRef(conf: IniConfig, section: string, name: string): IniValue | undefined {
  const m = /^([\p{L}\p{N}_-]+)\/([^)]+)$/u.exec(name);
  if (!m) return undefined;
  const sec = m[1].toLowerCase();
  const key = m[2].toLowerCase();
  if (sec === "known") return conf.sections.get(`KNOWN/${section}`)?.get(key) ?? conf.defaults.get(key);
  if (sec === "default") return conf.defaults.get(key);
  const s = conf.sections.get(m[1]);
  return s ? s.get(key) ?? conf.defaults.get(key) : undefined;
}

/**
 * configparser's get(section, key, vars) with fail2ban's interpolation: `%(name)s` replaced by the raw value of
 * `name` (vars, the section, [DEFAULT], `%(section/key)s`, `%(__name__)s` the section's name), expanded in turn
 * up to configparser's depth, `%%` a percent sign. Undefined when the section (other than DEFAULT) or the key is
 * missing. What fail2ban would reject (an unknown name, a lone `%`, too deep) is kept as written. When the
 * budget runs out the raw value is given.
 */
export function getOption(
  conf: IniConfig,
  section: string,
  key: string,
  vars: Vars | undefined,
  budget: Budget,
): Resolved | undefined {
  if (section !== "DEFAULT" && !conf.sections.has(section)) return undefined;
  const raw = rawValue(conf, section, key.toLowerCase(), vars);
  if (!raw) return undefined;
  const out = new Out(budget);
  out.origin(raw.from);
  const ref = (name: string): IniValue | undefined => {
    const lower = name.toLowerCase();
    if (lower === "__name__") return { value: section, from: [] };
    return rawValue(conf, section, lower, vars) ?? sectionRef(conf, section, name);
  };
  const expand = (s: string, depth: number): void => {
    let i = 0;
    let close = -1; // the next `)` at or after where the current reference's name starts
    while (i < s.length && !out.full) {
      const p = s.indexOf("%", i);
      if (p < 0) {
        out.add(s.slice(i));
        return;
      }
      out.add(s.slice(i, p));
      if (s[p + 1] === "%") {
        out.add("%");
        i = p + 2;
        continue;
      }
      if (s[p + 1] === "(") {
        if (close !== -2 && close < p + 2) close = s.indexOf(")", p + 2);
        if (close < 0) close = -2; // none left in s
        if (close > p + 2 && s[close + 1] === "s") {
          const v = ref(s.slice(p + 2, close));
          if (v && out.budget.spend(1)) {
            out.origin(v.from);
            if (v.value.includes("%") && depth < MAX_DEPTH) expand(v.value, depth + 1);
            else out.add(v.value);
            i = close + 2;
            continue;
          }
        }
      }
      out.add("%");
      i = p + 1;
    }
  };
  expand(raw.value, 1); // configparser starts at depth 1
  return out.starved ? { text: raw.value, from: raw.from } : { text: out.text(), from: out.from };
}

/** A `<tag>` (fail2ban's TAG_CRE: no blank or angle bracket inside). */
const TAG = /<([^ <>]+)>/g;
/** Passes over a value: a tag built by an earlier replacement (`<ipt_<type>/_chain_rule>`) is met in the next. */
const MAX_PASSES = 8;
/** Replacements nested in one another (fail2ban stops at 25 of one tag). */
const MAX_NESTING = 32;

/**
 * fail2ban's `<tag>` substitution: each tag `lookup` knows is replaced by its value, whose own tags are replaced
 * in turn; a tag inside its own expansion (or `self`, the key being expanded) stays as written, as do tags
 * nobody defines (`<ip>`, filled in at ban time). The budget is charged for every tag met and character
 * scanned; when it runs out the input is given back unexpanded.
 */
export function substituteTags(
  start: Resolved,
  self: string,
  lookup: (tag: string) => Resolved | undefined,
  budget: Budget,
): Resolved {
  let text = start.text;
  const from: Origin[] = [...start.from];
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const out = new Out(budget);
    out.origin(from);
    let changed = false;
    const stack: { text: string; pos: number; tag: string }[] = [{ text, pos: 0, tag: self }];
    while (stack.length > 0 && !out.full) {
      const f = stack[stack.length - 1];
      TAG.lastIndex = f.pos;
      const m = TAG.exec(f.text);
      if (!m) {
        out.add(f.text.slice(f.pos));
        stack.pop();
        continue;
      }
      out.add(f.text.slice(f.pos, m.index));
      f.pos = m.index + m[0].length;
      const tag = m[1];
      const v = stack.length < MAX_NESTING && budget.spend(1) && !stack.some((s) => s.tag === tag)
        ? lookup(tag)
        : undefined;
      if (!v || !budget.spend(v.text.length)) {
        out.add(m[0]);
        continue;
      }
      changed = true;
      out.origin(v.from);
      stack.push({ text: v.text, pos: 0, tag });
    }
    if (out.starved) return start;
    from.splice(0, from.length, ...out.from);
    const next = out.text();
    if (!changed || next === text) return { text: next, from };
    text = next;
  }
  return { text, from };
}

/** The `before` and `after` files of a file's `[INCLUDES]` section, one a line, its own values interpolated. */
export function includesOf(ini: IniConfig, budget: Budget): { before: string[]; after: string[] } {
  const list = (key: string) =>
    (getOption(ini, "INCLUDES", key, undefined, budget)?.text ?? "").split("\n").map(pyStrip).filter((s) =>
      s !== ""
    );
  return { before: list("before"), after: list("after") };
}

/** The commands fail2ban runs from an action (ActionReader._configOpts), each through `sh -c` as root. */
export const ACTION_COMMANDS = [
  "actionstart",
  "actionstop",
  "actionflush",
  "actionreload",
  "actioncheck",
  "actionrepair",
  "actionban",
  "actionprolong",
  "actionreban",
  "actionunban",
] as const;

/** One command an action runs, expanded, with the key it comes from (`actionban`, `actionban?family=inet6`). */
export interface ActionCommand {
  hook: string;
  text: string;
  from: Origin[];
}

/** Conditions whose variants are built (fail2ban itself knows two: `family=inet4` and `family=inet6`). */
const MAX_CONDITIONS = 8;
/** A conditional key: `blocktype?family=inet6` (its base and its condition). */
const CONDITIONAL_KEY = /^([\p{L}\p{N}_]+)\?(.+)$/u;

/** Tags fail2ban fills with what the attacker sent (escaped), never from the configuration. */
const ESCAPED_TAGS = new Set(["matches", "ipmatches", "ipjailmatches"]);
/** Tags a ban's ticket fills unless an action's own options give them. */
const TICKET_TAGS = new Set(["timeout", "bantime"]);
/** The server's last replacements (CommandAction's ADD_REPL_TAGS): `<br>` a new line, `<sp>` a blank. */
const LINE_TAGS = new Map([["br", "\n"], ["sp", " "]]);

/** `<section/key>` in a tag (fail2ban's SECTION_OPTNAME_CRE). */
const SECTION_KEY = /^([\p{L}\p{N}_-]+)\/([^\s>]+)$/u;

/**
 * The commands an action runs for one jail, as fail2ban builds them (client/configreader.py
 * DefinitionInitConfigReader, server/action.py CommandAction): each command is the jail's option of that name
 * (`action = name[actionban="…"]`), else `[Init]`'s, else `[Definition]`'s (or [DEFAULT]'s), interpolated, then
 * its `<tags>` replaced from the jail's options, `[Init]` (and `known/` copies of it), `[Definition]` and
 * `<section/key>`. A condition found among the keys (`[Init?family=inet6]`) gives the command as run for that
 * address family too, when it differs. `options` are the jail's options for this action, with `name` (the jail)
 * and `actname`; `jail` is what the jail's own keys make available (`logpath`, `port`…), keys lower-cased.
 */
export function actionCommands(
  conf: IniConfig,
  options: ReadonlyMap<string, IniValue>,
  jail: ReadonlyMap<string, IniValue>,
  budget: Budget,
): ActionCommand[] {
  const vars = new Map(jail);
  for (const [k, v] of options) vars.set(k.toLowerCase(), v);
  const combined = new Map<string, Resolved>();
  for (const name of ACTION_COMMANDS) {
    if (options.has(name)) continue;
    const r = getOption(conf, "Definition", name, vars, budget);
    if (r) combined.set(name, r);
  }
  const init = new Map<string, Resolved>();
  for (const [k, v] of options) init.set(k, { text: v.value, from: v.from });
  for (const key of conf.sections.get("Init")?.keys() ?? []) {
    const r = getOption(conf, "Init", key, undefined, budget)!;
    if (!key.startsWith("known/")) init.set(`known/${key}`, r);
    if (!init.has(key)) init.set(key, r);
  }
  for (const [k, v] of init) combined.set(k, v);
  const conditions = new Set<string>();
  for (const k of combined.keys()) {
    const m = CONDITIONAL_KEY.exec(k);
    if (m) conditions.add(m[2]);
  }
  const out: ActionCommand[] = [];
  for (const cond of ["", ...[...conditions].sort().slice(0, MAX_CONDITIONS)]) {
    const memo = new Map<string, Resolved | undefined>();
    const lookup = (tag: string): Resolved | undefined => {
      if (memo.has(tag)) return memo.get(tag);
      if (ESCAPED_TAGS.has(tag)) return undefined;
      let v = (cond ? combined.get(`${tag}?${cond}`) : undefined) ?? combined.get(tag);
      if (v || TICKET_TAGS.has(tag)) return v;
      const m = SECTION_KEY.exec(tag);
      if (m) {
        const sec = m[1].toLowerCase();
        const secs = sec === "known"
          ? ["KNOWN/Definition", "Definition"]
          : [sec === "default" ? "DEFAULT" : m[1]];
        for (const s of secs) v ??= getOption(conf, s, m[2], undefined, budget);
      }
      v ??= getOption(conf, "Definition", tag, vars, budget);
      if (!v && LINE_TAGS.has(tag)) v = { text: LINE_TAGS.get(tag)!, from: [] };
      memo.set(tag, v);
      return v;
    };
    for (const name of ACTION_COMMANDS) {
      const own = (cond ? combined.get(`${name}?${cond}`) : undefined) ?? combined.get(name);
      if (!own) continue;
      const r = substituteTags(own, name, lookup, budget);
      if (pyStrip(r.text) === "" || out.some((c) => c.hook.split("?")[0] === name && c.text === r.text)) {
        continue;
      }
      out.push({ hook: cond ? `${name}?${cond}` : name, text: r.text, from: r.from });
    }
  }
  return out;
}
