/**
 * The fleet report's three forms: JSON that validates against the upstream fleet schema and our generated one,
 * Markdown and a self-contained HTML page in which hostile host names and items stay text (rendered for real in
 * Debian's headless Chromium).
 */
import assert from "node:assert/strict";
import AjvModule from "ajv";
import Ajv2020Module from "ajv/dist/2020.js";
import { fleetJsonSchema } from "../../src/fleet/model.ts";
import { mdCode } from "../../src/fleet/markdown.ts";
import { chromium } from "../chromium.ts";
import { makeTree, repoPath } from "../helpers.ts";
import { needs, UPSTREAM_DATA } from "../host_caps.ts";
import { finding, fixtureReport, fleet, richReport, vary, writeReport } from "./helpers.ts";

const SCREENSHOT_DIR = repoPath("dist/screenshots/");
const UPSTREAM = `${UPSTREAM_DATA}/fleet_report.schema.json`;

type Validator = ((d: unknown) => boolean) & { errors?: unknown };
type AjvCtor = new (o: Record<string, unknown>) => { compile(s: unknown): Validator };
const ctor = (m: unknown) => ((m as { default?: AjvCtor }).default ?? m) as AjvCtor;

const EVIL_HOST =
  `<script>document.body.dataset.pwned="1"</script><img src=x onerror="document.body.dataset.pwned=2">`;
const EVIL_PROGRAM = "`| [x](javascript:alert(1)) <b>bold</b>\n# heading";

/** A small fleet with a hostile host name and hostile items, over two runs (so every section has content). */
async function hostileFleet(dir: string, args: string[] = []): Promise<Awaited<ReturnType<typeof fleet>>> {
  const base = await richReport();
  const db = `${dir}/f.db`;
  const evil = finding("net.listen.suspicious_port", "tcp:0.0.0.0:6666", {
    protocol: "tcp",
    local_port: 6666,
    exe: `/tmp/${EVIL_PROGRAM}`,
  }, 90);
  for (const [i, h] of ["alpha", "beta", "gamma"].entries()) {
    await writeReport(dir, `r1/${h}.json`, vary(base, { host: h, at: "2026-05-30T00:00:00Z", risk: 30 + i }));
  }
  await fleet(["--dir", `${dir}/r1`, "--db", db]);
  for (const [i, h] of ["alpha", "beta", "gamma", EVIL_HOST].entries()) {
    await writeReport(
      dir,
      `r2/${i}.json`,
      vary(base, {
        host: h,
        at: "2026-05-31T00:00:00Z",
        risk: i === 3 ? 99 : i === 2 ? 60 : 30 + i,
        add: i >= 1 ? [evil] : [finding("module.out_of_tree", "solo_mod", { module: "solo_mod" })],
      }),
    );
  }
  Deno.writeTextFileSync(`${dir}/r2/${EVIL_HOST.replaceAll("/", "_")}.json`, "not json");
  return await fleet(["--dir", `${dir}/r2`, "--db", db, ...args]);
}

Deno.test(needs(["upstreamFleet"], {
  name: "the fleet report validates against the upstream fleet_report schema",
  fn: async () => {
    using t = makeTree({});
    const validate = new (ctor(AjvModule))({ strict: false, allErrors: true })
      .compile(JSON.parse(Deno.readTextFileSync(UPSTREAM)));
    const r = (await hostileFleet(t.path, ["--spread-min", "1"])).report!;
    assert.ok(r.top_outlier_hosts.length > 0);
    assert.deepEqual(r.newly_common_modules.map((m) => m.module), ["solo_mod"]);
    assert.ok(validate(r), JSON.stringify(validate.errors));
    // An empty fleet validates too, and a report missing a required key does not.
    using e = makeTree({});
    const empty = (await fleet(["--dir", e.path, "--db", `${e.path}/f.db`])).report!;
    assert.equal(empty.host_count, 0);
    assert.ok(validate(empty), JSON.stringify(validate.errors));
    const { risk_distribution: _, ...broken } = empty;
    assert.equal(validate(broken), false);
  },
}));

Deno.test("schema/fleet-report.schema.json is up to date (run scripts/gen.ts) and the report validates against it", async () => {
  const committed = Deno.readTextFileSync(new URL("../../schema/fleet-report.schema.json", import.meta.url));
  assert.equal(committed, fleetJsonSchema());
  using t = makeTree({});
  const validate = new (ctor(Ajv2020Module))({ strict: false, allErrors: true }).compile(
    JSON.parse(committed),
  );
  const r = (await hostileFleet(t.path)).report!;
  assert.ok(validate(r), JSON.stringify(validate.errors));
});

Deno.test("mdCode: markup, pipes, backticks and control characters stay inside one code span", () => {
  assert.equal(mdCode("a|b"), "`a\\|b`");
  assert.equal(mdCode("x`y"), "``x`y``");
  assert.equal(mdCode("`start"), "`` `start ``");
  assert.equal(mdCode("a\nb\u001b"), "`a\\x0ab\\x1b`");
  assert.equal(mdCode(""), "(empty)");
  assert.equal(mdCode("\ud800"), "`\ufffd`");
});

Deno.test("Markdown: every section is there and hostile values cannot break out of their table cell", async () => {
  using t = makeTree({});
  const out = await hostileFleet(t.path, ["--format", "md"]);
  const md = out.text!;
  for (
    const h of [
      "## Risk distribution",
      "## Outliers",
      "## Changes since run",
      "## Stacking",
      "## Hosts",
      "## This run",
    ]
  ) {
    assert.ok(md.includes(h), h);
  }
  assert.ok(!md.includes("\n# heading"), "a newline in a value never starts a Markdown line");
  const pipes = (line: string) => line.replaceAll("\\|", "").split("|").length;
  let columns = 0;
  for (const line of md.split("\n")) {
    if (!line.startsWith("|")) {
      columns = 0;
      continue;
    }
    if (columns === 0) columns = pipes(line);
    assert.equal(pipes(line), columns, `a row with the table's column count: ${line.slice(0, 200)}`);
  }
  assert.ok(md.includes("`<script>document.body.dataset.pwned"), "the hostile host name is a code span");
});

Deno.test("HTML: self-contained, one script pinned by the CSP, hostile text escaped", async () => {
  using t = makeTree({});
  const html = (await hostileFleet(t.path, ["--format", "html"])).text!;
  assert.equal((html.match(/<script/g) ?? []).length, 1, "only our own script element");
  assert.ok(!html.includes("<img"), "no injected element");
  assert.ok(!/\b(src|href)=["']?(https?:|\/\/)/i.test(html), "no external resources");
  assert.match(
    html,
    /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-/,
  );
  assert.ok(html.includes("&lt;script&gt;document.body.dataset.pwned"));
  assert.ok(html.includes("b&gt;\\x0a# heading"), "a line break in a value is shown, not obeyed");
  for (const id of ["summary", "changes", "stacking", "hosts", "ingest", "movers", "appeared", "outliers"]) {
    assert.ok(html.includes(`id="${id}"`), id);
  }
  assert.match(html, /<span class="badge">rare<\/span>/);
});

Deno.test(needs(["chromium"], {
  name:
    "Chromium renders the fleet page: no console errors, filter and rare-only work, hostile text stays text",
  fn: async () => {
    using t = makeTree({});
    const path = `${t.path}/fleet.html`;
    await hostileFleet(t.path, ["--format", "html", "--output", path]);
    const all = await chromium(["--dump-dom", `file://${path}`]);
    assert.equal(all.code, 0, all.stderr.slice(-2000));
    assert.match(all.stdout, /data-ready="1"/);
    assert.ok(!all.stdout.includes("data-js-error"), "no script error");
    assert.ok(!all.stdout.includes("data-pwned"), "injected script never ran");
    assert.match(all.stdout, /data-visible-hosts="4"/);
    const items = Number(all.stdout.match(/data-visible-items="(\d+)"/)?.[1]);
    const consoleErrors = all.stderr.split("\n").filter((l) => /CONSOLE|Refused to|Uncaught/.test(l));
    assert.deepEqual(consoleErrors, [], "console is clean (CSP included)");

    const filtered = await chromium(["--dump-dom", `file://${path}#q=${encodeURIComponent("pwned")}`]);
    assert.match(filtered.stdout, /data-visible-hosts="1"/, "the filter keeps only the hostile host");
    const rare = await chromium(["--dump-dom", `file://${path}#rare`]);
    const rareItems = Number(rare.stdout.match(/data-visible-items="(\d+)"/)?.[1]);
    assert.ok(rareItems > 0 && rareItems < items, `rare only: ${rareItems} of ${items}`);

    Deno.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const shot = await chromium([
      `--screenshot=${SCREENSHOT_DIR}fleet-report.png`,
      "--window-size=1280,2400",
      `file://${path}`,
    ]);
    assert.equal(shot.code, 0);
    assert.ok(
      Deno.statSync(`${SCREENSHOT_DIR}fleet-report.png`).size > 10_000,
      "screenshot for a person to look at",
    );
  },
}));

Deno.test("an empty fleet renders in every format", async () => {
  using t = makeTree({});
  for (const format of ["json", "md", "html"]) {
    const out = await fleet(["--dir", t.path, "--db", `${t.path}/f.db`, "--format", format]);
    assert.equal(out.code, 0);
    assert.ok(out.text!.includes(format === "json" ? '"host_count": 0' : "0 hosts"), format);
  }
  const one = await fixtureReport("net-mixed");
  await writeReport(t.path, "one.json", vary(one, { host: "solo", at: "2026-05-30T00:00:00Z" }));
  const r = (await fleet(["--dir", t.path, "--db", `${t.path}/g.db`])).report!;
  assert.deepEqual([r.host_count, r.metric_std, r.top_outlier_hosts.length], [1, 0, 0]);
  assert.ok(r.stacking.every((s) => s.items.every((i) => !i.rare)), "on one host, nothing is rare");
});
