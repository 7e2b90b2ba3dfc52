/**
 * Failure paths, each with its clear message and documented behaviour: missing and corrupt object, no libbpf,
 * no privileges (setpriv to nobody), no kernel BTF and no tracefs (private mount namespaces).
 */
import assert from "node:assert/strict";
import { findLibbpf } from "../../src/host/capabilities.ts";
import { makeEbpfExecTrace } from "../../src/scanners/ebpf_exec_trace.ts";
import { TraceUnavailable } from "../../src/trace/diagnose.ts";
import { openTracer } from "../../src/trace/loader.ts";
import { readBundledObject } from "../../src/trace/object.ts";
import {
  AS_NOBODY,
  NobodyCopy,
  repoPath,
  runOne,
  traceStarted,
  WITH_TRACEFS,
  WITHOUT_TRACEFS,
  withoutBtf,
} from "../helpers.ts";
import { breakSection } from "../ffi/elf_patch.ts";
import { ScanShared } from "../../src/core/context.ts";
import { needs } from "../host_caps.ts";

const LIBBPF = findLibbpf();
const FACTS = { euid: 0, caps: ["CAP_SYS_ADMIN"], btf: true, tracefs: false };

function unavailable(fn: () => unknown): TraceUnavailable {
  try {
    fn();
  } catch (e) {
    if (e instanceof TraceUnavailable) return e;
    throw e;
  }
  assert.fail("expected TraceUnavailable");
}

interface Probe {
  ok: boolean;
  code?: string;
  message?: string;
  exec?: { section: string };
  execs?: number;
  log?: string[];
}

/** How probe_tracer.ts is run: behind `wrap` (unshare, setpriv), with another deno and copy of the script. */
interface ProbeRun {
  wrap?: readonly string[];
  env?: Record<string, string>;
  deno?: string;
  script?: string;
}

/** Runs probe_tracer.ts with the tracer options `opts` in a child process and returns its verdict. */
async function probe(opts: Record<string, unknown>, run: ProbeRun = {}) {
  const { wrap = [], env = {}, deno = Deno.execPath(), script = repoPath("tests/trace/probe_tracer.ts") } =
    run;
  const inner = [deno, "run", "-A", "--no-config", script, JSON.stringify({ libbpf: LIBBPF, ...opts })];
  const [cmd, ...args] = [...wrap, ...inner];
  const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (text === "") throw new Error(`probe produced no output: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(text.split("\n").pop()!) as Probe;
}

Deno.test("failure: no libbpf names the packages to install", () => {
  const none = unavailable(() =>
    openTracer({
      libbpfPath: null,
      object: { bytes: new Uint8Array(), name: "x" },
      facts: FACTS,
      onSample: () => {},
    })
  );
  assert.equal(none.code, "no_libbpf");
  assert.match(none.message, /libbpf1 package \(Debian\/Ubuntu\).*libbpf \(RHEL\/Fedora\).*SYS_SCAN_LIBBPF/);
  const bad = unavailable(() =>
    openTracer({
      libbpfPath: "/nonexistent/libbpf.so.1",
      object: { bytes: new Uint8Array(), name: "x" },
      facts: FACTS,
      onSample: () => {},
    })
  );
  assert.equal(bad.code, "no_libbpf");
  assert.match(bad.message, /\/nonexistent\/libbpf\.so\.1/);
});

Deno.test("failure: no privileges is said before libbpf is asked", () => {
  const e = unavailable(() =>
    openTracer({
      libbpfPath: LIBBPF,
      object: { bytes: new Uint8Array(), name: "x" },
      facts: { euid: 1000, caps: [], btf: true, tracefs: true },
      onSample: () => {},
    })
  );
  assert.equal(e.code, "not_root");
  assert.match(
    e.message,
    /needs root or the capabilities CAP_BPF and CAP_PERFMON; this process runs as uid 1000/,
  );
});

Deno.test(needs(["libbpf"], {
  name: "failure: missing and corrupt object files give object_missing / object_corrupt",
  fn: async () => {
    const missing = unavailable(() =>
      openTracer({
        libbpfPath: LIBBPF,
        object: { error: new Deno.errors.NotFound("gone"), name: "process_exec.bpf.o" },
        facts: FACTS,
        onSample: () => {},
      })
    );
    assert.equal(missing.code, "object_missing");
    assert.match(missing.message, /process_exec\.bpf\.o is missing: rebuild it with scripts\/build-bpf\.sh/);
    const real = await readBundledObject();
    const corrupt: [Uint8Array, string][] = [
      [new Uint8Array(0), "empty"],
      [new TextEncoder().encode("this is not an ELF file\n"), "text"],
      [real.slice(0, 1000), "truncated"],
      [Deno.readFileSync("/bin/true"), "non-BPF ELF"],
    ];
    for (const [bytes, what] of corrupt) {
      const e = unavailable(() =>
        openTracer({
          libbpfPath: LIBBPF,
          object: { bytes, name: `${what}.o` },
          facts: FACTS,
          onSample: () => {},
        })
      );
      assert.equal(e.code, "object_corrupt", `${what}: ${e.message}`);
      assert.match(e.message, /corrupt or not a BPF object \(.+\): rebuild it/);
    }
  },
}));

Deno.test(needs(["root"], {
  name: "failure: the scanner with a missing object warns ebpf_unavailable and falls back to /proc polling",
  fn: async () => {
    const scanner = makeEbpfExecTrace({
      objectUrl: new URL("file:///nonexistent/process_exec.bpf.o"),
      canary: null,
    });
    // `deno test --parallel` runs other test modules on threads of this process, and tests/trace/e2e_test.ts
    // sends this process SIGTERM to stop its own trace: the polling here stops on it too (as a trace should on
    // a person's SIGTERM). A run that a stray signal ended is run again.
    let r: Awaited<ReturnType<typeof runOne>> | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const shared = new ScanShared();
      const scan = runOne(scanner, "/", { iocExecTrace: 3 }, { shared });
      // Started once /proc polling has begun, so it is new to the trace; it outlives the trace.
      await traceStarted(shared);
      const sleeper = new Deno.Command("/bin/sleep", { args: ["30"] }).spawn();
      r = await scan;
      sleeper.kill();
      await sleeper.status;
      if ((r.outcome.meta.trace as Record<string, unknown>).stopped_by !== "signal") break;
      console.log(`attempt ${attempt + 1}: the polling was stopped by a signal another test sent; again`);
    }
    r = r!;
    assert.equal(r.status, "ok");
    assert.equal((r.outcome.meta.trace as Record<string, unknown>).stopped_by, "duration");
    const w = r.warnings.find((x) => x.code === "ebpf_unavailable");
    assert.ok(w, JSON.stringify(r.warnings));
    assert.match(w.detail!, /is missing: rebuild it.*Falling back to \/proc polling \(lower fidelity/);
    const meta = r.outcome.meta.trace as Record<string, unknown>;
    assert.equal(meta.mode, "proc_polling");
    assert.equal((meta.unavailable as Record<string, unknown>).code, "object_missing");
    const sleep = r.findings.find((f) => f.id === "trace.exec.observed:/usr/bin/sleep");
    assert.ok(sleep, r.findings.map((f) => f.id).join(", "));
    assert.equal(sleep.metadata.fidelity, "low");
    assert.equal(sleep.metadata.source, "proc_polling");
    assert.equal(typeof sleep.metadata.start_ticks, "number");
  },
}));

Deno.test(needs(["root", "libbpf", "setpriv"], {
  name: "failure: as an unprivileged user (setpriv to nobody) the message says to run as root",
  fn: async () => {
    // The clone may not be reachable by nobody (under /root): run the probe from a world-traversable copy.
    using copy = new NobodyCopy();
    {
      const run = {
        wrap: AS_NOBODY,
        env: copy.env,
        deno: copy.deno,
        script: copy.path("tests/trace/probe_tracer.ts"),
      };
      const plain = await probe({}, run);
      assert.equal(plain.ok, false);
      assert.equal(plain.code, "not_root");
      assert.match(plain.message!, /this process runs as uid 65534: run sys-scan as root/);
      // Even when told it has the capabilities, libbpf's misleading EPERM is turned into a clear sentence.
      const lied = await probe({ pretendCaps: ["CAP_BPF", "CAP_PERFMON"] }, run);
      assert.equal(lied.ok, false);
      assert.equal(lied.code, "not_root");
      assert.match(lied.message!, /the kernel refused to load the BPF programs \(Operation not permitted\)/);
    }
  },
}));

Deno.test(needs(["root", "libbpf", "unshare"], {
  name: "failure: without tracefs the BTF hooks still attach; the classic tracepoint alone says to mount it",
  fn: async () => {
    const btf = await probe({}, { wrap: WITHOUT_TRACEFS });
    assert.equal(btf.ok, true, btf.message);
    assert.equal(btf.exec!.section, "tp_btf/sched_process_exec");
    assert.ok(btf.execs! >= 1, "the canary exec must be seen without tracefs");
    const classic = await probe({ execPrograms: ["exec_tp"] }, { wrap: WITHOUT_TRACEFS });
    assert.equal(classic.ok, false);
    assert.equal(classic.code, "no_tracefs");
    assert.match(classic.message!, /tracefs is not mounted.*mount -t tracefs nodev \/sys\/kernel\/tracing/);
  },
}));

Deno.test(needs(["root", "libbpf", "unshare"], {
  name: "failure: with tracefs mounted (private namespace) the classic tracepoints attach and deliver",
  fn: async () => {
    const r = await probe({ execPrograms: ["exec_tp"], connectPrograms: ["connect_tp"] }, {
      wrap: WITH_TRACEFS,
    });
    assert.equal(r.ok, true, r.message);
    assert.equal(r.exec!.section, "tracepoint/sched/sched_process_exec");
    assert.ok(r.execs! >= 1);
  },
}));

Deno.test(needs(["root", "libbpf", "unshare"], {
  name: "failure: without kernel BTF (empty file bound over /sys/kernel/btf/vmlinux) the message says so",
  fn: async () => {
    const empty = Deno.makeTempFileSync({ prefix: "sys-scan-nobtf-" });
    try {
      const r = await probe({}, { wrap: withoutBtf(empty) });
      assert.equal(r.ok, false);
      assert.equal(r.code, "no_btf");
      assert.match(r.message!, /no BTF type information.*CONFIG_DEBUG_INFO_BTF=y/);
    } finally {
      Deno.removeSync(empty);
    }
  },
}));

Deno.test(needs(["root", "libbpf", "unshare"], {
  name:
    "failure: a program the verifier rejects is dropped for the next candidate; with none left, its log is shown",
  fn: async () => {
    const dir = Deno.makeTempDirSync({ prefix: "sys-scan-broken-" });
    try {
      const oneBroken = breakSection(await readBundledObject(), "tp_btf/sched_process_exec");
      Deno.writeFileSync(`${dir}/one.o`, oneBroken);
      Deno.writeFileSync(`${dir}/both.o`, breakSection(oneBroken, "tracepoint/sched/sched_process_exec"));
      // exec_btf is rejected, exec_tp is tried next and needs tracefs, which is not mounted in that namespace.
      const programs = { connectPrograms: [], execPrograms: ["exec_btf", "exec_tp"] };
      const dropped = await probe({ object: `${dir}/one.o`, ...programs }, { wrap: WITHOUT_TRACEFS });
      assert.equal(dropped.code, "no_tracefs", dropped.message);
      assert.match(dropped.message!, /BTF-typed hooks failed.*exec_btf: Invalid argument/);
      // With tracefs, the next candidate takes over.
      const next = await probe({ object: `${dir}/one.o`, ...programs }, { wrap: WITH_TRACEFS });
      assert.equal(next.ok, true, next.message);
      assert.equal(next.exec!.section, "tracepoint/sched/sched_process_exec");
      const rejected = await probe({ object: `${dir}/both.o`, connectPrograms: [] }, {
        wrap: WITHOUT_TRACEFS,
      });
      assert.equal(rejected.code, "verifier_rejected");
      assert.match(
        rejected.message!,
        /verifier rejected the BPF program 'exec_tp' \(Invalid argument\); its last lines: last insn is not an exit or jmp\./,
      );
      assert.ok(rejected.log!.some((l) => /exec_tp/.test(l)));
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
}));
