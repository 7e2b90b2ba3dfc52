import assert from "node:assert/strict";
import { type CaseResult, type Sample, summarize } from "../../scripts/bench.ts";
import {
  compareYara,
  findYaraCli,
  ruleFiles,
  YARA_CAP_MIB,
  yaraCommands,
  yaraMarkdown,
  yaraTargets,
} from "../../scripts/bench_yara.ts";
import { makeTree } from "../helpers.ts";

function sample(wall: number, cpu: number, rss: number): Sample {
  return { wall_ms: wall, cpu_ms: cpu, maxrss_mb: rss, findings: 0, scanners: {}, exit: 0 };
}

Deno.test("findYaraCli: the first executable yara on PATH; none is null", () => {
  using t = makeTree({
    "a/yara": { content: "#!/bin/sh\n", mode: 0o644 },
    "b/yara": { content: "#!/bin/sh\n", mode: 0o755 },
  });
  assert.equal(findYaraCli(`${t.path}/missing:${t.path}/a:${t.path}/b`), `${t.path}/b/yara`);
  assert.equal(findYaraCli(`${t.path}/a`), null, "not executable");
  assert.equal(findYaraCli(""), null);
});

Deno.test("yaraCommands: the same rule files, tree and size cap on both sides; the CLI follows no symlinks", () => {
  using t = makeTree({ "r/b.yara": "", "r/a.yar": "", "r/notes.txt": "" });
  const c = yaraCommands(`${t.path}/r`, "/usr/bin", "/usr/bin/yara");
  assert.deepEqual(ruleFiles(`${t.path}/r`), [`${t.path}/r/a.yar`, `${t.path}/r/b.yara`]);
  assert.deepEqual(c.ours, [
    "--enable",
    "yara",
    "--yara-rules",
    `${t.path}/r`,
    "--yara-roots",
    "/usr/bin",
    "--yara-max-file-size",
    String(YARA_CAP_MIB),
  ]);
  assert.deepEqual(c.theirs, [
    "/usr/bin/yara",
    "-r",
    "-N",
    "-w",
    "-z",
    String(YARA_CAP_MIB << 20),
    `${t.path}/r/a.yar`,
    `${t.path}/r/b.yara`,
    "/usr/bin",
  ]);
});

Deno.test("compareYara: skipped with a printed line without the CLI; otherwise alternating runs and their ratio", async () => {
  const lines: string[] = [];
  const calls: string[] = [];
  const deps = {
    runOurs: (args: string[]) => {
      calls.push(args.includes("/usr/bin") ? "ours" : "fixed");
      return Promise.resolve(sample(300, 240, 110));
    },
    runTool: (_argv: string[]) => {
      calls.push("cli");
      return Promise.resolve(sample(200, 160, 50));
    },
    summarize: (name: string, args: string[], runs: Sample[]) => summarize(name, args, runs, null),
    log: (l: string) => lines.push(l),
  };
  const skipped = await compareYara(deps, { rulesDir: "/r", tree: "/usr/bin", reps: 2, cli: null });
  assert.match(skipped.skipped ?? "", /yara command is not installed/);
  assert.match(lines[0], /^bench: YARA comparison skipped: /);
  assert.deepEqual(yaraTargets(skipped).map((t) => t.pass), [null, null]);
  assert.match(yaraTargets(skipped)[0].measured, /^skipped: /);
  using rules = makeTree({ "x.yar": "" });
  const ran = await compareYara(deps, {
    rulesDir: rules.path,
    tree: "/usr/bin",
    reps: 2,
    cli: "/usr/bin/yara",
  });
  assert.deepEqual(
    calls,
    ["cli", "ours", "cli", "ours", "fixed", "cli", "ours", "fixed"],
    "a warm-up each, then alternating",
  );
  assert.equal(ran.wall_ratio, 1.5);
  assert.equal(ran.cpu_ratio, 1.5);
  const targets = yaraTargets(ran);
  assert.deepEqual(targets.map((t) => t.pass), [true, true]);
  assert.match(targets[0].measured, /^300 ms vs 200 ms \(ratio 1\.5; CPU ratio 1\.5\)$/);
  assert.match(targets[1].measured, /^110 MiB \(the CLI: 50 MiB\)$/);
  const md = yaraMarkdown(ran).join("\n");
  assert.match(md, /\| yara CLI \| 200 ms \| 160 ms \| 50 MiB \|/);
  assert.match(md, /\| sys-scan, same rules, empty tree .* \| 300 ms \| 240 ms \| 110 MiB \|/);
  const slow: CaseResult = { ...ran.ours!, median_wall_ms: 301, peak_rss_mb: 121 };
  assert.deepEqual(yaraTargets({ ...ran, ours: slow, wall_ratio: 1.51 }).map((t) => t.pass), [false, false]);
});
