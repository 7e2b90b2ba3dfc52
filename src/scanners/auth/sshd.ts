/**
 * sshd findings from its effective configuration (Include files and Match blocks followed): root and empty-
 * password logins, extra key locations and key commands, forced commands, user environments and rc scripts.
 * Every Match block that overrides a setting is judged on its own and named with its criteria.
 */
import type { FindingDraft } from "../../core/finding.ts";
import type { Host } from "../../host/host.ts";
import { trimTrailing } from "../../host/text_trim.ts";
import {
  type AccountDb,
  effectivePassword,
  isLoginShell,
  passwdByName,
  shadowByName,
} from "../accounts/db.ts";
import { assessEntry, pathRisk } from "../persistence/assess.ts";
import { parseAuthorizedKeys } from "../ssh/authorized_keys.ts";
import type { Accounts } from "../persistence/accounts.ts";
import { ROOT_ACCOUNT } from "../persistence/accounts.ts";
import { DEFAULT_KEY_FILES, readKeyFiles } from "../ssh/key_files.ts";
import {
  globalValue,
  lineSubject,
  lineWhere,
  matchValues,
  type SshdConfig,
  type SshdLine,
} from "../ssh/sshd_config.ts";

const DEFAULTS: Record<string, string> = {
  permitrootlogin: "prohibit-password",
  passwordauthentication: "yes",
  kbdinteractiveauthentication: "yes",
  usepam: "no",
  permitemptypasswords: "no",
  permituserenvironment: "no",
  permituserrc: "yes",
};

/** Normal AuthorizedKeysFile values (the default and its %h spellings). */
const USUAL_KEY_FILES = new Set([
  ...DEFAULT_KEY_FILES,
  "%h/.ssh/authorized_keys",
  "%h/.ssh/authorized_keys2",
  "none",
]);

/** Every setting of a keyword that applies somewhere: the global line (or none) and each Match override. */
function settings(cfg: SshdConfig, keyword: string): { line?: SshdLine; value: string }[] {
  const g = globalValue(cfg, keyword);
  return [
    { ...(g ? { line: g } : {}), value: (g?.args[0] ?? DEFAULTS[keyword] ?? "").toLowerCase() },
    ...matchValues(cfg, keyword).map((l) => ({ line: l, value: (l.args[0] ?? "").toLowerCase() })),
  ];
}

/** The value of a keyword in the context of a Match block (its own line, else the global one). */
function inContext(cfg: SshdConfig, keyword: string, at: SshdLine | undefined): string {
  if (at?.match) {
    const own = cfg.lines.find((l) => l.keyword === keyword && l.match === at.match);
    if (own) return own.args[0].toLowerCase();
  }
  return (globalValue(cfg, keyword)?.args[0] ?? DEFAULTS[keyword] ?? "").toLowerCase();
}

/**
 * Where a setting comes from: its file and line and Match block, or, for a command-line option, the file and
 * line of the variable that gives it (or /proc/<pid>/cmdline and 0), the option (`command_line`) and where the
 * command line was read (`command_line_from`).
 */
function meta(l: SshdLine | undefined) {
  return {
    path: l?.path ?? null,
    line: l?.line ?? null,
    match: l?.match?.criteria ?? null,
    source: l === undefined ? null : l.commandLine ? "command_line" : "file",
    command_line: l?.commandLine?.option ?? null,
    command_line_from: l?.commandLine?.from ?? null,
  };
}

/** Root login with a password, and empty passwords. */
function* rootAndEmpty(cfg: SshdConfig, db: AccountDb): Generator<FindingDraft> {
  for (const s of settings(cfg, "permitrootlogin")) {
    if (s.value !== "yes" || !s.line) continue;
    const usePam = inContext(cfg, "usepam", s.line) === "yes";
    const password = inContext(cfg, "passwordauthentication", s.line) === "yes" ||
      (usePam && inContext(cfg, "kbdinteractiveauthentication", s.line) === "yes");
    yield {
      check_id: "auth.sshd.permit_root_login",
      subject: lineSubject(s.line),
      severity: password ? undefined : "low",
      description: `${lineWhere(s.line)}: PermitRootLogin yes${
        s.line.match ? ` for connections matching "${s.line.match.criteria}"` : ""
      }, ${password ? "with password authentication on" : "but only keys are accepted"}.`,
      metadata: { ...meta(s.line), password_authentication: password },
      location: { path: s.line.path },
    };
  }
  const shadow = shadowByName(db);
  const empty = [...passwdByName(db).values()].filter((e) =>
    effectivePassword(db, e, shadow)?.password.state === "empty"
  );
  for (const s of settings(cfg, "permitemptypasswords")) {
    if (s.value !== "yes" || !s.line) continue;
    yield {
      check_id: "auth.sshd.permit_empty_passwords",
      subject: lineSubject(s.line),
      severity: empty.length > 0 ? "critical" : undefined,
      description: `${lineWhere(s.line)}: PermitEmptyPasswords yes${
        empty.length > 0 ? `; accounts with an empty password: ${empty.map((e) => e.name).join(", ")}` : ""
      }.`,
      metadata: { ...meta(s.line), users: empty.map((e) => e.name) },
      location: { path: s.line.path },
    };
  }
}

/** Extra AuthorizedKeysFile locations, with the keys found there for each account. */
function* keyLocations(cfg: SshdConfig, db: AccountDb, host: Host): Generator<FindingDraft> {
  const lines = [globalValue(cfg, "authorizedkeysfile"), ...matchValues(cfg, "authorizedkeysfile")]
    .filter((l): l is SshdLine => l !== undefined);
  for (const l of lines) {
    const unusual = l.args.filter((p) => !USUAL_KEY_FILES.has(p));
    if (unusual.length === 0) continue;
    const found: string[] = [];
    let keys = 0;
    for (const e of passwdByName(db).values()) {
      if (!e.home.startsWith("/") && !unusual.some((p) => p.startsWith("/"))) continue;
      for (const f of readKeyFiles(host, e, unusual).files) {
        if (f.keys.length === 0) continue;
        keys += f.keys.length;
        if (found.length < 50) {
          found.push(`${f.path} (${e.name}): ${f.keys.map((k) => `${k.type} ${k.fingerprint}`).join(", ")}`);
        }
      }
    }
    yield {
      check_id: "auth.sshd.authorized_keys_file",
      subject: lineSubject(l),
      description:
        `${lineWhere(l)}: AuthorizedKeysFile ${l.args.join(" ")}; ${keys} key(s) found in the extra ` +
        `location(s)${found.length > 0 ? `: ${found.slice(0, 5).join("; ")}` : ""}.`,
      metadata: { ...meta(l), patterns: l.args, unusual, key_count: keys, keys: found },
      location: { path: l.path },
    };
  }
}

/** Key and principal commands, forced commands, user environment. */
function* commands(cfg: SshdConfig, host: Host, accounts: Accounts): Generator<FindingDraft> {
  for (const keyword of ["authorizedkeyscommand", "authorizedprincipalscommand"]) {
    for (const l of [globalValue(cfg, keyword), ...matchValues(cfg, keyword)]) {
      if (!l || l.args[0].toLowerCase() === "none") continue;
      const text = l.args.join(" ");
      const a = assessEntry(host, text, ROOT_ACCOUNT, accounts);
      const user = inContext(cfg, `${keyword}user`, l);
      yield {
        check_id: "auth.sshd.keys_command",
        subject: lineSubject(l),
        severity: a ? a.severity : undefined,
        description:
          `${lineWhere(l)}: ${
            keyword === "authorizedkeyscommand" ? "AuthorizedKeysCommand" : "AuthorizedPrincipalsCommand"
          } ${text}` +
          `${a ? ` (${a.indicators.map((i) => i.path ? `${i.name}:${i.path}` : i.name).join(", ")})` : ""}.`,
        metadata: {
          ...meta(l),
          keyword,
          command: text,
          run_as: user || null,
          indicators: a ? a.indicators.map((i) => i.path ? `${i.name}:${i.path}` : i.name) : [],
        },
        location: { path: l.path },
      };
    }
  }
  for (const l of [globalValue(cfg, "forcecommand"), ...matchValues(cfg, "forcecommand")]) {
    if (!l || /^(?:internal-sftp|none)$/i.test(l.args[0])) continue;
    const text = l.args.join(" ");
    const a = assessEntry(host, text, ROOT_ACCOUNT, accounts);
    yield {
      check_id: "auth.sshd.force_command",
      subject: lineSubject(l),
      severity: a ? a.severity : undefined,
      description: `${lineWhere(l)}: ForceCommand ${text}.`,
      metadata: {
        ...meta(l),
        command: text,
        indicators: a ? a.indicators.map((i) => i.path ? `${i.name}:${i.path}` : i.name) : [],
      },
      location: { path: l.path },
    };
  }
  for (const s of settings(cfg, "permituserenvironment")) {
    if (s.value === "no" || !s.line) continue;
    yield {
      check_id: "auth.sshd.permit_user_environment",
      subject: lineSubject(s.line),
      description: `${lineWhere(s.line)}: PermitUserEnvironment ${s.line.args.join(" ")}.`,
      metadata: { ...meta(s.line), value: s.line.args.join(" ") },
      location: { path: s.line.path },
    };
  }
}

/** /etc/ssh/sshrc, and ~/.ssh/rc of login accounts when PermitUserRC allows it somewhere. */
function* rcScripts(cfg: SshdConfig, db: AccountDb, host: Host): Generator<FindingDraft> {
  const system = host.stat("/etc/ssh/sshrc");
  if (system.ok && system.value.isFile) {
    yield {
      check_id: "auth.sshd.user_rc",
      subject: "/etc/ssh/sshrc",
      description: "/etc/ssh/sshrc exists: sshd runs it at every login of a user without ~/.ssh/rc.",
      metadata: { path: "/etc/ssh/sshrc", size: system.value.size },
      location: { path: "/etc/ssh/sshrc" },
    };
  }
  if (!settings(cfg, "permituserrc").some((s) => s.value !== "no")) return;
  const seen = new Set<string>();
  for (const e of passwdByName(db).values()) {
    if (!(e.uid === 0 || isLoginShell(e.shell)) || !e.home.startsWith("/")) continue;
    const path = `${trimTrailing(e.home, "/")}/.ssh/rc`;
    if (seen.has(path)) continue;
    seen.add(path);
    const st = host.stat(path);
    if (!st.ok || !st.value.isFile) continue;
    yield {
      check_id: "auth.sshd.user_rc",
      subject: path,
      description: `${path} exists: sshd runs it at every login of ${e.name}.`,
      metadata: { path, user: e.name, size: st.value.size },
      location: { path },
    };
  }
}

/**
 * TrustedUserCAKeys: every certificate its CA keys sign logs in as the principals it names, whatever the
 * authorized_keys files hold; a CA key file an attacker wrote (or can write) is a key to every account.
 */
function* trustedCa(cfg: SshdConfig, host: Host, accounts: Accounts): Generator<FindingDraft> {
  for (const l of [globalValue(cfg, "trustedusercakeys"), ...matchValues(cfg, "trustedusercakeys")]) {
    if (!l || l.args[0].toLowerCase() === "none") continue;
    const path = l.args[0].startsWith("/") ? l.args[0] : `/etc/ssh/${l.args[0]}`;
    const r = host.readText(path, 1 << 20);
    const keys = r.ok ? parseAuthorizedKeys(r.value).keys : [];
    const risk = pathRisk(host, path, ROOT_ACCOUNT, accounts);
    yield {
      check_id: "auth.sshd.trusted_user_ca",
      subject: lineSubject(l),
      severity: risk ? "high" : undefined,
      description:
        `${lineWhere(l)}: TrustedUserCAKeys ${path}: ${keys.length} CA key(s) whose certificates log ` +
        `in${r.ok ? "" : ` (the file cannot be read: ${r.message})`}${
          risk ? `; the file is ${risk.replace("_", " ")}` : ""
        }.`,
      metadata: {
        ...meta(l),
        ca_file: path,
        fingerprints: keys.map((k) => `${k.type} ${k.fingerprint}`).slice(0, 20),
        ...(risk ? { location_risk: risk } : {}),
      },
      location: { path: l.path },
    };
  }
}

/** Every sshd finding for an sshd configuration that was read. */
export function* sshdFindings(
  cfg: SshdConfig,
  db: AccountDb,
  host: Host,
  accounts: Accounts,
): Generator<FindingDraft> {
  yield* rootAndEmpty(cfg, db);
  yield* keyLocations(cfg, db, host);
  yield* commands(cfg, host, accounts);
  yield* trustedCa(cfg, host, accounts);
  yield* rcScripts(cfg, db, host);
}
