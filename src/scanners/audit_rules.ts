/**
 * Linux audit rules, as auditctl reads them from rules files and prints them with `auditctl -l`: a parser and
 * a coverage model (which syscalls are really audited per arch, which `never` rules shadow what, which paths
 * are watched with which permissions).
 */
import { trimTrailing } from "../host/text_trim.ts";

/** One `-F name op value` filter. */
export interface AuditField {
  name: string;
  op: string;
  value: string;
}

/** One rule. */
export interface AuditRule {
  line: number;
  /** The rule as written, comments stripped. */
  text: string;
  kind: "syscall" | "watch";
  /** For syscall rules. */
  action?: "always" | "never";
  list?: string;
  /** Lower-cased syscall names; "all" for `-S all`; empty when none was given (all syscalls). */
  syscalls: string[];
  /** From `-F arch=`; undefined means the native arch. */
  arch?: "b32" | "b64";
  /** Filters other than arch, key, path/dir and perm. */
  fields: AuditField[];
  /** `-C` field comparisons. */
  compares: string[];
  key?: string;
  /** Watched path (`-w`, or `-F path=`/`-F dir=` on a syscall rule). */
  path?: string;
  /** True for `-F dir=` (recursive directory watch). */
  dir?: boolean;
  /** Watch permissions (r w x a); all four when not given. */
  perms?: string;
}

/** A parsed rules file (or `auditctl -l` output). */
export interface AuditRuleSet {
  rules: AuditRule[];
  /** `-e` value when set (0 disabled, 1 enabled, 2 immutable). */
  enabled?: number;
  /** Lines auditctl would reject, with the reason. */
  errors: { line: number; message: string }[];
}

const CONTROL_WITH_ARG = new Set(["-b", "-f", "-r", "--backlog_wait_time", "-e", "-W", "-d"]);
const CONTROL_FLAGS = new Set([
  "-c",
  "-i",
  "--loginuid-immutable",
  "--reset-lost",
  "--reset_lost",
  "-l",
  "-s",
]);
const LISTS = new Set(["exit", "task", "user", "exclude", "filesystem", "io_uring", "entry"]);
const FIELD = /^([A-Za-z0-9_]+)(!=|>=|<=|&=|=|>|<|&)(.*)$/;

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/** Parses one rule line (comments already stripped); returns a rule, "control", "delete-all" or an error. */
function parseLine(
  text: string,
  line: number,
): AuditRule | { control: true; enabled?: number } | { deleteAll: true } | { error: string } {
  const words = text.split(/\s+/).filter((w) => w !== "");
  const rule: AuditRule = { line, text, kind: "syscall", syscalls: [], fields: [], compares: [] };
  let isRule = false;
  let enabled: number | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const next = () => {
      if (i + 1 >= words.length) throw new Error(`${w} needs a value`);
      return words[++i];
    };
    try {
      if (w === "-D") return { deleteAll: true };
      if (w === "-a" || w === "-A") {
        const parts = next().split(",");
        const action = parts.find((p) => p === "always" || p === "never");
        const list = parts.find((p) => LISTS.has(p));
        if (parts.length !== 2 || !action || !list) return { error: `bad list,action "${parts.join(",")}"` };
        rule.action = action as "always" | "never";
        rule.list = list === "entry" ? "exit" : list;
        isRule = true;
      } else if (w === "-S") {
        for (const s of next().split(",")) if (s !== "") rule.syscalls.push(s.toLowerCase());
      } else if (w === "-F") {
        const m = next().match(FIELD);
        if (!m) return { error: `bad field "${words[i]}"` };
        const [, name, op, raw] = m;
        const value = unquote(raw);
        if (name === "arch" && op === "=") {
          if (value === "b32" || value === "b64") rule.arch = value;
          else if (/^(?:x86_64|aarch64|ppc64le|s390x)$/.test(value)) rule.arch = "b64";
          else if (/^(?:i[3-6]86|arm)$/.test(value)) rule.arch = "b32";
          else return { error: `unknown arch "${value}"` };
        } else if (name === "key") rule.key = value;
        else if ((name === "path" || name === "dir") && op === "=") {
          rule.path = value;
          rule.dir = name === "dir";
        } else if (name === "perm" && op === "=") rule.perms = value;
        else rule.fields.push({ name, op, value: normaliseValue(name, value) });
      } else if (w === "-C") {
        rule.compares.push(next());
      } else if (w === "-k") {
        rule.key = next();
      } else if (w === "-w") {
        rule.kind = "watch";
        rule.path = next();
        isRule = true;
      } else if (w === "-p") {
        rule.perms = next();
      } else if (CONTROL_WITH_ARG.has(w)) {
        const v = next();
        if (w === "-e") enabled = Number(v);
        if (w === "-W" || w === "-d") return { control: true };
      } else if (CONTROL_FLAGS.has(w)) {
        continue;
      } else {
        return { error: `unknown option "${w}"` };
      }
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
  if (!isRule) return enabled === undefined ? { control: true } : { control: true, enabled };
  if (rule.kind === "watch") {
    rule.action = "always";
    rule.list = "exit";
  }
  if (rule.path !== undefined && rule.perms === undefined) rule.perms = "rwxa";
  return rule;
}

/** auditctl prints "unset" for -1 and 4294967295 on id fields; compare them as one value. */
function normaliseValue(name: string, value: string): string {
  if (/(?:uid|gid)$/.test(name) && (value === "4294967295" || value === "-1")) return "unset";
  return value;
}

/**
 * `line` without its comment: from the first `#` at the start or after whitespace to the end (a carriage return
 * inside the comment included). Found by a scan: a `(^|\s)#.*$` retried every ` #` before a carriage return
 * and backtracked over the rest of the line each time (quadratic).
 */
function stripComment(line: string): string {
  for (let k = line.indexOf("#"); k >= 0; k = line.indexOf("#", k + 1)) {
    if (k === 0 || /\s/.test(line[k - 1])) return line.slice(0, k === 0 ? 0 : k - 1);
  }
  return line;
}

/**
 * Parses a rules file or `auditctl -l` output. Comments (`#` to end of line) and blank lines are ignored;
 * `-D` drops the rules before it, as auditctl does when it loads the file — unless `honourDelete` is false
 * (augenrules moves every -D of rules.d to the top of the compiled file).
 */
export function parseAuditRules(text: string, honourDelete = true): AuditRuleSet {
  const out: AuditRuleSet = { rules: [], errors: [] };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const t = stripComment(lines[i].replace(/\r$/, "")).trim();
    if (t === "" || /^No rules$/i.test(t)) continue;
    const r = parseLine(t, i + 1);
    if ("error" in r) out.errors.push({ line: i + 1, message: r.error });
    else if ("deleteAll" in r) {
      if (honourDelete) out.rules = [];
    } else if ("control" in r) {
      if (r.enabled !== undefined) out.enabled = r.enabled;
    } else out.rules.push(r);
  }
  return out;
}

/** A canonical form of a rule for comparing disk and kernel rules (order, -k vs -F key, syscall order). */
export function canonicalRule(r: AuditRule): string {
  if (r.kind === "watch" || (r.path !== undefined && r.syscalls.length === 0 && r.fields.length === 0)) {
    const perms = [...(r.perms ?? "rwxa")].sort().join("");
    return `watch ${trimTrailing(r.path!, "/")} ${perms} key=${r.key ?? ""}`;
  }
  const fields = r.fields.map((f) => `${f.name}${f.op}${f.value}`).sort().join(" ");
  return [
    `${r.action},${r.list}`,
    `arch=${r.arch ?? "native"}`,
    `S=${[...r.syscalls].sort().join(",")}`,
    fields,
    r.compares.sort().join(" "),
    r.path !== undefined ? `${r.dir ? "dir" : "path"}=${r.path} perm=${r.perms}` : "",
    `key=${r.key ?? ""}`,
  ].filter((x) => x !== "").join(" ");
}

/** What the rules actually audit. */
export interface Coverage {
  /** arch → syscalls an `always,exit` rule audits that no earlier unfiltered `never` rule suppresses. */
  syscalls: Map<"b32" | "b64", Set<string>>;
  /** Watched paths with their permissions (also path/dir rules). */
  watches: { path: string; perms: string; dir: boolean }[];
  /** Rules whose coverage an earlier unfiltered `never` rule takes away. */
  shadowed: { never: AuditRule; always: AuditRule; syscalls: string[] }[];
  /** `-a never,task` without filters: no syscall auditing at all. */
  taskNever?: AuditRule;
  /** Keys of always rules. */
  keys: Set<string>;
  /** Always rules with a `-C` comparison on execve (e.g. euid!=uid: setuid program runs). */
  execCompares: boolean;
}

/** Computes coverage. `native` is the arch a rule without `-F arch=` applies to. */
export function coverageOf(rules: AuditRule[], native: "b32" | "b64" = "b64"): Coverage {
  const cov: Coverage = {
    syscalls: new Map([["b32", new Set()], ["b64", new Set()]]),
    watches: [],
    shadowed: [],
    keys: new Set(),
    execCompares: false,
  };
  const suppressed = new Map<"b32" | "b64", Map<string, AuditRule>>([["b32", new Map()], ["b64", new Map()]]);
  const suppressAll = new Map<"b32" | "b64", AuditRule>();
  for (const r of rules) {
    if (r.list === "task" && r.action === "never" && r.fields.length === 0 && r.compares.length === 0) {
      cov.taskNever ??= r;
      continue;
    }
    if (r.list !== "exit") continue;
    const archs: ("b32" | "b64")[] = r.arch ? [r.arch] : [native];
    const names = r.syscalls.length === 0 || r.syscalls.includes("all") ? ["all"] : r.syscalls;
    const unfiltered = r.fields.length === 0 && r.compares.length === 0 && r.path === undefined;
    if (r.action === "never") {
      if (!unfiltered) continue;
      for (const a of archs) {
        if (names[0] === "all") suppressAll.set(a, suppressAll.get(a) ?? r);
        else for (const s of names) if (!suppressed.get(a)!.has(s)) suppressed.get(a)!.set(s, r);
      }
      continue;
    }
    if (r.key) cov.keys.add(r.key);
    if (r.compares.length > 0 && names.some((s) => s === "execve" || s === "all")) cov.execCompares = true;
    const blockedBy = (a: "b32" | "b64", s: string) => suppressAll.get(a) ?? suppressed.get(a)!.get(s);
    if (r.path !== undefined) {
      const blocker = archs.map((a) => suppressAll.get(a)).find((x) => x);
      if (blocker) cov.shadowed.push({ never: blocker, always: r, syscalls: ["all"] });
      else {cov.watches.push({
          path: r.path,
          perms: r.perms ?? "rwxa",
          dir: r.dir === true || r.kind === "watch",
        });}
      if (r.kind === "watch" || r.syscalls.length === 0) continue;
    }
    for (const a of archs) {
      const lost: string[] = [];
      let blocker: AuditRule | undefined;
      for (const s of names) {
        const b = blockedBy(a, s);
        if (b) {
          lost.push(s);
          blocker ??= b;
        } else cov.syscalls.get(a)!.add(s);
      }
      if (blocker) cov.shadowed.push({ never: blocker, always: r, syscalls: lost });
    }
  }
  return cov;
}

/** True when `arch` audits syscall `name` (directly or through `-S all`). */
export function audits(cov: Coverage, arch: "b32" | "b64", name: string): boolean {
  const set = cov.syscalls.get(arch)!;
  return set.has(name) || set.has("all");
}

/** True when some watch covers `path` for writes (w or a), directly or through a watched parent directory. */
export function watchesWrites(cov: Coverage, path: string): boolean {
  return cov.watches.some((w) => {
    const p = trimTrailing(w.path, "/") || "/";
    const covers = p === path || (path.startsWith(p === "/" ? "/" : p + "/"));
    return covers && /[wa]/.test(w.perms);
  });
}

/** True when some watch covers `path` for execution. */
export function watchesExec(cov: Coverage, path: string): boolean {
  return cov.watches.some((w) => trimTrailing(w.path, "/") === path && w.perms.includes("x"));
}
