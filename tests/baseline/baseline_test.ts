import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { scanCommand } from "../../src/cli/scan.ts";
import { BaselineStore, SCHEMA_VERSION } from "../../src/baseline/store.ts";
import { contentHash, hostKey } from "../../src/baseline/compare.ts";
import { kernelParams } from "../../src/scanners/kernel_params.ts";
import { mountsScanner } from "../../src/scanners/mounts.ts";
import { makeTree, repoPath, type TempTree } from "../helpers.ts";
import type { Finding } from "../../src/core/finding.ts";

const SCANNERS = [kernelParams, mountsScanner];

function hostTree(sysctls: Record<string, string>, machineId = "0123456789abcdef0123456789abcdef"): TempTree {
  return makeTree({
    "etc/machine-id": machineId + "\n",
    "etc/hostname": "h1\n",
    ...Object.fromEntries(Object.entries(sysctls).map(([k, v]) => [`proc/sys/${k}`, v + "\n"])),
  });
}

async function scan(root: string, db: string, extra: string[] = []) {
  const dir = await Deno.makeTempDir();
  try {
    const r = await scanCommand(
      [
        "--root",
        root,
        "--enable",
        "kernel_params",
        "--hardening",
        "--baseline",
        "--baseline-db",
        db,
        "--output",
        `${dir}/r.json`,
        ...extra,
      ],
      { scanners: SCANNERS, stderr: () => {} },
    );
    if (!r.ok) return { error: r.error };
    return { report: JSON.parse(await Deno.readTextFile(`${dir}/r.json`)) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function statuses(report: { results: { findings: Finding[] }[] }): Record<string, string> {
  return Object.fromEntries(report.results.flatMap((r) => r.findings).map((f) => [f.id, f.baseline_status!]));
}

Deno.test("baseline across three scans: first run, new → existing → changed → resolved", async () => {
  using dbDir = makeTree({});
  const db = `${dbDir.path}/sub/baseline.db`;
  using v1 = hostTree({ "kernel/kptr_restrict": "0", "kernel/dmesg_restrict": "0" });
  const first = (await scan(v1.path, db, ["--baseline-update"])).report;
  assert.equal(first.meta.baseline.status, "baseline_db_missing");
  assert.deepEqual(new Set(Object.values(statuses(first))), new Set(["baseline_db_missing"]));
  assert.equal(first.summary_extension.baseline.updated, true);
  assert.equal(Deno.statSync(db).mode! & 0o777, 0o600);

  const second = (await scan(v1.path, db, ["--baseline-update"])).report;
  assert.equal(second.meta.baseline.status, "compared");
  assert.deepEqual(statuses(second), {
    "kernel.sysctl.kptr_restrict": "existing",
    "kernel.sysctl.dmesg_restrict": "existing",
  });

  using v2 = hostTree({
    "kernel/kptr_restrict": "0",
    "kernel/dmesg_restrict": "1",
    "kernel/randomize_va_space": "1",
  });
  const third = (await scan(v2.path, db, ["--baseline-update"])).report;
  assert.deepEqual(statuses(third), {
    "kernel.sysctl.kptr_restrict": "existing",
    "kernel.sysctl.randomize_va_space": "new",
    "kernel.sysctl.weakened_runtime:kernel.randomize_va_space": "new",
  });
  assert.deepEqual(third.summary_extension.baseline.resolved.map((r: { id: string }) => r.id), [
    "kernel.sysctl.dmesg_restrict",
  ]);
  assert.deepEqual(third.summary_extension.baseline.counts, { new: 2, existing: 1, changed: 0, resolved: 1 });

  using v3 = hostTree({ "kernel/kptr_restrict": "0", "kernel/randomize_va_space": "0" });
  const fourth = (await scan(v3.path, db)).report;
  assert.equal(statuses(fourth)["kernel.sysctl.randomize_va_space"], "changed", "current value moved 1 → 0");
  assert.equal(fourth.summary_extension.baseline.updated, false);
});

Deno.test("--baseline without an existing database reports baseline_db_missing and creates nothing", async () => {
  using dbDir = makeTree({});
  using root = hostTree({ "kernel/kptr_restrict": "0" });
  const r = (await scan(root.path, `${dbDir.path}/none.db`)).report;
  assert.equal(r.meta.baseline.status, "baseline_db_missing");
  assert.deepEqual([...Deno.readDirSync(dbDir.path)], []);
});

Deno.test("one database holds several hosts' baselines (keyed by machine-id)", async () => {
  using dbDir = makeTree({});
  const db = `${dbDir.path}/b.db`;
  using a = hostTree({ "kernel/kptr_restrict": "0" }, "a".repeat(32));
  using b = hostTree({ "kernel/dmesg_restrict": "0" }, "b".repeat(32));
  await scan(a.path, db, ["--baseline-update"]);
  const firstB = (await scan(b.path, db, ["--baseline-update"])).report;
  assert.equal(firstB.meta.baseline.status, "baseline_db_missing");
  const againA = (await scan(a.path, db)).report;
  assert.deepEqual(statuses(againA), { "kernel.sysctl.kptr_restrict": "existing" });
  assert.deepEqual(againA.summary_extension.baseline.resolved, []);
});

Deno.test("a severity change alone makes a finding changed, not new; volatile metadata does not count", () => {
  const f: Finding = {
    id: "x.y.z:a",
    check_id: "x.y.z",
    scanner: "s",
    title: "t",
    description: "d",
    severity: "low",
    base_severity_score: 30,
    risk_score: 30,
    metadata: { path: "/a", pid: 1 },
    mitre: [],
    tags: [],
  };
  assert.equal(contentHash(f), contentHash({ ...f, severity: "high", metadata: { path: "/a", pid: 999 } }));
  assert.notEqual(contentHash(f), contentHash({ ...f, metadata: { path: "/b", pid: 1 } }));
  assert.equal(
    hostKey("0123456789abcdef0123456789abcdef\n", "h"),
    "machine-id:0123456789abcdef0123456789abcdef",
  );
  assert.equal(hostKey("garbage", "h"), "hostname:h");
});

Deno.test("corrupted, foreign and newer databases are clear errors (exit 2), never recreated", async () => {
  using dir = makeTree({ "garbage.db": "this is not sqlite at all".repeat(100) });
  using root = hostTree({ "kernel/kptr_restrict": "0" });
  const bad = await scan(root.path, `${dir.path}/garbage.db`, ["--baseline-update"]);
  assert.equal(bad.error?.exit, 2);
  assert.match(bad.error!.message, /corrupted or not a database/);
  assert.equal(Deno.readTextFileSync(`${dir.path}/garbage.db`).slice(0, 12), "this is not ");

  const foreign = new DatabaseSync(`${dir.path}/foreign.db`);
  foreign.exec("CREATE TABLE t (x)");
  foreign.close();
  const f = await scan(root.path, `${dir.path}/foreign.db`, ["--baseline-update"]);
  assert.equal(f.error?.exit, 2);
  assert.match(f.error!.message, /not a sys-scan baseline/);

  const opened = BaselineStore.open(`${dir.path}/newer.db`, true);
  assert.ok(opened.ok && opened.value);
  opened.value.close();
  const raw = new DatabaseSync(`${dir.path}/newer.db`);
  raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
  raw.close();
  const n = await scan(root.path, `${dir.path}/newer.db`);
  assert.match(n.error!.message, /newer sys-scan/);
});

Deno.test("concurrent writers do not corrupt the database", async () => {
  using dbDir = makeTree({});
  const db = `${dbDir.path}/c.db`;
  const roots = Array.from(
    { length: 4 },
    (_, i) => hostTree({ "kernel/kptr_restrict": "0" }, String(i).repeat(32)),
  );
  try {
    const main = repoPath("main.ts");
    const runs = roots.map((t) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          main,
          "--root",
          t.path,
          "--enable",
          "kernel_params",
          "--baseline",
          "--baseline-update",
          "--baseline-db",
          db,
        ],
        stdout: "null",
        stderr: "piped",
      }).output()
    );
    const outs = await Promise.all(runs);
    for (const o of outs) assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
    const check = new DatabaseSync(db);
    assert.equal(
      (check.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check,
      "ok",
    );
    assert.equal(
      Number((check.prepare("SELECT count(DISTINCT host_key) AS n FROM scans").get() as { n: number }).n),
      4,
    );
    check.close();
  } finally {
    for (const t of roots) t[Symbol.dispose]();
  }
});
