/** Test helpers: a default config, temporary fixture trees, and running one scanner against a root. */
import { type Config, ConfigSchema } from "../src/core/config.ts";
import { Catalogue } from "../src/core/catalogue.ts";
import type { Finding } from "../src/core/finding.ts";
import { type RunOutcome, runScanners } from "../src/core/runner.ts";
import type { Scanner } from "../src/core/scanner.ts";
import { type Capabilities, probeCapabilities } from "../src/host/capabilities.ts";
import { Host } from "../src/host/host.ts";
import type { Stage } from "../src/core/pipeline.ts";
import { ScanContext, ScanShared } from "../src/core/context.ts";
import { cString, libc } from "../ffi/libc.ts";
import { O } from "../ffi/fd.ts";
import { REPO } from "./host_caps.ts";

export { REPO };

/** Absolute path of a file of this checkout (`rel` relative to its root), as a plain path (not %-escaped). */
export function repoPath(rel: string): string {
  return `${REPO}${rel}`;
}

/** A validated Config with defaults, plus overrides. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return ConfigSchema.parse({ ...overrides });
}

/**
 * A scanner's context over the tree at `root`, made as the runner makes one, for a test that calls a scanner's
 * code directly: config overrides, and the host and shared state (which several contexts of one scan share).
 */
export function testContext(
  scanner: string,
  root: string,
  opts: {
    config?: Partial<Config>;
    host?: Host;
    shared?: ScanShared;
    signal?: AbortSignal;
    budgetSeconds?: number;
  } = {},
): ScanContext {
  const host = opts.host ?? new Host(root);
  return new ScanContext(
    scanner,
    testConfig({ root, ...opts.config }),
    host,
    probeCapabilities(host),
    opts.shared ?? new ScanShared(),
    opts.signal ?? new AbortController().signal,
    opts.budgetSeconds ?? 30,
  );
}

/** Absolute path of a committed fixture host under tests/fixtures/hosts. */
export function fixtureRoot(name: string): string {
  return repoPath(`tests/fixtures/hosts/${name}`);
}

/** A file to create in a temporary tree: text content, or content with a mode, or a symlink. */
export type TreeEntry = string | {
  content?: string | Uint8Array;
  mode?: number;
  symlink?: string;
  dir?: boolean;
};

/**
 * Creates a temporary directory tree (paths relative to its root, e.g. "proc/sys/kernel/kptr_restrict").
 * Modes are applied with chmod, so setuid/world-writable bits survive (git would not keep them).
 * Returns the tree; declare it with `using` so it is removed at the end of the test.
 */
export function makeTree(entries: Record<string, TreeEntry>): TempTree {
  const root = Deno.makeTempDirSync({ prefix: "sys-scan-test-" });
  for (const [rel, entry] of Object.entries(entries)) {
    const path = `${root}/${rel}`;
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    const e = typeof entry === "string" ? { content: entry } : entry;
    if (e.symlink !== undefined) Deno.symlinkSync(e.symlink, path);
    else if (e.dir) Deno.mkdirSync(path, { recursive: true });
    else if (typeof e.content === "string" || e.content === undefined) {
      Deno.writeTextFileSync(path, e.content ?? "");
    } else Deno.writeFileSync(path, e.content);
    if (e.mode !== undefined && e.symlink === undefined) Deno.chmodSync(path, e.mode);
  }
  return new TempTree(root);
}

/** A temporary directory removed when disposed. */
export class TempTree implements Disposable {
  constructor(readonly path: string) {}

  [Symbol.dispose](): void {
    Deno.removeSync(this.path, { recursive: true });
  }
}

/** The outcome of one scanner run, flattened for assertions. */
export interface OneRun {
  outcome: RunOutcome;
  findings: Finding[];
  passed: string[];
  status: string;
  reason?: string;
  warnings: RunOutcome["warnings"];
}

/** Runs a single scanner against `root` (default: the live host) with optional config overrides and stages. */
export async function runOne(
  scanner: Scanner,
  root = "/",
  overrides: Partial<Config> = {},
  opts: { stages?: Stage[]; caps?: Capabilities; shared?: ScanShared } = {},
): Promise<OneRun> {
  const config = testConfig({ root, ...overrides });
  const host = new Host(root);
  const outcome = await runScanners({
    scanners: [scanner],
    config,
    host,
    caps: opts.caps ?? probeCapabilities(host),
    ...(opts.shared ? { shared: opts.shared } : {}),
    pipeline: {
      catalogue: new Catalogue(scanner.checks),
      stages: opts.stages ?? [],
      minSeverity: config.minSeverity,
      includePassed: config.includePassed,
    },
  });
  const r = outcome.results[0];
  return {
    outcome,
    findings: r.findings,
    passed: r.passed_check_ids,
    status: r.status,
    reason: r.reason,
    warnings: outcome.warnings,
  };
}

/**
 * Resolves once the trace scanner running with `shared` has its hooks attached (eBPF) or has started polling
 * /proc (fallback): what a test runs to be traced must start then, never after a fixed delay. Rejects after
 * `timeoutMs`.
 */
export async function traceStarted(shared: ScanShared, timeoutMs = 60_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    const trace = shared.meta.get("trace") as { attach?: unknown; mode?: string } | undefined;
    if (trace?.attach || trace?.mode === "proc_polling") return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`the trace did not start within ${timeoutMs} ms`);
}

/** The records of an NDJSON stream (e.g. a child's `--ndjson` standard output), as they come. */
export async function* ndjsonRecords(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<Record<string, unknown>> {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      yield JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  }
  if (buf.trim() !== "") yield JSON.parse(buf);
}

/**
 * Runs `/bin/true <tag>` every `everyMs` until stopped, keeping the pids. A child scan's `exec.trace` record of
 * one of them proves its tracer is attached and reporting: the tracer's own canary exec is the scan's own and is
 * never reported, and the host may run nothing else while the test waits. Dispose (`await using`) to stop.
 */
export class ExecProbes implements AsyncDisposable {
  readonly #pids = new Set<number>();
  readonly #loop: Promise<void>;
  #stopped = false;

  constructor(readonly tag: string, everyMs = 200) {
    this.#loop = (async () => {
      while (!this.#stopped) {
        const c = new Deno.Command("/bin/true", { args: [tag], stdout: "null", stderr: "null" }).spawn();
        this.#pids.add(c.pid);
        await c.status;
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  /** True when `pid` is one of the probes started so far. */
  has(pid: unknown): boolean {
    return typeof pid === "number" && this.#pids.has(pid);
  }

  /** Stops starting probes (waits for the one running). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** SHA-256 (hex) through WebCrypto: an oracle independent of the code under test (src/host/hash.ts). */
export async function webSha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The check ids of a list of findings, sorted. */
export function checkIds(findings: Finding[]): string[] {
  return findings.map((f) => f.check_id).sort();
}

/** The argv prefix that runs a command as nobody: uid/gid 65534, no groups, no inheritable capabilities. */
export const AS_NOBODY = [
  "/usr/bin/setpriv",
  "--reuid=65534",
  "--regid=65534",
  "--clear-groups",
  "--inh-caps=-all",
] as const;

/** The parts of the checkout that make up the program under `deno run`: its modules, config and assets. */
export const PROGRAM = ["main.ts", "deno.json", "deno.lock", "src", "ffi", "generated", "rules"] as const;

/** Copies `parts` of this checkout (default: the program) into the directory `dest`, readable by everyone. */
export function copyCheckout(dest: string, parts: readonly string[] = PROGRAM): void {
  Deno.mkdirSync(dest, { recursive: true });
  sh("/bin/cp", "-a", ...parts.map((p) => repoPath(p)), dest);
  sh("/bin/chmod", "-R", "a+rX", dest);
}

/** True when uid 65534 can reach `path` (every parent directory searchable by others) and `bits` of it. */
export function nobodyCan(path: string, bits: number): boolean {
  try {
    const parts = Deno.realPathSync(path).split("/").slice(1);
    for (let i = 0; i < parts.length - 1; i++) {
      if (((Deno.statSync(`/${parts.slice(0, i + 1).join("/")}`).mode ?? 0) & 0o001) === 0) return false;
    }
    return ((Deno.statSync(path).mode ?? 0) & bits) === bits;
  } catch {
    return false;
  }
}

/**
 * What a run as nobody needs, in a world-traversable temporary directory, because the clone itself may sit
 * where nobody cannot reach it (under /root, mode 0700): a copy of the checkout's code (`path(rel)`), a deno
 * executable nobody can run (`deno`: the running one when reachable, else a link or copy of it) and a DENO_DIR
 * and HOME nobody owns (`env`); with `npm`, the DENO_DIR holds a copy of the npm packages, for runs that use
 * deno.json. Removed when disposed.
 */
export class NobodyCopy implements Disposable {
  /** The temporary directory (mode 0755). */
  readonly dir = Deno.makeTempDirSync({ prefix: "sys-scan-nobody-" });
  /** The copy of the checkout, with a trailing slash. */
  readonly repo = `${this.dir}/repo/`;
  /** A deno executable nobody can run. */
  readonly deno: string;
  /** DENO_DIR and HOME owned by nobody, no colour, no update check. */
  readonly env: Record<string, string>;

  constructor(opts: { npm?: boolean } = {}) {
    try {
      Deno.chmodSync(this.dir, 0o755);
      if (!nobodyCan(this.dir, 0o005)) {
        throw new Error(`nobody cannot reach the temporary directory ${this.dir}`);
      }
      copyCheckout(this.repo, [...PROGRAM, "tests"]);
      this.deno = Deno.execPath();
      if (!nobodyCan(this.deno, 0o005)) {
        this.deno = `${this.dir}/deno`;
        try {
          Deno.linkSync(Deno.execPath(), this.deno);
        } catch {
          Deno.copyFileSync(Deno.execPath(), this.deno);
        }
        Deno.chmodSync(this.deno, 0o755);
      }
      const denoDir = `${this.dir}/denodir`;
      Deno.mkdirSync(denoDir);
      if (opts.npm) {
        const info = JSON.parse(sh(Deno.execPath(), "info", "--json")) as { npmCache: string };
        sh("/bin/cp", "-a", info.npmCache, `${denoDir}/npm`);
      }
      Deno.mkdirSync(`${this.dir}/home`);
      sh("/bin/chown", "-R", "65534:65534", denoDir, `${this.dir}/home`);
      this.env = { DENO_DIR: denoDir, HOME: `${this.dir}/home`, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
    } catch (e) {
      Deno.removeSync(this.dir, { recursive: true });
      throw e;
    }
  }

  /** Path in the copy of a checkout file (`rel` relative to the checkout root, or an absolute path in it). */
  path(rel: string): string {
    return `${this.repo}${rel.startsWith(REPO) ? rel.slice(REPO.length) : rel}`;
  }

  [Symbol.dispose](): void {
    Deno.removeSync(this.dir, { recursive: true });
  }
}

/**
 * Runs a Deno script of this checkout (absolute path) as nobody (root bypasses directory permissions) from a
 * NobodyCopy, with no config file, and returns its standard output parsed as JSON. Throws with its standard
 * error when it fails.
 */
export function runAsNobody(
  script: string,
  permissions: readonly string[],
  args: readonly string[],
): unknown {
  using copy = new NobodyCopy();
  const out = new Deno.Command(AS_NOBODY[0], {
    args: [
      ...AS_NOBODY.slice(1),
      copy.deno,
      "run",
      "--no-config",
      ...permissions,
      copy.path(script),
      ...args,
    ],
    env: copy.env,
  }).outputSync();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const PRIVATE_MOUNTS = ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c"] as const;
const UNMOUNT_TRACEFS = "while umount /sys/kernel/tracing 2>/dev/null; do :; done; " +
  "while umount /sys/kernel/debug 2>/dev/null; do :; done";

/**
 * argv prefix that runs the rest in a private mount namespace without tracefs (nor debugfs), whether or not the
 * host has it mounted.
 */
export const WITHOUT_TRACEFS = [...PRIVATE_MOUNTS, `${UNMOUNT_TRACEFS}; exec "$@"`, "sh"] as const;

/**
 * argv prefix that runs the rest in a private mount namespace with a fresh tracefs on /sys/kernel/tracing,
 * whether or not the host has it mounted.
 */
export const WITH_TRACEFS = [
  ...PRIVATE_MOUNTS,
  `${UNMOUNT_TRACEFS}; mount -t tracefs nodev /sys/kernel/tracing && exec "$@"`,
  "sh",
] as const;

/** argv prefix that runs the rest in a private mount namespace where /sys/kernel/btf/vmlinux is `empty`. */
export function withoutBtf(empty: string): string[] {
  return [...PRIVATE_MOUNTS, 'mount --bind "$0" /sys/kernel/btf/vmlinux && exec "$@"', empty];
}

/** Runs a command (absolute path, no shell) and throws with its standard error when it fails. */
export function sh(cmd: string, ...args: string[]): string {
  const out = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).outputSync();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/**
 * Mounts a FUSE filesystem on `dir` whose server never answers: every lookup, stat or open under it blocks in
 * the kernel (as on a hung network or FUSE mount) until the mount is disposed, which detaches it and closes the
 * server's descriptor (the blocked calls then fail with ENOTCONN).
 */
export function mountHungFuse(dir: string): Disposable {
  const lib = libc().symbols;
  // Close-on-exec: a child another test spawns meanwhile must not inherit the server's end, or the connection
  // (and every call blocked on it) would outlive the dispose for as long as that child lives.
  const fd = lib.open(cString("/dev/fuse"), 2 /* O_RDWR */ | O.CLOEXEC);
  if (fd < 0) throw new Error("cannot open /dev/fuse");
  const rc = lib.mount(
    cString("sys-scan-hung"),
    cString(dir),
    cString("fuse.sys-scan-hung"),
    0n,
    cString(`fd=${fd},rootmode=40000,user_id=0,group_id=0`),
  );
  if (rc !== 0) {
    lib.close(fd);
    throw new Error(`mount fuse on ${dir} failed`);
  }
  return {
    [Symbol.dispose]() {
      lib.umount2(cString(dir), 2); // MNT_DETACH
      lib.close(fd);
    },
  };
}

/**
 * Makes the FIFO at `path` (created by the caller) and, on dispose, releases every thread still blocked opening
 * it for reading: a writer opens it (without blocking) and closes it at once. A test that leaves a worker
 * blocked in open(2) on it (abandoned by design) uses this so the thread ends with the test, not at exit.
 */
export function fifoWithRelease(path: string): Disposable {
  sh("/usr/bin/mkfifo", path);
  return {
    [Symbol.dispose]() {
      const lib = libc().symbols;
      const fd = lib.open(cString(path), 1 /* O_WRONLY */ | O.NONBLOCK | O.CLOEXEC);
      if (fd >= 0) lib.close(fd); // else ENXIO: no reader was waiting
    },
  };
}

/** Reads the first line a child prints on its piped standard output (then leaves the stream to the child). */
export async function firstLine(child: Deno.ChildProcess): Promise<string> {
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text.split("\n")[0].trim();
}

/** Kills a child with SIGKILL (if it still runs), drops its piped standard output and waits for it. */
export async function stopChild(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch {
    // already gone
  }
  await child.stdout.cancel().catch(() => {});
  await child.status;
}

/** The parent pid of every process, from /proc/PID/stat. */
export function parentPids(): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      out.set(Number(e.name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone
    }
  }
  return out;
}

/** The children of `ppid` (from /proc) whose executable matches `exe`. */
export function childPids(ppid: number, exe: RegExp = /./): number[] {
  const out: number[] = [];
  for (const [pid, parent] of parentPids()) {
    if (parent !== ppid) continue;
    try {
      if (exe.test(Deno.readLinkSync(`/proc/${pid}/exe`))) out.push(pid);
    } catch {
      // gone
    }
  }
  return out;
}

/** The pids whose parent chain leads to `root` (not `root` itself). */
export function descendantsOf(root: number): Set<number> {
  const parent = parentPids();
  const out = new Set<number>();
  for (const pid of parent.keys()) {
    for (let at = parent.get(pid), i = 0; at !== undefined && at > 1 && i < 64; at = parent.get(at), i++) {
      if (at === root) {
        out.add(pid);
        break;
      }
    }
  }
  return out;
}

/**
 * Kills one process by pid with SIGKILL (if it still runs). Refuses pids below 1: kill(0) and kill(-n) signal a
 * whole process group, which would end the test run itself.
 */
export function killPid(pid: number | undefined): void {
  if (pid === undefined) return;
  if (!Number.isInteger(pid) || pid < 1) throw new Error(`refusing to kill pid ${pid}: not one process`);
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** What a JSON report says of one scanner, as the live tests read it. */
export interface ReportedScanner {
  scanner: string;
  status: string;
  findings: { id: string; check_id: string; metadata: Record<string, unknown> }[];
}

/**
 * Runs `sys-scan ARGS --format json` from this checkout in a private mount namespace after `setup`, a shell
 * command run there as root first: the mounts it makes (a tmpfs over /etc/cron.d, a bind over /proc/<pid>) never
 * reach the host. Returns the exit code, stderr and each scanner's part of the report.
 */
export async function scanInPrivateMounts(
  setup: string,
  args: string[],
): Promise<{ code: number; stderr: string; results: ReportedScanner[] }> {
  const out = await new Deno.Command("/usr/bin/unshare", {
    args: [
      "--mount",
      "--propagation",
      "private",
      "/bin/sh",
      "-c",
      `${setup} && exec "$@"`,
      "sh",
      Deno.execPath(),
      "run",
      "-A",
      "--cached-only",
      "--quiet",
      repoPath("main.ts"),
      ...args,
      "--format",
      "json",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  const text = new TextDecoder().decode(out.stdout);
  return { code: out.code, stderr, results: text.trim() === "" ? [] : JSON.parse(text).results };
}
