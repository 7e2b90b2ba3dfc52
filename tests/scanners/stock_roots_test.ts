/**
 * Stock distribution roots stay quiet: every scanner listed in STOCK_SCANNERS runs over each root in
 * tests/fixtures/hosts/stock/ (see each root's README for where its files come from) and may report nothing
 * above info, and no collection warning. To hold another scanner to this, add it to STOCK_SCANNERS; to add a
 * distribution, add its root directory.
 */
import assert from "node:assert/strict";
import type { Scanner } from "../../src/core/scanner.ts";
import { severityRank } from "../../src/core/severity.ts";
import { accounts } from "../../src/scanners/accounts/index.ts";
import { auth } from "../../src/scanners/auth/index.ts";
import { logins } from "../../src/scanners/logins/index.ts";
import { fixtureRoot, runOne, TempTree } from "../helpers.ts";

/** Scanners that must stay quiet on every stock root. */
export const STOCK_SCANNERS: readonly Scanner[] = [accounts, auth, logins];

/** The stock roots, by directory name under tests/fixtures/hosts/stock. */
export const STOCK_ROOTS = ["debian12", "ubuntu2404", "rhel9"] as const;

/**
 * When the stock install happened, as far as file times go. git does not keep modification times, so each root is
 * copied and dated back to this moment (June 2024): otherwise every file would look "modified today".
 */
const INSTALLED = new Date("2024-06-01T12:00:00Z");

/** A copy of a stock root with every file dated INSTALLED (symlinks kept as they are). */
function installedCopy(name: string): TempTree {
  const tmp = Deno.makeTempDirSync({ prefix: `sys-scan-stock-${name}-` });
  const cp = new Deno.Command("/bin/cp", { args: ["-a", `${fixtureRoot(`stock/${name}`)}/.`, tmp] })
    .outputSync();
  if (!cp.success) throw new Error(`cp failed: ${new TextDecoder().decode(cp.stderr)}`);
  const date = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isSymlink) continue;
      if (e.isDirectory) date(path);
      Deno.utimeSync(path, INSTALLED, INSTALLED);
    }
  };
  date(tmp);
  return new TempTree(tmp);
}

for (const name of STOCK_ROOTS) {
  for (const scanner of STOCK_SCANNERS) {
    Deno.test(`stock ${name}: ${scanner.name} reports nothing above info and no warning`, async () => {
      using root = installedCopy(name);
      for (const overrides of [{}, { accountsInventory: true }]) {
        const r = await runOne(scanner, root.path, overrides);
        assert.equal(r.status, "ok", r.reason);
        const loud = r.findings.filter((f) => severityRank(f.severity) > severityRank("info"));
        assert.deepEqual(loud.map((f) => `${f.severity} ${f.id}: ${f.description}`), []);
        assert.deepEqual(r.warnings, []);
      }
    });
  }
}

Deno.test("stock roots: the inventory lists the installer's account and root, with their last logins", async () => {
  const expect: Record<string, [string, string | null][]> = {
    debian12: [["root", null], ["debian", null]],
    ubuntu2404: [["root", null], ["ubuntu", "2024-05-01T09:10:00.000Z"]],
    rhel9: [["root", null], ["cloud-user", "2024-05-01T09:10:00.000Z"]],
  };
  for (const name of STOCK_ROOTS) {
    using root = installedCopy(name);
    const r = await runOne(accounts, root.path, { accountsInventory: true });
    const inv = r.findings.filter((f) => f.check_id === "accounts.inventory.account");
    assert.deepEqual(inv.map((f) => [f.metadata.user, f.metadata.last_login]), expect[name], name);
  }
});
