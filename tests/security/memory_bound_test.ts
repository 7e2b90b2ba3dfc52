/**
 * Memory stays bounded on hostile input (issue 13 §3): the real CLI scans the trap root (./trap_root.ts) with
 * `--hardening --containers --integrity` in every output format, each run a child process whose peak RSS must
 * stay under 200 MiB. The report must be valid, no scanner may error or time out, and the traps must show up as
 * warnings or findings.
 *
 * Peak RSS is the child's `ru_maxrss` as GNU time reports it (`/usr/bin/time -f %M`), which the kernel keeps
 * for the whole life of the process and hands to the parent in wait4(). Polling `VmHWM` in
 * /proc/<pid>/status from outside is not reliable: the last poll can come before the final peak (the report is
 * rendered at the very end), and once the child has exited its status no longer carries the memory fields.
 */
import assert from "node:assert/strict";
import { assertValid, validateFactPack, validateReport, validateSarif } from "../output/validate.ts";
import { runCli } from "../selftest/run_cli.ts";
import { needs } from "../host_caps.ts";
import { CROWD_FIRST_PID, makeTrapRoot, TRAPS } from "./trap_root.ts";

/** The bound of issue 13. */
const LIMIT_KIB = 200 * 1024;

const TIME = "/usr/bin/time";

const FORMATS: [string, string[]][] = [
  ["json", []],
  ["canonical", ["--canonical"]],
  ["ndjson", ["--format", "ndjson"]],
  ["sarif", ["--format", "sarif"]],
  ["html", ["--format", "html"]],
  ["factpack", ["--format", "factpack"]],
];

interface Warning {
  scanner: string;
  code: string;
  detail: string;
}

interface Result {
  scanner: string;
  status: string;
  findings: { check_id: string; id: string; description: string; metadata: Record<string, unknown> }[];
}

/** The warnings, results and scanner errors of a JSON, canonical or NDJSON report (validated). */
function statusOf(
  format: string,
  text: string,
): { warnings: Warning[]; results: Result[]; errors: unknown[] } {
  if (format === "ndjson") {
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines[0].type, "meta", "ndjson starts with meta");
    assert.equal(lines.at(-1).type, "summary", "ndjson ends with the summary");
    const findings = lines.filter((l) => l.type === "finding");
    return {
      warnings: lines.filter((l) => l.type === "warning"),
      errors: lines.filter((l) => l.type === "scanner_error"),
      results: lines.filter((l) => l.type === "scanner").map((r) => ({
        ...r,
        findings: findings.filter((f) => f.scanner === r.scanner),
      })),
    };
  }
  const parsed = JSON.parse(text);
  assertValid(validateReport, parsed, format);
  return { warnings: parsed.collection_warnings, results: parsed.results, errors: parsed.scanner_errors };
}

/** Asserts that every trap was reported (warnings and findings of a JSON-like report). */
function assertTrapsReported(warnings: Warning[], results: Result[]): void {
  const text = (scanner: string) =>
    warnings.filter((w) => w.scanner === scanner).map((w) => `${w.code}: ${w.detail}`).join("\n");
  for (const file of Object.values(TRAPS.modules)) {
    assert.match(text("modules"), new RegExp(`module_too_large: \\S*/${file.replaceAll(".", "\\.")}:`), file);
  }
  assert.match(text("integrity"), new RegExp(TRAPS.packagedSparse), "the 2 GiB packaged file is not hashed");
  assert.match(
    text("ioc"),
    new RegExp(`environment larger than .* ${TRAPS.chattyPid}`),
    "the 16 MiB environ",
  );
  // The /proc snapshot's warnings go to whichever scanner took it first.
  const all = warnings.map((w) => `${w.code}: ${w.detail}`).join("\n");
  assert.match(
    all,
    new RegExp(`command line longer than .* \\(pids ${TRAPS.chattyPid}, ${CROWD_FIRST_PID},`),
  );
  assert.match(
    all,
    /command lines kept to 1024 bytes and 64 arguments in \d+ process/,
    "the crowd spent the budget",
  );
  const suid = results.find((r) => r.scanner === "suid_sgid")?.findings ?? [];
  assert.ok(suid.some((f) => f.id.endsWith(`:${TRAPS.setidSparse}`)), "the 2 GiB set-id file is a finding");
  assert.ok(
    suid.some((f) =>
      f.check_id === "suid.census.incomplete" && /deeper than \d+ not entered/.test(f.description)
    ),
    "the nesting past the walk's depth limit is cut, and said as a finding",
  );
}

// Root: the trap root has a set-uid file.
Deno.test(needs(["root", "trapTools", "gnuTime"], {
  name: "memory bound: a root full of traps is scanned in every format with peak RSS under 200 MiB",
  fn: async () => {
    using trap = makeTrapRoot();
    const dir = Deno.makeTempDirSync({ prefix: "sys-scan-trap-out-" });
    const peaks: string[] = [];
    try {
      for (const [format, args] of FORMATS) {
        const out = `${dir}/report.${format}`;
        const rss = `${dir}/rss.${format}`;
        const started = performance.now();
        const run = await runCli(
          [
            "--root",
            trap.path,
            "--hardening",
            "--containers",
            "--integrity",
            "--max-duration",
            "240",
            "--output",
            out,
            ...args,
          ],
          { wrap: [TIME, "-f", "%M", "-o", rss] },
        );
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        const peakKib = Number(Deno.readTextFileSync(rss).trim().split("\n").at(-1));
        peaks.push(`${format} ${(peakKib / 1024).toFixed(0)} MiB (${seconds} s)`);
        console.log(`trap root, ${format}: peak RSS ${(peakKib / 1024).toFixed(1)} MiB, ${seconds} s`);
        assert.equal(run.code, 0, `${format}: exit ${run.code}: ${run.stderr}`);
        assert.ok(peakKib > 0, `${format}: GNU time reported a peak`);
        assert.ok(peakKib < LIMIT_KIB, `${format}: peak RSS ${peakKib} KiB is over ${LIMIT_KIB} KiB`);
        const text = Deno.readTextFileSync(out);
        if (format === "html") {
          assert.match(text, /^<!DOCTYPE html>/i);
          assert.match(text, /module_too_large/, "html: the bombs are listed among the warnings");
          assert.match(text, /0 scanner errors/, "html: no scanner error");
          continue;
        }
        if (format === "sarif") {
          const sarif = JSON.parse(text);
          assertValid(validateSarif, sarif, "sarif");
          assert.equal(sarif.runs[0].invocations[0].executionSuccessful, true, "sarif: no scanner error");
          continue;
        }
        if (format === "factpack") {
          const pack = JSON.parse(text);
          assertValid(validateFactPack, pack, "factpack");
          assert.ok(
            JSON.stringify(pack).includes(TRAPS.setidSparse),
            "factpack: the set-id trap is a finding",
          );
          continue;
        }
        const { warnings, results, errors } = statusOf(format, text);
        assert.deepEqual(errors, [], `${format}: no scanner error`);
        const stuck = results.filter((r) => r.status === "timeout" || r.status === "error");
        assert.deepEqual(stuck.map((r) => r.scanner), [], `${format}: no scanner timed out or failed`);
        assertTrapsReported(warnings, results);
      }
    } finally {
      console.log(`trap root peak RSS per format: ${peaks.join(", ")}`);
      Deno.removeSync(dir, { recursive: true });
    }
  },
}));
