/** Ingest: JSON and NDJSON, duplicates counted once, conflicts never overwrite, unusable files skipped one by one. */
import assert from "node:assert/strict";
import { makeTree } from "../helpers.ts";
import { fixtureReport, fleet, NOW, toNdjson, vary, writeReport } from "./helpers.ts";

const AT = "2026-06-01T10:00:00.000Z";

Deno.test("the JSON and the NDJSON form of one scan are one scan; a copy of a file is a duplicate", async () => {
  using t = makeTree({});
  const r = vary(await fixtureReport("net-mixed"), { host: "web1", at: AT });
  const json = await writeReport(t.path, "a/web1.json", r);
  await writeReport(t.path, "b/web1.ndjson", r);
  Deno.copyFileSync(json, `${t.path}/b/copy.json`);
  const out = await fleet(["--dir", t.path, "--db", `${t.path}/f.db`]);
  assert.equal(out.code, 0, out.error);
  const run = out.report!.run;
  assert.deepEqual([run.files, run.ingested, run.duplicates, run.skipped], [3, 1, 2, 0]);
  assert.equal(out.report!.host_count, 1);
  assert.deepEqual(out.warnings, [], "duplicates are counted, not warned about");
  assert.ok(run.problems.every((p) => p.problem === "duplicate" && p.reason.includes(json)));
});

Deno.test("NDJSON is read as it streams: extra record types are skipped, the findings are the JSON report's", async () => {
  using t = makeTree({});
  const r = vary(await fixtureReport("net-mixed"), { host: "web1", at: AT });
  const text = await toNdjson(r);
  const withEvents = text.replace(
    "\n",
    '\n{"type":"exec.trace","pid":1}\n{"type":"timing","scanner":"x","elapsed_ms":1}\n',
  );
  Deno.writeTextFileSync(`${t.path}/stream.log`, withEvents);
  const out = await fleet([`${t.path}/stream.log`, "--db", `${t.path}/f.db`]);
  assert.equal(out.report!.run.ingested, 1, JSON.stringify(out.report!.run.problems));
  assert.equal(out.report!.hosts[0].findings, r.results.reduce((n, x) => n + x.findings.length, 0));
});

Deno.test("a different report for the same host and scan time is a conflict: the first is kept, never overwritten", async () => {
  using t = makeTree({});
  const base = await fixtureReport("net-mixed");
  await writeReport(t.path, "1-real.json", vary(base, { host: "db1", at: AT, risk: 90 }));
  await writeReport(t.path, "2-forged.json", vary(base, { host: "db1", at: AT, risk: 0, drop: () => true }));
  const out = await fleet(["--dir", t.path, "--db", `${t.path}/f.db`]);
  assert.equal(out.report!.run.conflicts, 1);
  assert.equal(out.report!.hosts[0].risk, 90, "the stored scan is untouched");
  assert.equal(out.warnings.length, 1);
  assert.match(
    out.warnings[0],
    /2-forged\.json: host "db1" already has a different scan at .*1-real\.json.*kept that one/,
  );
});

Deno.test("unusable files are skipped with one warning each, and the good reports around them still count", async () => {
  using t = makeTree({});
  const base = await fixtureReport("net-mixed");
  const good = vary(base, { host: "good", at: AT });
  const files: Record<string, string | Uint8Array> = {
    "garbage.json": "this is not json",
    "empty.json": "",
    "array.json": "[1,2,3]",
    "sarif.json": JSON.stringify({ version: "2.1.0", runs: [] }),
    "upstream-v2.json": JSON.stringify({ ...good, summary_extension: { total_risk_score: 5 } }),
    "time-zero.json": JSON.stringify({ ...good, summary: { ...good.summary, started_at: "" } }),
    "future.json": JSON.stringify(vary(base, { host: "good", at: "2030-01-01T00:00:00Z" })),
    "bad-finding.json": JSON.stringify(vary(base, {
      host: "x",
      at: AT,
      add: [{ ...good.results[1].findings[0], risk_score: 1000 }],
    })),
    "control-utf8.json": new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    "truncated.ndjson": (await toNdjson(good)).split("\n").slice(0, 3).join("\n"),
    "two-metas.ndjson": `${JSON.stringify({ type: "meta", ...good.meta })}\n${await toNdjson(good)}`,
    "bad-line.ndjson": `${JSON.stringify({ type: "meta", ...good.meta })}\n{not json\n`,
  };
  for (const [name, content] of Object.entries(files)) {
    if (typeof content === "string") Deno.writeTextFileSync(`${t.path}/${name}`, content);
    else Deno.writeFileSync(`${t.path}/${name}`, content);
  }
  await writeReport(t.path, "zz-good.json", good);
  const out = await fleet(["--dir", t.path, "--db", `${t.path}/f.db`]);
  assert.equal(out.code, 0);
  const run = out.report!.run;
  assert.equal(run.ingested, 1);
  assert.equal(run.skipped, Object.keys(files).length);
  assert.equal(out.warnings.length, Object.keys(files).length, out.warnings.join("\n"));
  const reason = (name: string) => run.problems.find((p) => p.source.endsWith(`/${name}`))?.reason ?? "";
  assert.match(reason("garbage.json"), /not JSON/);
  assert.match(reason("sarif.json"), /not a sys-scan report/);
  assert.match(reason("upstream-v2.json"), /host_risk/);
  assert.match(reason("time-zero.json"), /no scan time.*SYS_SCAN_CANON_TIME_ZERO/);
  assert.match(reason("future.json"), /in the future/);
  assert.match(reason("bad-finding.json"), /risk_score/);
  assert.match(reason("control-utf8.json"), /not JSON/);
  assert.match(reason("truncated.ndjson"), /no summary/);
  assert.match(reason("two-metas.ndjson"), /two meta records/);
  assert.match(reason("bad-line.ndjson"), /line 2: not JSON/);
});

Deno.test("size caps: a report over --max-report-mib and an NDJSON line over 8 MiB are refused, not read whole", async () => {
  using t = makeTree({});
  const good = vary(await fixtureReport("net-mixed"), { host: "big", at: AT });
  const big = vary(good, {
    host: "big",
    at: AT,
    add: [{ ...good.results[1].findings[0], id: "x:big", description: "d".repeat(1_200_000) }],
  });
  await writeReport(t.path, "big.json", big);
  const line = JSON.stringify({ type: "meta", ...good.meta, pad: "p".repeat(9 << 20) });
  Deno.writeTextFileSync(`${t.path}/long-line.ndjson`, line + "\n");
  const out = await fleet(["--dir", t.path, "--db", `${t.path}/f.db`, "--max-report-mib", "1"]);
  const reasons = out.report!.run.problems.map((p) => p.reason);
  assert.deepEqual(reasons, Array(2).fill("larger than 1048576 bytes (--max-report-mib)"));
  const again = await fleet([
    `${t.path}/long-line.ndjson`,
    "--db",
    `${t.path}/g.db`,
    "--max-report-mib",
    "64",
  ]);
  assert.match(again.report!.run.problems[0].reason, /a line longer than 8388608 bytes/);
});

Deno.test("--dir reads regular files only: a FIFO or a symlink named like a report is listed, never opened", async () => {
  using t = makeTree({});
  await writeReport(t.path, "real/host.json", vary(await fixtureReport("net-mixed"), { host: "h", at: AT }));
  const mkfifo = new Deno.Command("mkfifo", { args: [`${t.path}/fifo.json`] }).outputSync();
  assert.equal(mkfifo.code, 0, "mkfifo worked");
  Deno.symlinkSync("/etc/passwd", `${t.path}/link.json`);
  const out = await fleet(["--dir", t.path, "--db", `${t.path}/f.db`]);
  assert.equal(out.report!.run.ingested, 1);
  assert.ok(out.warnings.some((w) => /fifo\.json: not a regular file/.test(w)), out.warnings.join("\n"));
  assert.ok(out.warnings.some((w) => /link\.json: not a regular file/.test(w)));
  assert.ok(out.report!.warnings.some((w) => w.includes("fifo.json")), "and in the report");
});

Deno.test("usage errors: no input, a bad format, a bad threshold, a missing directory (exit 2)", async () => {
  assert.equal((await fleet([])).code, 2);
  assert.match((await fleet(["x.json", "--format", "xml"])).error!, /--format must be json, md or html/);
  assert.match((await fleet(["x.json", "--rare-threshold", "0"])).error!, /--rare-threshold/);
  assert.match((await fleet(["x.json", "--rare-threshold", "150%"])).error!, /--rare-threshold/);
  assert.match((await fleet(["--dir", "/nonexistent/dir"])).error!, /--dir \/nonexistent\/dir/);
  assert.match((await fleet(["x.json", "--host-from", "dns"])).error!, /--host-from must be report or dir/);
  assert.match((await fleet(["x.json", "--top", "-1"])).error!, /Unknown option|--top/);
});

Deno.test("the clock bounds scan times: a report from the near future (clock skew) is accepted", async () => {
  using t = makeTree({});
  const soon = new Date(NOW.getTime() + 3600_000).toISOString();
  await writeReport(t.path, "skew.json", vary(await fixtureReport("net-mixed"), { host: "skew", at: soon }));
  const out = await fleet(["--dir", t.path, "--db", `${t.path}/f.db`]);
  assert.equal(out.report!.run.ingested, 1);
});
