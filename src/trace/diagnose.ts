/** Turns loader failures into one sentence a person can act on, using what is known about the host. */
import { EACCES, EINVAL, ENOENT, EPERM, ESRCH, LIBBPF_ERRNO_BASE, LibbpfError } from "../../ffi/libbpf.ts";

/** Why tracing cannot run, as a stable code (recorded in meta.trace.unavailable.code). */
export type UnavailableCode =
  | "not_root"
  | "no_btf"
  | "no_libbpf"
  | "libbpf_too_old"
  | "object_missing"
  | "object_corrupt"
  | "verifier_rejected"
  | "no_tracefs"
  | "attach_failed"
  | "not_live"
  | "error";

/** Tracing cannot run: the code, one actionable sentence, and libbpf's last log lines when there are some. */
export class TraceUnavailable extends Error {
  constructor(readonly code: UnavailableCode, message: string, readonly log: string[] = []) {
    super(message);
    this.name = "TraceUnavailable";
  }
}

/** What is known about the process and kernel when interpreting an error. */
export interface HostFacts {
  euid: number;
  caps: readonly string[];
  btf: boolean;
  tracefs: boolean;
}

/** True when the process may load and attach tracing programs (root, CAP_SYS_ADMIN, or CAP_BPF+CAP_PERFMON). */
export function hasBpfPrivileges(f: HostFacts): boolean {
  if (f.caps.includes("CAP_SYS_ADMIN")) return true;
  return f.caps.includes("CAP_BPF") && f.caps.includes("CAP_PERFMON");
}

/** The sentence for a missing privilege (checked before libbpf, whose own message is misleading). */
export function privilegeProblem(f: HostFacts): TraceUnavailable | null {
  if (hasBpfPrivileges(f)) return null;
  const who = f.euid === 0 ? "root without CAP_BPF/CAP_PERFMON (a restricted container?)" : `uid ${f.euid}`;
  return new TraceUnavailable(
    "not_root",
    `eBPF tracing needs root or the capabilities CAP_BPF and CAP_PERFMON; this process runs as ${who}: run sys-scan as root.`,
  );
}

/** The last `n` lines of libbpf's log (multi-line entries such as the verifier log split into lines). */
export function lastLogLines(e: LibbpfError, n = 12): string[] {
  return e.log.flatMap((l) => l.text.split("\n")).filter((l) => l.trim() !== "").slice(-n);
}

/** Interprets a failure to open the object file. */
export function explainOpen(e: LibbpfError, what: string): TraceUnavailable {
  const log = lastLogLines(e);
  if (e.code === ENOENT) {
    return new TraceUnavailable(
      "object_missing",
      `the BPF object ${what} is missing: rebuild it with scripts/build-bpf.sh.`,
      log,
    );
  }
  if (e.code >= LIBBPF_ERRNO_BASE || e.code === EINVAL) {
    return new TraceUnavailable(
      "object_corrupt",
      `the BPF object ${what} is corrupt or not a BPF object (${e.detail}): rebuild it with scripts/build-bpf.sh or reinstall sys-scan.`,
      log,
    );
  }
  return new TraceUnavailable("error", `cannot open the BPF object ${what}: ${e.detail}.`, log);
}

/** The failing program and the last lines of its verifier log (libbpf's BEGIN/END PROG LOAD LOG block). */
export function verifierLines(e: LibbpfError, n = 3): { program: string; lines: string[] } | null {
  const lines = e.log.flatMap((l) => l.text.split("\n"));
  const begin = lines.findLastIndex((l) => /-- BEGIN PROG LOAD LOG --/.test(l));
  if (begin < 0) return null;
  const program = /prog '([^']+)'/.exec(lines[begin])?.[1] ?? "?";
  const body: string[] = [];
  for (const l of lines.slice(begin + 1)) {
    if (/-- END PROG LOAD LOG --/.test(l)) break;
    if (l.trim() !== "" && !/^processed \d+ insns/.test(l) && !/^verification time/.test(l)) {
      body.push(l.trim());
    }
  }
  return { program, lines: body.slice(-n) };
}

/** Interprets a failure to load the object. */
export function explainLoad(e: LibbpfError, f: HostFacts): TraceUnavailable {
  const log = lastLogLines(e);
  if (e.code === ESRCH || !f.btf) {
    return new TraceUnavailable(
      "no_btf",
      "the kernel has no BTF type information (/sys/kernel/btf/vmlinux missing or unreadable), which the tracer needs: use a kernel built with CONFIG_DEBUG_INFO_BTF=y.",
      log,
    );
  }
  if (e.code === EPERM || e.code === EACCES) {
    const p = privilegeProblem(f);
    if (p) return new TraceUnavailable(p.code, p.message, log);
    return new TraceUnavailable(
      "not_root",
      `the kernel refused to load the BPF programs (${e.detail}) although this process has the capabilities: check kernel.unprivileged_bpf_disabled, lockdown and LSM policy.`,
      log,
    );
  }
  if (e.code >= LIBBPF_ERRNO_BASE && e.code !== 4007) {
    return new TraceUnavailable(
      "object_corrupt",
      `the BPF object is corrupt (${e.detail}): rebuild it with scripts/build-bpf.sh.`,
      log,
    );
  }
  const verifier = verifierLines(e);
  if (verifier) {
    return new TraceUnavailable(
      "verifier_rejected",
      `the kernel's verifier rejected the BPF program '${verifier.program}' (${e.detail}); its last lines: ${
        verifier.lines.join(" | ")
      }. Report this with the kernel version (uname -r).`,
      log,
    );
  }
  return new TraceUnavailable("error", `cannot load the BPF programs: ${e.detail}.`, log);
}

/**
 * Interprets the failure to attach every candidate for one hook: `tried` lists the sections that failed to
 * attach, `loadRejected` the candidates the kernel had already refused to load ("section: reason").
 */
export function explainAttach(
  kind: string,
  tried: { section: string; error: LibbpfError }[],
  f: HostFacts,
  loadRejected: string[] = [],
): TraceUnavailable {
  const log = tried.flatMap((t) => lastLogLines(t.error, 4));
  const summary = [...loadRejected, ...tried.map((t) => `${t.section}: ${t.error.detail}`)].join("; ");
  const tracepointMissing = tried.some((t) => t.section.startsWith("tracepoint/") && t.error.code === ENOENT);
  const btfTried = loadRejected.length > 0 || tried.some((t) => !t.section.startsWith("tracepoint/"));
  if (tracepointMissing && !f.tracefs) {
    const lead = btfTried
      ? "the BTF-typed hooks failed and tracefs is not mounted for the classic tracepoint"
      : "tracefs is not mounted, and the classic tracepoint needs it";
    return new TraceUnavailable(
      "no_tracefs",
      `cannot attach the ${kind} hook: ${lead} (${summary}); mount it with \`mount -t tracefs nodev /sys/kernel/tracing\`.`,
      log,
    );
  }
  if (tried.some((t) => t.error.code === EPERM || t.error.code === EACCES)) {
    return new TraceUnavailable(
      "not_root",
      `cannot attach the ${kind} hook: permission denied (${summary}); run as root (classic tracepoints also need read access to /sys/kernel/tracing).`,
      log,
    );
  }
  return new TraceUnavailable("attach_failed", `cannot attach the ${kind} hook (${summary}).`, log);
}
