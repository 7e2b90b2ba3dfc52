/**
 * What eBPF tracing can do on this kernel: privileges, BTF, tracefs, lockdown, libbpf, the bundled object,
 * each hook variant loaded and attached on its own (then detached), and the tracer exactly as the scanner
 * opens it, with its time to attach. Everything opened is closed again before `probeBpf` returns.
 */
import { Libbpf, LibbpfError } from "../../ffi/libbpf.ts";
import { type Capabilities, findLibbpf, probeCapabilities } from "../host/capabilities.ts";
import { Host } from "../host/host.ts";
import { hasBpfPrivileges, type HostFacts, TraceUnavailable } from "../trace/diagnose.ts";
import { CONNECT_PROGRAMS, EXEC_PROGRAMS, openTracer } from "../trace/loader.ts";
import { sha256HexAsync } from "../host/hash.ts";
import { BUNDLED_OBJECT_URL, readBundledObject } from "../trace/object.ts";

/** One hook variant tried alone. */
export interface HookProbe {
  hook: "exec" | "connect";
  program: string;
  section: string | null;
  /** "ok", the one-line reason it failed, or "not tried (...)". */
  load: string;
  attach: string;
  ms: number;
}

/** The tracer as the scanner would open it. */
export type TracerProbe =
  | {
    ok: true;
    exec: string;
    connect: string | null;
    timeToAttachMs: number;
    loadMs: number;
    attachMs: number;
    rejected: string[];
  }
  | { ok: false; code: string; reason: string };

/** Everything `bpf-selftest` reports. */
export interface BpfProbe {
  caps: Capabilities;
  privileged: boolean;
  tracefsPath: string | null;
  lockdown: string | null;
  libbpf: { path: string | null; version: string | null; error: string | null };
  object: { name: string; size: number | null; sha256: string | null; error: string | null };
  hooks: HookProbe[];
  tracer: TracerProbe;
}

/** Where to find things; tests point these elsewhere. */
export interface ProbeOptions {
  objectUrl?: URL;
  libbpfPath?: string | null;
}

function message(e: unknown): string {
  if (e instanceof LibbpfError) {
    const first = e.log.flatMap((l) => l.text.split("\n")).find((l) => /failed|error|invalid/i.test(l));
    return first ? `${e.detail}: ${first.replace(/^libbpf: /, "").trim()}` : e.detail;
  }
  return e instanceof Error ? e.message : String(e);
}

function firstDir(paths: readonly string[]): string | null {
  for (const p of paths) {
    try {
      if (Deno.statSync(p).isDirectory) return p;
    } catch {
      // next
    }
  }
  return null;
}

/** The active lockdown mode ("none", "integrity", "confidentiality"), or null when securityfs does not say. */
export function activeLockdown(text: string): string | null {
  return /\[([a-z]+)\]/.exec(text)?.[1] ?? null;
}

function readLockdown(): string | null {
  try {
    return activeLockdown(Deno.readTextFileSync("/sys/kernel/security/lockdown"));
  } catch {
    return null;
  }
}

function probeHook(
  lib: Libbpf,
  bytes: Uint8Array,
  name: string,
  hook: "exec" | "connect",
  program: string,
): HookProbe {
  const t0 = performance.now();
  const done = (p: Omit<HookProbe, "hook" | "program" | "ms">): HookProbe => ({
    hook,
    program,
    ...p,
    ms: Math.round((performance.now() - t0) * 10) / 10,
  });
  let obj;
  try {
    obj = lib.openMem(bytes, name);
  } catch (e) {
    return done({ section: null, load: `cannot open the object: ${message(e)}`, attach: "not tried" });
  }
  try {
    const progs = obj.programs();
    const target = progs.find((p) => p.name === program);
    if (!target) return done({ section: null, load: "not in the bundled object", attach: "not tried" });
    for (const p of progs) p.setAutoload(p.name === program);
    try {
      obj.load();
    } catch (e) {
      return done({ section: target.section, load: message(e), attach: "not tried (not loaded)" });
    }
    try {
      const link = target.attach();
      link[Symbol.dispose]();
      return done({ section: target.section, load: "ok", attach: "ok" });
    } catch (e) {
      return done({ section: target.section, load: "ok", attach: message(e) });
    }
  } finally {
    obj[Symbol.dispose]();
  }
}

/** Program name → ELF section, read without loading anything (no privileges needed); empty on failure. */
function sectionsOf(lib: Libbpf, bytes: Uint8Array, name: string): Map<string, string> {
  try {
    using obj = lib.openMem(bytes, name);
    return new Map(obj.programs().map((p) => [p.name, p.section]));
  } catch {
    return new Map();
  }
}

/** Probes this host. Never throws for an expected condition: each failure is a reason in the result. */
export async function probeBpf(opts: ProbeOptions = {}): Promise<BpfProbe> {
  const caps = probeCapabilities(new Host("/"));
  const facts: HostFacts = {
    euid: caps.euid,
    caps: caps.effective_caps,
    btf: caps.btf,
    tracefs: caps.tracefs,
  };
  const privileged = hasBpfPrivileges(facts);
  const url = opts.objectUrl ?? BUNDLED_OBJECT_URL;
  const name = decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf("/") + 1));
  const libbpfPath = opts.libbpfPath !== undefined ? opts.libbpfPath : findLibbpf();

  let bytes: Uint8Array | null = null;
  const object: BpfProbe["object"] = { name, size: null, sha256: null, error: null };
  try {
    bytes = await readBundledObject(url);
    object.size = bytes.length;
    object.sha256 = await sha256HexAsync(bytes);
  } catch (e) {
    object.error = e instanceof Deno.errors.NotFound
      ? "missing (rebuild it with scripts/build-bpf.sh)"
      : message(e);
  }

  const libbpf: BpfProbe["libbpf"] = { path: libbpfPath, version: null, error: null };
  const hooks: HookProbe[] = [];
  const all = [
    ...EXEC_PROGRAMS.map((p) => ["exec", p] as const),
    ...CONNECT_PROGRAMS.map((p) => ["connect", p] as const),
  ];
  const notTried = (why: string, sections = new Map<string, string>()) =>
    all.map(([hook, program]) => ({
      hook,
      program,
      section: sections.get(program) ?? null,
      load: `not tried (${why})`,
      attach: "not tried",
      ms: 0,
    }));
  if (libbpfPath === null) {
    libbpf.error = "not found (install libbpf1, or set SYS_SCAN_LIBBPF)";
    hooks.push(...notTried("no libbpf"));
  } else {
    let lib: Libbpf | null = null;
    try {
      lib = Libbpf.open(libbpfPath);
      libbpf.version = `${lib.version.major}.${lib.version.minor}`;
    } catch (e) {
      libbpf.error = e instanceof LibbpfError ? e.message : message(e);
    }
    if (lib === null) hooks.push(...notTried("libbpf unusable"));
    else {
      try {
        if (bytes === null) hooks.push(...notTried("no BPF object"));
        else if (!privileged) {
          hooks.push(
            ...notTried(`needs root or CAP_BPF+CAP_PERFMON; uid ${caps.euid}`, sectionsOf(lib, bytes, name)),
          );
        } else for (const [hook, program] of all) hooks.push(probeHook(lib, bytes, name, hook, program));
      } finally {
        lib[Symbol.dispose]();
      }
    }
  }

  let tracer: TracerProbe;
  const t0 = performance.now();
  try {
    using t = openTracer({
      libbpfPath,
      object: bytes ? { bytes, name } : { error: new Deno.errors.NotFound(name), name },
      facts,
      onSample: () => {},
    });
    tracer = {
      ok: true,
      exec: t.info.exec.section,
      connect: t.info.connect?.section ?? null,
      timeToAttachMs: Math.round((performance.now() - t0) * 10) / 10,
      loadMs: t.info.loadMs,
      attachMs: t.info.attachMs,
      rejected: t.info.rejected.map((r) => `${r.program} (${r.stage}): ${r.reason}`),
    };
  } catch (e) {
    if (e instanceof TraceUnavailable) tracer = { ok: false, code: e.code, reason: e.message };
    else tracer = { ok: false, code: "error", reason: message(e) };
  }
  return {
    caps,
    privileged,
    tracefsPath: firstDir(["/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"])?.replace(
      /\/events$/,
      "",
    ) ??
      null,
    lockdown: readLockdown(),
    libbpf,
    object,
    hooks,
    tracer,
  };
}

function yesNo(b: boolean): string {
  return b ? "yes" : "no";
}

/** The one-screen report. */
export function renderBpfProbe(p: BpfProbe): string {
  const want = ["CAP_SYS_ADMIN", "CAP_BPF", "CAP_PERFMON"].map((c) =>
    `${c} ${yesNo(p.caps.effective_caps.includes(c))}`
  );
  const w = Math.max(...p.hooks.map((h) => h.program.length), 7);
  const ws = Math.max(...p.hooks.map((h) => (h.section ?? "-").length), 7);
  const lines = [
    `sys-scan bpf-selftest: kernel ${p.caps.kernel}`,
    `  privileges  euid ${p.caps.euid}; ${want.join(", ")} → ${
      p.privileged ? "enough to trace" : "NOT enough to trace"
    }`,
    `  BTF         ${
      p.caps.btf ? "yes (/sys/kernel/btf/vmlinux)" : "no (/sys/kernel/btf/vmlinux missing or empty)"
    }`,
    `  tracefs     ${
      p.tracefsPath
        ? `mounted at ${p.tracefsPath}`
        : "not mounted (classic tracepoints unavailable; BTF hooks do not need it)"
    }`,
    `  lockdown    ${p.lockdown ?? "unknown"}`,
    `  libbpf      ${p.libbpf.path ?? "-"}${p.libbpf.version ? ` (version ${p.libbpf.version})` : ""}${
      p.libbpf.error ? `: ${p.libbpf.error}` : ""
    }`,
    `  object      ${p.object.name}${
      p.object.size !== null ? `, ${p.object.size} bytes, sha256 ${p.object.sha256}` : ""
    }${p.object.error ? `: ${p.object.error}` : ""}`,
    "",
    "  hook     program".padEnd(w + 11) + "  " + "section".padEnd(ws) + "  result",
    ...p.hooks.map((h) => {
      const result = h.load !== "ok"
        ? `load: ${h.load}`
        : h.attach === "ok"
        ? `attach ok (${h.ms} ms)`
        : `attach: ${h.attach}`;
      return `  ${h.hook.padEnd(7)}  ${h.program.padEnd(w)}  ${(h.section ?? "-").padEnd(ws)}  ${result}`;
    }),
    "",
  ];
  if (p.tracer.ok) {
    lines.push(
      `trace can run here: exec via ${p.tracer.exec}, connect via ${
        p.tracer.connect ?? "NONE (execs only)"
      }; ` +
        `time to attach ${p.tracer.timeToAttachMs} ms (load ${p.tracer.loadMs} ms, attach ${p.tracer.attachMs} ms)`,
    );
    if (p.tracer.rejected.length) lines.push(`  not used: ${p.tracer.rejected.join("; ")}`);
  } else {
    lines.push(`trace CANNOT run here (${p.tracer.code}): ${p.tracer.reason}`);
  }
  lines.push("");
  return lines.join("\n");
}
