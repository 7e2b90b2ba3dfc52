import assert from "node:assert/strict";
import { buildConfig, expandOptionalValues, parseFlags, suggestFlag } from "../../src/cli/args.ts";
import { parseConfigText } from "../../src/cli/config_file.ts";
import { ExitCode } from "../../src/core/result.ts";

const NAMES = ["kernel_params", "mounts"];

async function err(argv: string[]): Promise<string> {
  const r = await buildConfig(argv, NAMES);
  assert.equal(r.ok, false, `expected ${argv.join(" ")} to be rejected`);
  if (r.ok) throw new Error("unreachable");
  assert.equal(r.error.exit, ExitCode.Usage);
  assert.ok(!r.error.message.includes("\n"), "one line");
  return r.error.message;
}

async function cfg(argv: string[]) {
  const r = await buildConfig(argv, NAMES);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

Deno.test("--flag value and --flag=value both work", async () => {
  assert.equal((await cfg(["--min-severity", "high"])).minSeverity, "high");
  assert.equal((await cfg(["--min-severity=high"])).minSeverity, "high");
  assert.equal((await cfg(["--max-duration=5"])).maxDuration, 5);
  assert.equal((await cfg(["--max-duration", "5"])).maxDuration, 5);
});

Deno.test("defaults come from the settings schema in core", async () => {
  const c = await cfg([]);
  assert.equal(c.root, "/");
  assert.equal(c.scannerTimeout, undefined, "per-scanner default applies");
  assert.deepEqual(c.enable, []);
  assert.equal(c.pretty, false);
  assert.ok(Object.isFrozen(c));
});

Deno.test("CSV flags are trimmed, empties dropped, repeats add up", async () => {
  assert.deepEqual((await cfg(["--enable", " kernel_params , ,", "--enable", "mounts"])).enable, [
    "kernel_params",
    "mounts",
  ]);
});

Deno.test("unknown flag: one line naming it, with a suggestion", async () => {
  const m = await err(["--pretyy"]);
  assert.match(m, /unknown flag --pretyy/);
  assert.match(m, /did you mean --pretty/);
});

Deno.test("missing value and boolean with a value", async () => {
  assert.match(await err(["--output"]), /--output needs a value/);
  assert.match(await err(["--pretty=yes"]), /--pretty takes no value/);
});

Deno.test("bad numbers are rejected with the flag named", async () => {
  assert.match(await err(["--max-duration", "12abc"]), /--max-duration expects a whole number, got "12abc"/);
  assert.match(await err(["--max-duration", "-1"]), /--max-duration/);
  assert.match(await err(["--parallel-threads", "1000"]), /--parallel-threads/);
  assert.match(await err(["--fail-on-count", "x"]), /--fail-on-count expects a whole number/);
});

Deno.test("unknown severities and scanners are rejected", async () => {
  assert.match(await err(["--min-severity", "severe"]), /--min-severity/);
  assert.match(await err(["--fail-on", "HIGHEST"]), /--fail-on/);
  assert.match(
    await err(["--enable", "nonexistent"]),
    /unknown scanner "nonexistent"; known scanners: kernel_params, mounts/,
  );
  assert.match(await err(["--disable", "x".repeat(5000)]), /unknown scanner/);
  assert.ok((await err(["--disable", "x".repeat(5000)])).length < 400);
});

Deno.test("severity names are case-insensitive? no: they are exact lower-case names", async () => {
  assert.match(await err(["--min-severity", "High"]), /--min-severity/);
});

Deno.test("contradictory flags are rejected", async () => {
  assert.match(await err(["--enable", "mounts", "--disable", "mounts"]), /both --enable and --disable/);
  assert.match(await err(["--pretty", "--compact"]), /contradict/);
  assert.match(await err(["--ndjson", "--sarif"]), /more than one output format/);
  assert.match(await err(["--format", "json", "--sarif"]), /more than one output format/);
  assert.match(await err(["--min-severity", "high", "--fail-on", "low"]), /below --min-severity/);
  assert.match(await err(["--min-severity", "critical", "--fail-on", "info"]), /below --min-severity/);
  assert.match(await err(["--canonical", "--ndjson"]), /--canonical/);
  assert.match(await err(["--seccomp-strict"]), /not available|needs --seccomp/);
});

Deno.test("compatible threshold pairs are accepted", async () => {
  const c = await cfg(["--min-severity", "low", "--fail-on", "high", "--fail-on-count", "3"]);
  assert.equal(c.failOn, "high");
  assert.equal(c.failOnCount, 3);
});

Deno.test("positional arguments are rejected", async () => {
  assert.match(await err(["stray"]), /unexpected argument stray/);
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

Deno.test("config file: JSONC with comments, flags win over it", async () => {
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
    const c = await cfg(["--config", file, "--min-severity", "high"]);
    assert.equal(c.minSeverity, "high");
    assert.deepEqual(c.enable, ["kernel_params", "mounts"]);
    assert.equal(c.maxDuration, 9);
    assert.equal(c.pretty, true);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("config file errors name the file, the line and the key", async () => {
  const bad = async (text: string) => {
    const r = await parseConfigText(text, "site.jsonc");
    assert.equal(r.ok, false);
    return r.ok ? "" : r.error.message;
  };
  assert.match(await bad('{\n  "pretty": true,\n  "prety": true\n}'), /^site\.jsonc:3: unknown key "prety"/);
  assert.match(await bad('{\n\n  "max-duration": "ten"\n}'), /^site\.jsonc:3: key "max-duration"/);
  assert.match(await bad('{\n  "pretty": tru\n}'), /^site\.jsonc:2: invalid JSONC/);
  assert.match(await bad("[1,2]"), /must hold one JSON object/);
  assert.match(await bad(""), /invalid JSONC|must hold one JSON object/);
  assert.match(await bad('{"config": "x"}'), /unknown key "config"/);
});

Deno.test("config file values are validated like flags", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/c.json`, '{"min-severity": "huge"}');
    assert.match(await err(["--config", `${dir}/c.json`]), /--min-severity/);
    assert.match(await err(["--config", `${dir}/missing.json`]), /--config .*cannot read it/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
