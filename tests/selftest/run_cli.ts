/** Test helper (not a test): runs main.ts as root, or as nobody from a NobodyCopy of the checkout. */
import { AS_NOBODY, type NobodyCopy, REPO } from "../helpers.ts";

/** True when `path` exists. */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Output of one CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** How the CLI is run: behind `wrap` (e.g. unshare), with more environment, or as nobody from `nobody`. */
export interface CliOptions {
  wrap?: readonly string[];
  env?: Record<string, string>;
  /** Run as nobody from this copy (made with `npm: true`, since main.ts uses deno.json's packages). */
  nobody?: NobodyCopy;
}

/** Runs `deno run -A --cached-only main.ts ...args` as `opts` says. */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const n = opts.nobody;
  const repo = n ? n.repo : REPO;
  const argv = [
    ...(opts.wrap ?? []),
    ...(n ? AS_NOBODY : []),
    n ? n.deno : Deno.execPath(),
    "run",
    "-A",
    "--cached-only",
    `${repo}main.ts`,
    ...args,
  ];
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: repo,
    env: { ...(n ? n.env : {}), ...(opts.env ?? {}) },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
