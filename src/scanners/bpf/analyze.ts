/**
 * What the running kernel's BPF programs can do: kernel-resident code that no file on disk shows. An
 * eBPF rootkit hooks system calls with tracing programs (kprobe, fentry, tracepoint, LSM) and, to hide files and
 * processes or to tamper with what a process reads, calls `bpf_probe_write_user` or `bpf_override_return`;
 * a network backdoor waits for a magic packet in an XDP, tc or socket program. The programs are listed through
 * bpf(2) (src/host/bpf_progs.ts), their holders from the processes' descriptors, the helpers they call from their
 * translated instructions resolved through /proc/kallsyms, as bpftool does. The cgroup programs systemd and
 * container runtimes attach everywhere (device and firewall filters) are not judged.
 */
import type { FindingDraft } from "../../core/finding.ts";
import type { Host } from "../../host/host.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { helperCalls, type ProgramInfo } from "../../host/bpf_progs.ts";

/** Helpers that change what the kernel or a process does, and what each one lets a program do. */
export const CONCERNING_HELPERS: Readonly<Record<string, string>> = {
  bpf_probe_write_user:
    "writes into the memory of the process it runs in (rewrites what a system call returns)",
  bpf_override_return: "makes a kernel function fail with a value of its choosing (skips the real work)",
  bpf_send_signal: "sends a signal (SIGKILL) to the process that triggered it",
  bpf_send_signal_thread: "sends a signal (SIGKILL) to the thread that triggered it",
};

/** Program types that see or change what every process does in the kernel. */
const TRACING = new Set([
  "kprobe",
  "tracepoint",
  "raw_tracepoint",
  "raw_tracepoint_writable",
  "perf_event",
  "tracing",
  "lsm",
  "ext",
  "struct_ops",
]);
/** Program types that see packets before (or instead of) the firewall and the sockets. */
const NETWORK = new Set([
  "socket_filter",
  "sched_cls",
  "sched_act",
  "xdp",
  "sk_skb",
  "sk_msg",
  "sk_reuseport",
  "sk_lookup",
  "flow_dissector",
  "lwt_in",
  "lwt_out",
  "lwt_xmit",
  "lwt_seg6local",
  "netfilter",
  "sock_ops",
]);

/** A process that holds a program (by its descriptor or a link's). */
export interface Holder {
  pid: number;
  comm: string;
  exe: string | null;
}

/**
 * The `offset from __bpf_call_base` → helper name of the concerning helpers, from /proc/kallsyms text;
 * undefined when the kernel hides addresses (kptr_restrict, not root) or the base is missing.
 */
export function helperOffsets(kallsyms: string): Map<number, string> | undefined {
  const names = Object.keys(CONCERNING_HELPERS);
  const addr = new Map<string, bigint>();
  const re = /^([0-9a-f]{8,16}) [Tt] (__bpf_call_base|bpf_[a-z_]+)$/gm;
  for (const m of kallsyms.matchAll(re)) {
    if (m[2] === "__bpf_call_base" || names.includes(m[2])) addr.set(m[2], BigInt(`0x${m[1]}`));
  }
  const base = addr.get("__bpf_call_base");
  if (base === undefined || base === 0n) return undefined;
  const out = new Map<number, string>();
  for (const [name, a] of addr) if (name !== "__bpf_call_base" && a !== 0n) out.set(Number(a - base), name);
  return out;
}

/** prog_id of a program or link descriptor, from its /proc/<pid>/fdinfo text. */
export function fdinfoProgId(text: string): number | undefined {
  const m = /^prog_id:\s*(\d{1,10})\s*$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Program id → the processes holding it, from the snapshot's BPF descriptors (their fdinfo read here). */
export function programHolders(host: Host, processes: readonly ProcessInfo[]): Map<number, Holder[]> {
  const out = new Map<number, Holder[]>();
  for (const p of processes) {
    for (const fd of p.bpfFds) {
      const r = host.readText(`/proc/${p.pid}/fdinfo/${fd}`, 4096);
      const id = r.ok ? fdinfoProgId(r.value) : undefined;
      if (id === undefined) continue;
      const list = out.get(id) ?? [];
      if (!list.some((h) => h.pid === p.pid)) list.push({ pid: p.pid, comm: p.comm, exe: p.exe });
      out.set(id, list);
    }
  }
  return out;
}

/** Which class a program type is in, or undefined for the cgroup and other types not judged. */
export function programClass(type: string): "tracing" | "network" | undefined {
  return TRACING.has(type) ? "tracing" : NETWORK.has(type) ? "network" : undefined;
}

/** The concerning helpers a program calls (names), given the offsets from `helperOffsets`. */
export function concerningCalls(p: ProgramInfo, offsets: ReadonlyMap<number, string>): string[] {
  if (!p.insns) return [];
  return [...new Set(helperCalls(p.insns).map((c) => offsets.get(c.imm)).filter((n) => n !== undefined))]
    .sort();
}

function holderText(holders: readonly Holder[] | undefined): string {
  if (!holders || holders.length === 0) {
    return "no process (kept by an attachment or a pin in the BPF filesystem)";
  }
  return holders.map((h) => `${h.exe ?? h.comm} (pid ${h.pid})`).join(", ");
}

/**
 * Findings on the loaded programs other than `own` (the scan's): one per program calling a concerning helper,
 * and one per class and holder for the tracing and network programs (a monitoring agent's dozens of programs
 * are one finding). `offsets` undefined means helpers could not be resolved (said in the metadata).
 */
export function bpfFindings(
  programs: readonly ProgramInfo[],
  holders: ReadonlyMap<number, Holder[]>,
  own: ReadonlySet<number>,
  offsets: ReadonlyMap<number, string> | undefined,
): FindingDraft[] {
  const out: FindingDraft[] = [];
  const groups = new Map<string, { cls: string; holders?: Holder[]; programs: ProgramInfo[] }>();
  for (const p of programs) {
    if (own.has(p.id)) continue;
    const cls = programClass(p.type);
    const held = holders.get(p.id);
    const helpers = offsets ? concerningCalls(p, offsets) : [];
    const label = `${p.name || "(unnamed)"} [${p.type}, tag ${p.tag}]`;
    if (helpers.length > 0) {
      out.push({
        check_id: "bpf.program.rootkit_helper",
        subject: `${p.name || "(unnamed)"}:${p.tag}`,
        description: `BPF program ${label} calls ${helpers.join(", ")}: it ${
          helpers.map((h) => CONCERNING_HELPERS[h]).join("; it ")
        }. Held by ${holderText(held)}.`,
        metadata: bpfMeta(p, held, helpers),
      });
    }
    if (!cls) continue;
    const key = `${cls}:${held?.map((h) => h.exe ?? h.comm).sort().join(",") ?? ""}`;
    const g = groups.get(key) ?? { cls, holders: held, programs: [] };
    g.programs.push(p);
    groups.set(key, g);
  }
  for (const [key, g] of groups) {
    const names = g.programs.map((p) => `${p.name || "(unnamed)"} [${p.type}]`);
    const what = g.cls === "tracing"
      ? "see (and can change) the system calls and kernel events of every process"
      : "see packets before the firewall and the sockets do (and can drop, rewrite or answer them)";
    out.push({
      check_id: `bpf.program.${g.cls}`,
      subject: key,
      description: `${g.programs.length} ${g.cls} BPF program(s) held by ${holderText(g.holders)} ${what}: ${
        names.slice(0, 20).join(", ")
      }${names.length > 20 ? ", …" : ""}.`,
      metadata: {
        class: g.cls,
        holders: (g.holders ?? []).map((h) => `${h.pid}:${h.exe ?? h.comm}`),
        programs: g.programs.slice(0, 50).map((p) => `${p.id}:${p.type}:${p.name}:${p.tag}`),
        program_count: g.programs.length,
        helpers_resolved: offsets !== undefined,
      },
    });
  }
  return out;
}

function bpfMeta(p: ProgramInfo, held: readonly Holder[] | undefined, helpers: string[]) {
  return {
    program_id: p.id,
    type: p.type,
    name: p.name,
    tag: p.tag,
    loader_uid: p.uid,
    helpers,
    holders: (held ?? []).map((h) => `${h.pid}:${h.exe ?? h.comm}`),
  };
}
