/** The records a trace produces (streamed as `exec.trace` / `net.connect`, aggregated into findings). */
import type { Scope } from "./classify.ts";

/** Where a record came from: the eBPF tracer, or the lower-fidelity /proc polling fallback. */
export type RecordSource = "ebpf" | "proc_polling";

/** One observed exec. */
export interface ExecRecord {
  source: RecordSource;
  /** "full" for eBPF; "low" for /proc polling (short-lived processes are missed, argv may be gone). */
  fidelity: "full" | "low";
  ts: string;
  pid: number;
  ppid: number;
  comm: string;
  /** The path given to exec (eBPF) or /proc/<pid>/exe (polling). */
  filename: string;
  /** /proc/<pid>/exe while the process lived (resolves fexecve's /dev/fd/N), else null. */
  exe: string | null;
  exe_deleted: boolean;
  /** The interpreter the kernel ran for a #! script, when the hook saw it and it differs from filename. */
  interp: string | null;
  argv: string[];
  args_truncated: boolean;
  uid: number | null;
  gid: number | null;
  loginuid: number | null;
  cgroup_id: string | null;
  parent_comm: string | null;
  lineage: string[];
  sha256: string | null;
  /** How the hashed file was opened: through /proc/<pid>/exe while the process lived, or by path after it exited. */
  sha256_source: "proc_exe" | "path" | null;
  /** Process start time in clock ticks (fallback only: with pid it tells a reused pid apart). */
  start_ticks: number | null;
}

/** One observed outbound connect (IPv4/IPv6). */
export interface ConnectRecord {
  source: RecordSource;
  ts: string;
  pid: number;
  ppid: number;
  uid: number;
  comm: string;
  family: "ipv4" | "ipv6";
  dst_ip: string;
  dst_port: number;
  v4mapped: boolean;
  scope: Scope;
  /** connect's return value when the hook saw it (0 ok, negative errno), else null. */
  result: number | null;
  /** The executable that the exec of this process ran (traced, or from the snapshot), if known. */
  exe: string | null;
  exec_argv: string[];
  exec_traced: boolean;
  lineage: string[];
}
