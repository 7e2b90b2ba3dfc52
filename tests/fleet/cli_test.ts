/** `sys-scan fleet` through the CLI: listed in --help, dispatched by run(), and never loaded by a scan. */
import assert from "node:assert/strict";
import { helpText } from "../../src/cli/help.ts";
import { LAZY_MODULES, run } from "../../src/cli/run.ts";
import { stackingSourcesMarkdown } from "../../src/fleet/extract.ts";
import { currentSection } from "../../scripts/readme_sections.ts";
import { makeTree } from "../helpers.ts";
import { staticGraph } from "../import_graph.ts";
import { fixtureReport, vary, writeReport } from "./helpers.ts";

Deno.test("--help lists the fleet subcommand with its flags", () => {
  assert.match(
    helpText(),
    /\n {2}fleet {10}Analyse many hosts' reports together: fleet REPORT\.\.\. \| --dir DIR/,
  );
});

Deno.test("run(['fleet', ...]) writes the fleet report; a bad flag is exit 2", async () => {
  using t = makeTree({});
  await writeReport(
    t.path,
    "in/h.json",
    vary(await fixtureReport("net-mixed"), { host: "h", at: "2026-01-01T00:00:00Z" }),
  );
  const out = `${t.path}/fleet.md`;
  assert.equal(
    await run([
      "fleet",
      "--dir",
      `${t.path}/in`,
      "--db",
      `${t.path}/f.db`,
      "--format",
      "md",
      "--output",
      out,
    ]),
    0,
  );
  assert.match(Deno.readTextFileSync(out), /^# sys-scan fleet: 1 hosts/);
  assert.equal(Deno.statSync(out).mode! & 0o777, 0o600, "written like every report: atomically, 0600");
  assert.equal(await run(["fleet", "--bogus"]), 2);
});

Deno.test("a scan does not load the fleet code: it is imported only when the subcommand runs", () => {
  // main.ts loads each subcommand on demand (src/cli/run.ts LAZY_MODULES): walk the entry and the scan command.
  const scan = [...staticGraph("main.ts"), ...staticGraph("src/cli/scan.ts")];
  const fleetModules = scan.filter((s) => s.startsWith("src/fleet/") || s.endsWith("/commands/fleet.ts"));
  assert.deepEqual(fleetModules, []);
  assert.ok(scan.includes("src/cli/run.ts"), "the walk started at the top-level entry");
  assert.ok(scan.includes("src/core/runner.ts"), "the walk did follow the static graph");
  assert.equal(LAZY_MODULES.fleet, "./commands/fleet.ts");
  assert.ok(
    staticGraph("src/cli/commands/fleet.ts").has("src/fleet/analyze.ts"),
    "the fleet command loads the fleet code",
  );
});

Deno.test("docs/DEPLOYMENT.md lists what fleet stacks, as extract.ts defines it (run scripts/gen.ts)", () => {
  const doc = Deno.readTextFileSync(new URL("../../docs/DEPLOYMENT.md", import.meta.url));
  // deno fmt aligns the table; compare cell by cell.
  const cells = (s: string) =>
    s.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("|") && !/^\|[\s|-]+\|$/.test(l))
      .map((l) => l.split(/(?<!\\)\|/).map((c) => c.trim()).filter((c) => c !== ""));
  const section = currentSection(doc, "fleet_stacking");
  assert.ok(section, "the generated section is there");
  assert.deepEqual(cells(section), cells(stackingSourcesMarkdown()));
});
