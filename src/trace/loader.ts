/**
 * Opens, loads and attaches the tracer: libbpf, the object (from bytes), one exec program and one connect
 * program chosen at run time, the rate limits, and the ring-buffer reader. Preference order, best first:
 *   exec:    tp_btf/sched_process_exec (no tracefs) → tracepoint/sched/sched_process_exec
 *   connect: fexit/__sys_connect_file (only connect pays, result known) → tp_btf/sys_enter (every syscall pays
 *            ~75 ns, 32-bit callers seen) → tracepoint/syscalls/sys_enter_connect (every syscall pays ~40 ns,
 *            needs tracefs, blind to 32-bit callers)
 * (getppid costs measured on kernel 6.18, see docs/EBPF.md.)
 * A program the kernel refuses to load is dropped and the object reloaded without it, as long as its hook has
 * another candidate; attach failures fall through to the next candidate. Every failure that stops tracing is a
 * TraceUnavailable with one actionable sentence.
 */
import {
  BpfLink,
  BpfObject,
  Libbpf,
  LibbpfError,
  mapLookup,
  mapUpdate,
  RingBuffer,
} from "../../ffi/libbpf.ts";
import {
  explainAttach,
  explainLoad,
  explainOpen,
  type HostFacts,
  privilegeProblem,
  TraceUnavailable,
} from "./diagnose.ts";
import { MAPS, STAT_MAX } from "./layout.ts";

/** Exec programs, best first. */
export const EXEC_PROGRAMS = ["exec_btf", "exec_tp"] as const;
/** Connect programs, best first. */
export const CONNECT_PROGRAMS = ["connect_fexit", "connect_btf", "connect_tp"] as const;

/** A program name of the object. */
export type ProgramName = (typeof EXEC_PROGRAMS)[number] | (typeof CONNECT_PROGRAMS)[number];

/** What to load and how. */
export interface LoaderOptions {
  /** Path of libbpf.so (findLibbpf), or null when none was found. */
  libbpfPath: string | null;
  /** The object's bytes and a name for messages; or an error reading it. */
  object: { bytes: Uint8Array; name: string } | { error: unknown; name: string };
  facts: HostFacts;
  /** Exec candidates in order (default EXEC_PROGRAMS). */
  execPrograms?: readonly ProgramName[];
  /** Connect candidates in order (default CONNECT_PROGRAMS); empty for no connect tracing. */
  connectPrograms?: readonly ProgramName[];
  /** Per-CPU per-second limits enforced in the kernel (0 = the object's default). */
  rate?: { execPerSecPerCpu: number; connectPerSecPerCpu: number };
  /** Receives each raw record; the view is only valid during the call. */
  onSample: (data: Uint8Array) => void;
}

/** A program that was tried and not used, and why. */
export interface Rejected {
  program: string;
  stage: "load" | "attach";
  reason: string;
}

/** How the tracer ended up attached. */
export interface AttachInfo {
  libbpf: string;
  libbpfVersion: string;
  exec: { program: string; section: string };
  /** null when no connect program could be used (exec tracing still runs). */
  connect: { program: string; section: string } | null;
  rejected: Rejected[];
  loadAttempts: number;
  loadMs: number;
  attachMs: number;
}

/** A loaded, attached tracer. Disposing it detaches and frees everything in reverse order. */
export class Tracer implements Disposable {
  constructor(
    readonly info: AttachInfo,
    readonly ring: RingBuffer,
    readonly lib: Libbpf,
    readonly statsFd: number,
    readonly stack: DisposableStack,
  ) {}

  /** Waits up to `timeoutMs` and handles what arrived; returns the count, or a negative errno (-4: a signal). */
  poll(timeoutMs: number): number {
    return this.ring.poll(timeoutMs);
  }

  /** Handles what is already in the ring. */
  drain(): number {
    return this.ring.consume();
  }

  /** The kernel-side counters of the `stats` map, by index (see Stat). */
  readStats(): bigint[] {
    const out: bigint[] = [];
    const key = new Uint8Array(4);
    const value = new Uint8Array(8);
    for (let i = 0; i < STAT_MAX; i++) {
      new DataView(key.buffer).setUint32(0, i, true);
      mapLookup(this.lib, this.statsFd, key, value);
      out.push(new DataView(value.buffer).getBigUint64(0, true));
    }
    return out;
  }

  /** Frees the ring buffer, destroys the links, closes the object, then releases libbpf. */
  [Symbol.dispose](): void {
    this.stack.dispose();
  }
}

function failingProgram(e: LibbpfError): string | null {
  for (const line of e.log) {
    const m = line.text.match(
      /prog '([^']+)': (?:BPF program load failed|failed to load|failed to resolve|relo #\d+: failed)/,
    );
    if (m) return m[1];
  }
  return null;
}

function shortReason(e: LibbpfError): string {
  const lines = e.log.flatMap((l) => l.text.split("\n")).filter((l) => l.trim() !== "");
  const first = lines.find((l) => /load failed|failed/.test(l));
  return first ? `${e.detail}: ${first.replace(/^libbpf: /, "")}` : e.detail;
}

/** Opens libbpf, or throws TraceUnavailable. */
function openLibbpf(path: string | null): Libbpf {
  if (path === null) {
    throw new TraceUnavailable(
      "no_libbpf",
      "libbpf is not installed (libbpf.so.1 or libbpf.so.0 not found): install the libbpf1 package (Debian/Ubuntu) or libbpf (RHEL/Fedora), or set SYS_SCAN_LIBBPF to its path.",
    );
  }
  try {
    return Libbpf.open(path);
  } catch (e) {
    if (e instanceof LibbpfError && e.stage === "version") {
      throw new TraceUnavailable(
        "libbpf_too_old",
        `${e.message}: install a newer libbpf1 (Debian 12 ships 1.1).`,
      );
    }
    const msg = e instanceof Error ? e.message : String(e);
    throw new TraceUnavailable(
      "no_libbpf",
      `libbpf could not be loaded (${msg}): install the libbpf1 package (Debian/Ubuntu) or libbpf (RHEL/Fedora), or set SYS_SCAN_LIBBPF.`,
    );
  }
}

/**
 * Loads and attaches the tracer. Throws TraceUnavailable (and has released whatever it opened) when it
 * cannot. The privilege check runs first, because libbpf's own message for it is misleading.
 */
export function openTracer(opts: LoaderOptions): Tracer {
  const p = privilegeProblem(opts.facts);
  if (p) throw p;
  if ("error" in opts.object) {
    const e = opts.object.error;
    if (e instanceof Deno.errors.NotFound) {
      throw new TraceUnavailable(
        "object_missing",
        `the BPF object ${opts.object.name} is missing: rebuild it with scripts/build-bpf.sh.`,
      );
    }
    throw new TraceUnavailable(
      "object_missing",
      `cannot read the BPF object ${opts.object.name}: ${e instanceof Error ? e.message : String(e)}.`,
    );
  }
  const { bytes, name } = opts.object;
  const execPrograms = opts.execPrograms ?? EXEC_PROGRAMS;
  const connectPrograms = opts.connectPrograms ?? CONNECT_PROGRAMS;
  const stack = new DisposableStack();
  try {
    const lib = stack.use(openLibbpf(opts.libbpfPath));
    const rejected: Rejected[] = [];
    const disabled = new Set<string>();
    const t0 = performance.now();
    let obj: BpfObject | undefined;
    let attempts = 0;
    while (obj === undefined) {
      attempts++;
      let candidate: BpfObject;
      try {
        candidate = lib.openMem(bytes, name);
      } catch (e) {
        if (e instanceof LibbpfError) throw explainOpen(e, name);
        throw e;
      }
      try {
        const wanted = new Set<string>([...execPrograms, ...connectPrograms].filter((n) => !disabled.has(n)));
        for (const prog of candidate.programs()) prog.setAutoload(wanted.has(prog.name));
        candidate.load();
        obj = candidate;
      } catch (e) {
        candidate[Symbol.dispose]();
        if (!(e instanceof LibbpfError)) throw e;
        const failing = failingProgram(e);
        const group = execPrograms.includes(failing as ProgramName)
          ? execPrograms
          : connectPrograms.includes(failing as ProgramName)
          ? connectPrograms
          : null;
        const others = group?.filter((n) => n !== failing && !disabled.has(n)) ?? [];
        const droppable = failing !== null && group !== null &&
          (others.length > 0 || group === connectPrograms);
        if (!droppable || attempts > 6) throw explainLoad(e, opts.facts);
        disabled.add(failing!);
        rejected.push({ program: failing!, stage: "load", reason: shortReason(e) });
      }
    }
    stack.use(obj);
    const loadMs = performance.now() - t0;

    const cfgFd = obj.mapFd(MAPS.config);
    const cfg = new Uint8Array(16);
    const cv = new DataView(cfg.buffer);
    cv.setBigUint64(0, BigInt(opts.rate?.execPerSecPerCpu ?? 0), true);
    cv.setBigUint64(8, BigInt(opts.rate?.connectPerSecPerCpu ?? 0), true);
    mapUpdate(lib, cfgFd, new Uint8Array(4), cfg);

    const t1 = performance.now();
    const attachOne = (kind: string, names: readonly string[], required: boolean) => {
      const tried: { section: string; error: LibbpfError }[] = [];
      for (const n of names) {
        if (disabled.has(n)) continue;
        const prog = obj!.program(n);
        if (!prog) continue;
        try {
          stack.use<BpfLink>(prog.attach());
          return { program: prog.name, section: prog.section };
        } catch (e) {
          if (!(e instanceof LibbpfError)) throw e;
          tried.push({ section: prog.section, error: e });
          rejected.push({ program: n, stage: "attach", reason: shortReason(e) });
        }
      }
      if (required) {
        const refused = rejected.filter((r) => r.stage === "load" && names.includes(r.program));
        throw explainAttach(kind, tried, opts.facts, refused.map((r) => `${r.program}: ${r.reason}`));
      }
      return null;
    };
    const exec = attachOne("exec", execPrograms, true)!;
    const connect = connectPrograms.length > 0 ? attachOne("connect", connectPrograms, false) : null;
    const statsFd = obj.mapFd(MAPS.stats);
    const ring = stack.use(RingBuffer.create(lib, obj.mapFd(MAPS.events), opts.onSample));
    const info: AttachInfo = {
      libbpf: lib.path,
      libbpfVersion: `${lib.version.major}.${lib.version.minor}`,
      exec,
      connect,
      rejected,
      loadAttempts: attempts,
      loadMs: Math.round(loadMs * 10) / 10,
      attachMs: Math.round((performance.now() - t1) * 10) / 10,
    };
    return new Tracer(info, ring, lib, statsFd, stack.move());
  } catch (e) {
    stack.dispose();
    if (e instanceof TraceUnavailable) throw e;
    if (e instanceof LibbpfError) {
      throw new TraceUnavailable(
        "error",
        `${e.message}.`,
        e.log.map((l) => l.text),
      );
    }
    throw e;
  }
}
