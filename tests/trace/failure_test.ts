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
import { runOne } from "../helpers.ts";
import { breakSection } from "../ffi/elf_patch.ts";

const LIBBPF = findLibbpf();
const ROOT = Deno.uid() === 0;
const HERE = new URL(".", import.meta.url).pathname;
const REPO = new URL("../../", import.meta.url).pathname;
const FACTS = { euid: 0, caps: ["CAP_SYS_ADMIN"], btf: true, tracefs: false };

function which(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

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
}

async function probe(
  opts: Record<string, unknown>,
  wrap: string[] = [],
  env: Record<string, string> = {},
  script = `${HERE}probe_tracer.ts`,
) {
  const deno = Deno.execPath();
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

Deno.test({
  name: "failure: missing and corrupt object files give object_missing / object_corrupt",
  ignore: LIBBPF === null,
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
});

Deno.test({
  name: "failure: the scanner with a missing object warns ebpf_unavailable and falls back to /proc polling",
  ignore: !ROOT,
  fn: async () => {
    const scanner = makeEbpfExecTrace({
      objectUrl: new URL("file:///nonexistent/process_exec.bpf.o"),
      canary: null,
    });
    const sleeper = setTimeout(() => {
      new Deno.Command("/bin/sleep", { args: ["0.6"] }).spawn();
    }, 300);
    const r = await runOne(scanner, "/", { iocExecTrace: 1 });
    clearTimeout(sleeper);
    assert.equal(r.status, "ok");
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
});

Deno.test({
  name: "failure: as an unprivileged user (setpriv to nobody) the message says to run as root",
  ignore: !ROOT || LIBBPF === null || !which("/usr/bin/setpriv"),
  fn: async () => {
    // /work may not be readable by nobody: copy just the loader's modules and the object to a temp dir.
    const tmp = Deno.makeTempDirSync({ prefix: "sys-scan-nobody-" });
    try {
      for (
        const rel of [
          "ffi/libbpf.ts",
          "ffi/libc.ts",
          "src/core/hash.ts",
          "src/host/net_address.ts",
          "generated/process_exec.bpf.o",
          "tests/trace/probe_tracer.ts",
        ]
      ) {
        Deno.mkdirSync(`${tmp}/${rel.slice(0, rel.lastIndexOf("/"))}`, { recursive: true });
        Deno.copyFileSync(`${REPO}${rel}`, `${tmp}/${rel}`);
      }
      for (const f of ["loader.ts", "diagnose.ts", "layout.ts", "object.ts", "decode.ts"]) {
        Deno.mkdirSync(`${tmp}/src/trace`, { recursive: true });
        Deno.copyFileSync(`${REPO}src/trace/${f}`, `${tmp}/src/trace/${f}`);
      }
      Deno.mkdirSync(`${tmp}/denodir`);
      Deno.chownSync(`${tmp}/denodir`, 65534, 65534);
      Deno.chmodSync(tmp, 0o755);
      const wrap = [
        "/usr/bin/setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
      ];
      const env = { DENO_DIR: `${tmp}/denodir`, HOME: `${tmp}/denodir`, DENO_NO_UPDATE_CHECK: "1" };
      const script = `${tmp}/tests/trace/probe_tracer.ts`;
      const plain = await probe({}, wrap, env, script);
      assert.equal(plain.ok, false);
      assert.equal(plain.code, "not_root");
      assert.match(plain.message!, /this process runs as uid 65534: run sys-scan as root/);
      // Even when told it has the capabilities, libbpf's misleading EPERM is turned into a clear sentence.
      const lied = await probe({ pretendCaps: ["CAP_BPF", "CAP_PERFMON"] }, wrap, env, script);
      assert.equal(lied.ok, false);
      assert.equal(lied.code, "not_root");
      assert.match(lied.message!, /the kernel refused to load the BPF programs \(Operation not permitted\)/);
    } finally {
      Deno.removeSync(tmp, { recursive: true });
    }
  },
});

const UNSHARE = which("/usr/bin/unshare");

Deno.test({
  name: "failure: without tracefs the BTF hooks still attach; the classic tracepoint alone says to mount it",
  ignore: !ROOT || LIBBPF === null || !UNSHARE,
  fn: async () => {
    const sh = (
      cmd: string,
    ) => [
      "/usr/bin/unshare",
      "-m",
      "/bin/sh",
      "-c",
      `umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug 2>/dev/null; ${cmd}`,
    ];
    const wrap = (extra: string) => sh(`exec "$@"${extra}`).concat(["sh"]);
    const btf = await probe({}, wrap(""));
    assert.equal(btf.ok, true, btf.message);
    assert.equal(btf.exec!.section, "tp_btf/sched_process_exec");
    assert.ok(btf.execs! >= 1, "the canary exec must be seen without tracefs");
    const classic = await probe({ execPrograms: ["exec_tp"] }, wrap(""));
    assert.equal(classic.ok, false);
    assert.equal(classic.code, "no_tracefs");
    assert.match(classic.message!, /tracefs is not mounted.*mount -t tracefs nodev \/sys\/kernel\/tracing/);
  },
});

Deno.test({
  name: "failure: with tracefs mounted (private namespace) the classic tracepoints attach and deliver",
  ignore: !ROOT || LIBBPF === null || !UNSHARE,
  fn: async () => {
    const wrap = [
      "/usr/bin/unshare",
      "-m",
      "/bin/sh",
      "-c",
      'mount -t tracefs nodev /sys/kernel/tracing && exec "$@"',
      "sh",
    ];
    const r = await probe({ execPrograms: ["exec_tp"], connectPrograms: ["connect_tp"] }, wrap);
    assert.equal(r.ok, true, r.message);
    assert.equal(r.exec!.section, "tracepoint/sched/sched_process_exec");
    assert.ok(r.execs! >= 1);
  },
});

Deno.test({
  name: "failure: without kernel BTF (empty file bound over /sys/kernel/btf/vmlinux) the message says so",
  ignore: !ROOT || LIBBPF === null || !UNSHARE,
  fn: async () => {
    const empty = Deno.makeTempFileSync({ prefix: "sys-scan-nobtf-" });
    try {
      const wrap = [
        "/usr/bin/unshare",
        "-m",
        "/bin/sh",
        "-c",
        `mount --bind ${empty} /sys/kernel/btf/vmlinux && exec "$@"`,
        "sh",
      ];
      const r = await probe({}, wrap);
      assert.equal(r.ok, false);
      assert.equal(r.code, "no_btf");
      assert.match(r.message!, /no BTF type information.*CONFIG_DEBUG_INFO_BTF=y/);
    } finally {
      Deno.removeSync(empty);
    }
  },
});

Deno.test({
  name:
    "failure: a program the verifier rejects is dropped for the next candidate; with none left, its log is shown",
  ignore: !ROOT || LIBBPF === null,
  fn: async () => {
    const good = await readBundledObject();
    const oneBroken = breakSection(good, "tp_btf/sched_process_exec");
    // exec_btf is rejected, exec_tp is tried next and needs tracefs, which is not mounted in this namespace.
    const dropped = unavailable(() =>
      openTracer({
        libbpfPath: LIBBPF,
        object: { bytes: oneBroken, name: "broken.o" },
        facts: FACTS,
        onSample: () => {},
        connectPrograms: [],
        execPrograms: ["exec_btf", "exec_tp"],
      })
    );
    if (dropped.code === "no_tracefs") {
      assert.match(dropped.message, /BTF-typed hooks failed.*exec_btf: Invalid argument/);
    } else {
      assert.fail(`unexpected ${dropped.code}: ${dropped.message}`);
    }
    const bothBroken = breakSection(oneBroken, "tracepoint/sched/sched_process_exec");
    const rejected = unavailable(() =>
      openTracer({
        libbpfPath: LIBBPF,
        object: { bytes: bothBroken, name: "broken.o" },
        facts: FACTS,
        onSample: () => {},
        connectPrograms: [],
      })
    );
    assert.equal(rejected.code, "verifier_rejected");
    assert.match(
      rejected.message,
      /verifier rejected the BPF program 'exec_tp' \(Invalid argument\); its last lines: last insn is not an exit or jmp\./,
    );
    assert.ok(rejected.log.some((l) => /exec_tp/.test(l)));
  },
});
