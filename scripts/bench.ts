/**
 * Scan benchmarks (a measurement, not a test). Runs each case several times in a fresh process and reports the
 * median wall time, CPU time (user + system of the child, from GNU time), peak memory (maxrss) and finding
 * counts: `deno run` start-up alone (`--version`), `--fast-scan`, the default scan, the full scan (every
 * scanner but integrity and tracing), each scanner alone, and the default scan of generated fake roots of
 * 1×, 10× and 100× size (scripts/gen-fixture-root.ts) to show how time grows. Then runs scripts/bench-trace.ts
 * when it is there. Writes dist/bench/results.json and dist/bench/results.md and prints the table.
 *
 *   deno run -A scripts/bench.ts [--reps 5] [--out dist/bench] [--base 200] [--scales 1,10,100]
 *                                [--only CASES] [--no-scale] [--no-trace] [--trace-mode all] [--exe PATH]
 *
 * `--exe` benchmarks a compiled executable instead of `deno run -A main.ts`. `--only` takes a comma list of
 * case names (startup, fast, default, full, scanner:<name>, scale, yara-cli). `yara-cli` compares the yara
 * scanner with the `yara` command on `--yara-tree DIR` (default /usr/bin; scripts/bench_yara.ts).
 *
 * `--ratios` runs only the comparisons of issue 17, alternating (scripts/bench_ratios.ts): `--version` and
 * `--fast-scan` against a hello-world `deno run`, the default scan's memory, `--integrity` against
 * `dpkg --verify` (`--integrity-reps`, default 2) and the yara scanner against `yara -r`; a few minutes.
 */
import { parseArgs } from "node:util";
import { SCANNERS } from "../src/scanners/index.ts";
import { generateFixtureRoot } from "./gen-fixture-root.ts";
import {
  compareYara,
  DEFAULT_YARA_TREE,
  findYaraCli,
  type YaraComparison,
  yaraMarkdown,
  yaraTargets,
} from "./bench_yara.ts";
import { V8_FLAGS_OPTION } from "./compile.ts";
import { memorySplit } from "./bench_memory.ts";
import { onPath, type RatioResults, ratiosMarkdown, ratioTargets, runRatios } from "./bench_ratios.ts";

const REPO = decodeURIComponent(new URL("../", import.meta.url).pathname);
const GNU_TIME = "/usr/bin/time";

/** Target limits on this machine (2 cores). */
export const TARGETS = { fastMs: 250, defaultMs: 1000, fullMs: 3000, peakRssMb: 150, superlinearRatio: 1.5 };

/** One run of one case. */
export interface Sample {
  wall_ms: number;
  cpu_ms: number | null;
  maxrss_mb: number | null;
  findings: number | null;
  /** Elapsed ms of each scanner inside the run (from the report). */
  scanners: Record<string, number>;
  exit: number;
}

/** A case and its runs. */
export interface CaseResult {
  name: string;
  args: string[];
  runs: Sample[];
  median_wall_ms: number;
  median_cpu_ms: number | null;
  peak_rss_mb: number | null;
  findings: number | null;
  /** Median wall time minus the median start-up time (null for the start-up case itself). */
  wall_minus_startup_ms: number | null;
  /** Median elapsed ms of each scanner inside the runs, slowest first. */
  scanner_ms: Record<string, number>;
}

/** A scale point of the growth benchmark. */
export interface ScaleResult extends CaseResult {
  scale: number;
  processes: number;
  files: number;
}

/** The median of some numbers (mean of the middle two for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Parses GNU time's `-f "%e %U %S %M"` line: CPU ms (user + system) and maxrss in MB; null when garbled. */
export function parseGnuTime(text: string): { cpu_ms: number; maxrss_mb: number } | null {
  const line = text.trim().split("\n").at(-1) ?? "";
  const m = /^([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/.exec(line.trim());
  if (!m) return null;
  return {
    cpu_ms: Math.round((Number(m[2]) + Number(m[3])) * 1000),
    maxrss_mb: Math.round(Number(m[4]) / 102.4) / 10,
  };
}

/** The total finding count and per-scanner elapsed ms of a JSON report text; nulls when it is not a report. */
export function reportFacts(
  reportText: string,
): { findings: number | null; scanners: Record<string, number> } {
  try {
    const r = JSON.parse(reportText);
    const n = r?.summary?.finding_count_total;
    const scanners: Record<string, number> = {};
    for (const x of Array.isArray(r?.results) ? r.results : []) {
      if (typeof x?.scanner === "string" && typeof x?.elapsed_ms === "number") {
        scanners[x.scanner] = x.elapsed_ms;
      }
    }
    return { findings: typeof n === "number" ? n : null, scanners };
  } catch {
    return { findings: null, scanners: {} };
  }
}

/** Summarizes runs into a case result. */
export function summarize(
  name: string,
  args: string[],
  runs: Sample[],
  startupMs: number | null,
): CaseResult {
  const wall = median(runs.map((r) => r.wall_ms));
  const cpus = runs.map((r) => r.cpu_ms).filter((x): x is number => x !== null);
  const rss = runs.map((r) => r.maxrss_mb).filter((x): x is number => x !== null);
  const findings = runs.map((r) => r.findings).filter((x): x is number => x !== null);
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.scanners)))];
  const perScanner = names
    .map((n) =>
      [n, Math.round(median(runs.map((r) => r.scanners[n]).filter((x) => x !== undefined)))] as const
    )
    .sort((a, b) => b[1] - a[1]);
  return {
    name,
    args,
    runs,
    median_wall_ms: Math.round(wall),
    median_cpu_ms: cpus.length ? Math.round(median(cpus)) : null,
    peak_rss_mb: rss.length ? Math.max(...rss) : null,
    findings: findings.length ? median(findings) : null,
    wall_minus_startup_ms: startupMs === null ? null : Math.round(wall - startupMs),
    scanner_ms: Object.fromEntries(perScanner),
  };
}

/**
 * Growth between scale points: the marginal cost per item (process + file) from the smallest to the middle
 * point and from the middle to the largest, in CPU ms (less disturbed by other load than wall time), and
 * whether the later slope stays within `TARGETS.superlinearRatio` of the earlier one.
 */
export function growth(points: readonly ScaleResult[]): {
  slopes_cpu_us_per_item: number[];
  slopes_wall_us_per_item: number[];
  ratio: number | null;
  linear: boolean | null;
} {
  const pts = [...points].sort((a, b) => a.scale - b.scale);
  const slope = (key: "median_cpu_ms" | "median_wall_ms") => {
    const out: number[] = [];
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1], b = pts[i];
      const dy = (b[key] ?? NaN) - (a[key] ?? NaN);
      const dx = b.processes + b.files - (a.processes + a.files);
      out.push(Math.round((dy * 1000 / dx) * 10) / 10);
    }
    return out;
  };
  const cpu = slope("median_cpu_ms");
  const wall = slope("median_wall_ms");
  if (cpu.length < 2 || cpu.some((x) => !Number.isFinite(x))) {
    return { slopes_cpu_us_per_item: cpu, slopes_wall_us_per_item: wall, ratio: null, linear: null };
  }
  const last = cpu[cpu.length - 1];
  const first = Math.max(cpu[0], 1);
  const ratio = Math.round((last / first) * 100) / 100;
  return {
    slopes_cpu_us_per_item: cpu,
    slopes_wall_us_per_item: wall,
    ratio,
    linear: ratio <= TARGETS.superlinearRatio,
  };
}

/** A pass/fail line of the target table. */
export interface TargetCheck {
  target: string;
  limit: string;
  measured: string;
  pass: boolean | null;
}

/** Evaluates the targets against the results (null = not measured in this run). */
export function evaluateTargets(cases: readonly CaseResult[], scale: readonly ScaleResult[]): TargetCheck[] {
  const find = (n: string) => cases.find((c) => c.name === n);
  const time = (target: string, name: string, limit: number): TargetCheck => {
    const c = find(name);
    return {
      target,
      limit: `< ${limit} ms`,
      measured: c
        ? `${c.median_wall_ms} ms (${c.wall_minus_startup_ms ?? "?"} ms without start-up)`
        : "not run",
      pass: c ? c.median_wall_ms < limit : null,
    };
  };
  // The memory target is about the three scans with time targets; package verification, YARA content
  // scanning and the synthetic growth roots are reported per case but judged by no target.
  const rss = ["fast", "default", "full"].map((n) => find(n)?.peak_rss_mb ?? null)
    .filter((x): x is number => x !== null);
  const g = growth(scale);
  return [
    time("--fast-scan median wall time", "fast", TARGETS.fastMs),
    time("default scan median wall time", "default", TARGETS.defaultMs),
    time("full scan (all but integrity and tracing) median wall time", "full", TARGETS.fullMs),
    {
      target: "peak memory of the fast, default and full scans",
      limit: `< ${TARGETS.peakRssMb} MB`,
      measured: rss.length ? `${Math.max(...rss)} MB` : "not measured",
      pass: rss.length ? Math.max(...rss) < TARGETS.peakRssMb : null,
    },
    {
      target: "growth with processes and files (marginal CPU per item, last vs first interval)",
      limit: `ratio ≤ ${TARGETS.superlinearRatio}`,
      measured: g.ratio === null
        ? "not run"
        : `${g.slopes_cpu_us_per_item.join(" → ")} µs/item (ratio ${g.ratio})`,
      pass: g.linear,
    },
  ];
}

function cell(x: number | null | undefined, unit = ""): string {
  return x === null || x === undefined ? "–" : `${x}${unit}`;
}

/** A target's verdict; a reference line (no limit) that ran is "for reference", not "not run". */
function verdict(t: { pass: boolean | null; limit: string; measured: string }): string {
  if (t.pass === null) {
    return t.limit === "–" && !t.measured.startsWith("skipped") ? "for reference" : "not run";
  }
  return t.pass ? "pass" : "**FAIL**";
}

function shortArgs(args: readonly string[]): string {
  const text = args.join(" ") || "(none)";
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function slowest(ms: Record<string, number>): string {
  const top = Object.entries(ms).slice(0, 3);
  return top.length ? top.map(([n, t]) => `${n} ${t} ms`).join(", ") : "–";
}

/** The Markdown report. */
export function markdown(r: BenchResults): string {
  const out = [
    `Measured ${r.date} on ${r.host.cpus} CPUs, kernel ${r.host.kernel}, Deno ${r.host.deno}, commit ${r.host.git_commit}; ` +
    `${r.reps} runs per case, medians; load average before/after ${r.host.loadavg_before} / ${r.host.loadavg_after}. ` +
    `Command: \`${r.command.join(" ")}\`.`,
    "",
    "| Target | Limit | Measured | Result |",
    "|---|---|---|---|",
    ...r.targets.map((t) => `| ${t.target} | ${t.limit} | ${t.measured} | ${verdict(t)} |`),
    "",
    "| Case | Arguments | Wall (median) | Wall − start-up | CPU (median) | Peak RSS | Findings | Slowest scanners in the run |",
    "|---|---|---|---|---|---|---|---|",
    ...r.cases.map((c) =>
      `| ${c.name} | \`${shortArgs(c.args)}\` | ${c.median_wall_ms} ms | ${
        cell(c.wall_minus_startup_ms, " ms")
      } | ${cell(c.median_cpu_ms, " ms")} | ${cell(c.peak_rss_mb, " MB")} | ${cell(c.findings)} | ${
        slowest(c.scanner_ms)
      } |`
    ),
    "",
  ];
  if (r.scale.length) {
    out.push(
      "Growth: the default scan of generated fake roots (`--root`), N fake processes and N files each.",
      "",
      "| Scale | Processes | Files | Wall (median) | CPU (median) | Peak RSS | Findings | Slowest scanners in the run |",
      "|---|---|---|---|---|---|---|---|",
      ...r.scale.map((s) =>
        `| ${s.scale}× | ${s.processes} | ${s.files} | ${s.median_wall_ms} ms | ${
          cell(s.median_cpu_ms, " ms")
        } | ${cell(s.peak_rss_mb, " MB")} | ${cell(s.findings)} | ${slowest(s.scanner_ms)} |`
      ),
      "",
      `Marginal cost per item between scale points: CPU ${
        r.growth.slopes_cpu_us_per_item.join(" → ")
      } µs, wall ${r.growth.slopes_wall_us_per_item.join(" → ")} µs.`,
      "",
    );
  }
  out.push(...yaraMarkdown(r.yara));
  out.push(
    r.trace.status === "ran"
      ? `Trace benchmarks (scripts/bench-trace.ts ${r.trace.mode}): see \`trace\` in results.json${
        r.trace.summary.length ? `; ${r.trace.summary.join("; ")}` : ""
      }.`
      : `Trace benchmarks: ${r.trace.status}${r.trace.detail ? ` (${r.trace.detail})` : ""}.`,
    "",
  );
  return out.join("\n");
}

/** Everything written to results.json. */
export interface BenchResults {
  date: string;
  reps: number;
  command: string[];
  host: {
    kernel: string;
    cpus: number;
    deno: string;
    git_commit: string;
    loadavg_before: string;
    loadavg_after: string;
  };
  targets: TargetCheck[];
  cases: CaseResult[];
  scale: ScaleResult[];
  growth: ReturnType<typeof growth>;
  /** The yara scanner against the yara CLI (absent when not asked for). */
  yara?: YaraComparison;
  trace: { status: string; mode: string; detail?: string; summary: string[]; result?: unknown };
}

function loadavg(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "?";
  }
}

function gitCommit(): string {
  const out = new Deno.Command("git", {
    args: ["rev-parse", "--short=12", "HEAD"],
    cwd: REPO,
    stdout: "piped",
    stderr: "null",
  })
    .outputSync();
  return out.success ? new TextDecoder().decode(out.stdout).trim() : "unknown";
}

/**
 * One command run under GNU time when it is installed: wall time, CPU time and peak RSS, exit code, stderr.
 * Its standard output is dropped, or written to `stdoutTo`.
 */
export async function timedRun(
  full: string[],
  tmp: string,
  stdoutTo?: string,
): Promise<
  { wall_ms: number; cpu_ms: number | null; maxrss_mb: number | null; code: number; stderr: string }
> {
  const timeFile = `${tmp}/time.txt`;
  const useTime = (() => {
    try {
      return Deno.statSync(GNU_TIME).isFile;
    } catch {
      return false;
    }
  })();
  const argv = useTime ? [GNU_TIME, "-f", "%e %U %S %M", "-o", timeFile, ...full] : full;
  const t0 = performance.now();
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: REPO,
    stdout: stdoutTo === undefined ? "null" : "piped",
    stderr: "piped",
  })
    .output();
  const wall = performance.now() - t0;
  if (stdoutTo !== undefined) Deno.writeFileSync(stdoutTo, out.stdout);
  const gt = useTime ? parseGnuTime(Deno.readTextFileSync(timeFile)) : null;
  return {
    wall_ms: Math.round(wall * 10) / 10,
    cpu_ms: gt?.cpu_ms ?? null,
    maxrss_mb: gt?.maxrss_mb ?? null,
    code: out.code,
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** Runs the program once with `args`, reading the report (when `report`) and GNU time's numbers. */
async function runOnce(
  prefix: string[],
  args: string[],
  report: boolean,
  tmp: string,
  stdoutTo?: string,
): Promise<Sample> {
  const reportFile = `${tmp}/report.json`;
  const full = [...prefix, ...args, ...(report ? ["--output", reportFile] : [])];
  const t = await timedRun(full, tmp, stdoutTo);
  let facts: ReturnType<typeof reportFacts> = { findings: null, scanners: {} };
  if (report) {
    try {
      facts = reportFacts(Deno.readTextFileSync(reportFile));
      Deno.removeSync(reportFile);
    } catch {
      // no report written: the exit code check below says why
    }
  }
  if (t.code !== 0 && t.code !== 1) {
    throw new Error(`${full.join(" ")} exited ${t.code}: ${t.stderr.slice(-500)}`);
  }
  return {
    wall_ms: t.wall_ms,
    cpu_ms: t.cpu_ms,
    maxrss_mb: t.maxrss_mb,
    findings: facts.findings,
    scanners: facts.scanners,
    exit: t.code,
  };
}

/**
 * Runs cases and the start-up measurement. One `--version` run precedes each case, so the start-up median is
 * taken across the whole benchmark (the machine's load changes during it) rather than at one moment.
 */
class Runner {
  readonly startupRuns: Sample[] = [];
  readonly pending: { name: string; args: string[]; runs: Sample[] }[] = [];

  constructor(readonly prefix: string[], readonly reps: number, readonly tmp: string) {}

  async startup(): Promise<void> {
    this.startupRuns.push(await runOnce(this.prefix, ["--version"], false, this.tmp));
  }

  async run(name: string, args: string[]): Promise<Sample[]> {
    await this.startup();
    const runs: Sample[] = [];
    for (let i = 0; i < this.reps; i++) runs.push(await runOnce(this.prefix, args, true, this.tmp));
    const r = summarize(name, args, runs, null);
    console.error(
      `bench: ${name.padEnd(28)} wall ${r.median_wall_ms} ms, cpu ${cell(r.median_cpu_ms)} ms, rss ${
        cell(r.peak_rss_mb)
      } MB`,
    );
    this.pending.push({ name, args, runs });
    return runs;
  }

  /** The start-up case and every case, with wall minus the start-up median. */
  results(): { startup: CaseResult; cases: Map<string, CaseResult> } {
    const startup = summarize("startup", ["--version"], this.startupRuns, null);
    const cases = new Map(
      this.pending.map((p) => [p.name, summarize(p.name, p.args, p.runs, startup.median_wall_ms)] as const),
    );
    return { startup, cases };
  }
}

/** Headline numbers of scripts/bench-trace.ts, by path in its JSON, with a label each. */
const TRACE_HEADLINES: [string, string][] = [
  ["attach.start_to_attached_ms_median", "start → attached (fresh process) ms"],
  ["attach.in_process_open_load_attach_ms", "in-process open+load+attach ms"],
  ["exec_storm.spawned", "exec storm: spawned"],
  ["exec_storm.received", "exec storm: received"],
  ["exec_storm.cpu_us_per_event", "exec storm: tracer CPU µs/event"],
  ["connect_storm.flood_default_limit.received_per_s", "connect flood (default rate limit): received/s"],
  ["connect_storm.flood_limit_lifted.received_per_s", "connect flood (limit lifted): received/s"],
  ["getppid_ns.connect_tp_btf_sys_enter.overhead_ns", "syscall overhead with the sys_enter hook ns"],
];

function at(v: unknown, path: string): unknown {
  let cur = v;
  for (const k of path.split(".")) {
    if (!cur || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** The headline numbers present in a bench-trace result ("label value"). */
export function traceSummary(result: unknown): string[] {
  return TRACE_HEADLINES.flatMap(([path, label]) => {
    const v = at(result, path);
    return typeof v === "number" ? [`${label} ${v}`] : [];
  });
}

async function runTrace(mode: string): Promise<BenchResults["trace"]> {
  const script = `${REPO}scripts/bench-trace.ts`;
  try {
    Deno.statSync(script);
  } catch {
    return { status: "absent", mode, detail: "scripts/bench-trace.ts is not in this tree", summary: [] };
  }
  if (Deno.uid() !== 0) return { status: "skipped", mode, detail: "needs root", summary: [] };
  console.error(`bench: running scripts/bench-trace.ts ${mode} …`);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, mode],
    cwd: REPO,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) return { status: "failed", mode, detail: `exit ${out.code}`, summary: [] };
  try {
    const result = JSON.parse(text);
    return { status: "ran", mode, summary: traceSummary(result), result };
  } catch {
    return { status: "failed", mode, detail: "its output is not JSON", summary: [] };
  }
}

/** Names of the scanners in the full case: all but package verification and tracing. */
export function fullScanners(names: readonly string[]): string[] {
  return names.filter((n) => n !== "integrity" && n !== "ebpf_exec_trace");
}

/** What `--ratios` writes to results.json. */
export interface RatioBench {
  date: string;
  command: string[];
  host: BenchResults["host"];
  targets: TargetCheck[];
  ratios: RatioResults;
  yara: YaraComparison;
}

/** The machine, the commit and the load average before (given) and now. */
function hostFacts(before: string): BenchResults["host"] {
  return {
    kernel: Deno.osRelease(),
    cpus: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    git_commit: gitCommit(),
    loadavg_before: before,
    loadavg_after: loadavg(),
  };
}

/** The C++ sys-scan: `--legacy-exe`, or a `sys-scan` on PATH that is not a Deno program; null when none. */
function findLegacy(given: string | undefined): string | null {
  if (given) return given;
  const exe = onPath("sys-scan");
  if (exe === null) return null;
  const out = new Deno.Command(exe, { args: ["--version"], stdout: "piped", stderr: "null" }).outputSync();
  return new TextDecoder().decode(out.stdout).includes("deno:") ? null : exe;
}

/** `--ratios`: only the comparisons of issue 17 (scripts/bench_ratios.ts) and the YARA one, then the Markdown. */
async function ratiosMode(
  prefix: string[],
  reps: number,
  integrityReps: number,
  values: { out: string; exe?: string; "yara-tree": string; "legacy-exe"?: string },
  tmp: string,
  before: string,
): Promise<number> {
  const log = (line: string) => console.error(line);
  const summarizeRuns = (name: string, args: string[], runs: Sample[]) => summarize(name, args, runs, null);
  const ratios = await runRatios({
    run: (argv, opts) => runOnce(argv.slice(0, 1), argv.slice(1), false, tmp, opts?.stdoutTo),
    summarize: summarizeRuns,
    log,
    memory: (argv) => memorySplit(argv),
  }, {
    prefix,
    deno: Deno.execPath(),
    reps,
    integrityReps: Number.isInteger(integrityReps) && integrityReps > 0 ? integrityReps : 2,
    legacy: findLegacy(values["legacy-exe"]),
    dpkg: onPath("dpkg"),
    tmp,
  });
  const yara = await compareYara({
    runOurs: (args) => runOnce(prefix, args, true, tmp),
    runTool: (argv) => runOnce(argv.slice(0, 1), argv.slice(1), false, tmp),
    summarize: summarizeRuns,
    log,
  }, { rulesDir: `${REPO}rules/yara`, tree: values["yara-tree"], reps, cli: findYaraCli() });
  const result: RatioBench = {
    date: new Date().toISOString(),
    command: values.exe ? [values.exe] : ["deno", "run", "-A", V8_FLAGS_OPTION, "main.ts"],
    host: hostFacts(before),
    targets: [...ratioTargets(ratios), ...yaraTargets(yara)],
    ratios,
    yara,
  };
  const md = [
    `Measured ${result.date} on ${result.host.cpus} CPUs, kernel ${result.host.kernel}, Deno ${result.host.deno}, ` +
    `commit ${result.host.git_commit}; load average before/after ${before} / ${result.host.loadavg_after}. ` +
    `Command: \`deno run -A scripts/bench.ts --ratios --reps ${reps} --integrity-reps ${integrityReps}\`.`,
    "",
    "| Target | Limit | Measured | Result |",
    "|---|---|---|---|",
    ...result.targets.map((t) => `| ${t.target} | ${t.limit} | ${t.measured} | ${verdict(t)} |`),
    "",
    ...ratiosMarkdown(ratios),
    ...yaraMarkdown(yara),
  ].join("\n");
  Deno.mkdirSync(values.out, { recursive: true });
  Deno.writeTextFileSync(`${values.out}/ratios.json`, JSON.stringify(result, null, 2) + "\n");
  Deno.writeTextFileSync(`${values.out}/ratios.md`, md);
  console.log(md);
  return 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      reps: { type: "string", default: "5" },
      out: { type: "string", default: `${REPO}dist/bench` },
      base: { type: "string", default: "200" },
      scales: { type: "string", default: "1,10,100" },
      only: { type: "string" },
      "no-scale": { type: "boolean" },
      "no-trace": { type: "boolean" },
      "trace-mode": { type: "string", default: "all" },
      exe: { type: "string" },
      "yara-tree": { type: "string", default: DEFAULT_YARA_TREE },
      ratios: { type: "boolean" },
      "integrity-reps": { type: "string", default: "2" },
      "legacy-exe": { type: "string" },
    },
    strict: true,
  });
  const reps = Number(values.reps);
  const base = Number(values.base);
  const scales = values.scales.split(",").map(Number);
  if (
    !Number.isInteger(reps) || reps < 1 || !Number.isInteger(base) || base < 1 ||
    scales.some((s) => !(s >= 1))
  ) {
    console.error("bench: --reps, --base and --scales take positive integers");
    return 2;
  }
  const only = values.only ? new Set(values.only.split(",")) : null;
  const want = (n: string) => only === null || only.has(n);
  const prefix = values.exe
    ? [values.exe]
    : [Deno.execPath(), "run", "-A", "--cached-only", V8_FLAGS_OPTION, `${REPO}main.ts`];
  const tmp = Deno.makeTempDirSync({ prefix: "sys-scan-bench-" });
  const before = loadavg();
  if (values.ratios) {
    try {
      return await ratiosMode(prefix, reps, Number(values["integrity-reps"]), values, tmp, before);
    } finally {
      Deno.removeSync(tmp, { recursive: true });
    }
  }
  const cases: CaseResult[] = [];
  const scale: ScaleResult[] = [];
  let yara: YaraComparison | undefined;
  try {
    const names = SCANNERS.map((s) => s.name);
    const runner = new Runner(prefix, reps, tmp);
    for (let i = 0; i < reps; i++) await runner.startup();
    if (want("fast")) await runner.run("fast", ["--fast-scan"]);
    if (want("default")) await runner.run("default", []);
    if (want("full")) await runner.run("full", ["--enable", fullScanners(names).join(",")]);
    for (const n of names.filter((n) => n !== "ebpf_exec_trace")) {
      // YARA without rules only skips; alone it scans its default roots with the shipped sample rules.
      const extra = n === "yara" ? ["--yara-rules", `${REPO}rules/yara`] : [];
      if (want(`scanner:${n}`)) await runner.run(`scanner:${n}`, ["--enable", n, ...extra]);
    }
    const made = new Map<number, { processes: number; files: number }>();
    if (!values["no-scale"] && (only === null || only.has("scale"))) {
      for (const s of scales) {
        const root = `${tmp}/root-${s}`;
        made.set(s, generateFixtureRoot(root, base * s));
        await runner.run(`scale:${s}x`, ["--root", root]);
        Deno.removeSync(root, { recursive: true });
      }
    }
    if (want("yara-cli")) {
      yara = await compareYara({
        runOurs: (args) => runOnce(prefix, args, true, tmp),
        runTool: (argv) => runOnce(argv.slice(0, 1), argv.slice(1), false, tmp),
        summarize: (name, args, runs) => summarize(name, args, runs, null),
        log: (line) => console.error(line),
      }, { rulesDir: `${REPO}rules/yara`, tree: values["yara-tree"], reps, cli: findYaraCli() });
    }
    const all = runner.results();
    console.error(
      `bench: ${"startup".padEnd(28)} wall ${all.startup.median_wall_ms} ms (median of all start-up runs)`,
    );
    cases.push(all.startup);
    for (const [name, c] of all.cases) {
      const s = Number(/^scale:(\d+)x$/.exec(name)?.[1]);
      if (Number.isFinite(s) && made.has(s)) {
        scale.push({ ...c, args: ["--root", `<fake root ${s}×>`], scale: s, ...made.get(s)! });
      } else cases.push(c);
    }
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
  const trace = values["no-trace"]
    ? { status: "skipped", mode: values["trace-mode"], detail: "--no-trace", summary: [] }
    : await runTrace(values["trace-mode"]);
  const results: BenchResults = {
    date: new Date().toISOString(),
    reps,
    command: values.exe ? [values.exe] : ["deno", "run", "-A", V8_FLAGS_OPTION, "main.ts"],
    host: hostFacts(before),
    targets: [...evaluateTargets(cases, scale), ...(yara ? yaraTargets(yara) : [])],
    cases,
    scale,
    growth: growth(scale),
    ...(yara ? { yara } : {}),
    trace,
  };
  Deno.mkdirSync(values.out, { recursive: true });
  Deno.writeTextFileSync(`${values.out}/results.json`, JSON.stringify(results, null, 2) + "\n");
  const md = markdown(results);
  Deno.writeTextFileSync(`${values.out}/results.md`, md);
  console.log(md);
  return 0;
}

if (import.meta.main) Deno.exit(await main());
