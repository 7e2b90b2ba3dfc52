/** The fleet benchmark's synthetic hosts: deterministic, accepted by `sys-scan fleet`, with their rare items. */
import assert from "node:assert/strict";
import { ndjsonOf, synthesize } from "../../scripts/bench_fleet.ts";
import { makeTree } from "../helpers.ts";
import { fixtureReport, fleet, stack } from "../fleet/helpers.ts";

Deno.test("synthetic fleet hosts are deterministic, valid reports with a few rare items", async () => {
  const base = await fixtureReport("net-mixed");
  const start = Date.parse("2026-01-01T00:00:00Z");
  assert.deepEqual(synthesize(base, 5, start), synthesize(base, 5, start));
  assert.notEqual(
    synthesize(base, 5, start).summary.started_at,
    synthesize(base, 6, start).summary.started_at,
  );
  using t = makeTree({});
  for (let i = 0; i < 40; i++) {
    const r = synthesize(base, i, start);
    const ext = i % 4 === 3 ? "ndjson" : "json";
    Deno.writeTextFileSync(`${t.path}/${i}.${ext}`, ext === "ndjson" ? await ndjsonOf(r) : JSON.stringify(r));
  }
  const out = (await fleet(["--dir", t.path, "--db", `${t.path}/f.db`], new Date("2026-02-01T00:00:00Z")))
    .report!;
  assert.equal(out.run.ingested, 40, JSON.stringify(out.run.problems.slice(0, 2)));
  assert.deepEqual(stack(out, "listener").get("tcp/4000 agent"), ["host-00007"]);
  assert.equal(out.stacking.find((s) => s.kind === "listener")!.items[0].rare, true);
  assert.equal(
    stack(out, "persistence").size > 40,
    true,
    "one authorized key per host, plus the shared entries",
  );
});
