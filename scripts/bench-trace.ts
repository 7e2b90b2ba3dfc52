/**
 * Benchmark of the eBPF tracer (a measurement, not a test). Run as root on the target kernel:
 *
 *   deno run -A scripts/bench-trace.ts [all|attach|exec|connect|getppid] [--execs N] [--connects N]
 *
 * - attach:  start → attached, from a fresh `deno run` process (median of 5), and in-process load/attach time.
 * - exec:    an exec storm (N × /bin/true from 4 posix_spawn workers): received/spawned, kernel drops, and the
 *            CPU the tracing process used per event (records serialized to JSON as for --ndjson).
 * - connect: a connect flood (N UDP connects to 127.0.0.1:9 from 2 workers) with the default kernel rate limit
 *            and with it lifted, then storms paced at 25k..150k/s: offered/received per second, drops by reason.
 *            Records are serialized to JSON as for --ndjson.
 * - getppid: cost of one cheap system call with tracing off and with each connect hook attached.
 * Prints a JSON summary on stdout (progress on stderr).
 */
import { getppid } from "../ffi/libc.ts";
import { findLibbpf } from "../src/host/capabilities.ts";
import { Aggregator } from "../src/trace/aggregate.ts";
import { TraceUnavailable } from "../src/trace/diagnose.ts";
import { ProcessTable } from "../src/trace/lineage.ts";
import { type LoaderOptions, openTracer, type ProgramName } from "../src/trace/loader.ts";
import { readBundledObject } from "../src/trace/object.ts";
import { runSession } from "../src/trace/session.ts";

const LIBBPF = findLibbpf();
const PYTHON = "/usr/bin/python3";
const FACTS = { euid: 0, caps: ["CAP_SYS_ADMIN"], btf: true, tracefs: false };
const log = (s: string) => console.error(`bench: ${s}`);

function arg(name: string, def: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : def;
}

/** CPU time (user + system, all threads) of this process so far, from /proc/self/stat (10 ms resolution). */
function cpuMs(): number {
  const text = Deno.readTextFileSync("/proc/self/stat");
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 10; // utime, stime in clock ticks (USER_HZ = 100)
}

async function tracer(extra: Partial<LoaderOptions>, onSample: (d: Uint8Array) => void = () => {}) {
  return openTracer({
    libbpfPath: LIBBPF,
    object: { bytes: await readBundledObject(), name: "process_exec.bpf.o" },
    facts: FACTS,
    onSample,
    ...extra,
  });
}

/** Runs a traced session while `workload` runs in another process; returns metrics and our CPU use. */
async function traced(
  workload: string[],
  rate?: LoaderOptions["rate"],
  serialize = true,
  mine: (rec: Record<string, unknown>) => boolean = () => true,
) {
  const bytes = await readBundledObject();
  const stop = new AbortController();
  let started: Promise<void> | undefined;
  let workloadMs = 0;
  let out = 0;
  let matched = 0;
  const cpu0 = cpuMs();
  const t0 = performance.now();
  const { metrics } = await runSession({
    durationMs: 600_000,
    maxEvents: Number.MAX_SAFE_INTEGER,
    hash: false,
    signal: stop.signal,
    table: new ProcessTable(),
    aggregator: new Aggregator(),
    emit: (type, rec) => {
      if (mine(rec as unknown as Record<string, unknown>)) matched++;
      if (serialize) out += JSON.stringify({ type, ...rec }).length;
    },
    canary: null,
    listenSignals: false,
    open: (onSample) =>
      openTracer({
        libbpfPath: LIBBPF,
        object: { bytes, name: "process_exec.bpf.o" },
        facts: FACTS,
        onSample,
        ...(rate ? { rate } : {}),
      }),
    onProgress: () => {
      started ??= (async () => {
        const w0 = performance.now();
        const r = await new Deno.Command(workload[0], {
          args: workload.slice(1),
          stdout: "piped",
          stderr: "inherit",
        })
          .output();
        workloadMs = performance.now() - w0;
        if (r.code !== 0) throw new Error(`workload failed: ${workload.join(" ")}`);
        await new Promise((res) => setTimeout(res, 300));
        stop.abort();
      })();
    },
  });
  await started;
  return {
    metrics,
    matched,
    cpuMs: cpuMs() - cpu0,
    wallMs: performance.now() - t0,
    workloadMs,
    bytesOut: out,
  };
}

const EXEC_STORM = `
import os, sys
n, workers = int(sys.argv[1]), 4
def work(k):
    for _ in range(k):
        pid = os.posix_spawn("/bin/true", ["/bin/true", "bench-storm"], {})
        os.waitpid(pid, 0)
kids = []
for w in range(workers):
    pid = os.fork()
    if pid == 0:
        work(n // workers); os._exit(0)
    kids.append(pid)
for p in kids: os.waitpid(p, 0)
`;

const CONNECT_STORM = `
import os, socket, sys, time
n, workers, rate = int(sys.argv[1]), 2, float(sys.argv[2])
kids = []
for w in range(workers):
    pid = os.fork()
    if pid == 0:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        k, per = n // workers, rate / workers
        t0 = time.perf_counter()
        for i in range(k):
            s.connect(("127.0.0.1", 9))
            if per > 0 and i % 100 == 99:
                ahead = (i + 1) / per - (time.perf_counter() - t0)
                if ahead > 0: time.sleep(ahead)
        os._exit(0)
    kids.append(pid)
for p in kids: os.waitpid(p, 0)
`;

async function benchAttach() {
  const self = decodeURIComponent(new URL(import.meta.url).pathname);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", self, "attach-child"],
      stdout: "piped",
    }).spawn();
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    samples.push(performance.now() - t0);
    reader.releaseLock();
    await child.stdout.cancel();
    await child.status;
    if (!new TextDecoder().decode(value).startsWith("attached")) throw new Error("attach child failed");
  }
  samples.sort((a, b) => a - b);
  const t0 = performance.now();
  const inproc = await tracer({});
  const attachMs = performance.now() - t0;
  const info = inproc.info;
  const td0 = performance.now();
  inproc[Symbol.dispose]();
  const teardownMs = performance.now() - td0;
  return {
    start_to_attached_ms_median: round(samples[2]),
    start_to_attached_ms_samples: samples.map(round),
    in_process_open_load_attach_ms: round(attachMs),
    load_ms: info.loadMs,
    attach_ms: info.attachMs,
    load_attempts: info.loadAttempts,
    teardown_ms: round(teardownMs),
    exec_hook: info.exec.section,
    connect_hook: info.connect?.section ?? null,
  };
}

async function benchExec(n: number) {
  log(`exec storm: ${n} x /bin/true`);
  const r = await traced(
    [PYTHON, "-c", EXEC_STORM, String(n)],
    undefined,
    true,
    (rec) => (rec.argv as string[] | undefined)?.[1] === "bench-storm",
  );
  const m = r.metrics;
  return {
    spawned: n,
    received: r.matched,
    all_exec_events: m.events.exec,
    spawn_rate_per_s: round(n / (r.workloadMs / 1000)),
    kernel_drops: m.kernel_drops,
    malformed: m.malformed,
    tracer_cpu_ms: round(r.cpuMs),
    tracer_cpu_pct_of_wall: round((100 * r.cpuMs) / r.wallMs),
    cpu_us_per_event: round((1000 * r.cpuMs) / Math.max(1, m.events.exec)),
  };
}

async function connectRun(n: number, offeredRate: number, rate?: LoaderOptions["rate"]) {
  const r = await traced(
    [PYTHON, "-c", CONNECT_STORM, String(n), String(offeredRate)],
    rate,
    true,
    (rec) => rec.dst_ip === "127.0.0.1" && rec.dst_port === 9,
  );
  const m = r.metrics;
  return {
    offered: n,
    offered_per_s: round(n / (r.workloadMs / 1000)),
    received: r.matched,
    received_per_s: round(r.matched / (r.workloadMs / 1000)),
    kernel_drops: m.kernel_drops,
    tracer_cpu_ms: round(r.cpuMs),
    cpu_us_per_event: round((1000 * r.cpuMs) / Math.max(1, m.events.connect)),
  };
}

/** An unpaced flood (default kernel limit, then lifted), and paced storms to find the rate kept without drops. */
async function benchConnect(n: number) {
  const lifted = { execPerSecPerCpu: 0, connectPerSecPerCpu: 1e12 };
  log(`connect flood: ${n} UDP connects, default kernel rate limit`);
  const flood = await connectRun(n, 0);
  log(`connect flood: ${n} UDP connects, rate limit lifted`);
  const floodLifted = await connectRun(n, 0, lifted);
  const paced: Record<string, unknown> = {};
  for (const target of [25_000, 50_000, 100_000, 150_000]) {
    log(`paced connect storm at ${target}/s (rate limit lifted)`);
    paced[String(target)] = await connectRun(Math.min(n, target * 3), target, lifted);
  }
  return { flood_default_limit: flood, flood_limit_lifted: floodLifted, paced_limit_lifted: paced };
}

/** Minimum over short rounds of the per-call cost of getppid via FFI (the minimum is robust to a busy host). */
function getppidNs(rounds = 10, iterations = 200_000): number {
  for (let i = 0; i < 50_000; i++) getppid();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) getppid();
    best = Math.min(best, ((performance.now() - t0) * 1e6) / iterations);
  }
  return best;
}

/**
 * getppid cost with `connect` (or only the exec hook: "none") attached, against a baseline with nothing
 * attached; alternated `repeats` times, keeping the minimum of each side.
 */
async function getppidWith(
  connect: ProgramName | "none",
  repeats = 4,
): Promise<
  { ns: number | null; baseline_ns: number; overhead_ns?: number; teardown_ms?: number; error?: string }
> {
  let off = Infinity;
  let on = Infinity;
  let teardown = 0;
  for (let i = 0; i < repeats; i++) {
    off = Math.min(off, getppidNs());
    let t;
    try {
      t = await tracer({ execPrograms: ["exec_btf"], connectPrograms: connect === "none" ? [] : [connect] });
    } catch (e) {
      return {
        ns: null,
        baseline_ns: round(off),
        error: e instanceof TraceUnavailable ? e.message : String(e),
      };
    }
    if (connect !== "none" && t.info.connect === null) {
      const why = t.info.rejected.map((r) => `${r.program}: ${r.reason}`).join("; ");
      t[Symbol.dispose]();
      return { ns: null, baseline_ns: round(off), error: `not usable on this kernel (${why})` };
    }
    on = Math.min(on, getppidNs());
    const td0 = performance.now();
    t[Symbol.dispose]();
    teardown = Math.max(teardown, performance.now() - td0);
  }
  return {
    ns: round(on),
    baseline_ns: round(off),
    overhead_ns: round(on - off),
    teardown_ms: round(teardown),
  };
}

async function benchGetppid() {
  const self = decodeURIComponent(new URL(import.meta.url).pathname);
  const out: Record<string, unknown> = {
    exec_only_tp_btf: await getppidWith("none"),
    connect_fexit: await getppidWith("connect_fexit"),
    connect_tp_btf_sys_enter: await getppidWith("connect_btf"),
  };
  // The classic tracepoint needs tracefs: measure it in a private mount namespace where it is mounted.
  const r = await new Deno.Command("/usr/bin/unshare", {
    args: [
      "-m",
      "/bin/sh",
      "-c",
      'mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing; exec "$@"',
      "sh",
      Deno.execPath(),
      "run",
      "-A",
      self,
      "getppid-tracepoint",
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  out.connect_tracepoint_sys_enter_connect = JSON.parse(new TextDecoder().decode(r.stdout) || "null");
  return out;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

if (import.meta.main) {
  const mode = Deno.args[0] ?? "all";
  if (mode === "attach-child") {
    using _t = await tracer({});
    await Deno.stdout.write(new TextEncoder().encode("attached\n"));
    Deno.exit(0);
  }
  if (mode === "getppid-tracepoint") {
    console.log(JSON.stringify(await getppidWith("connect_tp")));
    Deno.exit(0);
  }
  if (Deno.uid() !== 0 || LIBBPF === null) {
    console.error("bench: run as root on a host with libbpf");
    Deno.exit(2);
  }
  const result: Record<string, unknown> = {
    kernel: Deno.osRelease(),
    cpus: navigator.hardwareConcurrency,
    date: new Date().toISOString(),
  };
  if (mode === "all" || mode === "attach") result.attach = await benchAttach();
  if (mode === "all" || mode === "getppid") result.getppid_ns = await benchGetppid();
  if (mode === "all" || mode === "exec") result.exec_storm = await benchExec(arg("execs", 20_000));
  if (mode === "all" || mode === "connect") {
    result.connect_storm = await benchConnect(arg("connects", 500_000));
  }
  console.log(JSON.stringify(result, null, 2));
}
