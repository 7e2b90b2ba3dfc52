/**
 * polkit authorization rules: JavaScript rules.d files (read as text, never run) and the older .pkla files of
 * the local authority, judged for grants of YES that do not depend on who asks, and for admin identities that
 * include everyone.
 */
import type { FindingDraft } from "../../core/finding.ts";
import type { Host } from "../../host/host.ts";
import { listFiles, textReader } from "./files.ts";
import { escapeRegExp } from "../../host/regex.ts";
import { type Account, type Accounts, isUserHome } from "../persistence/accounts.ts";

/** rules.d directories polkit reads (a name in an earlier one hides the same name in later ones). */
export const RULES_DIRS = [
  "/etc/polkit-1/rules.d",
  "/run/polkit-1/rules.d",
  "/usr/local/share/polkit-1/rules.d",
  "/usr/share/polkit-1/rules.d",
  "/usr/lib/polkit-1/rules.d",
];
/** Local-authority directories holding NN-name.d/*.pkla files. */
export const PKLA_DIRS = ["/etc/polkit-1/localauthority", "/var/lib/polkit-1/localauthority"];
/** Local-authority configuration (AdminIdentities). */
export const PKLA_CONF_DIRS = ["/etc/polkit-1/localauthority.conf.d"];

/** Groups every user is in, or that stand for everyone. */
export const BROAD_GROUPS = new Set(["users", "everyone", "nogroup", "nobody", "all", "*"]);

/** JavaScript source with comments removed (strings kept), so patterns do not match commented-out code. */
export function stripJsComments(src: string): string {
  let out = "";
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j;
    } else if (c === "/" && src[i + 1] === "/") {
      while (i < src.length && src[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      i = end < 0 ? src.length : end + 1;
      out += " ";
    } else out += c;
  }
  return out;
}

/**
 * For every opening bracket of `code` ((, {, [), the index just past the bracket that closes it, or -1 when it is
 * never closed (strings skipped). One pass, so matching every `if` of a large file stays linear.
 */
export function bracketPairs(code: string): Int32Array {
  const out = new Int32Array(code.length).fill(-1);
  const close: Record<string, string> = { ")": "(", "}": "{", "]": "[" };
  const stack: number[] = [];
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < code.length && code[j] !== c) j += code[j] === "\\" ? 2 : 1;
      i = j;
    } else if (c === "(" || c === "{" || c === "[") stack.push(i);
    else if (close[c]) {
      // A stray closer ends every bracket opened since its own kind, as a parser would give up on them.
      while (stack.length > 0 && code[stack[stack.length - 1]] !== close[c]) stack.pop();
      const open = stack.pop();
      if (open !== undefined) out[open] = i + 1;
    }
  }
  return out;
}

/** At most this many characters of rule bodies are judged per file (nested calls repeat what they hold). */
const MAX_BODY_CHARS = 4 << 20;

/**
 * The bodies of `polkit.addRule(...)` or `polkit.addAdminRule(...)` calls. An unclosed call's body runs to the
 * next call, not to the end of the file: 500 unclosed calls each judged with the rest of the file took seconds.
 */
export function ruleBodies(code: string, call: "addRule" | "addAdminRule"): string[] {
  const out: string[] = [];
  const pairs = bracketPairs(code);
  const re = new RegExp(`polkit\\s*\\.\\s*${call}\\s*\\(`, "g");
  const calls = [...code.matchAll(re)].slice(0, 500);
  let judged = 0;
  calls.forEach((m, i) => {
    const open = m.index! + m[0].length - 1;
    const end = pairs[open] >= 0 ? pairs[open] : (calls[i + 1]?.index ?? code.length);
    if (judged + (end - open) > MAX_BODY_CHARS) return;
    judged += end - open;
    out.push(code.slice(open, end));
  });
  return out;
}

/** At most this many `if` statements of one rule are looked at (each is matched to its closing bracket). */
const MAX_IFS = 2000;
/** Conditions and statements longer than this are judged by their start. */
const MAX_COND = 4096;

/**
 * A `return` of YES: polkit.Result.YES however it is spelled (`polkit["Result"]["YES"]`, an alias such as
 * `var R = polkit.Result; … return R.YES`) or the string "yes".
 */
const YES =
  /\breturn\s*(?:\(\s*)?(?:(?:polkit\s*(?:\.\s*Result\b|\[\s*["']Result["']\s*\])|[\w$]+)\s*(?:\.\s*YES\b|\[\s*["']YES["']\s*\])|["']yes["'])/g;

/**
 * polkit.spawn: the rule runs a program (as polkitd) each time it is asked about an action. Any reference counts,
 * called at once or kept in a variable (`var s = polkit.spawn; s([...])`).
 */
const SPAWN = /\bpolkit\s*(?:\.\s*spawn\b|\[\s*["']spawn["']\s*\])/;

/** The names the rule function gives its two parameters (action, subject by convention, but any will do). */
export function paramNames(body: string): { action: string; subject: string } {
  const m = body.match(/^\(\s*(?:function\s*[\w$]*\s*)?\(\s*([\w$]*)\s*(?:,\s*([\w$]*))?/);
  return { action: m?.[1] || "action", subject: m?.[2] || "subject" };
}

/** What a condition says about the subject, and the user names it compares `subject.user` with. */
interface SubjectTest {
  /** Restricts the subject to someone, excludes someone, or neither. */
  kind: "positive" | "negative" | "none";
  /** Names compared with `==`/`===` (the users a positive test lets through). */
  equal: string[];
  /** Names compared with `!=`/`!==` (the users a negative guard keeps). */
  unequal: string[];
}

function subjectTest(cond: string, subject: string): SubjectTest {
  const sub = escapeRegExp(subject);
  let positive = false;
  let negative = false;
  const equal: string[] = [];
  const unequal: string[] = [];
  const named = new RegExp(
    `\\b${sub}\\s*\\.\\s*user\\s*(===?|!==?)\\s*["']([^"'\\n]{1,64})["']|` +
      `["']([^"'\\n]{1,64})["']\\s*(===?|!==?)\\s*${sub}\\s*\\.\\s*user\\b`,
    "g",
  );
  for (const m of cond.matchAll(named)) {
    const [op, name] = m[1] !== undefined ? [m[1], m[2]] : [m[4], m[3]];
    (op.startsWith("!") ? unequal : equal).push(name);
  }
  // A list of names: `["www-data", "nobody"].indexOf(subject.user) >= 0`, `[…].includes(subject.user)`; a `!`
  // before it or a comparison with -1 or < 0 after it turns it into an exclusion.
  const list = new RegExp(
    `(!\\s*)?\\[([^\\[\\]]{0,2000})\\]\\s*\\.\\s*(?:indexOf|includes)\\s*\\(\\s*${sub}\\s*\\.\\s*user\\s*\\)` +
      `(\\s*(?:<\\s*0|===?\\s*-\\s*1))?`,
    "g",
  );
  for (const m of cond.matchAll(list)) {
    const names = [...m[2].matchAll(/["']([^"'\n]{1,64})["']/g)].map((x) => x[1]);
    ((m[1] !== undefined) !== (m[3] !== undefined) ? unequal : equal).push(...names);
  }
  const group = new RegExp(`(!\\s*)?\\b${sub}\\s*\\.\\s*isInGroup\\s*\\(\\s*["']([^"']*)["']\\s*\\)`, "g");
  for (const m of cond.matchAll(group)) {
    if (BROAD_GROUPS.has(m[2])) continue;
    if (m[1]) negative = true;
    else positive = true;
  }
  const user = new RegExp(
    `\\b${sub}\\s*\\.\\s*user\\s*(===?|!==?)|(===?|!==?)\\s*${sub}\\s*\\.\\s*user\\b|\\b${sub}\\s*\\.\\s*user\\s*\\)`,
    "g",
  );
  for (const m of cond.matchAll(user)) {
    const op = m[1] ?? m[2] ?? "==";
    if (op.startsWith("!")) negative = true;
    else positive = true;
  }
  if (new RegExp(`\\b${sub}\\s*\\.\\s*(?:isInNetGroup|system_unit)\\b`).test(cond)) positive = true;
  return { kind: positive ? "positive" : negative ? "negative" : "none", equal, unequal };
}

/** The verdict on one addRule body: whether some YES does not depend on the subject, and what limits it. */
export interface RuleVerdict {
  unrestrictedYes: boolean;
  actionChecked: boolean;
  localOnly: boolean;
  /** Users a YES is granted to by name (`if (subject.user == "x") return YES`, or a guard that returns for all others). */
  yesUsers: string[];
}

/**
 * Judges an addRule call (comments already stripped): a YES is restricted when it sits in the body of an
 * `if` that tests the subject positively (isInGroup of a real group, subject.user ==), or when the function
 * first returns for everyone else (`if (subject.user != "x") return;`).
 */
export function judgeRule(body: string): RuleVerdict {
  const names = paramNames(body);
  const sub = escapeRegExp(names.subject);
  const pairs = bracketPairs(body);
  const yes = [...body.matchAll(YES)].map((m) => m.index!);
  /** Index of the first YES at or after `at` (yes is sorted). */
  const firstYes = (at: number) => {
    let lo = 0;
    let hi = yes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (yes[mid] < at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // +1/-1 marks over the YES list for the bodies of positive subject tests.
  const guardedDiff = new Int32Array(yes.length + 1);
  let guard = false;
  let localOnly = false;
  const yesUsers = new Set<string>();
  let ifs = 0;
  for (const m of body.matchAll(/\bif\s*\(/g)) {
    if (++ifs > MAX_IFS) break;
    const open = m.index! + m[0].length - 1;
    const end = pairs[open];
    if (end < 0) continue;
    const cond = body.slice(open, Math.min(end, open + MAX_COND));
    const test = subjectTest(cond, names.subject);
    let i = end;
    while (/\s/.test(body[i] ?? "")) i++;
    const bodyEnd = body[i] === "{" ? pairs[i] : body.indexOf(";", i) + 1;
    if (bodyEnd <= 0) continue;
    const [from, to] = [firstYes(i), firstYes(bodyEnd)];
    const returnsYes = to > from;
    if (test.kind === "positive" && returnsYes) {
      guardedDiff[from]++;
      guardedDiff[to]--;
      for (const u of test.equal) yesUsers.add(u);
    }
    if (
      test.kind === "negative" && !returnsYes &&
      /\breturn\b/.test(body.slice(i, Math.min(bodyEnd, i + MAX_COND)))
    ) {
      guard = true;
      if (firstYes(bodyEnd) < yes.length) { for (const u of test.unequal) yesUsers.add(u); }
    }
    if (returnsYes && new RegExp(`\\b${sub}\\s*\\.\\s*(?:local|active)\\b`).test(cond)) localOnly = true;
  }
  let depth = 0;
  let unguarded = false;
  for (let k = 0; k < yes.length; k++) {
    depth += guardedDiff[k];
    if (depth === 0) unguarded = true;
  }
  return {
    yesUsers: [...yesUsers].sort(),
    unrestrictedYes: !guard && unguarded,
    actionChecked: new RegExp(`\\b${escapeRegExp(names.action)}\\s*\\.\\s*(?:id|lookup)\\b`).test(body),
    localOnly,
  };
}

/** Identities an addAdminRule body returns that stand for everyone (unix-user:*, unix-group:users…). */
export function broadAdminIdentities(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(/["']unix-(user|group):([^"']*)["']/g)) {
    if ((m[1] === "user" && m[2] === "*") || (m[1] === "group" && BROAD_GROUPS.has(m[2]))) {
      out.push(`unix-${m[1]}:${m[2]}`);
    }
  }
  return out;
}

/** Parses a .pkla (or localauthority.conf) file into sections of key → value. */
export function parseIni(text: string): { section: string; line: number; keys: Map<string, string> }[] {
  const out: { section: string; line: number; keys: Map<string, string> }[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const sec = line.match(/^\[(.*)\]$/);
    if (sec) out.push({ section: sec[1], line: i + 1, keys: new Map() });
    else if (out.length > 0 && line.includes("=")) {
      const eq = line.indexOf("=");
      out[out.length - 1].keys.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    }
  });
  return out;
}

function broadIdentity(identities: string): boolean {
  return identities.split(";").map((s) => s.trim()).some((id) => {
    const m = id.match(/^unix-(user|group|netgroup):(.*)$/);
    return m !== null && (m[2] === "*" || (m[1] === "group" && BROAD_GROUPS.has(m[2])));
  });
}

/** rules.d directories of the administrator (and the run-time one): the others are the packages'. */
const LOCAL_RULES_DIRS = ["/etc/polkit-1/rules.d", "/run/polkit-1/rules.d"];

/**
 * The rules and .pkla files of the package directories (where a grant to a service account is the package's
 * own: systemd-networkd's, geoclue's, gnome-initial-setup's).
 */
export function vendorRuleFiles(host: Host): string[] {
  const rules = RULES_DIRS.filter((d) => !LOCAL_RULES_DIRS.includes(d)).flatMap((d) =>
    listFiles(host, d, ".rules")
  );
  return [...rules, ...pklaFiles(host, VENDOR_PKLA_DIR)];
}

/** The local authority's package directory (/var/lib; the administrator's is under /etc). */
const VENDOR_PKLA_DIR = "/var/lib/polkit-1/localauthority";

/** The .pkla files of a local-authority directory: those of its NN-name.d subdirectories, in name order. */
function pklaFiles(host: Host, base: string): string[] {
  const dirs = host.readDir(base, 1000);
  if (!dirs.ok) return [];
  return dirs.value.filter((e) => e.isDirectory).map((e) => e.name).sort().flatMap((d) =>
    listFiles(host, `${base}/${d}`, ".pkla")
  );
}

/**
 * An account that runs a service rather than a person (www-data, nobody, postgres…): not root, no home of a
 * person's. What such an account may do, an intruder who takes over its service may do.
 */
function serviceAccount(accounts: Accounts, name: string): Account | undefined {
  const a = accounts.byName.get(name);
  return a !== undefined && a.uid !== 0 && !isUserHome(a) ? a : undefined;
}

/** Where the polkit judgements look beyond the rule text. */
export interface PolkitContext {
  accounts: Accounts;
  /**
   * The package directories' rules files a package installed; undefined when that cannot be known (no package
   * database, --fast-scan): then their grants to service accounts are not judged.
   */
  packagedRules?: ReadonlySet<string>;
}

/** The finding for a rule or .pkla entry that grants YES to service accounts by name. */
function serviceGrant(
  path: string,
  where: string,
  names: readonly string[],
  anyAction: boolean,
  metadata: Record<string, string | number | boolean>,
): FindingDraft {
  return {
    check_id: "auth.polkit.service_account_yes",
    subject: `${path}#${where}`,
    severity: anyAction ? "critical" : "high",
    description: `${path}: ${where} grants YES without authentication to the service account${
      names.length > 1 ? "s" : ""
    } ${names.join(", ")}, for ${anyAction ? "every action" : "some actions"}.`,
    metadata: { path, accounts: names.join(","), any_action: anyAction, ...metadata },
    location: { path },
  };
}

/** polkit findings; `warn` receives unreadable files. */
export function* polkitFindings(
  host: Host,
  pc: PolkitContext,
  warn: (detail: string) => void,
): Generator<FindingDraft> {
  const read = textReader(host, warn);
  const seen = new Set<string>();
  const permissive: FindingDraft[] = [];
  for (const dir of RULES_DIRS) {
    for (const path of listFiles(host, dir, ".rules")) {
      const name = path.slice(dir.length + 1);
      if (seen.has(name)) continue;
      seen.add(name);
      const text = read(path);
      if (text === undefined) continue;
      const code = stripJsComments(text);
      const judgedGrants = LOCAL_RULES_DIRS.includes(dir) || (pc.packagedRules !== undefined &&
        !pc.packagedRules.has(path));
      ruleBodies(code, "addRule").forEach((body, i) => {
        const v = judgeRule(body);
        const services = judgedGrants ? v.yesUsers.filter((u) => serviceAccount(pc.accounts, u)) : [];
        if (services.length > 0) {
          permissive.push(serviceGrant(path, `rule ${i + 1}`, services, !v.actionChecked, { rule: i + 1 }));
        }
        if (!v.unrestrictedYes) return;
        const severity = v.actionChecked
          ? (v.localOnly ? "medium" : "high")
          : v.localOnly
          ? "high"
          : "critical";
        permissive.push({
          check_id: "auth.polkit.permissive_rule",
          subject: `${path}#${i + 1}`,
          severity,
          description: `${path}: rule ${i + 1} returns YES without requiring a particular user or group${
            v.localOnly ? " (only a local or active session)" : ""
          }, for ${v.actionChecked ? "some actions" : "every action"}.`,
          metadata: {
            path,
            rule: i + 1,
            any_action: !v.actionChecked,
            local_only: v.localOnly,
            kind: "rules",
          },
          location: { path },
        });
      });
      ruleBodies(code, "addAdminRule").forEach((body, i) => {
        const broad = broadAdminIdentities(body);
        if (broad.length === 0) return;
        permissive.push({
          check_id: "auth.polkit.broad_admin",
          subject: `${path}#${i + 1}`,
          description: `${path}: admin rule ${i + 1} returns ${broad.join(", ")}.`,
          metadata: { path, rule: i + 1, identities: broad },
          location: { path },
        });
      });
      if (SPAWN.test(code)) {
        permissive.push({
          check_id: "auth.polkit.spawn",
          subject: path,
          description: `${path}: a rule runs a program (polkit.spawn) whenever polkit judges an action.`,
          metadata: { path, kind: "rules" },
          location: { path },
        });
      }
      yield* permissive.splice(0);
    }
  }
  for (const base of PKLA_DIRS) {
    for (const path of pklaFiles(host, base)) {
      const text = read(path);
      if (text === undefined) continue;
      for (const s of parseIni(text)) {
        const results = ["ResultAny", "ResultInactive", "ResultActive"].filter((k) =>
          s.keys.get(k)?.toLowerCase() === "yes"
        );
        const identity = s.keys.get("Identity") ?? "";
        const action = s.keys.get("Action") ?? "";
        const anyAction = action.split(";").some((a) => a.trim() === "*");
        const services = results.length === 0
          ? []
          : identity.split(";").map((id) => /^unix-user:(.+)$/.exec(id.trim())?.[1]).filter((
            u,
          ): u is string => u !== undefined && serviceAccount(pc.accounts, u) !== undefined);
        // The package directory's .pkla files (geoclue's grant to its daemon) are judged like its rules.
        const judged = base !== VENDOR_PKLA_DIR ||
          (pc.packagedRules !== undefined && !pc.packagedRules.has(path));
        if (services.length > 0 && judged) {
          yield serviceGrant(path, `[${s.section}]`, services, anyAction, {
            section: s.section,
            line: s.line,
          });
        }
        if (results.length === 0 || !broadIdentity(identity)) continue;
        yield {
          check_id: "auth.polkit.permissive_rule",
          subject: `${path}#${s.section}`,
          severity: anyAction ? "critical" : undefined,
          description: `${path} [${s.section}]: ${results.join(", ")}=yes for ${identity} on ${
            action || "no action"
          }.`,
          metadata: { path, section: s.section, line: s.line, identity, action, results, kind: "pkla" },
          location: { path },
        };
      }
    }
  }
  for (const dir of PKLA_CONF_DIRS) {
    for (const path of listFiles(host, dir, ".conf")) {
      const text = read(path);
      if (text === undefined) continue;
      for (const s of parseIni(text)) {
        const ids = s.keys.get("AdminIdentities");
        if (ids === undefined || !broadIdentity(ids)) continue;
        yield {
          check_id: "auth.polkit.broad_admin",
          subject: `${path}#${s.section}`,
          description: `${path}: AdminIdentities=${ids}.`,
          metadata: { path, section: s.section, identities: ids.split(";").map((x) => x.trim()) },
          location: { path },
        };
      }
    }
  }
}
