/**
 * accounts: who can log in and as what — the local account files read the way glibc reads them (extra uid-0
 * accounts, shared uids, duplicate and lookalike names, NIS lines, hashes in passwd, empty and obsolete
 * passwords, system accounts given a password, a shell or keys, root-equivalent groups, recent changes), the
 * accounts NSS returns from systemd user records and extrausers files (./nss_records.ts), with
 * an inventory of login-capable accounts under --accounts-inventory and login.defs policy under --hardening.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { loginRecords } from "../logins/records.ts";
import { authorizedKeysPatterns } from "../ssh/key_files.ts";
import { sharedSshdConfig } from "../ssh/sshd_config.ts";
import { ACCOUNT_FILE_BYTES, ACCOUNT_FILES, accountDb, passwdByName } from "./db.ts";
import { groupPasswords, privilegedGidAliases, privilegedMembers } from "./groups.ts";
import {
  duplicateNames,
  malformedLines,
  nisLines,
  orphanShadow,
  passwdHashes,
  privilegedIdentities,
  sharedUids,
  suspiciousNames,
} from "./identity.ts";
import { accountInventory } from "./inventory.ts";
import { passwordPolicy, passwordStates, systemLogins } from "./passwords.ts";
import { recentChanges } from "./recent.ts";
import { nssRecordFindings, sharedNssRecords } from "./nss_records.ts";
import { ACCOUNTS_INFO } from "../info/accounts.ts";

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const db = accountDb(ctx);
  for (const p of db.problems) ctx.warn(p.code, p.detail);
  if (!db.files.passwd.read) {
    ctx.skip(
      db.files.passwd.failure === "missing"
        ? `${ACCOUNT_FILES.passwd} does not exist under the scan root: not a Linux system root`
        : db.files.passwd.failure === "denied"
        ? `${ACCOUNT_FILES.passwd} could not be read (denied): run as root`
        : `${ACCOUNT_FILES.passwd} could not be read (${db.files.passwd.failure}): not a regular readable file, ` +
          "which a Linux system never has: the accounts could not be checked",
    );
    return;
  }
  if (!db.files.shadow.read) {
    ctx.warn(
      "shadow_unreadable",
      `${ACCOUNT_FILES.shadow} could not be read (${db.files.shadow.failure}): password states were not checked`,
    );
  }
  for (const f of Object.values(db.files).filter((f) => f.truncated)) {
    yield {
      check_id: "accounts.file.oversized",
      subject: f.path,
      description:
        `${f.path} is larger than ${ACCOUNT_FILE_BYTES >> 20} MiB: the accounts past that were not ` +
        "read, and glibc reads them all.",
      metadata: { path: f.path, bytes_read: ACCOUNT_FILE_BYTES },
      location: { path: f.path },
    };
  }
  yield* privilegedIdentities(db);
  yield* sharedUids(db);
  yield* duplicateNames(db);
  yield* malformedLines(db);
  yield* nisLines(db);
  yield* suspiciousNames(db);
  yield* passwdHashes(db);
  yield* orphanShadow(db);
  const records = await sharedNssRecords(ctx);
  for (const p of records.problems) ctx.warn(p.code, p.detail);
  yield* nssRecordFindings(records, new Set(passwdByName(db).keys()));
  await ctx.checkpoint();
  yield* passwordStates(db);
  const sshd = sharedSshdConfig(ctx);
  yield* systemLogins(db, ctx.host, authorizedKeysPatterns(sshd.ok ? sshd.value : undefined));
  await ctx.checkpoint();
  const recent = recentChanges(db, ctx.config.persistenceRecentDays, Date.now());
  yield* recent.findings;
  yield* privilegedMembers(db, recent.accounts);
  yield* privilegedGidAliases(db);
  yield* groupPasswords(db);
  if (ctx.config.hardening) yield* passwordPolicy(db);
  if (ctx.config.accountsInventory) yield* accountInventory(db, loginRecords(ctx));
}

/** The accounts scanner. */
export const accounts: Scanner = { ...ACCOUNTS_INFO, run };
