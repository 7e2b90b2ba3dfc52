/**
 * polkit authorization rules: JavaScript rules.d files (read as text, never run) and the older .pkla files of
 * the local authority, judged for grants of YES that do not depend on who asks, and for admin identities that
 * include everyone.
 */
import type { FindingDraft } from "../../core/finding.ts";
import type { Host } from "../../host/host.ts";
import { listFiles, textReader } from "./files.ts";
import { type Account, type Accounts, isUserHome } from "../persistence/accounts.ts";
import {
  broadAdminIdentities,
  judgeRule,
  ruleBodies,
  type RuleScope,
  ruleScope,
  type RuleVerdict,
} from "./polkit_js.ts";
import { stripJsComments } from "./polkit_lex.ts";
import { parseIni } from "../keyfile.ts";
import { patternMatches } from "./polkit_regex.ts";
import { BROAD_GROUPS } from "./polkit_subject.ts";

export { BROAD_GROUPS } from "./polkit_subject.ts";
export { bracketPairs, stripJsComments } from "./polkit_lex.ts";
export {
  broadAdminIdentities,
  judgeRule,
  paramNames,
  ruleBodies,
  ruleScope,
  type RuleVerdict,
} from "./polkit_js.ts";

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

/**
 * polkit.spawn: the rule runs a program (as polkitd) each time it is asked about an action. Any reference counts,
 * called at once or kept in a variable (`var s = polkit.spawn; s([...])`).
 */
const SPAWN = /\bpolkit\s*(?:\.\s*spawn\b|\[\s*["'`]spawn["'`]\s*\])/;

/**
 * The service accounts a grant of YES reaches: named, matching a name pattern, or members of a group (those
 * /etc/group lists and those whose primary group it is; a group it does not list is taken for the private group
 * of the account of that name). `via` says how, for patterns and groups.
 */
function grantedServices(
  accounts: Accounts,
  users: readonly string[],
  v?: Pick<RuleVerdict, "yesPatterns" | "yesGroups">,
): { names: string[]; via: string[] } {
  const names = new Set(users.filter((u) => serviceAccount(accounts, u)));
  const via = new Set<string>();
  for (const g of v?.yesGroups ?? []) {
    const members = accounts.groups.get(g) ?? new Set(accounts.byName.has(g) ? [g] : []);
    for (const m of members) {
      if (serviceAccount(accounts, m) === undefined) continue;
      names.add(m);
      via.add(`group ${g}`);
    }
  }
  const patterns = v?.yesPatterns ?? [];
  for (const a of patterns.length === 0 ? [] : accounts.byName.values()) {
    const p = patterns.find((p) => patternMatches(p, a.name));
    if (p === undefined || serviceAccount(accounts, a.name) === undefined) continue;
    names.add(a.name);
    via.add(`names matching ${p.text}`);
  }
  return { names: [...names].sort(), via: [...via].sort() };
}

/** The finding for a rule or .pkla entry that grants YES to service accounts (by name, pattern or group). */
function serviceGrant(
  path: string,
  where: string,
  grant: { names: readonly string[]; via: readonly string[] },
  anyAction: boolean,
  metadata: Record<string, string | number | boolean>,
): FindingDraft {
  const { names, via } = grant;
  return {
    check_id: "auth.polkit.service_account_yes",
    subject: `${path}#${where}`,
    severity: anyAction ? "critical" : "high",
    description: `${path}: ${where} grants YES without authentication to the service account${
      names.length > 1 ? "s" : ""
    } ${names.join(", ")}${via.length > 0 ? ` (${via.join("; ")})` : ""}, for ${
      anyAction ? "every action" : "some actions"
    }.`,
    metadata: {
      path,
      accounts: names.join(","),
      any_action: anyAction,
      ...(via.length > 0 ? { via: via.join(";") } : {}),
      ...metadata,
    },
    location: { path },
  };
}

/**
 * The findings of one rules file: its addRule and addAdminRule calls judged in `scope`, and polkit.spawn.
 * `accounts` is undefined for a file a package installed (or may have: --fast-scan) in a package directory: its
 * grants to service accounts, and its polkit.spawn (polkitd-pkla's compatibility rule runs the .pkla checker),
 * are the package's own.
 */
function rulesFileFindings(
  path: string,
  code: string,
  scope: RuleScope,
  accounts: Accounts | undefined,
): FindingDraft[] {
  const out: FindingDraft[] = [];
  ruleBodies(code, "addRule").forEach((body, i) => {
    const v = judgeRule(body, scope);
    const services = accounts === undefined ? undefined : grantedServices(accounts, v.yesUsers, v);
    if (services !== undefined && services.names.length > 0) {
      out.push(serviceGrant(path, `rule ${i + 1}`, services, !v.actionChecked, { rule: i + 1 }));
    }
    if (!v.unrestrictedYes) return;
    const severity = v.actionChecked ? (v.localOnly ? "medium" : "high") : v.localOnly ? "high" : "critical";
    out.push({
      check_id: "auth.polkit.permissive_rule",
      subject: `${path}#${i + 1}`,
      severity,
      description: `${path}: rule ${i + 1} returns YES without requiring a particular user or group${
        v.localOnly ? " (only a local or active session)" : ""
      }${
        v.unresolvedUserTest ? " (its test of subject.user names no one and may always be true)" : ""
      }, for ${v.actionChecked ? "some actions" : "every action"}.`,
      metadata: {
        path,
        rule: i + 1,
        any_action: !v.actionChecked,
        local_only: v.localOnly,
        unresolved_user_test: v.unresolvedUserTest,
        kind: "rules",
      },
      location: { path },
    });
  });
  ruleBodies(code, "addAdminRule").forEach((body, i) => {
    const broad = broadAdminIdentities(body, scope);
    if (broad.length === 0) return;
    out.push({
      check_id: "auth.polkit.broad_admin",
      subject: `${path}#${i + 1}`,
      description: `${path}: admin rule ${i + 1} returns ${broad.join(", ")}.`,
      metadata: { path, rule: i + 1, identities: broad },
      location: { path },
    });
  });
  if (accounts !== undefined && SPAWN.test(code)) {
    out.push({
      check_id: "auth.polkit.spawn",
      subject: path,
      description: `${path}: a rule runs a program (polkit.spawn) whenever polkit judges an action.`,
      metadata: { path, kind: "rules" },
      location: { path },
    });
  }
  return out;
}

/**
 * At most this much rules text forms the scope all files share (a rule may name a function, a list or a YES
 * another file defines); files past it are judged each in a scope of its own.
 */
const MAX_SHARED_SCOPE = 32 << 20;

/** polkit findings; `warn` receives unreadable files. */
export function* polkitFindings(
  host: Host,
  pc: PolkitContext,
  warn: (detail: string) => void,
): Generator<FindingDraft> {
  const read = textReader(host, warn);
  const seen = new Set<string>();
  const files: { dir: string; path: string; code: string }[] = [];
  for (const dir of RULES_DIRS) {
    for (const path of listFiles(host, dir, ".rules")) {
      const name = path.slice(dir.length + 1);
      if (seen.has(name)) continue;
      seen.add(name);
      const text = read(path);
      if (text !== undefined) files.push({ dir, path, code: stripJsComments(text) });
    }
  }
  let shared = 0;
  const sharedCount = files.findIndex((f) => (shared += f.code.length) > MAX_SHARED_SCOPE);
  const inShared = sharedCount < 0 ? files.length : sharedCount;
  const scope = ruleScope(files.slice(0, inShared).map((f) => f.code));
  for (const [i, { dir, path, code }] of files.entries()) {
    const judgedGrants = LOCAL_RULES_DIRS.includes(dir) || (pc.packagedRules !== undefined &&
      !pc.packagedRules.has(path));
    yield* rulesFileFindings(
      path,
      code,
      i < inShared ? scope : ruleScope([code]),
      judgedGrants ? pc.accounts : undefined,
    );
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
        const ids = results.length === 0 ? [] : identity.split(";").map((id) => id.trim());
        const services = grantedServices(
          pc.accounts,
          ids.map((id) => /^unix-user:(.+)$/.exec(id)?.[1]).filter((u): u is string => u !== undefined),
          {
            yesPatterns: [],
            yesGroups: ids.map((id) => /^unix-group:(.+)$/.exec(id)?.[1] ?? "").filter(Boolean),
          },
        );
        // The package directory's .pkla files (geoclue's grant to its daemon) are judged like its rules.
        const judged = base !== VENDOR_PKLA_DIR ||
          (pc.packagedRules !== undefined && !pc.packagedRules.has(path));
        if (services.names.length > 0 && judged) {
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
