/**
 * The YARA line of scripts/bench.ts: the yara scanner against the `yara` command-line tool (Debian's and
 * RHEL's `yara` package) on the same rules (the shipped samples, rules/yara) and the same tree, runs
 * interleaved so that both see the same load. Both skip files over the scanner's size cap (`-z`) and neither
 * follows symlinks (`-N`), so they read the same files. Skipped, with a printed line, where `yara` is not
 * installed.
 */
import type { CaseResult, Sample, TargetCheck } from "./bench.ts";

/** Limits: wall time at most this many times the CLI's, and peak memory of the scan. */
export const YARA_TARGETS = { wallRatio: 1.5, peakRssMb: 120 } as const;

/** The tree scanned by default: real programs and scripts, present on every Debian and RHEL host. */
export const DEFAULT_YARA_TREE = "/usr/bin";

/** The scanner's default --yara-max-file-size, in MiB, used for both sides. */
export const YARA_CAP_MIB = 32;

/** The outcome of the comparison. */
export interface YaraComparison {
  tree: string;
  /** Why it did not run (no CLI, no tree), or undefined. */
  skipped?: string;
  ours?: CaseResult;
  theirs?: CaseResult;
  /** sys-scan with the same rules over an empty directory: start-up, libyara and the compile, no files. */
  fixed?: CaseResult;
  /** Median wall of sys-scan over the CLI's (null when not run). */
  wall_ratio: number | null;
  /** Median CPU (user + system) of sys-scan over the CLI's. */
  cpu_ratio: number | null;
}

/** What the comparison needs from the benchmark: running each side once, and summarizing runs. */
export interface YaraBenchDeps {
  /** Runs sys-scan once with these arguments (its report read). */
  runOurs(args: string[]): Promise<Sample>;
  /** Runs a command once (argv[0] is the program). */
  runTool(argv: string[]): Promise<Sample>;
  summarize(name: string, args: string[], runs: Sample[]): CaseResult;
  log(line: string): void;
}

/** The `yara` executable on PATH, or null. */
export function findYaraCli(path: string = Deno.env.get("PATH") ?? ""): string | null {
  for (const dir of path.split(":").filter((d) => d !== "")) {
    try {
      const st = Deno.statSync(`${dir}/yara`);
      if (st.isFile && ((st.mode ?? 0) & 0o111) !== 0) return `${dir}/yara`;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** The rule files of a rules directory, sorted, as both sides load them. */
export function ruleFiles(dir: string): string[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && /\.(yar|yara)$/i.test(e.name))
    .map((e) => `${dir.replace(/\/+$/, "")}/${e.name}`)
    .sort();
}

/** The two command lines: sys-scan's arguments and the CLI's argv. */
export function yaraCommands(
  rulesDir: string,
  tree: string,
  cli: string,
): { ours: string[]; theirs: string[] } {
  return {
    ours: [
      "--enable",
      "yara",
      "--yara-rules",
      rulesDir,
      "--yara-roots",
      tree,
      "--yara-max-file-size",
      String(YARA_CAP_MIB),
    ],
    theirs: [cli, "-r", "-N", "-w", "-z", String(YARA_CAP_MIB * (1 << 20)), ...ruleFiles(rulesDir), tree],
  };
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b <= 0) return null;
  return Math.round((a / b) * 100) / 100;
}

/** Runs both sides `reps` times, alternating, and compares the medians. */
export async function compareYara(
  deps: YaraBenchDeps,
  opts: { rulesDir: string; tree: string; reps: number; cli: string | null },
): Promise<YaraComparison> {
  const none = { tree: opts.tree, wall_ratio: null, cpu_ratio: null };
  if (opts.cli === null) {
    const skipped = "the yara command is not installed (apt-get install yara, or dnf install yara from EPEL)";
    deps.log(`bench: YARA comparison skipped: ${skipped}`);
    return { ...none, skipped };
  }
  try {
    if (!Deno.statSync(opts.tree).isDirectory) throw new Error("not a directory");
  } catch (e) {
    const skipped = `the tree ${opts.tree} cannot be scanned: ${e instanceof Error ? e.message : e}`;
    deps.log(`bench: YARA comparison skipped: ${skipped}`);
    return { ...none, skipped };
  }
  const cmd = yaraCommands(opts.rulesDir, opts.tree, opts.cli);
  const empty = Deno.makeTempDirSync({ prefix: "sys-scan-bench-empty-" });
  const fixedArgs = yaraCommands(opts.rulesDir, empty, opts.cli).ours;
  const ourRuns: Sample[] = [];
  const theirRuns: Sample[] = [];
  const fixedRuns: Sample[] = [];
  try {
    // One run of each first, not counted: both read the tree into the page cache.
    await deps.runTool(cmd.theirs);
    await deps.runOurs(cmd.ours);
    for (let i = 0; i < opts.reps; i++) {
      theirRuns.push(await deps.runTool(cmd.theirs));
      ourRuns.push(await deps.runOurs(cmd.ours));
      fixedRuns.push(await deps.runOurs(fixedArgs));
    }
  } finally {
    Deno.removeSync(empty, { recursive: true });
  }
  const ours = deps.summarize("yara:sys-scan", cmd.ours, ourRuns);
  const theirs = deps.summarize("yara:cli", cmd.theirs, theirRuns);
  const fixed = deps.summarize(
    "yara:sys-scan, empty tree",
    [...fixedArgs.slice(0, -3), "<empty dir>"],
    fixedRuns,
  );
  const c: YaraComparison = {
    tree: opts.tree,
    ours,
    theirs,
    fixed,
    wall_ratio: ratio(ours.median_wall_ms, theirs.median_wall_ms),
    cpu_ratio: ratio(ours.median_cpu_ms, theirs.median_cpu_ms),
  };
  deps.log(
    `bench: yara vs CLI on ${opts.tree}: ${ours.median_wall_ms} ms vs ${theirs.median_wall_ms} ms (×${c.wall_ratio}), ` +
      `rss ${ours.peak_rss_mb ?? "?"} MiB vs ${theirs.peak_rss_mb ?? "?"} MiB; ` +
      `empty tree ${fixed.median_wall_ms} ms, ${fixed.peak_rss_mb ?? "?"} MiB`,
  );
  return c;
}

/** The two target lines (wall ratio, peak memory); not run when the comparison was skipped or absent. */
export function yaraTargets(c: YaraComparison | null | undefined): TargetCheck[] {
  const why = c?.skipped ? `skipped: ${c.skipped}` : "not run";
  const rss = c?.ours?.peak_rss_mb ?? null;
  return [
    {
      target: `yara scanner vs the yara CLI (\`yara -r\`), same rules and tree${
        c ? ` (${c.tree})` : ""
      }, median wall`,
      limit: `ratio ≤ ${YARA_TARGETS.wallRatio}`,
      measured: c?.wall_ratio != null
        ? `${c.ours!.median_wall_ms} ms vs ${c.theirs!.median_wall_ms} ms (ratio ${c.wall_ratio}; CPU ratio ${
          c.cpu_ratio ?? "?"
        })`
        : why,
      pass: c?.wall_ratio != null ? c.wall_ratio <= YARA_TARGETS.wallRatio : null,
    },
    {
      target: "yara scanner peak memory (same run)",
      limit: `≤ ${YARA_TARGETS.peakRssMb} MiB`,
      measured: rss !== null
        ? `${rss} MiB (the CLI: ${c?.theirs?.peak_rss_mb ?? "?"} MiB)`
        : c?.ours
        ? "not measured (no GNU time)"
        : why,
      pass: rss !== null ? rss <= YARA_TARGETS.peakRssMb : null,
    },
  ];
}

/** Markdown lines describing the comparison (the commands), for results.md. */
export function yaraMarkdown(c: YaraComparison | null | undefined): string[] {
  if (!c) return [];
  if (c.skipped) return [`YARA comparison: skipped (${c.skipped}).`, ""];
  const row = (what: string, r: CaseResult) =>
    `| ${what} | ${r.median_wall_ms} ms | ${r.median_cpu_ms ?? "–"} ms | ${r.peak_rss_mb ?? "–"} MiB |`;
  return [
    `YARA comparison on ${c.tree}, runs alternating: sys-scan \`${c.ours!.args.join(" ")}\` ` +
    `(${c.ours!.findings ?? "?"} findings) against \`${c.theirs!.args.join(" ")}\`.`,
    "",
    "| Run | Wall (median) | CPU (median) | Peak RSS |",
    "|---|---|---|---|",
    row("sys-scan, yara scanner", c.ours!),
    row("yara CLI", c.theirs!),
    ...(c.fixed ? [row("sys-scan, same rules, empty tree (start-up, libyara, compile)", c.fixed)] : []),
    "",
  ];
}
