/** Test helper (not a test): runs main.ts as root or, through setpriv, as nobody with its own DENO_DIR copy. */

/** The repository root. */
export const REPO = new URL("../../", import.meta.url).pathname;

/** True when this process is root. */
export const ROOT = Deno.uid() === 0;

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

/** Runs `deno run -A main.ts ...args`, optionally behind `wrap` (e.g. unshare or setpriv) and with env. */
export async function runCli(
  args: string[],
  wrap: string[] = [],
  env: Record<string, string> = {},
): Promise<CliRun> {
  const argv = [...wrap, Deno.execPath(), "run", "-A", "--cached-only", `${REPO}main.ts`, ...args];
  const out = await new Deno.Command(argv[0], { args: argv.slice(1), cwd: REPO, env, stdin: "null" })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/**
 * A DENO_DIR copy owned by nobody (the repository is world-readable; root's cache is not), removed on dispose.
 * `wrap` and `env` run the CLI as uid/gid 65534 without capabilities.
 */
export class NobodyEnv implements Disposable {
  readonly dir = Deno.makeTempDirSync({ prefix: "sys-scan-nobody-" });
  readonly wrap = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"];
  readonly env: Record<string, string>;

  constructor() {
    const info = new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
      .outputSync();
    const denoDir = JSON.parse(new TextDecoder().decode(info.stdout)).denoDir as string;
    const cp = new Deno.Command("/bin/cp", { args: ["-a", denoDir, `${this.dir}/denodir`] }).outputSync();
    if (!cp.success) throw new Error(`cannot copy ${denoDir}: ${new TextDecoder().decode(cp.stderr)}`);
    new Deno.Command("/bin/chown", { args: ["-R", "65534:65534", `${this.dir}/denodir`] }).outputSync();
    Deno.chmodSync(this.dir, 0o755);
    this.env = { DENO_DIR: `${this.dir}/denodir`, HOME: this.dir, DENO_NO_UPDATE_CHECK: "1" };
  }

  [Symbol.dispose](): void {
    Deno.removeSync(this.dir, { recursive: true });
  }
}
