/** `sys-scan fleet` through the CLI: listed in --help, dispatched by run(), and never loaded by a scan. */
import assert from "node:assert/strict";
import { helpText } from "../../src/cli/help.ts";
import { LAZY_MODULES, run } from "../../src/cli/run.ts";
import { stackingSourcesMarkdown } from "../../src/fleet/extract.ts";
import { currentSection } from "../../scripts/readme_sections.ts";
import { makeTree, repoPath } from "../helpers.ts";
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

/** The modules `file` loads through static imports (deno info's graph, dynamic imports left out). */
async function staticGraph(file: string): Promise<string[]> {
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(info.code, 0, new TextDecoder().decode(info.stderr));
  const graph = JSON.parse(new TextDecoder().decode(info.stdout)) as {
    roots: string[];
    modules: { specifier: string; dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[] }[];
  };
  const bySpec = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const stack = [...graph.roots];
  while (stack.length) {
    const s = stack.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of bySpec.get(s)?.dependencies ?? []) {
      if (!d.isDynamic && d.code?.specifier) stack.push(d.code.specifier);
    }
  }
  return [...seen];
}

Deno.test("a scan does not load the fleet code: it is imported only when the subcommand runs", async () => {
  // main.ts loads each subcommand on demand (src/cli/run.ts LAZY_MODULES): walk the entry and the scan command.
  const scan = [...await staticGraph(repoPath("main.ts")), ...await staticGraph(repoPath("src/cli/scan.ts"))];
  const fleetModules = scan.filter((s) => s.includes("/src/fleet/") || s.endsWith("/commands/fleet.ts"));
  assert.deepEqual(fleetModules, []);
  assert.ok(scan.some((s) => s.endsWith("/src/core/runner.ts")), "the walk did follow the static graph");
  assert.equal(LAZY_MODULES.fleet, "./commands/fleet.ts");
  assert.ok(
    (await staticGraph(repoPath("src/cli/commands/fleet.ts"))).some((s) =>
      s.endsWith("/src/fleet/analyze.ts")
    ),
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
