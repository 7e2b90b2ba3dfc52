/**
 * PAM findings: programs run by pam_exec/pam_script, auth stacks that succeed without credentials, modules and
 * includes from outside the system directories, module files no package installed or that differ from their
 * package, and nullok on network services.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import {
  type AccountDb,
  effectivePassword,
  groupMembers,
  passwdByName,
  shadowByName,
} from "../accounts/db.ts";
import { globalValue, matchValues, type SshdConfig } from "../ssh/sshd_config.ts";
import { flatten, moduleName, PAM_TYPES, PamConfig, type PamRule, type PamType } from "./pam_config.ts";
import { authBypasses } from "./pam_eval.ts";
import { locateModule, moduleDirs, moduleProvenance, untrustedInclude } from "./pam_modules.ts";
import { packageDb, readsPackageDb, warnFastScanSkipped } from "../package_db.ts";

/** Services that authenticate users over the network (sshd is judged with its PermitEmptyPasswords). */
export const REMOTE_SERVICES = new Set([
  "vsftpd",
  "proftpd",
  "pure-ftpd",
  "ftp",
  "cockpit",
  "xrdp-sesman",
  "dovecot",
  "imap",
  "pop",
  "pop3",
  "smtp",
  "rlogin",
  "rsh",
  "rexec",
  "ppp",
  "radiusd",
  "openvpn",
  "samba",
  "squid",
  "webmin",
]);

/** Display-manager services that accept everyone by design (autologin, the greeter's own session). */
const BY_DESIGN = /(?:autologin|greeter|launch-environment)$/;

const where = (r: PamRule) => `${r.path}:${r.line}`;

/** True when some PAM file in use loads the module (after pamFindings resolved the stacks). */
export function pamUses(cfg: PamConfig, module: string): boolean {
  return cfg.filesRead().some(([, f]) =>
    f.statements.some((s) => "rule" in s && moduleName(s.rule.module) === module)
  );
}

/** Where each rule is reached from: the services and types whose stacks contain it. */
interface Reach {
  rule: PamRule;
  services: Set<string>;
  types: Set<PamType>;
}

/**
 * PAM findings for the host from `cfg` (every service's stacks are resolved, so afterwards `cfg.filesRead()`
 * lists every file in use); `sshd` is the effective sshd configuration when sshd is installed.
 */
export async function* pamFindings(
  ctx: ScanContext,
  cfg: PamConfig,
  db: AccountDb,
  sshd: SshdConfig | undefined,
): AsyncGenerator<FindingDraft> {
  const services = cfg.services();
  const reach = new Map<string, Reach>();
  const stacks = new Map<string, ReturnType<PamConfig["stack"]>>();
  for (const svc of services) {
    for (const type of PAM_TYPES) {
      const stack = cfg.stack(svc, type);
      if (type === "auth") stacks.set(svc, stack);
      for (const rule of flatten(stack)) {
        const r = reach.get(where(rule)) ?? { rule, services: new Set(), types: new Set() };
        r.services.add(svc);
        r.types.add(type);
        reach.set(where(rule), r);
      }
    }
    await ctx.checkpoint();
  }
  for (const p of cfg.problems.slice(0, 50)) ctx.warn("pam_config", p);
  const sortedReach = [...reach.values()].sort((a, b) => where(a.rule) < where(b.rule) ? -1 : 1);
  const svcList = (r: Reach) => [...r.services].sort();

  for (const r of sortedReach) {
    const name = moduleName(r.rule.module);
    if (name !== "pam_exec" && name !== "pam_script") continue;
    const exposes = r.rule.args.includes("expose_authtok") &&
      (r.rule.type === "auth" || r.rule.type === "password");
    const cmd = r.rule.args.findIndex((a) => a.startsWith("/"));
    yield {
      check_id: "auth.pam.exec_module",
      subject: where(r.rule),
      severity: exposes ? "critical" : undefined,
      description: `${where(r.rule)}: ${r.rule.type} ${r.rule.control.text} ${r.rule.module}${
        exposes ? " with expose_authtok (the program reads the password)" : ""
      }, reached by ${svcList(r).join(", ")}.`,
      metadata: {
        path: r.rule.path,
        line: r.rule.line,
        type: r.rule.type,
        control: r.rule.control.text,
        module: r.rule.module,
        command: cmd >= 0 ? r.rule.args.slice(cmd).join(" ") : null,
        options: cmd >= 0 ? r.rule.args.slice(0, cmd) : r.rule.args,
        services: svcList(r),
      },
      location: { path: r.rule.path },
    };
  }

  yield* bypasses(stacks, db, (d) => ctx.warn("truncated", d));
  await ctx.checkpoint();

  const dirs = moduleDirs(ctx.host);
  const moduleUsers = new Map<string, string[]>();
  for (const [path, file] of cfg.filesRead().sort((a, b) => a[0] < b[0] ? -1 : 1)) {
    for (const s of file.statements) {
      const target = "atInclude" in s
        ? s.atInclude
        : s.rule.control.kind !== "actions"
        ? s.rule.module
        : undefined;
      const line = "atInclude" in s ? s.line : s.rule.line;
      let reason = target !== undefined ? untrustedInclude(target) : undefined;
      if (!("atInclude" in s) && s.rule.control.kind === "actions") {
        const loc = locateModule(ctx.host, s.rule, dirs);
        reason = loc.untrusted;
        if (loc.file) moduleUsers.set(loc.file, [...(moduleUsers.get(loc.file) ?? []), `${path}:${line}`]);
      }
      if (reason === undefined) continue;
      yield {
        check_id: "auth.pam.untrusted_path",
        subject: `${path}:${line}`,
        description: `${path}:${line}: ${reason}.`,
        metadata: { path, line, target: target ?? ("rule" in s ? s.rule.module : null), reason },
        location: { path },
      };
    }
  }

  yield* moduleFindings(ctx, moduleUsers);
  yield* nullokRemote(stacks, db, sshd);
}

/**
 * Module files that no package installed or that differ from their package (`users`: file → the rules loading
 * it). Not under --fast-scan (see `readsPackageDb`): then a warning says how many files were not checked.
 */
async function* moduleFindings(ctx: ScanContext, users: Map<string, string[]>): AsyncGenerator<FindingDraft> {
  if (!readsPackageDb(ctx)) {
    if (users.size > 0) warnFastScanSkipped(ctx, `${users.size} PAM module file(s) against their packages`);
    return;
  }
  const prov = await moduleProvenance(ctx.host, new Set(users.keys()), packageDb(ctx));
  for (const p of prov.problems.slice(0, 10)) ctx.warn("package_db_unreadable", p);
  if (prov.verdicts === undefined && users.size > 0) {
    ctx.warn(
      "no_package_db",
      "no dpkg or rpm database: PAM module files were not checked against their packages",
    );
  }
  for (const [file, v] of prov.verdicts ?? []) {
    if (v.kind !== "unowned" && v.kind !== "modified") continue;
    yield {
      check_id: v.kind === "unowned" ? "auth.pam.module_unowned" : "auth.pam.module_modified",
      subject: file,
      description: v.kind === "unowned"
        ? `${file} is loaded by ${users.get(file)!.join(", ")} but no ${prov.tool} package owns it.`
        : `${file} (package ${v.pkg}) does not match the ${v.algorithm} digest the package recorded; loaded by ${
          users.get(file)!.join(", ")
        }.`,
      metadata: {
        path: file,
        package: v.kind === "modified" ? v.pkg : null,
        used_by: users.get(file)!,
        package_db: prov.tool ?? null,
      },
      location: { path: file },
    };
  }
}

/** Auth stacks that succeed without credentials, one finding per rule that grants it. */
function* bypasses(
  stacks: Map<string, ReturnType<PamConfig["stack"]>>,
  db: AccountDb,
  warn: (detail: string) => void,
): Generator<FindingDraft> {
  const members = groupMembers(db);
  const hasMembers = (g: string) => (members.get(g)?.size ?? 0) > 0;
  const byRule = new Map<
    string,
    { rule: PamRule; services: Set<string>; always: boolean; via: Set<string> }
  >();
  for (const [svc, stack] of stacks) {
    const verdict = authBypasses(stack, hasMembers);
    if (verdict.capped) {
      warn(`PAM auth stack of ${svc}: too many condition outcomes; only some paths were explored`);
    }
    for (const b of verdict.bypasses) {
      const decisive = b.granted[b.granted.length - 1];
      const e = byRule.get(where(decisive)) ??
        { rule: decisive, services: new Set<string>(), always: false, via: new Set<string>() };
      e.services.add(svc);
      e.always ||= !b.conditional;
      for (const g of b.granted) e.via.add(`${where(g)} ${moduleName(g.module)}`);
      byRule.set(where(decisive), e);
    }
  }
  for (const [key, e] of [...byRule].sort((a, b) => a[0] < b[0] ? -1 : 1)) {
    const services = [...e.services].sort();
    const byDesign = services.every((s) => BY_DESIGN.test(s));
    yield {
      check_id: "auth.pam.auth_bypass",
      subject: key,
      severity: byDesign ? "info" : e.always ? "critical" : "high",
      description:
        `${key}: ${e.rule.control.text} ${e.rule.module} lets authentication succeed without a password ` +
        `for ${services.join(", ")}${e.always ? "" : " (when its condition holds)"}${
          byDesign ? "; autologin/greeter services do this by design" : ""
        }.`,
      metadata: {
        path: e.rule.path,
        line: e.rule.line,
        control: e.rule.control.text,
        module: e.rule.module,
        args: e.rule.args,
        services,
        unconditional: e.always,
        granted_by: [...e.via].sort(),
      },
      location: { path: e.rule.path },
    };
  }
}

/** nullok on network services' stacks, and on sshd's when it permits empty passwords. */
function* nullokRemote(
  stacks: Map<string, ReturnType<PamConfig["stack"]>>,
  db: AccountDb,
  sshd: SshdConfig | undefined,
): Generator<FindingDraft> {
  const sshdEmpty = sshd !== undefined &&
    [globalValue(sshd, "permitemptypasswords"), ...matchValues(sshd, "permitemptypasswords")]
      .some((l) => l?.args[0]?.toLowerCase() === "yes");
  const shadow = shadowByName(db);
  const empty = [...passwdByName(db).values()].filter((e) =>
    effectivePassword(db, e, shadow)?.password.state === "empty"
  )
    .map((e) => e.name);
  for (const [svc, stack] of [...stacks].sort((a, b) => a[0] < b[0] ? -1 : 1)) {
    if (!REMOTE_SERVICES.has(svc) && !(svc === "sshd" && sshdEmpty)) continue;
    const rule = flatten(stack).find((r) =>
      moduleName(r.module) === "pam_unix" && r.args.some((a) => a === "nullok" || a === "nullok_secure")
    );
    if (!rule) continue;
    yield {
      check_id: "auth.pam.nullok_remote",
      subject: `${svc}:${where(rule)}`,
      severity: empty.length > 0 ? "high" : undefined,
      description: `The ${svc} stack accepts empty passwords (${where(rule)}: pam_unix nullok)${
        svc === "sshd" ? " and sshd has PermitEmptyPasswords yes" : ""
      }${empty.length > 0 ? `; accounts with an empty password: ${empty.join(", ")}` : ""}.`,
      metadata: { service: svc, path: rule.path, line: rule.line, users: empty },
      location: { path: rule.path },
    };
  }
}
