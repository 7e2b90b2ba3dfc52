/**
 * auth: how the host authenticates — PAM stacks (include and substack followed, simulated as libpam runs them),
 * sshd's effective configuration (Include files and Match blocks), polkit rules and D-Bus system services, and
 * under --hardening securetty and access.conf.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { accountDb } from "../accounts/db.ts";
import { loadAccounts } from "../persistence/accounts.ts";
import { sharedSshdConfig } from "../ssh/sshd_config.ts";
import { dbusFindings } from "./dbus.ts";
import { loginAccess } from "./login_access.ts";
import { pamFindings, pamUses } from "./pam.ts";
import { PamConfig } from "./pam_config.ts";
import { polkitFindings, vendorRuleFiles } from "./polkit.ts";
import { packageDb, readsPackageDb, warnFastScanSkipped } from "../package_db.ts";
import { sshdFindings } from "./sshd.ts";
import { AUTH_INFO } from "../info/auth.ts";

/**
 * The polkit rules files of the package directories that a package installed; undefined when unknown (no
 * database, or --fast-scan, which says so when there are such files).
 */
async function packagedRules(ctx: ScanContext): Promise<ReadonlySet<string> | undefined> {
  const files = vendorRuleFiles(ctx.host);
  if (files.length === 0) return new Set();
  if (!readsPackageDb(ctx)) {
    warnFastScanSkipped(
      ctx,
      `grants to service accounts and polkit.spawn in ${files.length} packaged polkit rules file(s)`,
    );
    return undefined;
  }
  const o = await packageDb(ctx).owners(new Set(files));
  if (o.tool === undefined) return undefined;
  return new Set(files.filter((f) => o.owners.ownerOf(f) !== undefined));
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const db = accountDb(ctx);
  const accounts = loadAccounts(ctx);
  const sshd = sharedSshdConfig(ctx);
  if (!sshd.ok && sshd.reason !== "missing") {
    ctx.warn("sshd_config_unreadable", `${sshd.path}: ${sshd.message}`);
  }
  if (sshd.ok) { for (const p of sshd.value.problems.slice(0, 50)) ctx.warn("sshd_config", p); }
  const pam = new PamConfig(ctx.host);
  yield* pamFindings(ctx, pam, db, sshd.ok ? sshd.value : undefined);
  await ctx.checkpoint();
  if (sshd.ok) yield* sshdFindings(sshd.value, db, ctx.host, accounts);
  await ctx.checkpoint();
  yield* polkitFindings(
    ctx.host,
    { accounts, packagedRules: await packagedRules(ctx) },
    (d) => ctx.warn("polkit_unreadable", d),
  );
  yield* dbusFindings(ctx.host, accounts, (d) => ctx.warn("dbus_unreadable", d));
  if (ctx.config.hardening) yield* loginAccess(ctx.host, pamUses(pam, "pam_access"));
}

/** The auth scanner. */
export const auth: Scanner = { ...AUTH_INFO, run };
