import assert from "node:assert/strict";
import type { CheckInput } from "../../src/core/catalogue.ts";
import type { Scanner } from "../../src/core/scanner.ts";
import { scanCommand } from "../../src/cli/scan.ts";
import { kernelParams } from "../../src/scanners/kernel_params.ts";
import { mountsScanner } from "../../src/scanners/mounts.ts";
import { fileUri, sarifLevel } from "../../src/output/sarif.ts";
import { ndjsonLine } from "../../src/output/ndjson.ts";
import { fixtureRoot } from "../helpers.ts";
import { assertValid, validateReport, validateSarif, validateUpstreamV2 } from "./validate.ts";
import { needs } from "../host_caps.ts";

const HOSTILE = [
  "/tmp/evil\nname",
  "/tmp/\u0000nul",
  "/tmp/\u001b[31mred\u001b[0m",
  "/tmp/lone-\ud800-surrogate",
  "/tmp/bad-utf8-\ufffd",
  '/tmp/"quoted"\\back',
  "/tmp/<script>alert(1)</script>",
  // Displays as /tmp/ahs.png where bidi characters are shown raw.
  "/tmp/a\u202egnp.sh",
  "/tmp/\u2066iso\u2069late",
];

const hostileChecks: CheckInput[] = [{
  id: "test.hostile.name",
  scanner: "hostile",
  title: "Hostile name \u001b]0;pwned\u0007",
  severity: "high",
  category: "filesystem",
  rationale: "test",
  remediation: "test",
}];

const hostile: Scanner = {
  name: "hostile",
  summary: "emits hostile strings",
  slow: false,
  enabledByDefault: () => true,
  checks: hostileChecks,
  async *run(ctx) {
    ctx.warn("odd\nwarning", HOSTILE[2]);
    for (const path of HOSTILE) {
      yield {
        check_id: "test.hostile.name",
        subject: path,
        description: `cmdline: ${path}`,
        metadata: { path, cmdline: [path, "\r\n"], env: "LD_PRELOAD=\u0007" },
        location: { path },
      };
    }
  },
};

const SCANNERS = [kernelParams, mountsScanner, hostile];

async function scanTo(args: string[]): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/out`;
    const r = await scanCommand(["--root", fixtureRoot("basic"), "--hardening", "--output", out, ...args], {
      scanners: SCANNERS,
      stderr: () => {},
    });
    assert.ok(r.ok, r.ok ? "" : r.error.message);
    return await Deno.readTextFile(out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("JSON output (compact, pretty, canonical) validates against our schema", async () => {
  for (const args of [[], ["--pretty"], ["--canonical"]]) {
    const text = await scanTo(args);
    assert.ok(text.endsWith("\n"));
    const report = JSON.parse(text);
    assertValid(validateReport, report, `report ${args.join(" ")}`);
    const paths = report.results[2].findings.map((f: { metadata: { path: string } }) => f.metadata.path)
      .sort();
    assert.deepEqual(paths, [...HOSTILE].sort());
  }
});

Deno.test(needs(["upstreamData"], {
  name: "JSON output (compact, pretty, canonical) validates against the upstream v2 schema",
  fn: async () => {
    for (const args of [[], ["--pretty"], ["--canonical"]]) {
      assertValid(
        validateUpstreamV2,
        JSON.parse(await scanTo(args)),
        `report ${args.join(" ")} vs upstream v2`,
      );
    }
  },
}));

Deno.test("hostile strings stay intact and escaped in NDJSON: one record per line", async () => {
  const text = await scanTo(["--ndjson"]);
  const lines = text.trimEnd().split("\n");
  const records = lines.map((l) => JSON.parse(l));
  const found = records.filter((r) => r.type === "finding" && r.scanner === "hostile");
  assert.equal(found.length, HOSTILE.length);
  assert.ok(records.some((r) => r.type === "warning" && r.code === "odd\nwarning"));
  for (const line of lines) assert.ok(!line.includes("\u001b") && !line.includes("\u0000"));
  for (const line of lines) assert.doesNotMatch(line, BIDI_RAW);
});

const BIDI_RAW = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

Deno.test("JSON, pretty JSON and SARIF write bidi characters as \\u escapes: the same strings to a parser", async () => {
  for (const args of [[], ["--pretty"], ["--sarif"]]) {
    const text = await scanTo(args);
    assert.doesNotMatch(text, BIDI_RAW, args.join(" "));
    assert.ok(text.includes("/tmp/a\\u202egnp.sh"), args.join(" "));
    assert.ok(JSON.stringify(JSON.parse(text)).includes("/tmp/a\u202egnp.sh"), "parsed back intact");
  }
  // The canonical form (RFC 8785) escapes nothing but what the standard says: the characters stay raw there.
  assert.match(await scanTo(["--canonical"]), BIDI_RAW);
});

Deno.test("SARIF validates against the official 2.1.0 schema, with rules, levels, locations, fingerprints", async () => {
  const sarif = JSON.parse(await scanTo(["--sarif"]));
  assertValid(validateSarif, sarif, "SARIF");
  const run = sarif.runs[0];
  const ruleIds = run.tool.driver.rules.map((r: { id: string }) => r.id);
  assert.ok(ruleIds.includes("test.hostile.name"));
  assert.ok(ruleIds.includes("mount.tmp.noexec_missing"));
  const results = run.results.filter((r: { ruleId: string }) => r.ruleId === "test.hostile.name");
  assert.equal(results.length, HOSTILE.length);
  for (const r of results) {
    assert.equal(r.level, "error");
    assert.ok(r.partialFingerprints["sysScanFindingId/v1"].startsWith("test.hostile.name:"));
    assert.ok(r.locations[0].physicalLocation.artifactLocation.uri.startsWith("file:///tmp/"));
    assert.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId);
  }
  const taxonomyNames = run.taxonomies.map((t: { name: string }) => t.name);
  assert.ok(taxonomyNames.length >= 2, `taxonomies: ${taxonomyNames}`);
  const noexec = run.tool.driver.rules.find((r: { id: string }) => r.id === "mount.tmp.noexec_missing");
  assert.ok(noexec.relationships.length > 0, "rules relate to taxonomy entries");
  const levels = new Set(run.results.map((r: { level: string }) => r.level));
  for (const l of levels) assert.ok(["error", "warning", "note"].includes(l as string));
});

Deno.test("sarifLevel maps severities to valid SARIF levels", () => {
  assert.equal(sarifLevel("critical"), "error");
  assert.equal(sarifLevel("high"), "error");
  assert.equal(sarifLevel("error"), "error");
  assert.equal(sarifLevel("medium"), "warning");
  assert.equal(sarifLevel("low"), "note");
  assert.equal(sarifLevel("info"), "note");
});

Deno.test("fileUri percent-encodes every segment", () => {
  assert.equal(fileUri("/tmp/a b/c#d"), "file:///tmp/a%20b/c%23d");
  assert.equal(fileUri("/x\ny"), "file:///x%0Ay");
  assert.equal(fileUri("/x\ud800"), "file:///x%EF%BF%BD");
});

Deno.test("ndjsonLine never emits a raw newline inside a record", () => {
  const line = ndjsonLine("finding", { title: "a\nb\u2028c" });
  assert.equal(line.split("\n").length, 2);
  assert.deepEqual(JSON.parse(line), { type: "finding", title: "a\nb\u2028c" });
});
