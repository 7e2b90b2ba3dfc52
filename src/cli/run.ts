/**
 * The CLI entry: subcommand dispatch, --help/--version anywhere, errors → one line on stderr + exit code. Each
 * path imports only what it needs (`--version` loads no scanner, no schema; a scan no other subcommand), so
 * start-up pays for one path at a time.
 */
import { AppFailure, ExitCode, type ExitCodeValue, type Result } from "../core/result.ts";
import { sanitizeText } from "./text.ts";

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
    const { helpText } = await import("./help.ts");
    await Deno.stdout.write(new TextEncoder().encode(helpText()));
    return { ok: true, value: ExitCode.Ok };
  }
  if (head.includes("--version")) {
    const { provenance, versionText } = await import("./provenance.ts");
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
      const { checksCommand } = await import("./commands/checks.ts");
      const { fullCatalogue, SCANNERS } = await import("../scanners/index.ts");
      return checksCommand(
        rest,
        fullCatalogue(),
        SCANNERS,
        (t) => Deno.stdout.writeSync(new TextEncoder().encode(t)),
      );
    }
    if (first === "diff") return (await import("./commands/diff.ts")).diffCommand(rest);
    if (first === "keygen" || first === "verify") {
      const print = (t: string) => void Deno.stdout.writeSync(new TextEncoder().encode(t));
      return first === "keygen"
        ? (await import("./commands/keygen.ts")).keygenCommand(rest, print)
        : (await import("./commands/verify.ts")).verifyCommand(rest, print);
    }
    if (first === "self-test") return (await import("./commands/self_test.ts")).selfTestCommand(rest);
    if (first === "fleet") return (await import("./commands/fleet.ts")).fleetCommand(rest);
    if (first === "bpf-selftest") {
      return (await import("./commands/bpf_selftest.ts")).bpfSelftestCommand(rest);
    }
    return (await import("./scan.ts")).scanCommand(rest, { networkGuard: opts.networkGuard ?? false });
  }
  return (await import("./scan.ts")).scanCommand(argv, { networkGuard: opts.networkGuard ?? false });
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
