import assert from "node:assert/strict";
import { type Sample, summarize } from "../../scripts/bench.ts";
import {
  compareSets,
  dpkgVerifySet,
  HELLO_SOURCE,
  onPath,
  type RatioResults,
  ratiosMarkdown,
  ratioTargets,
  reportVerifySet,
  runRatios,
} from "../../scripts/bench_ratios.ts";
import { makeTree } from "../helpers.ts";

function sample(wall: number, cpu: number, rss: number): Sample {
  return { wall_ms: wall, cpu_ms: cpu, maxrss_mb: rss, findings: null, scanners: {}, exit: 0 };
}

Deno.test("dpkgVerifySet: md5 mismatches are modified, 'missing' lines missing, conffile marker dropped", () => {
  const text = [
    "missing   c /etc/debuginfod/elfutils.urls",
    "missing     /usr/lib/node_modules/npm/.npmrc",
    "??5??????   /usr/bin/ls",
    "??5?????? c /etc/pam.d/common-auth",
    "?????????   /usr/bin/not-a-checksum-change",
    "garbage line",
    "",
  ].join("\n");
  assert.deepEqual([...dpkgVerifySet(text)].sort(), [
    "missing /etc/debuginfod/elfutils.urls",
    "missing /usr/lib/node_modules/npm/.npmrc",
    "modified /etc/pam.d/common-auth",
    "modified /usr/bin/ls",
  ]);
});

Deno.test("reportVerifySet: the integrity scanner's per-file findings (package files and conffiles) by path", () => {
  const report = {
    results: [
      {
        scanner: "integrity",
        findings: [
          { check_id: "integrity.pkg_file.modified", metadata: { path: "/usr/bin/ls" } },
          { check_id: "integrity.conffile.modified", metadata: { path: "/etc/pam.d/common-auth" } },
          { check_id: "integrity.pkg_file.missing", metadata: { path: "/usr/share/doc/x" } },
          { check_id: "integrity.conffile.missing", metadata: { path: "/etc/gone" } },
          { check_id: "integrity.summary", metadata: {} },
        ],
      },
      {
        scanner: "processes",
        findings: [{ check_id: "integrity.pkg_file.modified", metadata: { path: "/x" } }],
      },
    ],
  };
  assert.deepEqual([...reportVerifySet(JSON.stringify(report))].sort(), [
    "missing /etc/gone",
    "missing /usr/share/doc/x",
    "modified /etc/pam.d/common-auth",
    "modified /usr/bin/ls",
  ]);
});

Deno.test("compareSets: same sets agree; a file on one side only is named", () => {
  const a = new Set(["modified /a", "missing /b"]);
  assert.equal(compareSets(a, new Set(a)).same, true);
  const c = compareSets(a, new Set(["modified /a", "missing /c"]));
  assert.equal(c.same, false);
  assert.deepEqual(c.only_dpkg, ["missing /b"]);
  assert.deepEqual(c.only_ours, ["missing /c"]);
});

Deno.test("onPath: the first executable of that name on PATH; none is null", () => {
  using t = makeTree({
    "a/dpkg": { content: "#!/bin/sh\n", mode: 0o644 },
    "b/dpkg": { content: "#!/bin/sh\n", mode: 0o755 },
  });
  assert.equal(onPath("dpkg", `${t.path}/a:${t.path}/b`), `${t.path}/b/dpkg`);
  assert.equal(onPath("dpkg", `${t.path}/a`), null);
});

Deno.test("runRatios: alternating runs, a skipped line for a missing tool, ratios and targets from the medians", async () => {
  using t = makeTree({});
  const calls: string[] = [];
  const lines: string[] = [];
  const label = (argv: string[]) =>
    argv[0] === "deno"
      ? "hello"
      : argv.includes("--version")
      ? "version"
      : argv.includes("--fast-scan")
      ? "fast"
      : argv.includes("mounts")
      ? "floor"
      : argv.includes("--verify")
      ? "dpkg"
      : argv.includes("integrity")
      ? "integrity"
      : "default";
  const costs: Record<string, [number, number, number]> = {
    hello: [100, 50, 30],
    version: [150, 80, 35],
    fast: [500, 300, 110],
    floor: [300, 200, 80],
    default: [2000, 1500, 180],
    dpkg: [10_000, 9000, 32],
    integrity: [9000, 12_000, 90],
  };
  const r = await runRatios({
    run: (argv, opts) => {
      const l = label(argv);
      calls.push(l);
      if (opts?.stdoutTo) Deno.writeTextFileSync(opts.stdoutTo, "??5??????   /usr/bin/ls\n");
      if (l === "integrity") {
        const out = argv[argv.indexOf("--output") + 1];
        const finding = { check_id: "integrity.pkg_file.modified", metadata: { path: "/usr/bin/ls" } };
        Deno.writeTextFileSync(
          out,
          JSON.stringify({ results: [{ scanner: "integrity", findings: [finding] }] }),
        );
      }
      return Promise.resolve(sample(...costs[l]));
    },
    summarize: (name, args, runs) => summarize(name, args, runs, null),
    log: (line) => lines.push(line),
    memory: (argv) => {
      calls.push(`memory:${label(argv)}`);
      return Promise.resolve({ peak: 90, executable: 45, anonymous: 40, libraries: 4, other: 1, samples: 9 });
    },
  }, {
    prefix: ["sys-scan"],
    deno: "deno",
    reps: 2,
    integrityReps: 1,
    legacy: null,
    dpkg: "/usr/bin/dpkg",
    tmp: t.path,
  });
  assert.equal(Deno.readTextFileSync(`${t.path}/hello/hello.ts`), HELLO_SOURCE);
  assert.deepEqual(calls, [
    ...["hello", "version", "floor", "fast"], // the uncounted round
    ...["hello", "version", "floor", "fast", "hello", "version", "floor", "fast"],
    ...["default", "default"],
    ...["memory:hello", "memory:version", "memory:floor", "memory:fast", "memory:default"],
    ...["dpkg", "integrity"],
  ]);
  assert.ok(ratiosMarkdown(r).join("\n").includes("| `--fast-scan` | 90 | 45 | 40 | 4 | 1 |"));
  assert.ok(
    lines.some((l) => /C\+\+ sys-scan skipped: the C\+\+ sys-scan is not installed/.test(l)),
    lines.join("\n"),
  );
  assert.equal(r.version.wall_ratio, 1.5);
  assert.equal(r.fast.wall_ratio, 5);
  assert.equal(r.floor?.wall_ratio, 3);
  assert.equal(r.integrity.wall_ratio, 0.9);
  assert.equal(r.integrity_sets?.same, true);
  const verdicts = Object.fromEntries(ratioTargets(r).map((c) => [c.target, c.pass]));
  assert.deepEqual(verdicts, {
    "`--version` vs a hello-world `deno run`": true,
    "`--fast-scan` vs a hello-world `deno run`": false,
    "`--enable mounts`, a scan that reads almost nothing, vs a hello-world `deno run` (no target; the floor under `--fast-scan`)":
      null,
    "`--fast-scan` peak RSS": false,
    "`--fast-scan` vs the C++ sys-scan (no target; for reference)": null,
    "default scan peak RSS": false,
    "`--enable integrity --integrity` vs `dpkg --verify`": true,
    "`--enable integrity --integrity` peak RSS": true,
    "integrity reports the same modified and missing files as `dpkg --verify`": true,
  });
  const md = ratiosMarkdown(r).join("\n");
  assert.match(md, /\| `--fast-scan` \| 500 ms \| 300 ms \| 110 MiB \| 2 \|/);
  assert.match(
    md,
    /\| `--enable mounts` \(a scan that reads almost nothing\) \| 300 ms \| 200 ms \| 80 MiB \| 2 \|/,
  );
  assert.match(md, /--fast-scan vs the C\+\+ sys-scan: skipped \(the C\+\+ sys-scan is not installed\)/);
});

Deno.test("ratioTargets: a skipped package verification is not run, never a pass", () => {
  const none = { wall_ratio: null, cpu_ratio: null };
  const c = summarize("x", [], [sample(1, 1, 1)], null);
  const r: RatioResults = {
    reps: 1,
    hello: c,
    version: { name: "v", ours: c, theirs: c, wall_ratio: 1, cpu_ratio: 1 },
    fast: { name: "f", ours: c, theirs: c, wall_ratio: 1, cpu_ratio: 1 },
    legacy_fast: { name: "l", ...none, skipped: "absent" },
    integrity: { name: "i", ...none, skipped: "dpkg is not installed" },
  };
  const i = ratioTargets(r).find((t) => t.target.includes("vs `dpkg --verify`"))!;
  assert.equal(i.pass, null);
  assert.match(i.measured, /skipped: dpkg is not installed/);
});
