/**
 * The fleet store and host identity: history accumulates in one file, foreign or newer files are refused, and a
 * report's host name can neither overwrite nor pass for another host unnoticed.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { BaselineStore } from "../../src/baseline/store.ts";
import { FLEET_SCHEMA_VERSION } from "../../src/fleet/store.ts";
import { makeTree, repoPath } from "../helpers.ts";
import { fixtureReport, fleet, vary, writeReport } from "./helpers.ts";

const AT = "2026-06-01T10:00:00.000Z";
const LATER = "2026-06-01T11:00:00.000Z";

Deno.test("history accumulates: each run adds its scans, and a host is judged by its latest scan", async () => {
  using t = makeTree({});
  const base = await fixtureReport("net-mixed");
  const db = `${t.path}/fleet.db`;
  await writeReport(t.path, "r1/a.json", vary(base, { host: "a", at: AT, risk: 10 }));
  await writeReport(t.path, "r2/a.json", vary(base, { host: "a", at: LATER, risk: 60 }));
  await writeReport(t.path, "r2/a-old-copy.json", vary(base, { host: "a", at: AT, risk: 10 }));
  assert.equal((await fleet(["--dir", `${t.path}/r1`, "--db", db])).report!.hosts[0].risk, 10);
  const second = (await fleet(["--dir", `${t.path}/r2`, "--db", db])).report!;
  assert.deepEqual([second.run.ingested, second.run.duplicates], [1, 1], "the old scan again is a duplicate");
  assert.deepEqual(second.hosts.map((h) => [h.host, h.risk, h.previous_risk]), [["a", 60, 10]]);
  const raw = new DatabaseSync(db);
  const count = (sql: string) => Number((raw.prepare(sql).get() as { n: number }).n);
  assert.equal(count("SELECT COUNT(*) AS n FROM runs"), 2);
  assert.equal(count("SELECT COUNT(*) AS n FROM scans"), 2);
  assert.equal(Deno.statSync(db).mode! & 0o777, 0o600);
  raw.close();
});

Deno.test("foreign, baseline, corrupted and newer databases are refused with the reason (exit 2), never recreated", async () => {
  using t = makeTree({ "garbage.db": "not a database at all ".repeat(200) });
  await writeReport(t.path, "in/a.json", vary(await fixtureReport("net-mixed"), { host: "a", at: AT }));
  const input = `${t.path}/in/a.json`;
  const other = new DatabaseSync(`${t.path}/other.db`);
  other.exec("CREATE TABLE notes (x)");
  other.close();
  const foreign = await fleet([input, "--db", `${t.path}/other.db`]);
  assert.equal(foreign.code, 2);
  assert.match(foreign.error!, /not a sys-scan fleet database .*choose another --db/);
  const baseline = BaselineStore.open(`${t.path}/baseline.db`, true);
  assert.ok(baseline.ok && baseline.value);
  baseline.value.close();
  assert.match(
    (await fleet([input, "--db", `${t.path}/baseline.db`])).error!,
    /not a sys-scan fleet database/,
  );
  const garbage = await fleet([input, "--db", `${t.path}/garbage.db`]);
  assert.match(garbage.error!, /corrupted or not a database/);
  assert.match(Deno.readTextFileSync(`${t.path}/garbage.db`), /^not a database/);
  assert.equal((await fleet([input, "--db", `${t.path}/ok.db`])).code, 0);
  const raw = new DatabaseSync(`${t.path}/ok.db`);
  raw.exec(`PRAGMA user_version = ${FLEET_SCHEMA_VERSION + 1}`);
  raw.close();
  assert.match((await fleet([input, "--db", `${t.path}/ok.db`])).error!, /newer sys-scan/);
});

Deno.test("look-alike host names stay separate hosts and are flagged", async () => {
  using t = makeTree({});
  const base = await fixtureReport("net-mixed");
  for (const [i, h] of ["web1", "WEB1", "web1.", "we\u04311", "bad\u001b[31mname"].entries()) {
    await writeReport(t.path, `${i}.json`, vary(base, { host: h, at: AT }));
  }
  const r = (await fleet(["--dir", t.path, "--db", `${t.path}/f.db`])).report!;
  assert.equal(r.host_count, 5);
  assert.ok(
    r.warnings.some((w) => w.includes('"web1"') && w.includes('"WEB1"') && w.includes('"web1."')),
    r.warnings.join("\n"),
  );
  assert.ok(r.warnings.some((w) => w.includes("we\u04311") && /non-ASCII/.test(w)));
  assert.ok(r.warnings.some((w) => w.includes("bad\\u001b[31mname") && /control/.test(w)));
});

Deno.test("--host-from dir files a scan under its collection directory and flags a report claiming another host", async () => {
  using t = makeTree({});
  const base = await fixtureReport("net-mixed");
  await writeReport(t.path, "web1/scan.json", vary(base, { host: "web1", at: AT, risk: 20 }));
  // web2 was compromised and writes a report that claims to be web1, hoping to replace web1's.
  await writeReport(t.path, "web2/scan.json", vary(base, { host: "web1", at: LATER, risk: 0 }));
  const byDir = (await fleet(["--dir", t.path, "--db", `${t.path}/d.db`, "--host-from", "dir"])).report!;
  assert.deepEqual(byDir.hosts.map((h) => [h.host, h.risk]).sort(), [["web1", 20], ["web2", 0]]);
  assert.ok(
    byDir.warnings.some((w) =>
      /web2\/scan\.json" was collected for host "web2" but claims to be "web1"/.test(w)
    ),
  );

  const byReport = (await fleet(["--dir", t.path, "--db", `${t.path}/r.db`])).report!;
  assert.equal(byReport.host_count, 1, "by claimed names, both are web1's history");
  assert.ok(
    byReport.warnings.some((w) => /host "web1" has reports in two places in one run/.test(w)),
    byReport.warnings.join("\n"),
  );
});

Deno.test("two fleet runs writing one database at once both finish, and the file stays sound", async () => {
  using t = makeTree({});
  const base = await fixtureReport("net-mixed");
  for (let i = 0; i < 30; i++) {
    await writeReport(t.path, `${i % 2 ? "odd" : "even"}/${i}.json`, vary(base, { host: `h${i}`, at: AT }));
  }
  const db = `${t.path}/shared.db`;
  const main = repoPath("main.ts");
  const outs = await Promise.all(["odd", "even"].map((d) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        main,
        "fleet",
        "--dir",
        `${t.path}/${d}`,
        "--db",
        db,
        "--output",
        `${t.path}/${d}.json`,
      ],
      stdout: "null",
      stderr: "piped",
    }).output()
  ));
  for (const o of outs) assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
  const raw = new DatabaseSync(db);
  assert.equal(
    (raw.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check,
    "ok",
  );
  assert.equal(Number((raw.prepare("SELECT COUNT(*) AS n FROM scans").get() as { n: number }).n), 30);
  assert.equal(Number((raw.prepare("SELECT COUNT(*) AS n FROM runs").get() as { n: number }).n), 2);
  raw.close();
});
