/**
 * Aggregates trace records into findings: one per executable (with its first exec's details and lineage),
 * one per unusual exec location, one per (executable, destination, port) for non-loopback connects,
 * scored by what makes an outbound connection suspicious. Never one finding per raw event.
 */
import type { FindingDraft, Metadata } from "../core/finding.ts";
import type { Severity } from "../core/severity.ts";
import type { LocationJudge } from "../host/location.ts";
import {
  basename,
  COMMON_PORTS,
  type ExecLocation,
  execLocation,
  homeArea,
  processKind,
} from "./classify.ts";
import type { ConnectRecord, ExecRecord } from "./records.ts";

/** Distinct subjects kept per check; more are counted and reported as truncated. */
export const MAX_SUBJECTS = 1000;

interface ExecAgg {
  first: ExecRecord;
  count: number;
  pids: number[];
  parents: Set<string>;
}

interface HomeAgg {
  first: ExecRecord;
  programs: Set<string>;
  count: number;
}

interface ConnectAgg {
  first: ConnectRecord;
  count: number;
  pids: number[];
  failed: number;
}

const SEVERITY_UP: Record<Severity, Severity> = {
  info: "low",
  low: "medium",
  medium: "high",
  high: "critical",
  critical: "critical",
  error: "error",
};

/** Why an outbound connection looks risky (empty when it does not). */
export function connectRiskReasons(r: ConnectRecord): string[] {
  const reasons: string[] = [];
  const name = r.exe ? basename(r.exe) : r.comm;
  const kind = processKind(name) ?? processKind(r.comm);
  if (kind === "shell") reasons.push("shell_connecting_out");
  if (kind === "interpreter") reasons.push("interpreter_connecting_out");
  if (kind === "net_tool") reasons.push("network_tool");
  const loc = r.exe ? execLocation(r.exe, r.exe) : null;
  if (loc === "memfd") reasons.push("exe_in_memfd");
  if (loc === "temp") reasons.push("exe_in_temp_dir");
  if (loc === "deleted") reasons.push("exe_deleted");
  if (!COMMON_PORTS.has(r.dst_port)) reasons.push("unusual_port");
  return reasons;
}

const LOCATION_TITLES: Record<Exclude<ExecLocation, "home" | null>, string> = {
  temp: "a temporary directory",
  memfd: "memory (memfd)",
  deleted: "a deleted file",
  world_writable: "a world-writable location",
  user_writable: "a user-writable location",
};

/** Collects records and turns them into findings at the end of the trace. */
export class Aggregator {
  readonly #execs = new Map<string, ExecAgg>();
  readonly #connects = new Map<string, ConnectAgg>();
  /** Connects not turned into findings, by scope (loopback, multicast, unspecified). */
  readonly quietConnects: Record<string, number> = {};
  /** Records that did not fit under MAX_SUBJECTS. */
  overflow = 0;

  /** `judge` rates exec locations by permissions too (world- or user-writable); without it, by name only. */
  constructor(readonly judge?: LocationJudge) {}

  /** Adds an exec record. */
  addExec(r: ExecRecord): void {
    const key = r.exe && r.filename.startsWith("/dev/fd/") ? r.exe : r.filename;
    const agg = this.#execs.get(key);
    if (agg) {
      agg.count++;
      if (agg.pids.length < 20) agg.pids.push(r.pid);
      if (agg.parents.size < 20) agg.parents.add(r.parent_comm ?? "?");
      return;
    }
    if (this.#execs.size >= MAX_SUBJECTS) {
      this.overflow++;
      return;
    }
    this.#execs.set(key, { first: r, count: 1, pids: [r.pid], parents: new Set([r.parent_comm ?? "?"]) });
  }

  /** Adds a connect record. */
  addConnect(r: ConnectRecord): void {
    if (r.scope === "loopback" || r.scope === "multicast" || r.scope === "unspecified") {
      this.quietConnects[r.scope] = (this.quietConnects[r.scope] ?? 0) + 1;
      return;
    }
    const key = `${r.exe ?? r.comm}->${r.family === "ipv6" ? `[${r.dst_ip}]` : r.dst_ip}:${r.dst_port}`;
    const agg = this.#connects.get(key);
    const failed = r.result !== null && r.result < 0 && r.result !== -115 ? 1 : 0;
    if (agg) {
      agg.count++;
      agg.failed += failed;
      if (agg.pids.length < 20) agg.pids.push(r.pid);
      return;
    }
    if (this.#connects.size >= MAX_SUBJECTS) {
      this.overflow++;
      return;
    }
    this.#connects.set(key, { first: r, count: 1, pids: [r.pid], failed });
  }

  /** The findings, in a stable order (execs by subject, home areas, then connects by subject). */
  findings(): FindingDraft[] {
    const out: FindingDraft[] = [];
    const homes = new Map<string, HomeAgg>();
    for (const [subject, a] of [...this.#execs].sort(([x], [y]) => x < y ? -1 : x > y ? 1 : 0)) {
      const r = a.first;
      const meta: Metadata = {
        pid: r.pid,
        ppid: r.ppid,
        comm: r.comm,
        filename: r.filename,
        exe: r.exe,
        argv: r.argv,
        args_truncated: r.args_truncated,
        uid: r.uid,
        parent_comm: r.parent_comm,
        lineage: r.lineage,
        count: a.count,
        pids: a.pids.map(String),
        parents: [...a.parents].sort(),
        first_seen: r.ts,
        source: r.source,
        fidelity: r.fidelity,
      };
      if (r.interp) meta.interp = r.interp;
      if (r.sha256) {
        meta.sha256 = r.sha256;
        meta.sha256_source = r.sha256_source;
      }
      if (r.start_ticks !== null) meta.start_ticks = r.start_ticks;
      out.push({
        check_id: "trace.exec.observed",
        subject,
        title: `exec: ${r.comm} (${subject}) x${a.count}`,
        description: `${subject} was executed ${a.count} time(s) during the trace; first as pid ${r.pid} by ${
          r.lineage.join(" <- ") || "an unknown parent"
        }.`,
        metadata: meta,
        location: { path: subject, pid: r.pid },
      });
      const loc = execLocation(r.filename, r.exe, r.exe_deleted, this.judge);
      if (loc === "home") {
        const area = homeArea(subject);
        const h = homes.get(area);
        if (h) {
          h.count += a.count;
          if (h.programs.size < 50) h.programs.add(subject);
        } else homes.set(area, { first: r, programs: new Set([subject]), count: a.count });
      } else if (loc) {
        const severity: Severity = loc === "memfd" || loc === "deleted" ? "high" : "medium";
        out.push({
          check_id: "trace.exec.suspicious_location",
          subject,
          severity,
          title: `Executed from ${LOCATION_TITLES[loc]}: ${subject}`,
          metadata: { ...meta, location_kind: loc },
          location: { path: subject, pid: r.pid },
        });
      }
    }
    for (const [area, h] of homes) {
      const r = h.first;
      out.push({
        check_id: "trace.exec.suspicious_location",
        subject: area,
        severity: "low",
        title: `Executed from a home directory: ${area} (${h.programs.size} program(s), ${h.count} exec(s))`,
        description:
          `Programs under ${area} ran during the trace. User-installed toolchains live in home directories, and so do payloads dropped by a compromised account.`,
        metadata: {
          pid: r.pid,
          comm: r.comm,
          location_kind: "home",
          programs: [...h.programs].sort(),
          count: h.count,
          lineage: r.lineage,
          first_seen: r.ts,
          source: r.source,
          fidelity: r.fidelity,
        },
        location: { path: area, pid: r.pid },
      });
    }
    for (const [subject, a] of [...this.#connects].sort(([x], [y]) => x < y ? -1 : x > y ? 1 : 0)) {
      const r = a.first;
      const reasons = connectRiskReasons(r);
      const external = r.scope === "external";
      let severity: Severity = external ? "low" : "info";
      if (reasons.length >= 1) severity = SEVERITY_UP[severity];
      if (reasons.length >= 2 || reasons.some((x) => x === "exe_in_memfd" || x === "exe_deleted")) {
        severity = SEVERITY_UP[severity];
      }
      out.push({
        check_id: external ? "trace.connect.external" : "trace.connect.private",
        subject,
        severity,
        title: `connect: ${r.comm} pid=${r.pid} dst=${r.dst_ip}:${r.dst_port}${
          reasons.length ? ` (${reasons.join(", ")})` : ""
        }`,
        description: `${
          r.exe ?? r.comm
        } connected to ${r.dst_ip} port ${r.dst_port} (${r.scope}) ${a.count} time(s)${
          r.lineage.length ? `; started by ${r.lineage.join(" <- ")}` : ""
        }.`,
        metadata: {
          pid: r.pid,
          ppid: r.ppid,
          comm: r.comm,
          uid: r.uid,
          dst_ip: r.dst_ip,
          dst_port: r.dst_port,
          family: r.family,
          v4mapped: r.v4mapped,
          scope: r.scope,
          result: r.result,
          failed: a.failed,
          count: a.count,
          pids: a.pids.map(String),
          exe: r.exe,
          exec_argv: r.exec_argv,
          exec_traced: r.exec_traced,
          lineage: r.lineage,
          risk_reasons: reasons,
          first_seen: r.ts,
          source: r.source,
        },
        location: { pid: r.pid, ...(r.exe ? { path: r.exe } : {}) },
      });
    }
    return out;
  }
}
