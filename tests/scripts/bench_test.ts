import assert from "node:assert/strict";
import {
  type CaseResult,
  evaluateTargets,
  fullScanners,
  growth,
  markdown,
  median,
  parseGnuTime,
  reportFacts,
  type Sample,
  type ScaleResult,
  summarize,
} from "../../scripts/bench.ts";
import { repoPath } from "../helpers.ts";

const REPO = repoPath("");

function sample(wall: number, cpu: number | null = wall / 2, rss: number | null = 80): Sample {
  return {
    wall_ms: wall,
    cpu_ms: cpu,
    maxrss_mb: rss,
    findings: 3,
    scanners: { a: wall / 4, b: wall / 2 },
    exit: 0,
  };
}

Deno.test("median: odd, even, unsorted and empty", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

Deno.test("parseGnuTime: CPU is user + system in ms, maxrss KB → MB; garbage is null", () => {
  assert.deepEqual(parseGnuTime("0.52 0.31 0.09 102400\n"), { cpu_ms: 400, maxrss_mb: 100 });
  assert.deepEqual(parseGnuTime("Command exited with non-zero status 1\n1.00 0.50 0.25 2048\n"), {
    cpu_ms: 750,
    maxrss_mb: 2,
  });
  assert.equal(parseGnuTime(""), null);
  assert.equal(parseGnuTime("0.52 0.31"), null);
  assert.equal(parseGnuTime("a b c d"), null);
});

Deno.test("reportFacts: finding total and per-scanner elapsed; not a report gives nulls", () => {
  const text = JSON.stringify({
    summary: { finding_count_total: 7 },
    results: [{ scanner: "ioc", elapsed_ms: 12.5 }, { scanner: "network", elapsed_ms: 3 }, { bogus: 1 }],
  });
  assert.deepEqual(reportFacts(text), { findings: 7, scanners: { ioc: 12.5, network: 3 } });
  assert.deepEqual(reportFacts("{"), { findings: null, scanners: {} });
  assert.deepEqual(reportFacts("[]"), { findings: null, scanners: {} });
  assert.deepEqual(reportFacts(""), { findings: null, scanners: {} });
});

Deno.test("summarize: medians, peak memory as the maximum, wall minus start-up, slowest scanner first", () => {
  const c = summarize(
    "x",
    ["--fast-scan"],
    [sample(100, 40, 70), sample(300, 60, 90), sample(200, 50, 80)],
    50,
  );
  assert.equal(c.median_wall_ms, 200);
  assert.equal(c.median_cpu_ms, 50);
  assert.equal(c.peak_rss_mb, 90);
  assert.equal(c.wall_minus_startup_ms, 150);
  assert.deepEqual(Object.entries(c.scanner_ms), [["b", 100], ["a", 50]]);
  const noTime = summarize("y", [], [sample(10, null, null)], null);
  assert.equal(noTime.median_cpu_ms, null);
  assert.equal(noTime.peak_rss_mb, null);
  assert.equal(noTime.wall_minus_startup_ms, null);
});

function point(scale: number, cpu: number): ScaleResult {
  return {
    ...summarize(`scale:${scale}x`, [], [sample(cpu * 2, cpu)], 0),
    scale,
    processes: 100 * scale,
    files: 100 * scale,
  };
}

Deno.test("growth: linear and sublinear pass, superlinear fails, fewer than three points is not judged", () => {
  const linear = growth([point(1, 300), point(10, 1200), point(100, 10200)]);
  assert.deepEqual(linear.slopes_cpu_us_per_item, [500, 500]);
  assert.equal(linear.ratio, 1);
  assert.equal(linear.linear, true);
  const quadratic = growth([point(100, 100000), point(1, 300), point(10, 2000)]);
  assert.equal(quadratic.linear, false, "points are sorted by scale first");
  assert.ok(quadratic.ratio! > 1.5);
  assert.equal(growth([point(1, 1), point(10, 5)]).linear, null);
});

Deno.test("evaluateTargets: pass/fail against the limits, not run when a case is missing", () => {
  const cases: CaseResult[] = [
    summarize("fast", [], [sample(240)], 100),
    summarize("default", [], [sample(1200)], 100),
  ];
  const t = evaluateTargets(cases, []);
  assert.deepEqual(t.map((x) => x.pass), [true, false, null, true, null]);
  assert.match(t[0].measured, /^240 ms \(140 ms without start-up\)$/);
  const big = evaluateTargets([summarize("fast", [], [sample(10, 5, 151)], 1)], []);
  assert.equal(big[3].pass, false);
  const others = evaluateTargets([
    summarize("fast", [], [sample(10, 5, 100)], 1),
    summarize("scanner:integrity", [], [sample(10, 5, 300)], 1),
  ], []);
  assert.equal(others[3].pass, true, "only the fast, default and full scans are held to the memory target");
  assert.equal(others[3].measured, "100 MB");
});

Deno.test("fullScanners: every scanner but package verification and tracing", () => {
  assert.deepEqual(fullScanners(["processes", "integrity", "yara", "ebpf_exec_trace"]), [
    "processes",
    "yara",
  ]);
});

Deno.test("markdown: target table, case table and growth lines", () => {
  const scale = [point(1, 300), point(10, 1200), point(100, 10200)];
  const cases = [
    summarize("startup", ["--version"], [sample(100)], null),
    summarize("fast", ["--fast-scan"], [sample(200)], 100),
  ];
  const md = markdown({
    date: "2026-01-01T00:00:00Z",
    reps: 1,
    command: ["deno", "run", "-A", "main.ts"],
    host: {
      kernel: "6.1",
      cpus: 2,
      deno: "2.9.6",
      git_commit: "abc",
      loadavg_before: "0.1",
      loadavg_after: "0.2",
    },
    targets: evaluateTargets(cases, scale),
    cases,
    scale,
    growth: growth(scale),
    trace: {
      status: "absent",
      mode: "all",
      detail: "scripts/bench-trace.ts is not in this tree",
      summary: [],
    },
  });
  assert.match(
    md,
    /\| --fast-scan median wall time \| < 250 ms \| 200 ms \(100 ms without start-up\) \| pass \|/,
  );
  assert.match(md, /\| default scan median wall time \| < 1000 ms \| not run \| not run \|/);
  assert.match(
    md,
    /\| fast \| `--fast-scan` \| 200 ms \| 100 ms \| 100 ms \| 80 MB \| 3 \| b 100 ms, a 50 ms \|/,
  );
  assert.match(md, /\| 100× \| 10000 \| 10000 \| 20400 ms \| 10200 ms \| 80 MB \| 3 \|/);
  assert.match(md, /Trace benchmarks: absent \(scripts\/bench-trace\.ts is not in this tree\)\./);
});

Deno.test({
  name: "bench.ts runs end to end: one repetition, start-up and a tiny fake root at three scales",
  fn: async () => {
    const out = Deno.makeTempDirSync({ prefix: "sys-scan-bench-test-" });
    try {
      const r = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${REPO}scripts/bench.ts`,
          "--reps",
          "1",
          "--base",
          "5",
          "--scales",
          "1,2,3",
          "--only",
          "startup,scale",
          "--no-trace",
          "--out",
          out,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(r.stderr);
      assert.equal(r.code, 0, err);
      const res = JSON.parse(Deno.readTextFileSync(`${out}/results.json`));
      assert.deepEqual(res.cases.map((c: CaseResult) => c.name), ["startup"]);
      assert.deepEqual(res.scale.map((s: ScaleResult) => [s.scale, s.processes, s.files]), [[1, 5, 5], [
        2,
        10,
        10,
      ], [3, 15, 15]]);
      for (const s of res.scale) {
        assert.equal(s.runs.length, 1);
        assert.ok(s.findings > 0, "the fake root has listeners, a set-uid and world-writable files to find");
        assert.ok("processes" in s.scanner_ms, "per-scanner times come from the report");
      }
      assert.equal(res.trace.status, "skipped");
      const md = Deno.readTextFileSync(`${out}/results.md`);
      assert.equal(new TextDecoder().decode(r.stdout).trim(), md.trim());
      assert.match(md, /\| 3× \| 15 \| 15 \|/);
    } finally {
      Deno.removeSync(out, { recursive: true });
    }
  },
});

Deno.test("traceSummary: headline numbers that are present, labelled; others and garbage left out", async () => {
  const { traceSummary } = await import("../../scripts/bench.ts");
  assert.deepEqual(
    traceSummary({
      attach: { start_to_attached_ms_median: 158.3 },
      exec_storm: { spawned: 10, received: "x" },
    }),
    ["start → attached (fresh process) ms 158.3", "exec storm: spawned 10"],
  );
  assert.deepEqual(traceSummary(null), []);
  assert.deepEqual(traceSummary("garbage"), []);
});
