/**
 * The self-test's verdicts: for each piece of evidence, whether the scanner that should report it did, and
 * when not, the most specific reason known (evidence not created, scanner skipped or failed, eBPF unavailable,
 * no connect hook, the action itself failed, or the scanner ran and missed it). Pure: computed from the facts.
 */
import type { Finding } from "../core/finding.ts";
import type { RunOutcome } from "../core/runner.ts";
import type { EvidenceFacts, Piece } from "./evidence.ts";
import type { SelfTestScan, StreamedEvent } from "./scan.ts";

/** One line of the self-test. */
export interface Verdict {
  scanner: string;
  /** The check id expected (or the streamed record type for loopback connects, which are not findings). */
  check: string;
  /** What was planted or done. */
  evidence: string;
  seen: boolean;
  /** False when this host cannot have the evidence by design (not counted as a failure). */
  applicable: boolean;
  /** Why it was not seen (absent when seen). */
  reason?: string;
}

/** True when every applicable verdict was seen. */
export function allSeen(verdicts: readonly Verdict[]): boolean {
  return verdicts.every((v) => v.seen || !v.applicable);
}

interface TraceMeta {
  attach?: { connect?: { section: string } | null; rejected?: { program: string; reason: string }[] } | null;
  unavailable?: { code: string; reason: string };
  stopped_by?: string | null;
}

function scannerProblem(outcome: RunOutcome | null, scanner: string): string | null {
  if (outcome === null) return "not run (--no-trace)";
  const err = outcome.errors.find((e) => e.scanner === scanner);
  if (err) return `scanner error: ${err.message}`;
  const r = outcome.results.find((x) => x.scanner === scanner);
  if (!r) return "scanner did not run";
  if (r.status === "skipped") return `scanner skipped: ${r.reason ?? "no reason given"}`;
  if (r.status !== "ok") return `scanner ${r.status}${r.reason ? `: ${r.reason}` : ""}`;
  return null;
}

function missed(outcome: RunOutcome, scanner: string): string {
  const w = outcome.warnings.filter((x) => x.scanner === scanner).slice(0, 2);
  const tail = w.length
    ? `; its warnings: ${w.map((x) => `${x.code}${x.detail ? ` (${x.detail})` : ""}`).join("; ")}`
    : "";
  return `the scanner ran but did not report it${tail}`;
}

function findingsOf(outcome: RunOutcome | null, scanner: string, check: string): Finding[] {
  return outcome?.results.find((r) => r.scanner === scanner)?.findings.filter((f) => f.check_id === check) ??
    [];
}

function pidsOf(f: Finding): number[] {
  const pids = Array.isArray(f.metadata.pids) ? f.metadata.pids.map(Number) : [];
  return f.location?.pid !== undefined ? [f.location.pid, ...pids] : pids;
}

function traceProblem(scan: SelfTestScan, needConnect: boolean): string | null {
  const meta = scan.trace?.meta.trace as TraceMeta | undefined;
  if (meta?.unavailable) return `eBPF unavailable (${meta.unavailable.code}): ${meta.unavailable.reason}`;
  if (scan.actions && !scan.actions.attached) {
    return `the trace did not attach in time${meta?.stopped_by ? ` (stopped by ${meta.stopped_by})` : ""}`;
  }
  if (needConnect && meta?.attach && !meta.attach.connect) {
    const why = (meta.attach.rejected ?? []).filter((r) => r.program.startsWith("connect_"));
    return `no connect hook could be attached (${
      why.map((r) => `${r.program}: ${r.reason}`).join("; ") || "none"
    })`;
  }
  return null;
}

/** Builds one verdict from the evidence piece, the scanner state and a predicate over its output. */
function verdict(
  base: Omit<Verdict, "seen" | "reason" | "applicable">,
  piece: Piece<unknown>,
  problem: () => string | null,
  seen: () => boolean,
  miss: () => string,
): Verdict {
  if (!piece.ok && piece.notApplicable) {
    return { ...base, seen: false, applicable: false, reason: `not applicable here: ${piece.error}` };
  }
  if (!piece.ok) {
    return {
      ...base,
      seen: false,
      applicable: true,
      reason: `could not create the evidence: ${piece.error}`,
    };
  }
  if (seen()) return { ...base, seen: true, applicable: true };
  return { ...base, seen: false, applicable: true, reason: problem() ?? miss() };
}

function connectSeen(events: readonly StreamedEvent[], ip: string, port: number): boolean {
  return events.some((e) => e.type === "net.connect" && e.record.dst_ip === ip && e.record.dst_port === port);
}

/** Every verdict of the self-test, in display order. */
export function verdicts(facts: EvidenceFacts, scan: SelfTestScan): Verdict[] {
  const st = scan.static;
  const out: Verdict[] = [];
  const staticOne = (
    scanner: string,
    check: string,
    evidence: string,
    piece: Piece<unknown>,
    match: (f: Finding) => boolean,
  ) =>
    out.push(verdict(
      { scanner, check, evidence },
      piece,
      () => scannerProblem(st, scanner),
      () => findingsOf(st, scanner, check).some(match),
      () => missed(st, scanner),
    ));
  const v = <T>(p: Piece<T>): T | undefined => (p.ok ? p.value : undefined);

  const ww = v(facts.worldWritable);
  staticOne(
    "world_writable",
    "fs.world_writable.file",
    `mode 0666 file ${ww?.path ?? `in ${facts.systemDir ?? "a system directory"}`}`,
    facts.worldWritable,
    (f) => f.location?.path === ww?.path,
  );
  const suid = v(facts.suidCopy);
  staticOne(
    "suid_sgid",
    "suid.file.writable_location",
    `SUID copy ${suid?.path ?? "in /tmp"}`,
    facts.suidCopy,
    (f) => f.location?.path === suid?.path,
  );
  const del = v(facts.deletedExe);
  staticOne(
    "ioc",
    "ioc.process.deleted_exe",
    del ? `pid ${del.pid} running the deleted ${del.path}` : "process running from a deleted file",
    facts.deletedExe,
    (f) => del !== undefined && pidsOf(f).includes(del.pid),
  );
  const mem = v(facts.memfdExe);
  staticOne(
    "ioc",
    "ioc.process.fileless_exe",
    mem ? `pid ${mem.pid} executed from memfd:${mem.name}` : "process executed from a memfd",
    facts.memfdExe,
    (f) => mem !== undefined && pidsOf(f).includes(mem.pid),
  );
  for (
    const [piece, family, addr] of [[facts.listenerV4, "ipv4", "0.0.0.0"], [
      facts.listenerV6,
      "ipv6",
      "[::]",
    ]] as const
  ) {
    const port = v(piece)?.port;
    staticOne(
      "network",
      "net.listen.exposed",
      `TCP listener on ${addr}:${port ?? "?"}`,
      piece,
      (f) => f.metadata.local_port === port && f.metadata.family === family,
    );
  }

  if (scan.trace === null) return out;
  const tr = scan.trace;
  const tmp = v(facts.tempProgram);
  out.push(verdict(
    {
      scanner: "ebpf_exec_trace",
      check: "trace.exec.suspicious_location",
      evidence: `exec of ${tmp?.path ?? "a /tmp program"}`,
    },
    facts.tempProgram,
    () =>
      scannerProblem(tr, "ebpf_exec_trace") ?? traceProblem(scan, false) ??
        (scan.actions?.tempRun && !scan.actions.tempRun.ok
          ? `the exec itself failed: ${scan.actions.tempRun.error}`
          : null),
    () =>
      findingsOf(tr, "ebpf_exec_trace", "trace.exec.suspicious_location").some((f) =>
        f.location?.path === tmp?.path
      ),
    () => missed(tr, "ebpf_exec_trace"),
  ));
  for (
    const [piece, ip, key] of [
      [facts.listenerV4, "127.0.0.1", "connectV4"],
      [facts.listenerV6, "::1", "connectV6"],
    ] as const
  ) {
    const port = v(piece)?.port;
    const shown = ip.includes(":") ? `[${ip}]` : ip;
    out.push(verdict(
      {
        scanner: "ebpf_exec_trace",
        check: "net.connect (event)",
        evidence: `connect to ${shown}:${port ?? "?"}`,
      },
      piece,
      () => {
        const failed = scan.actions?.[key];
        return scannerProblem(tr, "ebpf_exec_trace") ?? traceProblem(scan, true) ??
          (typeof failed === "string" ? `the connect itself failed: ${failed}` : null);
      },
      () => port !== undefined && connectSeen(scan.events, ip, port),
      () => missed(tr, "ebpf_exec_trace"),
    ));
  }
  return out;
}
