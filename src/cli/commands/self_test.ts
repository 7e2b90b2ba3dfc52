/**
 * `sys-scan self-test [--trace-seconds S] [--no-trace] [--full-walk] [--json]`: plants throwaway evidence in a
 * private mount namespace on tmpfs and reports, check by check, whether the scanners saw it. The world-writable
 * walk is kept to the planted directory's tree unless --full-walk (a full walk's cost is the benchmark's job). Exit 0 when every check saw
 * its evidence, 1 when one did not (each with its reason), 2 when the self-test cannot run here.
 */
import { ExitCode, type ExitCodeValue, fail, ok, type Result } from "../../core/result.ts";
import { parseCommandArgs } from "./command_args.ts";
import { EvidenceSet } from "../../selftest/evidence.ts";
import {
  isolatedCommand,
  isolationProblem,
  mountNamespace,
  PARENT_NS_ENV,
  UNSHARE,
} from "../../selftest/namespace.ts";
import { renderSelfTest } from "../../selftest/render.ts";
import { scanEvidence } from "../../selftest/scan.ts";
import { allSeen, type Verdict, verdicts } from "../../selftest/verdicts.ts";

const USAGE = "usage: sys-scan self-test [--trace-seconds S] [--no-trace] [--full-walk] [--json]";

/** Parsed self-test options. */
export interface SelfTestOptions {
  /** Trace length in seconds; 0 with --no-trace. */
  traceSeconds: number;
  /** Walk every world-writable root (slow on big trees) instead of only the planted directory's. */
  fullWalk: boolean;
  json: boolean;
}

/** Parses the self-test's arguments. */
export function parseSelfTestArgs(args: readonly string[]): Result<SelfTestOptions> {
  const parsed = parseCommandArgs("self-test", USAGE, args, {
    "trace-seconds": { type: "string" },
    "no-trace": { type: "boolean" },
    "full-walk": { type: "boolean" },
    json: { type: "boolean" },
  });
  if (!parsed.ok) return parsed;
  const { values } = parsed.value;
  const raw = values["trace-seconds"] ?? "2";
  const seconds = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || seconds < 1 || seconds > 60) {
    return fail(ExitCode.Usage, `self-test: --trace-seconds must be a number from 1 to 60, got "${raw}"`);
  }
  if (values["no-trace"] && values["trace-seconds"] !== undefined) {
    return fail(ExitCode.Usage, "self-test: --no-trace and --trace-seconds cannot be combined");
  }
  return ok({
    traceSeconds: values["no-trace"] ? 0 : seconds,
    fullWalk: values["full-walk"] === true,
    json: values.json === true,
  });
}

function euid(): number {
  try {
    const m = /^Uid:\s+\d+\s+(\d+)/m.exec(Deno.readTextFileSync("/proc/self/status"));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

/**
 * Null when `unshare` can create a private mount namespace here (tried with `true`), else why not — checked
 * first so that unshare's own failure is never mistaken for the inner run's "not seen" exit code.
 */
export function namespaceProblem(unshare = UNSHARE, probe = "/bin/true"): string | null {
  try {
    const r = new Deno.Command(unshare, {
      args: ["--mount", "--propagation", "private", "--", probe],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).outputSync();
    if (r.success) return null;
    const why = new TextDecoder().decode(r.stderr).trim().split("\n").at(-1) || `exit code ${r.code}`;
    return `cannot create a private mount namespace (${why}); a container may forbid it`;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return `needs ${unshare} (util-linux) to create its private mount namespace`;
    }
    return `cannot run ${unshare}: ${(e as Error).message}`;
  }
}

/** Starts the inner run under unshare and returns its exit code. */
async function outer(args: readonly string[]): Promise<Result<ExitCodeValue>> {
  const uid = euid();
  if (uid !== 0) {
    return fail(
      ExitCode.Usage,
      `self-test needs root (it mounts tmpfs in a private mount namespace and runs every scanner with full access); this process runs as uid ${uid}`,
    );
  }
  const nsProblem = namespaceProblem();
  if (nsProblem) return fail(ExitCode.Usage, `self-test: ${nsProblem}`);
  const ns = mountNamespace();
  if (ns === null) return fail(ExitCode.Usage, "self-test: cannot read /proc/self/ns/mnt");
  const cmd = isolatedCommand(["self-test", ...args]);
  const child = new Deno.Command(cmd.argv[0], {
    args: cmd.argv.slice(1),
    cwd: cmd.cwd,
    env: { [PARENT_NS_ENV]: ns },
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const forward = () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, forward);
  try {
    const status = await child.status;
    if (status.code === ExitCode.Ok || status.code === ExitCode.Threshold || status.code === ExitCode.Usage) {
      return ok(status.code);
    }
    return fail(
      ExitCode.Usage,
      `self-test: the isolated run ended with ${
        status.signal ? `signal ${status.signal}` : `exit code ${status.code}`
      }`,
    );
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, forward);
  }
}

/** The inner run: evidence, scan, verdicts. */
async function inner(opts: SelfTestOptions, out: (text: string) => void): Promise<Result<ExitCodeValue>> {
  const problem = isolationProblem(
    Deno.env.get(PARENT_NS_ENV),
    mountNamespace(),
    Deno.readTextFileSync("/proc/self/mountinfo"),
  );
  if (problem) return fail(ExitCode.Usage, `self-test: ${problem}`);
  const t0 = performance.now();
  let list: Verdict[];
  let caps;
  let facts;
  // SIGINT/SIGTERM (Ctrl-C, or forwarded by the outer run): stop the evidence processes before exiting.
  let evidence: EvidenceSet | undefined;
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    if (!evidence) return;
    void evidence[Symbol.asyncDispose]().finally(() => {
      console.error("sys-scan: self-test interrupted; its processes were stopped");
      Deno.exit(ExitCode.Usage);
    });
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    try {
      evidence = await EvidenceSet.create();
    } catch (e) {
      return fail(ExitCode.Usage, `self-test: cannot prepare the evidence: ${(e as Error).message}`);
    }
    await using _cleanup = evidence;
    if (interrupted) return fail(ExitCode.Usage, "self-test: interrupted");
    const scan = await scanEvidence(evidence, opts);
    if (!scan.ok) return scan;
    list = verdicts(evidence.facts, scan.value);
    caps = scan.value.caps;
    facts = evidence.facts;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
  const elapsed = performance.now() - t0;
  const passed = allSeen(list);
  if (opts.json) {
    out(
      JSON.stringify(
        { ok: passed, elapsed_ms: Math.round(elapsed), capabilities: caps, evidence: facts, verdicts: list },
        null,
        2,
      ) + "\n",
    );
  } else out(renderSelfTest(caps, list, elapsed));
  return ok(passed ? ExitCode.Ok : ExitCode.Threshold);
}

/** Runs the self-test subcommand. */
export function selfTestCommand(
  args: readonly string[],
  out: (text: string) => void = (t) => Deno.stdout.writeSync(new TextEncoder().encode(t)),
): Promise<Result<ExitCodeValue>> {
  const opts = parseSelfTestArgs(args);
  if (!opts.ok) return Promise.resolve(opts);
  if (Deno.env.get(PARENT_NS_ENV) !== undefined) return inner(opts.value, out);
  return outer(args);
}
