/** accounts, auth and logins on the live host: they run, are deterministic, and never print a password hash. */
import assert from "node:assert/strict";
import { accounts } from "../../src/scanners/accounts/index.ts";
import { auth } from "../../src/scanners/auth/index.ts";
import { logins } from "../../src/scanners/logins/index.ts";
import { runOne } from "../helpers.ts";
import { needs } from "../host_caps.ts";

/** The hash fields of the live shadow file (never printed; only compared). */
function liveHashes(): string[] {
  const text = Deno.readTextFileSync("/etc/shadow");
  return text.split("\n").map((l) => l.split(":")[1] ?? "").map((h) => h.replace(/^!+/, ""))
    .filter((h) => h.length > 4 && h !== "*");
}

for (const scanner of [accounts, auth, logins]) {
  Deno.test(needs(["root"], {
    name: `live: ${scanner.name} runs on this host, twice with the same ids, and prints no password hash`,
    fn: async () => {
      const a = await runOne(scanner, "/", { accountsInventory: true, hardening: true });
      assert.equal(a.status, "ok", a.reason);
      const b = await runOne(scanner, "/", { accountsInventory: true, hardening: true });
      assert.deepEqual(b.findings.map((f) => f.id), a.findings.map((f) => f.id));
      assert.equal(new Set(a.findings.map((f) => f.id)).size, a.findings.length, "ids are unique");
      const text = JSON.stringify(a);
      for (const h of liveHashes()) assert.ok(!text.includes(h), "a shadow hash appears in the output");
    },
  }));
}
