/**
 * End to end on the live kernel (CI is root with BTF): trace while spawning short processes (/bin/true, a
 * #! script and an explicit interpreter run, an execveat through fexecve) and connecting to loopback listeners
 * on 127.0.0.1 and ::1; every one must be reported with the right pid, ppid, filename, argv, address and port,
 * with no kernel drops.
 */
import assert from "node:assert/strict";
import { findLibbpf } from "../../src/host/capabilities.ts";
import { Host } from "../../src/host/host.ts";
import { takeSnapshot } from "../../src/host/procfs.ts";
import { ebpfExecTrace } from "../../src/scanners/ebpf_exec_trace.ts";
import { Aggregator } from "../../src/trace/aggregate.ts";
import { ProcessTable } from "../../src/trace/lineage.ts";
import { openTracer, type ProgramName } from "../../src/trace/loader.ts";
import { readBundledObject } from "../../src/trace/object.ts";
import type { ConnectRecord, ExecRecord } from "../../src/trace/records.ts";
import { runSession, type TraceMetrics } from "../../src/trace/session.ts";
import { runOne, traceStarted } from "../helpers.ts";
import { ScanShared } from "../../src/core/context.ts";
import { needs } from "../host_caps.ts";

const LIBBPF = findLibbpf();
interface Traced {
  execs: ExecRecord[];
  connects: ConnectRecord[];
  metrics: TraceMetrics;
  warnings: { code: string; detail: string }[];
  /** The session ended before the workload finished (a signal, a cap). */
  endedDuringWorkload: boolean;
}

/** Traces while `workload` runs (started once attached), then a little longer for the last events. */
async function traceWhile(
  workload: () => Promise<void>,
  opts: { hash?: boolean; listenSignals?: boolean; connectPrograms?: ProgramName[] } = {},
): Promise<Traced> {
  const table = new ProcessTable();
  const snap = takeSnapshot(new Host("/"));
  // This test process is the scanner's own (set apart in the snapshot), and the parent of every workload.
  for (const p of [...snap.processes, ...snap.own]) {
    table.set({ pid: p.pid, ppid: p.ppid, comm: p.comm, exe: p.exe, argv: p.cmdline, source: "snapshot" });
  }
  const execs: ExecRecord[] = [];
  const connects: ConnectRecord[] = [];
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  let workloadDone = false;
  const bytes = await readBundledObject();
  const session = runSession({
    durationMs: 15_000,
    maxEvents: 100_000,
    hash: opts.hash ?? false,
    signal: stop.signal,
    table,
    aggregator: new Aggregator(),
    emit: (type, rec) =>
      type === "exec.trace" ? execs.push(rec as ExecRecord) : connects.push(rec as ConnectRecord),
    canary: "/bin/true",
    listenSignals: opts.listenSignals ?? false,
    open: (onSample) =>
      openTracer({
        libbpfPath: LIBBPF,
        object: { bytes, name: "process_exec.bpf.o" },
        facts: { euid: 0, caps: ["CAP_SYS_ADMIN"], btf: true, tracefs: false },
        onSample,
        ...(opts.connectPrograms ? { connectPrograms: opts.connectPrograms } : {}),
      }),
    // The first progress report comes after the hooks are attached: only then does the workload start.
    onProgress: () => {
      running ??= workload().then(() => {
        workloadDone = true;
        return new Promise<void>((r) => setTimeout(r, 300));
      }).finally(() => stop.abort());
    },
  });
  const { metrics, warnings } = await session;
  const endedDuringWorkload = !workloadDone;
  await running;
  return { execs, connects, metrics, warnings, endedDuringWorkload };
}

async function run(cmd: string, args: string[]): Promise<number> {
  const child = new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).spawn();
  const status = await child.status;
  assert.equal(status.code, 0, `${cmd} ${args.join(" ")} failed`);
  return child.pid;
}

Deno.test(needs(["root", "btf", "libbpf"], {
  name: "e2e: execs (plain, #! script, interpreter) are reported with pid, ppid, filename and argv",
  fn: async () => {
    const dir = Deno.makeTempDirSync({ prefix: "sys-scan-e2e-" });
    const script = `${dir}/hello.sh`;
    Deno.writeTextFileSync(script, "#!/bin/sh\nexit 0\n");
    Deno.chmodSync(script, 0o755);
    const pids = { trues: [] as number[], script: 0, interp: 0 };
    try {
      const t = await traceWhile(async () => {
        for (let i = 0; i < 5; i++) pids.trues.push(await run("/bin/true", [`arg-${i}`, "two words"]));
        pids.script = await run(script, ["x"]);
        pids.interp = await run("/bin/sh", [script, "y"]);
      });
      const byPid = (pid: number) => t.execs.filter((e) => e.pid === pid);
      for (const [i, pid] of pids.trues.entries()) {
        const [e] = byPid(pid);
        assert.ok(e, `exec of /bin/true pid ${pid} not reported`);
        assert.equal(e.ppid, Deno.pid);
        assert.equal(e.filename, "/bin/true");
        assert.deepEqual(e.argv, ["/bin/true", `arg-${i}`, "two words"]);
        assert.equal(e.comm, "true");
        assert.equal(e.uid, 0);
        assert.equal(e.source, "ebpf");
        assert.equal(e.parent_comm !== null, true);
        assert.equal(e.lineage[0], `${e.parent_comm}[${Deno.pid}]`);
      }
      const [s] = byPid(pids.script);
      assert.ok(s, "#! script exec not reported");
      assert.equal(s.filename, script);
      assert.equal(s.interp, "/bin/sh");
      assert.deepEqual(s.argv, ["/bin/sh", script, "x"]);
      assert.equal(s.ppid, Deno.pid);
      const [sh] = byPid(pids.interp);
      assert.ok(sh, "interpreter exec not reported");
      assert.equal(sh.filename, "/bin/sh");
      assert.deepEqual(sh.argv, ["/bin/sh", script, "y"]);
      assert.deepEqual(t.metrics.kernel_drops, {
        ringbuf_full: 0,
        rate_limited_exec: 0,
        rate_limited_connect: 0,
      });
      assert.equal(t.metrics.malformed, 0);
      assert.equal(t.metrics.callback_errors, 0);
      assert.equal(t.metrics.canary.seen, true);
      assert.equal(t.metrics.stopped_by, "aborted");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
}));

Deno.test(needs(["root", "btf", "libbpf", "python3"], {
  name: "e2e: an execveat through fexecve is reported after the exec of its caller, as /dev/fd/N",
  fn: async () => {
    let pid = 0;
    const t = await traceWhile(async () => {
      pid = await run("/usr/bin/python3", [
        "-c",
        'import os; fd=os.open("/bin/true", os.O_RDONLY); os.execve(fd, ["true", "fexec"], {})',
      ]);
    });
    const fe = t.execs.filter((e) => e.pid === pid);
    assert.equal(fe.length, 2, `python then its fexecve: ${JSON.stringify(fe.map((e) => e.filename))}`);
    assert.equal(fe[0].filename, "/usr/bin/python3");
    assert.match(fe[1].filename, /^\/dev\/fd\/\d+$/);
    assert.equal(fe[1].comm, "true");
    assert.deepEqual(fe[1].argv, ["true", "fexec"]);
    assert.equal(fe[1].ppid, Deno.pid);
  },
}));

Deno.test(needs(["root", "btf", "libbpf"], {
  name: "e2e: connects to 127.0.0.1 and ::1 listeners are reported with pid, ppid, address and port",
  fn: async () => {
    const v4 = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const v6 = Deno.listen({ hostname: "::1", port: 0 });
    const accept = async (l: Deno.Listener) => {
      for await (const c of l) c.close();
    };
    const accepting = [accept(v4), accept(v6)];
    const p4 = (v4.addr as Deno.NetAddr).port;
    const p6 = (v6.addr as Deno.NetAddr).port;
    const M = 3;
    const bashPids: number[] = [];
    try {
      const t = await traceWhile(async () => {
        for (let i = 0; i < M; i++) {
          (await Deno.connect({ hostname: "127.0.0.1", port: p4 })).close();
          (await Deno.connect({ hostname: "::1", port: p6 })).close();
        }
        bashPids.push(await run("/bin/bash", ["-c", `exec 3<>/dev/tcp/127.0.0.1/${p4}`]));
        bashPids.push(await run("/bin/bash", ["-c", `exec 3<>/dev/tcp/::1/${p6}`]));
      });
      const mine = t.connects.filter((c) => c.pid === Deno.pid);
      assert.equal(mine.filter((c) => c.dst_ip === "127.0.0.1" && c.dst_port === p4).length, M);
      assert.equal(mine.filter((c) => c.dst_ip === "::1" && c.dst_port === p6).length, M);
      for (const c of mine) {
        assert.equal(c.ppid, Deno.ppid);
        assert.equal(c.scope, "loopback");
        assert.equal(c.family, c.dst_ip === "::1" ? "ipv6" : "ipv4");
        assert.equal(c.source, "ebpf");
      }
      const [b4] = t.connects.filter((c) => c.pid === bashPids[0]);
      assert.ok(b4, "bash IPv4 connect not reported");
      assert.deepEqual([b4.dst_ip, b4.dst_port, b4.ppid, b4.comm], ["127.0.0.1", p4, Deno.pid, "bash"]);
      assert.equal(b4.exec_traced, true, "the connect is tied to the exec that started bash");
      assert.deepEqual(b4.exec_argv, ["/bin/bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${p4}`]);
      const [b6] = t.connects.filter((c) => c.pid === bashPids[1]);
      assert.ok(b6, "bash IPv6 connect not reported");
      assert.deepEqual([b6.dst_ip, b6.dst_port, b6.family], ["::1", p6, "ipv6"]);
      assert.deepEqual(t.metrics.kernel_drops, {
        ringbuf_full: 0,
        rate_limited_exec: 0,
        rate_limited_connect: 0,
      });
      assert.equal(t.metrics.malformed, 0);
    } finally {
      v4.close();
      v6.close();
      await Promise.allSettled(accepting);
    }
  },
}));

Deno.test(needs(["root", "btf", "libbpf"], {
  name: "e2e: --trace-hash hashes new executables once per file (device + inode)",
  fn: async () => {
    const mine: number[] = [];
    const t = await traceWhile(async () => {
      mine.push(await run("/bin/sleep", ["0.3"]));
      mine.push(await run("/bin/sleep", ["0.3"]));
    }, { hash: true });
    // Only this test's two: other tests and programs on the host run sleep too while the trace watches.
    const sleeps = t.execs.filter((e) => e.filename === "/bin/sleep" && mine.includes(e.pid));
    assert.equal(sleeps.length, 2);
    const want = new TextDecoder().decode(
      (await new Deno.Command("/usr/bin/sha256sum", { args: ["/bin/sleep"], stdout: "piped" }).output())
        .stdout,
    ).split(" ")[0];
    for (const s of sleeps) {
      assert.equal(s.sha256, want);
      assert.equal(s.sha256_source, "proc_exe");
    }
    assert.ok(t.metrics.hashes!.cached >= 1, JSON.stringify(t.metrics.hashes));
  },
}));

Deno.test(needs(["root", "btf", "libbpf"], {
  name:
    "e2e: the scanner reports a /tmp exec as suspicious, keeps metrics in meta and stops at --trace-max-events",
  fn: async () => {
    const dir = Deno.makeTempDirSync({ prefix: "sys-scan-e2e-", dir: "/tmp" });
    const bin = `${dir}/dropper`;
    Deno.copyFileSync("/bin/true", bin);
    Deno.chmodSync(bin, 0o755);
    try {
      const shared = new ScanShared();
      // Long enough for the exec to happen inside it on a loaded machine.
      const scan = runOne(ebpfExecTrace, "/", { iocExecTrace: 10, traceHash: true }, { shared });
      let traceEnded = false;
      scan.then(() => traceEnded = true, () => traceEnded = true);
      await traceStarted(shared);
      await run(bin, []);
      assert.ok(!traceEnded, "the program ran while the trace was on");
      const r = await scan;
      assert.equal(r.status, "ok", r.reason);
      const sus = r.findings.find((f) => f.id === `trace.exec.suspicious_location:${bin}`);
      assert.ok(sus, r.findings.map((f) => f.id).join("\n"));
      assert.equal(sus.severity, "medium");
      assert.equal(sus.metadata.location_kind, "temp");
      const trueHash = new TextDecoder().decode(
        (await new Deno.Command("/usr/bin/sha256sum", { args: ["/bin/true"], stdout: "piped" }).output())
          .stdout,
      ).split(" ")[0];
      assert.equal(
        sus.metadata.sha256,
        trueHash,
        "--trace-hash: the dropped copy of /bin/true hashes like it",
      );
      assert.ok(sus.metadata.sha256_source === "proc_exe" || sus.metadata.sha256_source === "path");
      const meta = r.outcome.meta.trace as TraceMetrics;
      assert.equal(meta.mode, "ebpf");
      assert.equal(meta.attach!.exec.section, "tp_btf/sched_process_exec");
      assert.ok(meta.time_to_attach_ms! > 0);
      assert.equal(meta.stopped_by, "duration");
      assert.ok(r.warnings.every((w) => w.code !== "ebpf_unavailable"), JSON.stringify(r.warnings));

      const cappedShared = new ScanShared();
      const cappedScan = runOne(ebpfExecTrace, "/", { iocExecTrace: 10, traceMaxEvents: 2 }, {
        shared: cappedShared,
      });
      await traceStarted(cappedShared);
      for (let i = 0; i < 5; i++) await run("/bin/true", []);
      const capped = await cappedScan;
      const m2 = capped.outcome.meta.trace as TraceMetrics;
      assert.equal(m2.stopped_by, "max_events");
      assert.ok(m2.elapsed_ms < 10_000, "stopped by the cap, long before the 10 s trace ended");
      assert.equal(m2.events.exec + m2.events.connect, 2);
      assert.ok(
        capped.warnings.some((w) => w.code === "truncated" && /--trace-max-events/.test(w.detail ?? "")),
      );
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
}));

Deno.test(needs(["root", "btf", "libbpf"], {
  name: "e2e: SIGTERM (like SIGINT) ends the session cleanly with what was traced so far",
  fn: async () => {
    let pid = 0;
    const t = await traceWhile(
      async () => {
        pid = await run("/bin/true", ["before-signal"]);
        Deno.kill(Deno.pid, "SIGTERM"); // the test runner owns SIGINT
        await new Promise((r) => setTimeout(r, 2000));
      },
      { listenSignals: true },
    );
    assert.equal(t.metrics.stopped_by, "signal");
    assert.ok(t.execs.some((e) => e.pid === pid));
    assert.ok(t.endedDuringWorkload, "stopped by the signal, not when the workload ended 2 s later");
  },
}));

Deno.test(needs(["root", "btf", "libbpf"], {
  name: "e2e: attached but no events arriving stops early with trace_no_events (canary not seen)",
  fn: async () => {
    const bytes = await readBundledObject();
    const t0 = performance.now();
    const { metrics, warnings } = await runSession({
      durationMs: 10_000,
      maxEvents: 1000,
      hash: false,
      signal: new AbortController().signal,
      table: new ProcessTable(),
      aggregator: new Aggregator(),
      emit: () => {},
      canary: "/bin/true",
      canaryTimeoutMs: 500,
      listenSignals: false,
      // A pipeline that loses every record between the ring buffer and the decoder.
      open: () =>
        openTracer({
          libbpfPath: LIBBPF,
          object: { bytes, name: "process_exec.bpf.o" },
          facts: { euid: 0, caps: ["CAP_SYS_ADMIN"], btf: true, tracefs: false },
          onSample: () => {},
        }),
    });
    assert.equal(metrics.stopped_by, "no_events");
    assert.equal(metrics.canary.seen, false);
    assert.ok(performance.now() - t0 < 3000);
    assert.ok(
      warnings.some((w) =>
        w.code === "trace_no_events" &&
        /no event, not even the canary exec of \/bin\/true, was decoded/.test(w.detail)
      ),
    );
  },
}));

const COMPAT_CONNECT_C = `
static int sys(int nr, int a, int b, int c) {
  int ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
  return ret;
}
struct sin { unsigned short family; unsigned short port; unsigned int addr; char zero[8]; };
void _start(void) {
  int fd = sys(359, 2, 2, 0);
  struct sin a = { 2, 0x3930, 0x0100007f, {0} };
  sys(362, fd, (int)&a, sizeof a);
  unsigned int args[3] = { (unsigned)fd, (unsigned)&a, sizeof a };
  sys(102, 3, (int)args, 0);
  sys(1, 0, 0, 0);
}
`;

/** Builds a static 32-bit program that connects to 127.0.0.1:12345 twice (connect, then socketcall). */
async function compatConnector(dir: string): Promise<string> {
  Deno.writeTextFileSync(`${dir}/c32.c`, COMPAT_CONNECT_C);
  const r = await new Deno.Command("/usr/bin/clang", {
    args: [
      "-m32",
      "-O1",
      "-nostdlib",
      "-static",
      "-ffreestanding",
      "-fno-pic",
      "-fno-stack-protector",
      `${dir}/c32.c`,
      "-o",
      `${dir}/c32`,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(r.code, 0, `clang -m32: ${new TextDecoder().decode(r.stderr)}`);
  return `${dir}/c32`;
}

Deno.test(needs(["root", "btf", "libbpf", "exec32", "clang"], {
  name: "e2e: a 32-bit process's connect and socketcall(SYS_CONNECT) are both reported",
  fn: async () => {
    const dir = Deno.makeTempDirSync({ prefix: "sys-scan-c32-" });
    try {
      const bin = await compatConnector(dir);
      let pid = 0;
      // Only the BTF-typed connect hooks see 32-bit callers (the classic tracepoint does not).
      const t = await traceWhile(async () => {
        const child = new Deno.Command(bin, { stdout: "null", stderr: "null" }).spawn();
        pid = child.pid;
        await child.status;
      }, { connectPrograms: ["connect_fexit", "connect_btf"] });
      const section = t.metrics.attach?.connect?.section ?? "";
      assert.ok(!section.startsWith("tracepoint/") && section !== "", `connect hook: ${section || "none"}`);
      const mine = t.connects.filter((c) => c.pid === pid);
      assert.deepEqual(mine.map((c) => [c.comm, c.dst_ip, c.dst_port]), [["c32", "127.0.0.1", 12345], [
        "c32",
        "127.0.0.1",
        12345,
      ]]);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
}));
