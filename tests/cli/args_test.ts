import assert from "node:assert/strict";
import { buildConfig, expandOptionalValues, parseFlags, suggestFlag } from "../../src/cli/args.ts";
import { parseConfigText } from "../../src/cli/config_file.ts";
import { ExitCode } from "../../src/core/result.ts";

const NAMES = ["kernel_params", "mounts"];

function err(argv: string[]): string {
  const r = buildConfig(argv, NAMES);
  assert.equal(r.ok, false, `expected ${argv.join(" ")} to be rejected`);
  if (r.ok) throw new Error("unreachable");
  assert.equal(r.error.exit, ExitCode.Usage);
  assert.ok(!r.error.message.includes("\n"), "one line");
  return r.error.message;
}

function cfg(argv: string[]) {
  const r = buildConfig(argv, NAMES);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

Deno.test("--flag value and --flag=value both work", () => {
  assert.equal(cfg(["--min-severity", "high"]).minSeverity, "high");
  assert.equal(cfg(["--min-severity=high"]).minSeverity, "high");
  assert.equal(cfg(["--max-duration=5"]).maxDuration, 5);
  assert.equal(cfg(["--max-duration", "5"]).maxDuration, 5);
});

Deno.test("defaults come from the settings schema in core", () => {
  const c = cfg([]);
  assert.equal(c.root, "/");
  assert.equal(c.scannerTimeout, undefined, "per-scanner default applies");
  assert.deepEqual(c.enable, []);
  assert.equal(c.pretty, false);
  assert.ok(Object.isFrozen(c));
});

Deno.test("CSV flags are trimmed, empties dropped, repeats add up", () => {
  assert.deepEqual(cfg(["--enable", " kernel_params , ,", "--enable", "mounts"]).enable, [
    "kernel_params",
    "mounts",
  ]);
});

Deno.test("unknown flag: one line naming it, with a suggestion", () => {
  const m = err(["--pretyy"]);
  assert.match(m, /unknown flag --pretyy/);
  assert.match(m, /did you mean --pretty/);
});

Deno.test("missing value and boolean with a value", () => {
  assert.match(err(["--output"]), /--output needs a value/);
  assert.match(err(["--pretty=yes"]), /--pretty takes no value/);
});

Deno.test("bad numbers are rejected with the flag named", () => {
  assert.match(err(["--max-duration", "12abc"]), /--max-duration expects a whole number, got "12abc"/);
  assert.match(err(["--max-duration", "-1"]), /--max-duration/);
  assert.match(err(["--parallel-threads", "1000"]), /--parallel-threads/);
  assert.match(err(["--fail-on-count", "x"]), /--fail-on-count expects a whole number/);
});

Deno.test("unknown severities and scanners are rejected", () => {
  assert.match(err(["--min-severity", "severe"]), /--min-severity/);
  assert.match(err(["--fail-on", "HIGHEST"]), /--fail-on/);
  assert.match(
    err(["--enable", "nonexistent"]),
    /unknown scanner "nonexistent"; known scanners: kernel_params, mounts/,
  );
  assert.match(err(["--disable", "x".repeat(5000)]), /unknown scanner/);
  assert.ok(err(["--disable", "x".repeat(5000)]).length < 400);
});

Deno.test("severity names are case-insensitive? no: they are exact lower-case names", () => {
  assert.match(err(["--min-severity", "High"]), /--min-severity/);
});

Deno.test("contradictory flags are rejected", () => {
  assert.match(err(["--enable", "mounts", "--disable", "mounts"]), /both --enable and --disable/);
  assert.match(err(["--pretty", "--compact"]), /contradict/);
  assert.match(err(["--ndjson", "--sarif"]), /more than one output format/);
  assert.match(err(["--format", "json", "--sarif"]), /more than one output format/);
  assert.match(err(["--min-severity", "high", "--fail-on", "low"]), /below --min-severity/);
  assert.match(err(["--min-severity", "critical", "--fail-on", "info"]), /below --min-severity/);
  assert.match(err(["--canonical", "--ndjson"]), /--canonical/);
  assert.match(err(["--seccomp-strict"]), /not available|needs --seccomp/);
});

Deno.test("compatible threshold pairs are accepted", () => {
  const c = cfg(["--min-severity", "low", "--fail-on", "high", "--fail-on-count", "3"]);
  assert.equal(c.failOn, "high");
  assert.equal(c.failOnCount, 3);
});

Deno.test("positional arguments are rejected", () => {
  assert.match(err(["stray"]), /unexpected argument stray/);
});

Deno.test("--ioc-exec-trace takes an optional number", () => {
  assert.deepEqual(expandOptionalValues(["--ioc-exec-trace"]), ["--ioc-exec-trace", "3"]);
  assert.deepEqual(expandOptionalValues(["--ioc-exec-trace", "--pretty"]), [
    "--ioc-exec-trace",
    "3",
    "--pretty",
  ]);
  assert.deepEqual(expandOptionalValues(["--ioc-exec-trace", "7"]), ["--ioc-exec-trace", "7"]);
  assert.deepEqual(expandOptionalValues(["--ioc-exec-trace=9"]), ["--ioc-exec-trace=9"]);
});

Deno.test("parseFlags keeps only given flags", () => {
  const r = parseFlags(["--pretty", "--root", "/tmp"]);
  assert.ok(r.ok);
  if (r.ok) assert.deepEqual(r.value, { pretty: true, root: "/tmp" });
});

Deno.test("suggestFlag finds near misses only", () => {
  assert.equal(suggestFlag("min-severty"), "min-severity");
  assert.equal(suggestFlag("zzzzzzzzzzzzzz"), undefined);
});

Deno.test("config file: JSONC with comments, flags win over it", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const file = `${dir}/c.jsonc`;
    Deno.writeTextFileSync(
      file,
      `{
  // comment
  "min-severity": "medium",
  "enable": "kernel_params, mounts",
  "max-duration": 9,
  "pretty": true,
}`,
    );
    const c = cfg(["--config", file, "--min-severity", "high"]);
    assert.equal(c.minSeverity, "high");
    assert.deepEqual(c.enable, ["kernel_params", "mounts"]);
    assert.equal(c.maxDuration, 9);
    assert.equal(c.pretty, true);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("config file errors name the file, the line and the key", () => {
  const bad = (text: string) => {
    const r = parseConfigText(text, "site.jsonc");
    assert.equal(r.ok, false);
    return r.ok ? "" : r.error.message;
  };
  assert.match(bad('{\n  "pretty": true,\n  "prety": true\n}'), /^site\.jsonc:3: unknown key "prety"/);
  assert.match(bad('{\n\n  "max-duration": "ten"\n}'), /^site\.jsonc:3: key "max-duration"/);
  assert.match(bad('{\n  "pretty": tru\n}'), /^site\.jsonc:2: invalid JSONC/);
  assert.match(bad("[1,2]"), /must hold one JSON object/);
  assert.match(bad(""), /invalid JSONC|must hold one JSON object/);
  assert.match(bad('{"config": "x"}'), /unknown key "config"/);
});

Deno.test("config file values are validated like flags", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/c.json`, '{"min-severity": "huge"}');
    assert.match(err(["--config", `${dir}/c.json`]), /--min-severity/);
    assert.match(err(["--config", `${dir}/missing.json`]), /--config .*cannot read it/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
