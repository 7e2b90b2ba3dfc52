/** End-to-end tests of the executable's contract: exit codes, help/version, output files, formats. */
import assert from "node:assert/strict";
import { ExecProbes, fixtureRoot, ndjsonRecords, repoPath } from "../helpers.ts";

const MAIN = repoPath("main.ts");
const FIXTURE = fixtureRoot("basic");
const CANON_ENV = {
  SYS_SCAN_CANON_TIME_ZERO: "",
  SYS_SCAN_META_HOSTNAME: "golden",
  SYS_SCAN_META_KERNEL: "6.0.0",
  SYS_SCAN_META_USER: "root",
  SYS_SCAN_META_CMDLINE: "sys-scan",
  SYS_SCAN_PROV_GIT_COMMIT: "0000000",
};

/** Runs sys-scan as a subprocess. */
export async function sysScan(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

function noStackTrace(stderr: string) {
  assert.ok(!/\n\s+at /.test(stderr), `stack trace on stderr: ${stderr}`);
  assert.ok(stderr.trim().split("\n").length <= 1, `more than one line on stderr: ${stderr}`);
}

Deno.test("--help and --version work in any position and exit 0", async () => {
  for (
    const args of [["--help"], ["--pretty", "--help"], ["--enable", "mounts", "-h"], ["--version"], [
      "--pretty",
      "--version",
    ]]
  ) {
    const r = await sysScan(args);
    assert.equal(r.code, 0, args.join(" "));
    assert.equal(r.stderr, "");
  }
  const help = await sysScan(["--help"]);
  assert.match(help.stdout, /--min-severity SEV/);
  assert.match(help.stdout, /Exit codes:/);
  const version = await sysScan(["--version"]);
  assert.match(version.stdout, /^sys-scan \d+\.\d+\.\d+/);
  assert.match(version.stdout, /deno: \d/);
  assert.match(version.stdout, /typescript: \d/);
  assert.match(version.stdout, /bpf object sha256: /);
});

Deno.test("usage errors: one line on stderr, exit 2, no stack trace", async () => {
  for (
    const args of [
      ["--bogus"],
      ["--output"],
      ["--max-duration", "abc"],
      ["--enable", "nope"],
      ["--min-severity", "x"],
      ["--pretty", "--compact"],
      ["--root", "/nonexistent-root"],
      ["frobnicate"],
      ["--config", "/nonexistent.jsonc"],
      ["--suid-expected-file", "/nonexistent.list"],
      ["--ioc-allow-file", "/"],
    ]
  ) {
    const r = await sysScan(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /^sys-scan: /);
    noStackTrace(r.stderr);
  }
});

Deno.test("exit 1 when --fail-on or --fail-on-count trips, 0 otherwise", async () => {
  const base = ["--root", FIXTURE, "--enable", "kernel_params,mounts", "--hardening"];
  assert.equal((await sysScan([...base, "--fail-on", "medium"])).code, 1);
  assert.equal((await sysScan([...base, "--fail-on", "critical"])).code, 0);
  assert.equal((await sysScan([...base, "--fail-on-count", "1"])).code, 1);
  assert.equal((await sysScan([...base, "--fail-on-count", "1000"])).code, 0);
  assert.equal((await sysScan([...base, "--fail-on", "critical", "--fail-on-count", "1"])).code, 1);
  assert.equal((await sysScan([...base, "--min-severity", "critical", "--fail-on-count", "1"])).code, 0);
});

Deno.test("exit 5 and no partial file when the report cannot be written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await sysScan(["--root", FIXTURE, "--output", `${dir}/missing/report.json`]);
    assert.equal(r.code, 5);
    noStackTrace(r.stderr);
    await Deno.symlink("/etc/passwd", `${dir}/link.json`);
    const s = await sysScan(["--root", FIXTURE, "--output", `${dir}/link.json`]);
    assert.equal(s.code, 5);
    assert.match(s.stderr, /symlink/);
    const entries = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(entries, ["link.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--output writes atomically with mode 0600 and a trailing newline", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/report.json`;
    Deno.writeTextFileSync(path, "old");
    Deno.chmodSync(path, 0o644);
    const r = await sysScan(["--root", FIXTURE, "--enable", "kernel_params", "--output", path]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
    const text = Deno.readTextFileSync(path);
    assert.ok(text.endsWith("}\n"));
    assert.ok(!text.includes("\n  "), "compact by default");
    assert.equal(JSON.parse(text).meta.hostname, "fixture-host");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["report.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--canonical: two runs on a fixture root are byte-identical under SYS_SCAN_CANON_TIME_ZERO", async () => {
  const args = ["--root", FIXTURE, "--enable", "kernel_params,mounts", "--canonical", "--timings"];
  const a = await sysScan(args, CANON_ENV);
  const b = await sysScan(args, CANON_ENV);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  const report = JSON.parse(a.stdout);
  assert.equal(report.meta.hostname, "golden");
  assert.equal(report.meta.normalized_time, true);
  assert.equal(report.summary.duration_ms, 0);
  assert.equal(report.summary.slowest_scanner, null, "timing-derived, so volatile");
  assert.ok(report.meta.timings.every((t: { elapsed_ms: number }) => t.elapsed_ms === 0));
  assert.ok(
    report.results.every((r: { start_time: string; elapsed_ms: number }) =>
      r.start_time === "" && r.elapsed_ms === 0
    ),
  );
  const ids = report.results[0].findings.map((f: { id: string }) => f.id);
  assert.deepEqual(ids, [...ids].sort());
});

Deno.test("the mounts scanner decodes octal escapes and catches a read-only /boot remounted writable", async () => {
  const r = await sysScan(["--root", FIXTURE, "--enable", "mounts", "--hardening", "--include-passed"]);
  const report = JSON.parse(r.stdout);
  const ids = report.results[0].findings.map((f: { id: string }) => f.id);
  assert.ok(ids.includes("mount.readonly.remounted_rw:/boot"));
  assert.ok(ids.includes("mount.tmp.not_separate:/tmp"));
  assert.ok(ids.includes("mount.sensitive.nosuid_missing:/home"));
  assert.ok(!ids.some((id: string) => id.includes("\\040")));
});

Deno.test("--ndjson streams meta first, findings with full data, summary last", async () => {
  const r = await sysScan([
    "--root",
    FIXTURE,
    "--enable",
    "kernel_params,mounts",
    "--hardening",
    "--ndjson",
    "--timings",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const records = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.equal(records[0].type, "meta");
  assert.equal(records.at(-1).type, "summary");
  const findings = records.filter((x) => x.type === "finding");
  assert.ok(findings.length > 0);
  for (const f of findings) {
    assert.equal(typeof f.title, "string");
    assert.equal(typeof f.description, "string");
    assert.equal(typeof f.risk_score, "number");
    assert.equal(typeof f.metadata, "object");
  }
  assert.equal(records.filter((x) => x.type === "timing").length, 2);
  assert.equal(records.filter((x) => x.type === "scanner").length, 2);
});

Deno.test("SIGINT during a trace: the scan stops, the trace keeps its findings and the report is written", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "--enable", "ebpf_exec_trace", "--ioc-exec-trace", "60", "--ndjson"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const records: Record<string, unknown>[] = [];
  {
    // Probes run until one is traced (the hooks are attached and the trace has a finding), then SIGINT.
    await using probes = new ExecProbes("sigint-probe");
    let signalled = false;
    for await (const r of ndjsonRecords(child.stdout)) {
      records.push(r);
      if (r.type === "exec.trace" && probes.has(r.pid) && !signalled) {
        signalled = true;
        await probes.stop();
        child.kill("SIGINT");
      }
    }
  }
  assert.equal((await child.status).code, 0);
  assert.equal(records[0].type, "meta");
  assert.equal(records.at(-1)!.type, "summary", "the report was completed after the signal");
  const r = records.find((x) => x.type === "scanner") as Record<string, number | string>;
  assert.equal(r.scanner, "ebpf_exec_trace");
  assert.equal(r.status, "ok");
  assert.ok(r.finding_count as number > 0, "findings kept after the signal");
  assert.ok(r.elapsed_ms as number < 50_000, "stopped long before the 60 s trace ended");
});

Deno.test("a malformed YARA rule file is exit 3 with its location, before anything is scanned", async () => {
  const dir = await Deno.makeTempDir();
  try {
    Deno.writeTextFileSync(`${dir}/bad.yar`, 'rule bad {\n  strings: $a = "x"\n  condition: $b\n}\n');
    const r = await sysScan([
      "--yara-rules",
      `${dir}/bad.yar`,
      "--enable",
      "yara",
      "--output",
      `${dir}/r.json`,
    ]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /bad\.yar:\d+: undefined string/);
    noStackTrace(r.stderr);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["bad.yar"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the dispatcher knows exactly the subcommands help describes", async () => {
  const { SUBCOMMAND_NAMES } = await import("../../src/cli/run.ts");
  const { SUBCOMMANDS } = await import("../../src/cli/help.ts");
  assert.deepEqual([...SUBCOMMAND_NAMES].sort(), Object.keys(SUBCOMMANDS).sort());
});

Deno.test("the scan worker's census workers are started through the main thread's helper server and walk", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/report.json`;
    const args = [
      "--root",
      FIXTURE,
      "--enable",
      "world_writable",
      "--parallel-threads",
      "2",
      "--output",
      path,
    ];
    const r = await sysScan(args);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(Deno.readTextFileSync(path));
    const { backend, workers } = report.meta.census;
    assert.deepEqual({ backend, workers }, { backend: "workers", workers: 1 });
    const fallbacks = report.collection_warnings.filter((w: { code: string }) => w.code === "walk_fallback");
    assert.deepEqual(fallbacks, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
