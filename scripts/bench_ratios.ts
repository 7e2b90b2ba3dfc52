/**
 * The ratios of issue 17, measured in one run with alternating runs (`scripts/bench.ts --ratios`): sys-scan
 * against what a responder would otherwise run on the same host at the same moment. Start-up (`--version`) and
 * `--fast-scan` against a hello-world `deno run` (written to a temporary directory, so no project
 * configuration is read), `--fast-scan` against the old C++ sys-scan where one is installed, the default
 * scan's peak memory, package verification (`--enable integrity --integrity`) against `dpkg --verify` with the
 * sets of modified and missing files compared, and the yara scanner against `yara -r` (scripts/bench_yara.ts).
 * A comparison whose tool is not installed is skipped with a printed line.
 */
import type { CaseResult, Sample, TargetCheck } from "./bench.ts";
import type { MemorySplit } from "./bench_memory.ts";

/** The targets, as ratios of the other tool's median and peak memory in MiB. */
export const RATIO_TARGETS = {
  versionX: 2,
  fastX: 4,
  fastRssMib: 60,
  defaultRssMib: 120,
  integrityX: 1.0,
  integrityRssMib: 100,
} as const;

/** A hello-world program, the smallest thing `deno run` can start. */
export const HELLO_SOURCE = 'console.log("hello, world");\n';

/** One comparison: our runs against the other tool's, or why it was skipped. */
export interface Pair {
  name: string;
  ours?: CaseResult;
  theirs?: CaseResult;
  /** Median wall and CPU of ours over theirs (null when not run). */
  wall_ratio: number | null;
  cpu_ratio: number | null;
  skipped?: string;
}

/** What `dpkg --verify` and the integrity scanner reported, compared as sets of "modified|missing path". */
export interface SetComparison {
  dpkg: number;
  ours: number;
  /** In dpkg's set only, and in ours only (the first 20 of each). */
  only_dpkg: string[];
  only_ours: string[];
  same: boolean;
}

/** Everything the ratios mode measured. */
export interface RatioResults {
  reps: number;
  hello: CaseResult;
  version: Pair;
  fast: Pair;
  /** `--enable mounts`, a scan that reads almost nothing (the floor under any scan), against hello-world. */
  floor?: Pair;
  legacy_fast: Pair;
  default_scan?: CaseResult;
  integrity: Pair;
  integrity_sets?: SetComparison;
  /** Where the peak memory of one run of each goes (scripts/bench_memory.ts). */
  memory?: { name: string; split: MemorySplit }[];
}

/** One run of a command (argv[0] is the program), with its stdout kept in a file when `stdoutTo` is given. */
export type RunCommand = (argv: string[], opts?: { stdoutTo?: string }) => Promise<Sample>;

/** What the ratios mode needs from the benchmark. */
export interface RatioDeps {
  run: RunCommand;
  summarize(name: string, args: string[], runs: Sample[]): CaseResult;
  log(line: string): void;
  /** One run of a command with its peak memory split (scripts/bench_memory.ts memorySplit). */
  memory(argv: string[]): Promise<MemorySplit>;
}

/** Options of the ratios mode. */
export interface RatioOptions {
  /** sys-scan's command prefix (`deno run -A main.ts` or a compiled executable). */
  prefix: string[];
  /** The `deno` of the hello-world run. */
  deno: string;
  reps: number;
  /** Runs per side of the (slow) package verification comparison. */
  integrityReps: number;
  /** The old C++ sys-scan, or null. */
  legacy: string | null;
  /** `dpkg`, or null when not installed. */
  dpkg: string | null;
  tmp: string;
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b <= 0) return null;
  return Math.round((a / b) * 100) / 100;
}

/** A pair from two summarized cases. */
export function pair(name: string, ours: CaseResult, theirs: CaseResult): Pair {
  return {
    name,
    ours,
    theirs,
    wall_ratio: ratio(ours.median_wall_ms, theirs.median_wall_ms),
    cpu_ratio: ratio(ours.median_cpu_ms, theirs.median_cpu_ms),
  };
}

/** `dpkg --verify` output as a set of "modified PATH" / "missing PATH" (lines it does not explain are left out). */
export function dpkgVerifySet(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /^(missing|[?.\w]{9}) +(?:c )?(\/.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === "missing") out.add(`missing ${m[2]}`);
    else if (m[1][2] === "5") out.add(`modified ${m[2]}`);
  }
  return out;
}

/** The integrity scanner's per-file findings of a JSON report as the same kind of set (conffiles included). */
export function reportVerifySet(reportText: string): Set<string> {
  const out = new Set<string>();
  const r = JSON.parse(reportText);
  for (const res of Array.isArray(r?.results) ? r.results : []) {
    if (res?.scanner !== "integrity") continue;
    for (const f of Array.isArray(res.findings) ? res.findings : []) {
      const m = /^integrity\.(?:pkg_file|conffile)\.(modified|missing)$/.exec(String(f?.check_id));
      const path = f?.metadata?.path;
      if (m && typeof path === "string") out.add(`${m[1]} ${path}`);
    }
  }
  return out;
}

/** Compares the two sets. */
export function compareSets(dpkg: ReadonlySet<string>, ours: ReadonlySet<string>): SetComparison {
  const onlyDpkg = [...dpkg].filter((x) => !ours.has(x)).sort();
  const onlyOurs = [...ours].filter((x) => !dpkg.has(x)).sort();
  return {
    dpkg: dpkg.size,
    ours: ours.size,
    only_dpkg: onlyDpkg.slice(0, 20),
    only_ours: onlyOurs.slice(0, 20),
    same: onlyDpkg.length === 0 && onlyOurs.length === 0,
  };
}

/** The first executable `name` on PATH, or null. */
export function onPath(name: string, path: string = Deno.env.get("PATH") ?? ""): string | null {
  for (const dir of path.split(":").filter((d) => d !== "")) {
    try {
      const st = Deno.statSync(`${dir}/${name}`);
      if (st.isFile && ((st.mode ?? 0) & 0o111) !== 0) return `${dir}/${name}`;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** Runs each command once per round, in turn, for `reps` rounds; the runs of each, in command order. */
async function alternate(run: RunCommand, argvs: string[][], reps: number): Promise<Sample[][]> {
  const runs = argvs.map(() => [] as Sample[]);
  for (let i = 0; i < reps; i++) {
    for (let k = 0; k < argvs.length; k++) runs[k].push(await run(argvs[k]));
  }
  return runs;
}

function skippedPair(name: string, why: string, log: (l: string) => void): Pair {
  log(`bench: ${name} skipped: ${why}`);
  return { name, wall_ratio: null, cpu_ratio: null, skipped: why };
}

function logPair(p: Pair, log: (l: string) => void): void {
  if (!p.ours || !p.theirs) return;
  log(
    `bench: ${p.name}: ${p.ours.median_wall_ms} ms vs ${p.theirs.median_wall_ms} ms (wall ×${p.wall_ratio}, ` +
      `CPU ×${p.cpu_ratio}), peak RSS ${p.ours.peak_rss_mb ?? "?"} vs ${p.theirs.peak_rss_mb ?? "?"} MiB`,
  );
}

/** Measures every ratio (see the module comment). */
export async function runRatios(deps: RatioDeps, opts: RatioOptions): Promise<RatioResults> {
  const { run, summarize, log } = deps;
  const hello = `${opts.tmp}/hello/hello.ts`;
  Deno.mkdirSync(`${opts.tmp}/hello`, { recursive: true });
  Deno.writeTextFileSync(hello, HELLO_SOURCE);
  const helloArgv = [opts.deno, "run", hello];
  const versionArgv = [...opts.prefix, "--version"];
  const fastArgv = [...opts.prefix, "--fast-scan", "--output", `${opts.tmp}/fast.json`];
  const floorArgv = [...opts.prefix, "--enable", "mounts", "--output", `${opts.tmp}/mounts.json`];
  const starts = [helloArgv, versionArgv, floorArgv, fastArgv];
  // One uncounted round first: every program's modules are in the page cache before anything is counted.
  await alternate(run, starts, 1);
  const [h, v, m, f] = await alternate(run, starts, opts.reps);
  const helloCase = summarize("hello-world deno run", [hello], h);
  const version = pair("--version vs hello-world", summarize("--version", ["--version"], v), helloCase);
  const floor = pair(
    "--enable mounts vs hello-world",
    summarize("--enable mounts", floorArgv.slice(-4, -2), m),
    helloCase,
  );
  const fast = pair("--fast-scan vs hello-world", summarize("--fast-scan", ["--fast-scan"], f), helloCase);
  logPair(version, log);
  logPair(floor, log);
  logPair(fast, log);

  let legacy: Pair;
  if (opts.legacy === null) {
    legacy = skippedPair("--fast-scan vs the C++ sys-scan", "the C++ sys-scan is not installed", log);
  } else {
    const [o, t] = await alternate(run, [fastArgv, [opts.legacy, "--fast-scan"]], opts.reps);
    legacy = pair(
      "--fast-scan vs the C++ sys-scan",
      summarize("--fast-scan", ["--fast-scan"], o),
      summarize("C++ sys-scan --fast-scan", [opts.legacy, "--fast-scan"], t),
    );
    logPair(legacy, log);
  }

  const [d] = await alternate(run, [[...opts.prefix, "--output", `${opts.tmp}/default.json`]], opts.reps);
  const defaultScan = summarize("default scan", [], d);
  log(
    `bench: default scan: ${defaultScan.median_wall_ms} ms, peak RSS ${defaultScan.peak_rss_mb ?? "?"} MiB`,
  );

  // One run each, sampled: what part of the peak is the deno executable's own pages, what the isolates' memory.
  const memory: { name: string; split: MemorySplit }[] = [];
  for (
    const [name, argv] of [
      ["hello-world `deno run`", helloArgv],
      ["`--version`", versionArgv],
      ["`--enable mounts` (a scan that reads almost nothing)", floorArgv],
      ["`--fast-scan`", fastArgv],
      ["default scan", [...opts.prefix, "--output", `${opts.tmp}/default.json`]],
    ] as const
  ) {
    const split = await deps.memory([...argv]);
    memory.push({ name, split });
    log(
      `bench: memory of ${name}: peak ${split.peak} MiB = executable ${split.executable} + anonymous ${split.anonymous}` +
        ` + libraries ${split.libraries} + other ${split.other}`,
    );
  }

  let integrity: Pair;
  let sets: SetComparison | undefined;
  if (opts.dpkg === null) {
    integrity = skippedPair("integrity vs dpkg --verify", "dpkg is not installed", log);
  } else {
    const report = `${opts.tmp}/integrity.json`;
    const dpkgOut = `${opts.tmp}/dpkg-verify.txt`;
    const oursArgs = [
      "--enable",
      "integrity",
      "--integrity",
      "--integrity-pkg-limit",
      "0",
      "--output",
      report,
    ];
    const o: Sample[] = [];
    const t: Sample[] = [];
    for (let i = 0; i < opts.integrityReps; i++) {
      t.push(await run([opts.dpkg, "--verify"], { stdoutTo: dpkgOut }));
      o.push(await run([...opts.prefix, ...oursArgs]));
    }
    integrity = pair(
      "integrity vs dpkg --verify",
      summarize("--enable integrity --integrity", oursArgs.slice(0, 5), o),
      summarize("dpkg --verify", [opts.dpkg, "--verify"], t),
    );
    logPair(integrity, log);
    try {
      sets = compareSets(
        dpkgVerifySet(Deno.readTextFileSync(dpkgOut)),
        reportVerifySet(Deno.readTextFileSync(report)),
      );
      log(
        `bench: integrity sets: dpkg ${sets.dpkg}, ours ${sets.ours}, ${
          sets.same
            ? "the same"
            : `differ (${sets.only_dpkg.length} dpkg only, ${sets.only_ours.length} ours only)`
        }`,
      );
    } catch (e) {
      log(`bench: integrity sets not compared: ${e instanceof Error ? e.message : e}`);
    }
  }
  return {
    reps: opts.reps,
    hello: helloCase,
    version,
    fast,
    floor,
    legacy_fast: legacy,
    default_scan: defaultScan,
    integrity,
    ...(sets ? { integrity_sets: sets } : {}),
    memory,
  };
}

function ratioCheck(target: string, p: Pair, limit: number): TargetCheck {
  return {
    target,
    limit: `ratio ≤ ${limit}`,
    measured: p.skipped
      ? `skipped: ${p.skipped}`
      : p.wall_ratio === null
      ? "not run"
      : `${p.ours!.median_wall_ms} ms vs ${p.theirs!.median_wall_ms} ms (wall ×${p.wall_ratio}, CPU ×${
        p.cpu_ratio ?? "?"
      })`,
    pass: p.wall_ratio === null ? null : p.wall_ratio <= limit,
  };
}

function rssCheck(target: string, c: CaseResult | undefined, limit: number): TargetCheck {
  const rss = c?.peak_rss_mb ?? null;
  return {
    target,
    limit: `≤ ${limit} MiB`,
    measured: rss === null ? (c ? "not measured (no GNU time)" : "not run") : `${rss} MiB`,
    pass: rss === null ? null : rss <= limit,
  };
}

/** The target lines of the ratios mode. */
export function ratioTargets(r: RatioResults): TargetCheck[] {
  const t = RATIO_TARGETS;
  const checks = [
    ratioCheck("`--version` vs a hello-world `deno run`", r.version, t.versionX),
    ratioCheck("`--fast-scan` vs a hello-world `deno run`", r.fast, t.fastX),
    ...(r.floor
      ? [{
        ...ratioCheck(
          "`--enable mounts`, a scan that reads almost nothing, vs a hello-world `deno run` (no target; the floor under " +
            "`--fast-scan`)",
          r.floor,
          Infinity,
        ),
        limit: "–",
        pass: null,
      }]
      : []),
    rssCheck("`--fast-scan` peak RSS", r.fast.ours, t.fastRssMib),
    {
      ...ratioCheck("`--fast-scan` vs the C++ sys-scan (no target; for reference)", r.legacy_fast, Infinity),
      limit: "–",
      pass: null,
    },
    rssCheck("default scan peak RSS", r.default_scan, t.defaultRssMib),
    ratioCheck("`--enable integrity --integrity` vs `dpkg --verify`", r.integrity, t.integrityX),
    rssCheck("`--enable integrity --integrity` peak RSS", r.integrity.ours, t.integrityRssMib),
  ];
  if (r.integrity_sets) {
    const s = r.integrity_sets;
    checks.push({
      target: "integrity reports the same modified and missing files as `dpkg --verify`",
      limit: "same set",
      measured: s.same
        ? `the same ${s.dpkg} files`
        : `dpkg ${s.dpkg}, ours ${s.ours}; dpkg only: ${
          s.only_dpkg.slice(0, 3).join(", ") || "none"
        }; ours only: ${s.only_ours.slice(0, 3).join(", ") || "none"}`,
      pass: s.same,
    });
  }
  return checks;
}

/** Markdown lines: every run's medians in one table. */
export function ratiosMarkdown(r: RatioResults): string[] {
  const row = (what: string, c: CaseResult | undefined) =>
    c
      ? [
        `| ${what} | ${c.median_wall_ms} ms | ${c.median_cpu_ms ?? "–"} ms | ${
          c.peak_rss_mb ?? "–"
        } MiB | ${c.runs.length} |`,
      ]
      : [];
  return [
    `Ratios (issue 17), alternating runs, ${r.reps} per case (package verification ${
      r.integrity.ours?.runs.length ?? 0
    } per side):`,
    "",
    "| Run | Wall (median) | CPU (median) | Peak RSS | Runs |",
    "|---|---|---|---|---|",
    ...row("hello-world `deno run`", r.hello),
    ...row("`--version`", r.version.ours),
    ...row("`--enable mounts` (a scan that reads almost nothing)", r.floor?.ours),
    ...row("`--fast-scan`", r.fast.ours),
    ...row("C++ sys-scan `--fast-scan`", r.legacy_fast.theirs),
    ...row("default scan", r.default_scan),
    ...row("`--enable integrity --integrity`", r.integrity.ours),
    ...row("`dpkg --verify`", r.integrity.theirs),
    "",
    ...[r.legacy_fast, r.integrity].filter((p) => p.skipped).map((p) => `${p.name}: skipped (${p.skipped}).`),
    "",
    ...(r.memory && r.memory.length > 0
      ? [
        "Where the peak memory goes (one run each, /proc/<pid>/smaps sampled every 10 ms; MiB):",
        "",
        "| Run | Peak | The executable's pages | Anonymous | Libraries | Other files |",
        "|---|---|---|---|---|---|",
        ...r.memory.map(({ name, split: m }) =>
          `| ${name} | ${m.peak} | ${m.executable} | ${m.anonymous} | ${m.libraries} | ${m.other} |`
        ),
        "",
      ]
      : []),
  ];
}
