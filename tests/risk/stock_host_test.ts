/**
 * The host risk score is driven by signal: a stock host scores low (nothing above info by default, and with
 * --hardening only its low benchmark gaps, weighed down), while the same host with one planted artefact scores
 * clearly higher. Scanned end to end through the scan command, on copies of the stock roots.
 */
import assert from "node:assert/strict";
import { scanCommand } from "../../src/cli/scan.ts";
import { accounts } from "../../src/scanners/accounts/index.ts";
import { auth } from "../../src/scanners/auth/index.ts";
import { kernelParams } from "../../src/scanners/kernel_params.ts";
import { logins } from "../../src/scanners/logins/index.ts";
import { mac } from "../../src/scanners/mac/index.ts";
import { mountsScanner } from "../../src/scanners/mounts.ts";
import { installedCopy, STOCK_ROOTS } from "../scanners/stock_fixture.ts";

const SCANNERS = [accounts, auth, logins, kernelParams, mountsScanner, mac];

interface HostRisk {
  score: number;
  level: string;
  top: { id: string }[];
}

async function hostRisk(root: string, extra: string[] = []): Promise<HostRisk> {
  const out = `${root}.report.json`;
  try {
    const r = await scanCommand(["--root", root, "--output", out, ...extra], {
      scanners: SCANNERS,
      stderr: () => {},
    });
    assert.ok(r.ok, r.ok ? "" : r.error.message);
    return JSON.parse(Deno.readTextFileSync(out)).summary_extension.host_risk;
  } finally {
    Deno.removeSync(out);
  }
}

for (const name of STOCK_ROOTS) {
  Deno.test(`host risk: stock ${name} scores in the info band, with --hardening below the low band's middle`, async () => {
    using root = installedCopy(name);
    const plain = await hostRisk(root.path);
    assert.ok(plain.score < 20, `default scan: ${JSON.stringify(plain)}`);
    assert.equal(plain.level, "info");
    const hardened = await hostRisk(root.path, ["--hardening"]);
    assert.ok(hardened.score < 30, `--hardening: ${JSON.stringify(hardened)}`);
  });
}

Deno.test("host risk: one planted artefact lifts a stock host by 50 points or more", async () => {
  using clean = installedCopy("debian12");
  const base = (await hostRisk(clean.path)).score;

  using sysctl = installedCopy("debian12");
  Deno.writeTextFileSync(`${sysctl.path}/etc/sysctl.d/99-zz-tuning.conf`, "fs.protected_symlinks = 0\n");
  const weakened = await hostRisk(sysctl.path);
  assert.ok(weakened.score >= 70 && weakened.score >= base + 50, `${base} -> ${JSON.stringify(weakened)}`);
  assert.equal(weakened.top[0].id, "kernel.sysctl.weakened_config:fs.protected_symlinks");

  using account = installedCopy("debian12");
  Deno.writeTextFileSync(`${account.path}/etc/passwd`, "toor:x:0:0::/root:/bin/bash\n", { append: true });
  Deno.writeTextFileSync(`${account.path}/etc/shadow`, "toor:!:19875:0:99999:7:::\n", { append: true });
  const uid0 = await hostRisk(account.path);
  assert.ok(uid0.score >= 90 && uid0.score >= base + 50, `${base} -> ${JSON.stringify(uid0)}`);
  assert.equal(uid0.top[0].id.split(":")[0], "accounts.passwd.uid0_extra");

  const hardened = (await hostRisk(clean.path, ["--hardening"])).score;
  const weakenedHardened = (await hostRisk(sysctl.path, ["--hardening"])).score;
  assert.ok(weakenedHardened >= hardened + 40, `--hardening: ${hardened} -> ${weakenedHardened}`);
});
