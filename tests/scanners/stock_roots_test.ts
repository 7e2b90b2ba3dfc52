/**
 * Stock distribution roots stay quiet: every scanner listed in STOCK_SCANNERS runs over each root in
 * tests/fixtures/hosts/stock/ (see each root's README for where its files come from) and may report nothing
 * above info, and no collection warning. To hold another scanner to this, add it to STOCK_SCANNERS; to add a
 * distribution, add its root directory. With --hardening, the scanners of STOCK_HARDENING report the
 * distribution's defaults as benchmark gaps, never above low. The whole scan, every scanner it runs by default
 * (and with --hardening --containers), is held to the same.
 */
import assert from "node:assert/strict";
import type { Finding } from "../../src/core/finding.ts";
import type { Scanner } from "../../src/core/scanner.ts";
import { severityRank } from "../../src/core/severity.ts";
import { accounts } from "../../src/scanners/accounts/index.ts";
import { auth } from "../../src/scanners/auth/index.ts";
import { kernelParams } from "../../src/scanners/kernel_params.ts";
import { logins } from "../../src/scanners/logins/index.ts";
import { mac } from "../../src/scanners/mac/index.ts";
import { mountsScanner } from "../../src/scanners/mounts.ts";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { scanCommand } from "../../src/cli/scan.ts";
import { runOne } from "../helpers.ts";
import { installedCopy, STOCK_ROOTS } from "./stock_fixture.ts";

/** Scanners that must stay quiet on every stock root. */
export const STOCK_SCANNERS: readonly Scanner[] = [
  accounts,
  auth,
  logins,
  kernelParams,
  mountsScanner,
  mac,
  persistence,
];

/** Scanners whose --hardening findings on a stock root are the distribution's defaults: low at most. */
export const STOCK_HARDENING: readonly Scanner[] = [kernelParams, mountsScanner, mac];

for (const name of STOCK_ROOTS) {
  for (const scanner of STOCK_SCANNERS) {
    Deno.test(`stock ${name}: ${scanner.name} reports nothing above info and no warning`, async () => {
      using root = installedCopy(name);
      for (const overrides of [{}, { accountsInventory: true, persistenceInventory: true }]) {
        const r = await runOne(scanner, root.path, overrides);
        assert.equal(r.status, "ok", r.reason);
        const loud = r.findings.filter((f) => severityRank(f.severity) > severityRank("info"));
        assert.deepEqual(loud.map((f) => `${f.severity} ${f.id}: ${f.description}`), []);
        assert.deepEqual(r.warnings, []);
      }
    });
  }
  for (const scanner of STOCK_HARDENING) {
    Deno.test(`stock ${name}: ${scanner.name} --hardening reports the stock defaults as low at most`, async () => {
      using root = installedCopy(name);
      const r = await runOne(scanner, root.path, { hardening: true });
      assert.equal(r.status, "ok", r.reason);
      const loud = r.findings.filter((f) => severityRank(f.severity) > severityRank("low"));
      assert.deepEqual(loud.map((f) => `${f.severity} ${f.id}: ${f.description}`), []);
      assert.deepEqual(r.warnings, []);
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

/** Findings above `floor` in a whole scan of `root` with `flags`, as "severity id". */
async function wholeScan(
  root: string,
  flags: string[],
  floor: "info" | "low",
): Promise<{ loud: string[]; findings: Finding[] }> {
  const out = `${root}.report.json`;
  try {
    const r = await scanCommand(["--root", root, "--output", out, ...flags], { stderr: () => {} });
    assert.ok(r.ok, r.ok ? "" : r.error.message);
    const report = JSON.parse(Deno.readTextFileSync(out));
    const findings: Finding[] = report.results.flatMap((res: { findings: Finding[] }) => res.findings);
    const loud = findings.filter((f) => severityRank(f.severity) > severityRank(floor));
    return { loud: loud.map((f) => `${f.severity} ${f.id}`), findings };
  } finally {
    Deno.removeSync(out, { recursive: true });
  }
}

for (const name of STOCK_ROOTS) {
  Deno.test(`stock ${name}: the whole default scan reports nothing above info, --hardening --containers nothing above low`, async () => {
    using root = installedCopy(name);
    assert.deepEqual((await wholeScan(root.path, [], "info")).loud, [], "default scan");
    assert.deepEqual(
      (await wholeScan(root.path, ["--hardening", "--containers"], "low")).loud,
      [],
      "--hardening",
    );
  });
}

Deno.test("stock debian12: a sysctl weakened by an unowned file and one weakened at run time are all the default scan reports", async () => {
  using root = installedCopy("debian12");
  Deno.writeTextFileSync(
    `${root.path}/etc/sysctl.d/99-zz-perf.conf`,
    "# tuning\nfs.protected_hardlinks = 0\n",
  );
  Deno.writeTextFileSync(`${root.path}/proc/sys/fs/protected_hardlinks`, "0\n");
  Deno.writeTextFileSync(`${root.path}/proc/sys/kernel/randomize_va_space`, "0\n");
  const { loud, findings } = await wholeScan(root.path, [], "info");
  assert.deepEqual(loud.sort(), [
    "high kernel.sysctl.weakened_config:fs.protected_hardlinks",
    "high kernel.sysctl.weakened_runtime:kernel.randomize_va_space",
  ]);
  const planted = findings.find((f) => f.id === "kernel.sysctl.weakened_config:fs.protected_hardlinks")!;
  assert.equal(planted.location?.path, "/etc/sysctl.d/99-zz-perf.conf");
  assert.equal(planted.metadata.line, 2);
});
