/**
 * The CLI entry: subcommand dispatch, --help/--version anywhere, errors → one line on stderr + exit code. Each
 * path imports only what it needs (`--version` loads no scanner, no schema; a scan no other subcommand), so
 * start-up pays for one path at a time.
 */
import { AppFailure, ExitCode, type ExitCodeValue, type Result } from "../core/result.ts";
import { sanitizeText } from "./text.ts";
import { likelyScanners, startScanWorker } from "./scan_worker_start.ts";

/** The subcommands, for dispatch (their descriptions are in help.ts, which a test keeps in step). */
export const SUBCOMMAND_NAMES = [
  "scan",
  "checks",
  "diff",
  "keygen",
  "verify",
  "fleet",
  "self-test",
  "bpf-selftest",
] as const;

/** The modules each path loads on demand, relative to this file (scripts/compile.ts embeds them). */
export const LAZY_MODULES = {
  help: "./help.ts",
  provenance: "./provenance.ts",
  scan: "./scan.ts",
  checks: "./commands/checks.ts",
  scanners: "../scanners/index.ts",
  diff: "./commands/diff.ts",
  keygen: "./commands/keygen.ts",
  verify: "./commands/verify.ts",
  selfTest: "./commands/self_test.ts",
  fleet: "./commands/fleet.ts",
  bpfSelftest: "./commands/bpf_selftest.ts",
} as const;

/** The type of each module of LAZY_MODULES (a test keeps the two in step). */
interface LazyModules {
  help: typeof import("./help.ts");
  provenance: typeof import("./provenance.ts");
  scan: typeof import("./scan.ts");
  checks: typeof import("./commands/checks.ts");
  scanners: typeof import("../scanners/index.ts");
  diff: typeof import("./commands/diff.ts");
  keygen: typeof import("./commands/keygen.ts");
  verify: typeof import("./commands/verify.ts");
  selfTest: typeof import("./commands/self_test.ts");
  fleet: typeof import("./commands/fleet.ts");
  bpfSelftest: typeof import("./commands/bpf_selftest.ts");
}

/**
 * Loads a module of LAZY_MODULES. Its URL is made at run time on purpose: `deno run` reads and parses every
 * module a literal `import()` names before the program starts, so literal imports here made `--version` pay for
 * the scan, fleet and self-test graphs (measured: 41 → 35 MiB peak RSS, 0.13 → 0.08 s CPU; a hello-world
 * `deno run` is 30 MiB and 0.08 s).
 */
function load<K extends keyof LazyModules>(name: K): Promise<LazyModules[K]> {
  return import(new URL(LAZY_MODULES[name], import.meta.url).href);
}

function beforeDoubleDash(argv: readonly string[]): readonly string[] {
  const i = argv.indexOf("--");
  return i < 0 ? argv : argv.slice(0, i);
}

/** How the CLI runs. */
export interface RunOptions {
  /**
   * Keep scans off the network with a seccomp filter on this whole process (main.ts passes true). Off for callers
   * in a process that must keep its network, such as a test runner.
   */
  networkGuard?: boolean;
}

async function dispatch(argv: readonly string[], opts: RunOptions): Promise<Result<ExitCodeValue>> {
  const head = beforeDoubleDash(argv);
  if (head.includes("--help") || head.includes("-h")) {
    const { helpText } = await load("help");
    await Deno.stdout.write(new TextEncoder().encode(helpText()));
    return { ok: true, value: ExitCode.Ok };
  }
  if (head.includes("--version")) {
    const { provenance, versionText } = await load("provenance");
    await Deno.stdout.write(new TextEncoder().encode(versionText(await provenance())));
    return { ok: true, value: ExitCode.Ok };
  }
  const [first, ...rest] = argv;
  if (first !== undefined && !first.startsWith("-")) {
    if (!(SUBCOMMAND_NAMES as readonly string[]).includes(first)) {
      return {
        ok: false,
        error: {
          exit: ExitCode.Usage,
          message: `unknown subcommand "${sanitizeText(first.slice(0, 64))}"; subcommands: ${
            SUBCOMMAND_NAMES.join(", ")
          }`,
        },
      };
    }
    if (first === "checks") {
      const { checksCommand } = await load("checks");
      const { fullCatalogue, SCANNERS } = await load("scanners");
      return checksCommand(
        rest,
        fullCatalogue(),
        SCANNERS,
        (t) => Deno.stdout.writeSync(new TextEncoder().encode(t)),
      );
    }
    if (first === "diff") return (await load("diff")).diffCommand(rest);
    if (first === "keygen" || first === "verify") {
      const print = (t: string) => void Deno.stdout.writeSync(new TextEncoder().encode(t));
      return first === "keygen"
        ? (await load("keygen")).keygenCommand(rest, print)
        : (await load("verify")).verifyCommand(rest, print);
    }
    if (first === "self-test") return (await load("selfTest")).selfTestCommand(rest);
    if (first === "fleet") return (await load("fleet")).fleetCommand(rest);
    if (first === "bpf-selftest") {
      return (await load("bpfSelftest")).bpfSelftestCommand(rest);
    }
    return await scan(rest, opts);
  }
  return await scan(argv, opts);
}

/**
 * The scan subcommand. Its scan worker starts first and loads the scanners the scan most likely runs, so that
 * the worker's start-up and module loading overlap the loading of the scan's own modules on this thread
 * (prepareScan decides whether to use it, and names the exact selection).
 */
async function scan(argv: readonly string[], opts: RunOptions): Promise<Result<ExitCodeValue>> {
  const early = startScanWorker();
  const likely = likelyScanners(argv);
  if (likely.length > 0) early.postMessage({ t: "preload", names: [...likely] });
  let failed = false;
  // Until the scan takes the worker (and handles its errors), an error only makes it unusable.
  early.onerror = (e) => {
    e.preventDefault();
    failed = true;
  };
  try {
    return await (await load("scan")).scanCommand(argv, {
      networkGuard: opts.networkGuard ?? false,
      earlyWorker: { worker: early, failed: () => failed },
    });
  } finally {
    early.terminate();
  }
}

/** Runs sys-scan with `argv` and returns the process exit code. Never throws. */
export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<number> {
  try {
    const r = await dispatch(argv, opts);
    if (r.ok) return r.value;
    console.error(`sys-scan: ${sanitizeText(r.error.message)}`);
    return r.error.exit;
  } catch (e) {
    if (e instanceof AppFailure) {
      console.error(`sys-scan: ${sanitizeText(e.error.message)}`);
      return e.error.exit;
    }
    const msg = e instanceof Error ? e.message : String(e);
    console.error(
      `sys-scan: internal error: ${sanitizeText(msg)} (please report this with the command line you used)`,
    );
    return ExitCode.Usage;
  }
}
