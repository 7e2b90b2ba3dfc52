/**
 * The native verifier on two threads (src/scanners/integrity/native_run.ts): whichever thread verifies a
 * package, the run's problems, counters and warnings come out as one thread gives them, a stop by
 * --integrity-max-mismatches falls on the same file, and a helper that fails leaves nothing unverified.
 */
import assert from "node:assert/strict";
import type { Config } from "../../src/core/config.ts";
import { Host } from "../../src/host/host.ts";
import { isUnpacked } from "../../src/scanners/integrity/dpkg_md5sums.ts";
import { readDpkgDb } from "../../src/scanners/integrity/native.ts";
import { type ThreadOptions, verifySelected } from "../../src/scanners/integrity/native_run.ts";
import { newCounts, type RunState } from "../../src/scanners/integrity/problems.ts";
import { makeTree, testContext, type TreeEntry } from "../helpers.ts";
import { dpkgEntries, type PkgSpec } from "./integrity_fixture.ts";

/** 80 packages: every third has a changed file, every fifth a missing one, every seventh a malformed md5sums. */
function database(): Record<string, TreeEntry> {
  const pkgs: PkgSpec[] = Array.from({ length: 80 }, (_, i) => {
    const name = `pkg${String(i).padStart(2, "0")}`;
    return {
      name,
      files: {
        [`/usr/share/${name}/a`]: { shipped: `a${i}\n`, ...(i % 3 === 0 ? { disk: "changed\n" } : {}) },
        [`/usr/share/${name}/b`]: { shipped: `b${i}\n`, ...(i % 5 === 0 ? { disk: null } : {}) },
        [`/usr/bin/${name}`]: { shipped: `bin${i}\n`, mode: 0o755 },
      },
    };
  });
  const entries = dpkgEntries(pkgs);
  for (let i = 0; i < 80; i += 7) {
    const md5sums = `var/lib/dpkg/info/pkg${String(i).padStart(2, "0")}.md5sums`;
    entries[md5sums] = `${entries[md5sums]}not a line\n`;
  }
  return entries;
}

interface Run {
  state: RunState;
  warnings: { code: string; detail?: string }[];
  helperResults: number;
  helperFailed: boolean;
}

/** A package-verification run over the fixture database at `root`, set up as the scanner sets it up. */
function prepare(root: string, config: Partial<Config> = {}, signal = new AbortController().signal) {
  const host = new Host(root);
  const ctx = testContext("integrity", root, {
    config: { integrity: true, ...config },
    host,
    signal,
    budgetSeconds: 60,
  });
  const db = readDpkgDb(host);
  assert.ok(!("error" in db));
  const state: RunState = {
    counts: newCounts(),
    problems: [],
    withProblems: new Map(),
    earlyExit: false,
    complete: true,
  };
  const selected = db.status.packages.filter(isUnpacked);
  state.counts.packages_selected = selected.length;
  return { ctx, state, selected, diversions: db.diversions };
}

async function verify(root: string, opts: ThreadOptions, config: Partial<Config> = {}): Promise<Run> {
  const { ctx, state, selected, diversions } = prepare(root, config);
  const r = await verifySelected(ctx, state, selected, diversions, performance.now() + 50_000, opts);
  return { state, warnings: ctx.warnings.map(({ code, detail }) => ({ code, detail })), ...r };
}

const ONE_THREAD: ThreadOptions = { helperMinPackages: Infinity };
/** Both threads verify, whatever their speed: this thread the even packages, the helper the odd ones. */
const TWO_THREADS: ThreadOptions = { helperMinPackages: 1, claims: "alternate" };

Deno.test("integrity threads: the helper's packages come back in package order, as one thread gives them", async () => {
  using root = makeTree(database());
  const one = await verify(root.path, ONE_THREAD);
  const two = await verify(root.path, TWO_THREADS);
  assert.equal(one.helperResults, 0);
  assert.equal(two.helperResults, 40, "the helper verified the odd packages");
  assert.equal(two.helperFailed, false);
  assert.equal(one.state.problems.length, 27 + 16);
  assert.deepEqual(two.state, one.state);
  assert.equal(one.warnings.filter((w) => w.code === "dpkg_md5sums_malformed").length, 12);
  assert.deepEqual(two.warnings, one.warnings, "the same warnings in the same order");
  assert.equal(two.state.counts.packages_verified, 80);
  assert.equal(two.state.counts.files_checked, 240);
  // The helper's verdicts crossed a message: dates and numbers are still dates and numbers.
  const changed = two.state.problems.find((p) =>
    p.path === "/usr/share/pkg01/a" || p.path === "/usr/share/pkg03/a"
  );
  assert.equal(changed?.path, "/usr/share/pkg03/a");
  assert.equal(typeof changed?.metadata.mtime, "string");
  assert.equal(changed?.metadata.size, 8);
});

Deno.test("integrity threads: --integrity-max-mismatches stops at the same file whichever thread got there first", async () => {
  using root = makeTree(database());
  const one = await verify(root.path, ONE_THREAD, { integrityMaxMismatches: 5 });
  const two = await verify(root.path, TWO_THREADS, { integrityMaxMismatches: 5 });
  assert.equal(one.state.problems.length, 5);
  assert.equal(one.state.earlyExit, true);
  assert.deepEqual(two.state, one.state);
  assert.deepEqual(
    one.state.problems.map((p) => p.path),
    [
      "/usr/share/pkg00/a",
      "/usr/share/pkg00/b",
      "/usr/share/pkg03/a",
      "/usr/share/pkg05/b",
      "/usr/share/pkg06/a",
    ],
  );
});

Deno.test("integrity threads: a helper that fails mid-run leaves its packages to this thread, with a warning", async () => {
  using root = makeTree(database());
  const one = await verify(root.path, ONE_THREAD);
  const failed = await verify(root.path, { ...TWO_THREADS, helperFailAfter: 3 });
  assert.equal(failed.helperFailed, true);
  assert.equal(failed.helperResults, 3);
  assert.deepEqual(failed.state, one.state, "every package verified all the same");
  assert.ok(
    failed.warnings.some((w) =>
      w.code === "integrity_helper_failed" && /failing as the test asked/.test(w.detail ?? "")
    ),
  );
  assert.deepEqual(failed.warnings.filter((w) => w.code !== "integrity_helper_failed"), one.warnings);
});

Deno.test("integrity threads: past the deadline nothing is started and the run says it is incomplete", async () => {
  using root = makeTree(database());
  const { ctx, state, selected, diversions } = prepare(root.path);
  await verifySelected(ctx, state, selected, diversions, performance.now() - 1, TWO_THREADS);
  assert.equal(state.complete, false);
  assert.equal(state.counts.files_checked, 0);
  assert.equal(state.counts.packages_verified, 0);
});

Deno.test("integrity threads: an aborted scan rejects and ends the helper", async () => {
  using root = makeTree(database());
  const abort = new AbortController();
  const { ctx, state, selected, diversions } = prepare(root.path, {}, abort.signal);
  abort.abort(new Error("cancelled by the test"));
  await assert.rejects(
    verifySelected(ctx, state, selected, diversions, performance.now() + 50_000, TWO_THREADS),
    /cancelled by the test/,
  );
});

Deno.test("integrity threads: below the helper's threshold one thread verifies every package, however they are shared", async () => {
  using root = makeTree(database());
  const one = await verify(root.path, ONE_THREAD);
  const alone = await verify(root.path, { helperMinPackages: 1000, claims: "alternate" });
  assert.equal(alone.helperResults, 0);
  assert.deepEqual(alone.state, one.state);
  assert.deepEqual(alone.warnings, one.warnings, "no helper failure is reported: there was no helper");
});
