/**
 * The scan as a sequence of stages: their order, and that whatever ends the scan — a stage's error, a throw,
 * success — aborts unwritten outputs and closes the baseline database.
 */
import assert from "node:assert/strict";
import { SCAN_STAGES, scanCommand } from "../../src/cli/scan.ts";
import { ExitCode } from "../../src/core/result.ts";
import { kernelParams } from "../../src/scanners/kernel_params.ts";
import { fixtureRoot, makeTree } from "../helpers.ts";

const ROOT = fixtureRoot("basic");
const scanners = [kernelParams];
const quiet = { scanners, stderr: () => {} };

/** A scan of the basic fixture writing r.json and r.html into `dir`, comparing with a baseline. */
function scanArgs(dir: string, baseline: string[]): string[] {
  const outputs = ["--output", `${dir}/r.json`, "--html", `${dir}/r.html`];
  return ["--root", ROOT, "--enable", "kernel_params", ...outputs, "--baseline", ...baseline];
}

/** How many of this process's file descriptors point at `path`. */
function openDescriptors(path: string): number {
  return [...Deno.readDirSync("/proc/self/fd")].filter((e) => {
    try {
      return Deno.readLinkSync(`/proc/self/fd/${e.name}`) === path;
    } catch {
      return false;
    }
  }).length;
}

/** The names in a directory, sorted. */
function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("the stages after prepare run in this order", () => {
  assert.deepEqual(SCAN_STAGES.map(([name]) => name), [
    "harden",
    "run",
    "enrich",
    "compare",
    "write",
    "sign",
  ]);
});

Deno.test("a failure after the outputs are open leaves no partial report or HTML behind", async () => {
  using dir = makeTree({ "not-a-db": "this is not a sqlite database" });
  const r = await scanCommand(scanArgs(dir.path, ["--baseline-db", `${dir.path}/not-a-db`]), quiet);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.exit, ExitCode.Usage);
  assert.deepEqual(names(dir.path), ["not-a-db"]);
});

Deno.test("a stage that throws still aborts the outputs and closes the baseline database", async () => {
  using dir = makeTree({});
  const db = `${dir.path}/b.db`;
  const args = scanArgs(dir.path, ["--baseline-update", "--baseline-db", db]);
  // The enrich stage reads SYS_SCAN_META_* overrides while it builds the report.
  const env = (k: string) => {
    if (k === "SYS_SCAN_META_KERNEL") throw new Error("boom in enrich");
    return undefined;
  };
  await assert.rejects(scanCommand(args, { ...quiet, env }), /boom in enrich/);
  assert.deepEqual(names(dir.path), ["b.db"], "no temporary report or HTML file left");
  assert.equal(openDescriptors(db), 0, "the baseline database is closed");
  const ok = await scanCommand(args, quiet);
  assert.deepEqual(ok, { ok: true, value: ExitCode.Ok });
  assert.deepEqual(names(dir.path), ["b.db", "r.html", "r.json"]);
});
