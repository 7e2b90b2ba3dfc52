/** Running an external program: absolute path, argument array, no shell, a timeout and an output cap. */
import { registerHelper, unregisterHelper } from "./self.ts";

/** What a finished (or stopped) program produced. */
export interface ExecOutcome {
  /** Exit code, or null when the program was killed. */
  code: number | null;
  stdout: Uint8Array;
  stderr: Uint8Array;
  timedOut: boolean;
  /** True when stdout or stderr hit the cap and the program was stopped. */
  truncated: boolean;
}

/** Options for runProgram. */
export interface ExecOptions {
  timeoutMs?: number;
  maxOutputBytes?: number;
  env?: Record<string, string>;
  stdin?: Uint8Array;
}

/** Reads a stream up to `cap` bytes; stops early (keeping what it has) once `stop` fires. */
async function drain(stream: ReadableStream<Uint8Array>, cap: number, onCap: () => void, stop: AbortSignal) {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let capped = false;
  const reader = stream.getReader();
  // A killed program's children may keep the pipe open: stop waiting for end-of-file once it was killed.
  const cancel = () => void reader.cancel().catch(() => {});
  if (stop.aborted) cancel();
  stop.addEventListener("abort", cancel, { once: true });
  while (true) {
    const step = await reader.read().catch(() => ({ done: true as const, value: undefined }));
    if (step.done) break;
    const chunk = step.value;
    if (capped) continue;
    const room = cap - total;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      total = cap;
      capped = true;
      onCap();
    } else {
      chunks.push(chunk);
      total += chunk.length;
    }
  }
  stop.removeEventListener("abort", cancel);
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return { bytes: out, capped };
}

/**
 * Runs `program` (an absolute path) with `args`. Never uses a shell. The environment is cleared except
 * for what `env` provides (plus a fixed PATH and LC_ALL=C so output is parseable).
 * Throws only when the program cannot be started (e.g. it does not exist).
 */
export async function runProgram(
  program: string,
  args: string[],
  opts: ExecOptions = {},
): Promise<ExecOutcome> {
  if (!program.startsWith("/")) throw new Error(`refusing to run ${program}: not an absolute path`);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const cap = opts.maxOutputBytes ?? 4 << 20;
  const child = new Deno.Command(program, {
    args,
    clearEnv: true,
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C", ...opts.env },
    stdin: opts.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A helper is the scanner's own process while it runs: the /proc snapshot leaves it out (./self.ts).
  registerHelper(child.pid);
  let timedOut = false;
  const killed = new AbortController();
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    killed.abort();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, timeoutMs);
  if (opts.stdin) {
    const w = child.stdin.getWriter();
    await w.write(opts.stdin).catch(() => {});
    await w.close().catch(() => {});
  }
  try {
    const [out, err, status] = await Promise.all([
      drain(child.stdout, cap, kill, killed.signal),
      drain(child.stderr, cap, kill, killed.signal),
      child.status,
    ]);
    return {
      code: status.signal ? null : status.code,
      stdout: out.bytes,
      stderr: err.bytes,
      timedOut,
      truncated: out.capped || err.capped,
    };
  } finally {
    clearTimeout(timer);
    unregisterHelper(child.pid);
  }
}
