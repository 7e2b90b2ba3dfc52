import assert from "node:assert/strict";
import type { CheckInput } from "../../src/core/catalogue.ts";
import { Catalogue } from "../../src/core/catalogue.ts";
import type { FindingDraft } from "../../src/core/finding.ts";
import { runScanners } from "../../src/core/runner.ts";
import type { Scanner } from "../../src/core/scanner.ts";
import type { ScanContext } from "../../src/core/context.ts";
import { Host } from "../../src/host/host.ts";
import { probeCapabilities } from "../../src/host/capabilities.ts";
import { selectScanners } from "../../src/cli/select.ts";
import { SCANNERS } from "../../src/scanners/index.ts";
import { testConfig } from "../helpers.ts";
import type { Config } from "../../src/core/config.ts";

function fake(
  name: string,
  run: (ctx: ScanContext) => AsyncGenerator<FindingDraft>,
  extra: Partial<Scanner> = {},
): Scanner {
  const checks: CheckInput[] = [{
    id: `${name}.thing.bad`,
    scanner: name,
    title: `${name} thing`,
    severity: "medium",
    category: "other",
    rationale: "r",
    remediation: "x",
  }];
  return { name, summary: name, slow: false, enabledByDefault: () => true, checks, run, ...extra };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(scanners: Scanner[], overrides: Partial<Config> = {}, signal?: AbortSignal) {
  const config = testConfig(overrides);
  const host = new Host("/");
  return await runScanners({
    scanners,
    config,
    host,
    caps: probeCapabilities(host),
    signal,
    pipeline: {
      catalogue: new Catalogue(scanners.flatMap((s) => s.checks)),
      stages: [],
      minSeverity: config.minSeverity,
      includePassed: config.includePassed,
    },
  });
}

Deno.test("results keep registry order whatever the completion order", async () => {
  const slow = fake("slow", async function* () {
    await sleep(50);
    yield { check_id: "slow.thing.bad", subject: "a" };
  });
  const quick = fake("quick", async function* () {
    yield { check_id: "quick.thing.bad", subject: "b" };
  });
  const out = await run([slow, quick]);
  assert.deepEqual(out.results.map((r) => r.scanner), ["slow", "quick"]);
  assert.equal(out.results[0].findings[0].id, "slow.thing.bad:a");
});

Deno.test("--parallel-threads caps how many scanners run at once", async () => {
  let inFlight = 0;
  let peak = 0;
  const mk = (n: string) =>
    fake(n, async function* () {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(20);
      inFlight--;
      yield* [];
    });
  await run([mk("a"), mk("b"), mk("c"), mk("d")], { parallelThreads: 2 });
  assert.equal(peak, 2);
  peak = 0;
  await run([mk("a"), mk("b"), mk("c")], { parallelThreads: 1 });
  assert.equal(peak, 1);
  peak = 0;
  await run([mk("a"), mk("b"), mk("c")], { parallelThreads: 3 });
  assert.equal(peak, 3);
  peak = 0;
  await run([mk("a"), mk("b"), mk("c"), mk("d"), mk("e"), mk("f")], {});
  assert.equal(peak, 4, "automatic: at most 4");
  peak = 0;
  await run([mk("a"), mk("b"), mk("c"), mk("d"), mk("e"), mk("f")], { parallel: true });
  assert.equal(peak, 6, "--parallel: all at once");
});

Deno.test("a scanner that throws becomes a scanner error and the scan goes on", async () => {
  const bad = fake("bad", async function* () {
    yield { check_id: "bad.thing.bad", subject: "x" };
    throw new Error("boom");
  });
  const good = fake("good", async function* () {
    yield { check_id: "good.thing.bad", subject: "y" };
  });
  const out = await run([bad, good]);
  assert.deepEqual(out.errors, [{ scanner: "bad", message: "boom" }]);
  assert.equal(out.results[0].status, "error");
  assert.equal(out.results[1].status, "ok");
  assert.equal(out.results[1].finding_count, 1);
});

Deno.test("a scanner emitting an unknown or foreign check id is a scanner error", async () => {
  const rogue = fake("rogue", async function* () {
    yield { check_id: "nope.not.here", subject: "" };
  });
  const out = await run([rogue]);
  assert.match(out.errors[0].message, /unknown check id nope\.not\.here/);
});

Deno.test("the per-scanner budget cuts off a hanging scanner with a warning", async () => {
  const hang = fake("hang", async function* () {
    yield { check_id: "hang.thing.bad", subject: "first" };
    await new Promise(() => {});
  });
  const t0 = performance.now();
  const out = await run([hang], { scannerTimeout: 1 });
  assert.ok(performance.now() - t0 < 5000);
  assert.equal(out.results[0].status, "timeout");
  assert.equal(out.results[0].finding_count, 1, "findings before the cut are kept");
  assert.deepEqual(out.cutShort, ["hang"]);
  assert.ok(out.warnings.some((w) => w.code === "truncated" && w.scanner === "hang"));
});

Deno.test("--max-duration stops running scanners and says which were cut short", async () => {
  const busy = fake("busy", async function* (ctx) {
    for (let i = 0;; i++) {
      await ctx.checkpoint();
      await sleep(5);
      if (i === 0) yield { check_id: "busy.thing.bad", subject: "x" };
    }
  });
  const quick = fake("quick", async function* () {
    yield { check_id: "quick.thing.bad", subject: "b" };
  });
  const out = await run([quick, busy], { maxDuration: 1 });
  assert.equal(out.deadlineHit, true);
  assert.deepEqual(out.cutShort, ["busy"]);
  assert.equal(out.results[0].status, "ok");
  assert.equal(out.results[1].status, "timeout");
});

Deno.test("after an interruption scanners get a grace period to yield what they have", async () => {
  const ctrl = new AbortController();
  let stopped = false;
  ctrl.signal.addEventListener("abort", () => stopped = true);
  const tracer = fake("tracer", async function* () {
    while (!stopped) await sleep(10);
    await sleep(50);
    yield { check_id: "tracer.thing.bad", subject: "late" };
  });
  setTimeout(() => ctrl.abort(new Error("interrupted by signal")), 30);
  const out = await run([tracer], {}, ctrl.signal);
  assert.equal(out.results[0].status, "ok");
  assert.equal(out.results[0].findings[0].id, "tracer.thing.bad:late");
});

Deno.test("an outside abort (SIGINT) stops the scan and keeps what was found", async () => {
  const ctrl = new AbortController();
  const busy = fake("busy", async function* () {
    yield { check_id: "busy.thing.bad", subject: "x" };
    await sleep(10_000);
  });
  setTimeout(() => ctrl.abort(new Error("interrupted by signal")), 30);
  const out = await run([busy], {}, ctrl.signal);
  assert.equal(out.results[0].status, "timeout");
  assert.equal(out.results[0].finding_count, 1);
});

Deno.test("skip, passes, min-severity and warnings are recorded per scanner", async () => {
  const s = fake("s", async function* (ctx) {
    ctx.warn("thing_unreadable", "/etc/thing");
    yield { check_id: "s.thing.bad", subject: "ok", passed: true };
    yield { check_id: "s.thing.bad", subject: "low", severity: "low" };
    yield { check_id: "s.thing.bad", subject: "high", severity: "high" };
    ctx.skip("partly: no permission for /root");
  });
  const out = await run([s], { minSeverity: "medium" });
  const r = out.results[0];
  assert.equal(r.status, "skipped");
  assert.equal(r.reason, "partly: no permission for /root");
  assert.equal(r.checks_passed, 1);
  assert.deepEqual(r.passed_check_ids, ["s.thing.bad"]);
  assert.equal(r.findings_below_min_severity, 1);
  assert.deepEqual(r.findings.map((f) => f.id), ["s.thing.bad:high"]);
  assert.deepEqual(out.warnings, [{ scanner: "s", code: "thing_unreadable", detail: "/etc/thing" }]);
});

Deno.test("catalogue defaults fill title, severity and MITRE; drafts may override", async () => {
  const s = fake("d", async function* () {
    yield { check_id: "d.thing.bad", subject: "a" };
    yield {
      check_id: "d.thing.bad",
      subject: "b",
      title: "custom",
      severity: "critical",
      metadata: { n: 1, ok: true },
    };
  });
  const out = await run([s]);
  const [a, b] = out.results[0].findings;
  assert.equal(a.title, "d thing");
  assert.equal(a.severity, "medium");
  assert.equal(a.base_severity_score, 50);
  assert.equal(b.title, "custom");
  assert.equal(b.severity, "critical");
  assert.equal(b.base_severity_score, 90);
  assert.deepEqual(b.metadata, { n: 1, ok: true });
});

Deno.test("selection: defaults, gates, --enable, --disable, --fast-scan", () => {
  const a = fake("a", async function* () {});
  const gated = fake("gated", async function* () {}, { enabledByDefault: (c) => c.hardening });
  const slow = fake("slow", async function* () {}, { slow: true });
  const all = [a, gated, slow];
  const names = (o: Partial<Config>) => selectScanners(all, testConfig(o)).map((s) => s.name);
  assert.deepEqual(names({}), ["a", "slow"]);
  assert.deepEqual(names({ hardening: true }), ["a", "gated", "slow"]);
  assert.deepEqual(names({ fastScan: true }), ["a"]);
  assert.deepEqual(names({ fastScan: true, enable: ["slow"] }), ["slow"]);
  assert.deepEqual(names({ enable: ["gated"] }), ["gated"]);
  assert.deepEqual(names({ disable: ["a"] }), ["slow"]);
});

Deno.test("selection: a slow scanner a setting asks for (--ioc-exec-trace, --integrity) survives --fast-scan", () => {
  const a = fake("a", async function* () {});
  const trace = fake("trace", async function* () {}, {
    slow: true,
    enabledByDefault: (c) => c.iocExecTrace !== undefined,
  });
  const walk = fake("walk", async function* () {}, { slow: true });
  const names = (o: Partial<Config>) => selectScanners([a, trace, walk], testConfig(o)).map((s) => s.name);
  assert.deepEqual(names({ fastScan: true }), ["a"]);
  assert.deepEqual(names({ fastScan: true, iocExecTrace: 4 }), ["a", "trace"], "the explicit request wins");
  assert.deepEqual(names({ fastScan: true, iocExecTrace: 4, disable: ["trace"] }), ["a"]);
  const registry = selectScanners(SCANNERS, testConfig({ fastScan: true, iocExecTrace: 4, integrity: true }));
  assert.ok(registry.some((s) => s.name === "ebpf_exec_trace"));
  assert.ok(registry.some((s) => s.name === "integrity"));
  assert.ok(!registry.some((s) => s.name === "suid_sgid"), "default slow scanners still stay out");
});

Deno.test("missing capabilities name the scanners they degrade", async () => {
  const { missingCapabilities, needMet } = await import("../../src/core/scanner.ts");
  const caps = {
    ...probeCapabilities(new Host("/")),
    euid: 1000,
    effective_caps: [],
    btf: false,
    libbpf: null,
  };
  assert.equal(needMet("root (other users' exe)", caps), false);
  assert.equal(
    needMet("root or CAP_BPF+CAP_PERFMON", { ...caps, effective_caps: ["CAP_BPF", "CAP_PERFMON"] }),
    true,
  );
  assert.equal(needMet("kernel BTF", caps), false);
  const a = fake("a", async function* () {}, { needs: ["root", "kernel BTF"] });
  const b = fake("b", async function* () {}, { needs: ["root"] });
  assert.deepEqual(missingCapabilities(caps, [a, b]), [
    { item: "root", disables: ["a", "b"] },
    { item: "kernel BTF", disables: ["a"] },
  ]);
  assert.deepEqual(missingCapabilities({ ...caps, euid: 0, btf: true }, [a, b]), []);
});

Deno.test("budgets: 30 s by default, 300 s for slow scanners, --scanner-timeout for all", async () => {
  const { scannerBudget } = await import("../../src/core/runner.ts");
  const quick = fake("q", async function* () {});
  const slow = fake("s", async function* () {}, { slow: true });
  assert.equal(scannerBudget(quick, testConfig()), 30);
  assert.equal(scannerBudget(slow, testConfig()), 300);
  assert.equal(scannerBudget(slow, testConfig({ scannerTimeout: 5 })), 5);
  let seen = 0;
  await run([fake("b", async function* (ctx) {
    seen = ctx.budgetSeconds;
    yield* [];
  }, { slow: true })]);
  assert.equal(seen, 300);
});

Deno.test("heavy scanners run one at a time, others alongside them", async () => {
  let heavyInFlight = 0;
  let heavyPeak = 0;
  let lightRanDuringHeavy = false;
  const heavy = (n: string) =>
    fake(n, async function* () {
      heavyInFlight++;
      heavyPeak = Math.max(heavyPeak, heavyInFlight);
      await sleep(30);
      heavyInFlight--;
      yield* [];
    }, { heavy: true });
  const light = fake("light", async function* () {
    await sleep(10);
    if (heavyInFlight > 0) lightRanDuringHeavy = true;
    yield* [];
  });
  const out = await run([heavy("h1"), heavy("h2"), light, heavy("h3")]);
  assert.equal(heavyPeak, 1);
  assert.ok(lightRanDuringHeavy);
  assert.ok(out.results.every((r) => r.status === "ok"));
});
