/**
 * The scan worker the CLI starts before loading the scan's code: prepareScan tells it which scanners to load,
 * hands it to the first worker turn, and never uses it when --drop-priv is given (a thread started before the
 * drop keeps the capabilities) or when it failed before the scan took it.
 */
import assert from "node:assert/strict";
import { prepareScan, type ScanDeps } from "../../src/cli/scan_prepare.ts";
import { COMMON_SCANNERS, likelyScanners } from "../../src/cli/scan_worker_start.ts";
import { fixtureRoot } from "../helpers.ts";

/** A stand-in for the early worker that records what is done to it. */
class FakeWorker {
  posted: unknown[] = [];
  terminated = false;
  postMessage(m: unknown): void {
    this.posted.push(m);
  }
  terminate(): void {
    this.terminated = true;
  }
}

async function prepared(extra: string[], failed = false) {
  const fake = new FakeWorker();
  const early: ScanDeps["earlyWorker"] = { worker: fake as unknown as Worker, failed: () => failed };
  const out = await Deno.makeTempFile({ suffix: ".json" });
  const r = await prepareScan(["--root", fixtureRoot("basic"), "--output", out, ...extra], {
    earlyWorker: early,
    stderr: () => {},
  });
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  const scan = r.value;
  const exec = scan.execution;
  assert.ok("isolated" in exec);
  const spawned = [exec.isolated.spawn(), exec.isolated.spawn()];
  const real = spawned.filter((w) => w !== (fake as unknown as Worker));
  for (const w of real) w.terminate();
  scan[Symbol.dispose]();
  await Deno.remove(out).catch(() => {});
  return { fake, spawned, names: scan.selected.map((s) => s.name) };
}

Deno.test("early worker: told to preload the selected scanners, and used for the first worker turn only", async () => {
  const { fake, spawned, names } = await prepared(["--fast-scan"]);
  assert.deepEqual(fake.posted, [{ t: "preload", names }]);
  assert.equal(spawned[0], fake as unknown as Worker);
  assert.notEqual(spawned[1], fake as unknown as Worker, "a second turn gets a new worker");
  assert.equal(fake.terminated, false, "the scan owns it now; the CLI terminates it at the end");
});

Deno.test("early worker: with --drop-priv it is terminated unused and the scan starts its own worker", async () => {
  const { fake, spawned } = await prepared(["--drop-priv", "--fast-scan"]);
  assert.equal(fake.terminated, true);
  assert.deepEqual(fake.posted, []);
  assert.ok(spawned.every((w) => w !== (fake as unknown as Worker)));
});

Deno.test("early worker: one that failed before the scan took it is not used", async () => {
  const { spawned, fake } = await prepared(["--fast-scan"], true);
  assert.ok(spawned.every((w) => w !== (fake as unknown as Worker)));
});

Deno.test("early worker: the scanners it loads before the flags are parsed are those of every plain scan", async () => {
  const { names: fast } = await prepared(["--fast-scan"]);
  const { names: all } = await prepared([]);
  assert.deepEqual([...COMMON_SCANNERS], fast, "COMMON_SCANNERS is the --fast-scan selection");
  assert.ok(fast.every((n) => all.includes(n)), "the default scan runs every one of them");
  assert.deepEqual(likelyScanners(["--fast-scan", "--format", "json"]), COMMON_SCANNERS);
  assert.deepEqual(likelyScanners([]), COMMON_SCANNERS);
});

Deno.test("early worker: nothing is guessed when a flag chooses the scanners", () => {
  for (
    const argv of [
      ["--enable", "yara"],
      ["--enable=yara"],
      ["--fast-scan", "--disable", "persistence"],
      ["--disable=ioc"],
      ["--config", "/etc/sys-scan.jsonc"],
    ]
  ) {
    assert.deepEqual(likelyScanners(argv), [], argv.join(" "));
  }
  assert.deepEqual(likelyScanners(["--", "--enable"]), COMMON_SCANNERS, "after -- nothing is a flag");
});
