/**
 * Subprocess helper for the failure-path tests (not a test itself): opens the tracer with the options given as
 * JSON in argv[0], waits for one exec event (the canary /bin/true), and prints one JSON line with the outcome.
 * It imports only the loader and the FFI modules (no npm packages), so it runs from a copy of those files as
 * an unprivileged user with an empty DENO_DIR.
 *
 * Options: { libbpf: string | null, object?: string, execPrograms?: string[], connectPrograms?: string[],
 *            pretendCaps?: string[] }
 */
import { decodeEvent } from "../../src/trace/decode.ts";
import { TraceUnavailable } from "../../src/trace/diagnose.ts";
import { openTracer, type ProgramName } from "../../src/trace/loader.ts";
import { BUNDLED_OBJECT_URL } from "../../src/trace/object.ts";

const opts = JSON.parse(Deno.args[0] ?? "{}");

function ownFacts() {
  const status = Deno.readTextFileSync("/proc/self/status");
  const euid = Number(/^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1] ?? -1);
  const mask = BigInt("0x" + (/^CapEff:\s+([0-9a-f]+)/m.exec(status)?.[1] ?? "0"));
  const caps: string[] = [];
  if ((mask >> 21n) & 1n) caps.push("CAP_SYS_ADMIN");
  if ((mask >> 38n) & 1n) caps.push("CAP_PERFMON");
  if ((mask >> 39n) & 1n) caps.push("CAP_BPF");
  let btf = false;
  try {
    btf = Deno.statSync("/sys/kernel/btf/vmlinux").size > 0;
  } catch {
    btf = false;
  }
  let tracefs = false;
  try {
    tracefs = Deno.statSync("/sys/kernel/tracing/events").isDirectory;
  } catch {
    tracefs = false;
  }
  return { euid, caps: opts.pretendCaps ?? caps, btf, tracefs };
}

const url = opts.object ? new URL(`file://${opts.object}`) : BUNDLED_OBJECT_URL;
let object;
try {
  object = { bytes: Deno.readFileSync(url), name: decodeURIComponent(url.pathname.split("/").pop()!) };
} catch (error) {
  object = { error, name: decodeURIComponent(url.pathname.split("/").pop()!) };
}
let execs = 0;
try {
  using tracer = openTracer({
    libbpfPath: opts.libbpf,
    object,
    facts: ownFacts(),
    execPrograms: opts.execPrograms as ProgramName[] | undefined,
    connectPrograms: opts.connectPrograms as ProgramName[] | undefined,
    onSample: (d) => {
      const r = decodeEvent(d);
      if (r.ok && r.event.type === "exec") execs++;
    },
  });
  await new Deno.Command("/bin/true").output();
  for (let i = 0; i < 20 && execs === 0; i++) tracer.poll(100);
  console.log(JSON.stringify({ ok: true, exec: tracer.info.exec, connect: tracer.info.connect, execs }));
} catch (e) {
  if (e instanceof TraceUnavailable) {
    console.log(JSON.stringify({ ok: false, code: e.code, message: e.message, log: e.log }));
  } else {
    console.log(JSON.stringify({ ok: false, code: "exception", message: String(e) }));
  }
}
