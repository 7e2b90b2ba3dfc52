/**
 * The BPF programs loaded in the running kernel, listed through the bpf(2) system call itself (no libbpf
 * needed): BPF_PROG_GET_NEXT_ID walks every program id, BPF_PROG_GET_FD_BY_ID opens one, and
 * BPF_OBJ_GET_INFO_BY_FD reads its `struct bpf_prog_info` (type, name, tag, load time, loader's uid) and, when
 * asked, its translated instructions, where the helper functions it calls can be read. What `bpftool prog
 * show` prints, as data; needs CAP_SYS_ADMIN (root). Nothing here interprets a program.
 *
 * ```ts
 * const r = listPrograms({ instructions: true });
 * if (r.ok) for (const p of r.programs) console.log(p.id, p.type, p.name);
 * ```
 */
import { libc, strerror, syscall } from "../../ffi/libc.ts";

/** bpf(2)'s number on the architectures Deno runs on. */
export const SYS_BPF: Readonly<Record<string, number>> = { x86_64: 321, aarch64: 280 };
const BPF_PROG_GET_NEXT_ID = 11;
const BPF_PROG_GET_FD_BY_ID = 13;
const BPF_OBJ_GET_INFO_BY_FD = 15;
const ENOENT = 2;

/** `struct bpf_prog_info` up to `attach_btf_id` (Linux 5.16+: 232 bytes; older kernels fill a prefix). */
const INFO_SIZE = 232;
/** At most this many programs are listed (a kernel holds a few dozen; thousands is itself a finding). */
export const MAX_PROGRAMS = 4096;
/** Instructions read per program (8 bytes each): more than the verifier's 1M limit would never be needed. */
const MAX_INSNS = 1 << 20;

/** enum bpf_prog_type, by value (include/uapi/linux/bpf.h). */
export const PROG_TYPES = [
  "unspec",
  "socket_filter",
  "kprobe",
  "sched_cls",
  "sched_act",
  "tracepoint",
  "xdp",
  "perf_event",
  "cgroup_skb",
  "cgroup_sock",
  "lwt_in",
  "lwt_out",
  "lwt_xmit",
  "sock_ops",
  "sk_skb",
  "cgroup_device",
  "sk_msg",
  "raw_tracepoint",
  "cgroup_sock_addr",
  "lwt_seg6local",
  "lirc_mode2",
  "sk_reuseport",
  "flow_dissector",
  "cgroup_sysctl",
  "raw_tracepoint_writable",
  "cgroup_sockopt",
  "tracing",
  "struct_ops",
  "ext",
  "lsm",
  "sk_lookup",
  "syscall",
  "netfilter",
] as const;

/** One loaded program, as the kernel describes it. */
export interface ProgramInfo {
  id: number;
  /** The type's name (`kprobe`, `xdp` …), or `type <n>` for one this table does not know. */
  type: string;
  /** The name the loader gave it (at most 15 characters), possibly empty. */
  name: string;
  /** The program's tag: a hash of its instructions, as hex. */
  tag: string;
  /** When it was loaded, in nanoseconds since boot. */
  loadTimeNs: bigint;
  /** The uid of the process that loaded it. */
  uid: number;
  /** Translated instructions (8 bytes each), when asked for and readable; helper calls are in them. */
  insns?: Uint8Array;
}

/** The outcome of listing: the programs, or why they could not be listed (with errno). */
export type ListOutcome =
  | { ok: true; programs: ProgramInfo[]; truncated: boolean; unreadable: number }
  | { ok: false; errno: number; message: string };

function bpf(cmd: number, attr: Uint8Array): { result: number; errno: number } {
  const nr = SYS_BPF[Deno.build.arch];
  if (nr === undefined) return { result: -1, errno: 38 }; // ENOSYS
  const r = syscall(nr, cmd, attr, attr.length);
  return { result: Number(r.result), errno: r.errno };
}

function info(fd: number, buf: Uint8Array): number {
  const attr = new Uint8Array(16);
  const v = new DataView(attr.buffer);
  v.setUint32(0, fd, true);
  v.setUint32(4, buf.length, true);
  v.setBigUint64(8, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf))), true);
  const r = bpf(BPF_OBJ_GET_INFO_BY_FD, attr);
  return r.result < 0 ? r.errno : 0;
}

/** The info of the program open at `fd`, with its instructions when `instructions`. */
function describe(fd: number, instructions: boolean): ProgramInfo | undefined {
  const buf = new Uint8Array(INFO_SIZE);
  if (info(fd, buf) !== 0) return undefined;
  const v = new DataView(buf.buffer);
  const typeNum = v.getUint32(0, true);
  const nameBytes = buf.subarray(64, 80);
  const end = nameBytes.indexOf(0);
  const p: ProgramInfo = {
    id: v.getUint32(4, true),
    type: PROG_TYPES[typeNum] ?? `type ${typeNum}`,
    name: new TextDecoder().decode(nameBytes.subarray(0, end < 0 ? 16 : end)),
    tag: [...buf.subarray(8, 16)].map((b) => b.toString(16).padStart(2, "0")).join(""),
    loadTimeNs: v.getBigUint64(40, true),
    uid: v.getUint32(48, true),
  };
  const xlatedLen = v.getUint32(20, true);
  if (instructions && xlatedLen > 0 && xlatedLen <= MAX_INSNS * 8) {
    const insns = new Uint8Array(xlatedLen);
    const ask = new Uint8Array(INFO_SIZE);
    const av = new DataView(ask.buffer);
    av.setUint32(20, xlatedLen, true);
    av.setBigUint64(32, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(insns))), true);
    if (info(fd, ask) === 0) p.insns = insns.subarray(0, Math.min(xlatedLen, av.getUint32(20, true)));
  }
  return p;
}

/**
 * Every BPF program loaded in the running kernel, in id order. `instructions` also reads each one's translated
 * instructions. Fails (with errno) when the first call is refused: EPERM without CAP_SYS_ADMIN, ENOSYS where
 * the kernel has no bpf(2). Programs that go away while listing are skipped; ones that cannot be opened are
 * counted in `unreadable`.
 */
export function listPrograms(opts: { instructions?: boolean } = {}): ListOutcome {
  const programs: ProgramInfo[] = [];
  let unreadable = 0;
  let id = 0;
  for (;;) {
    const attr = new Uint8Array(12);
    const v = new DataView(attr.buffer);
    v.setUint32(0, id, true);
    const next = bpf(BPF_PROG_GET_NEXT_ID, attr);
    if (next.result < 0) {
      if (next.errno === ENOENT) return { ok: true, programs, truncated: false, unreadable };
      if (programs.length === 0 && unreadable === 0) {
        return { ok: false, errno: next.errno, message: strerror(next.errno) };
      }
      return { ok: true, programs, truncated: true, unreadable };
    }
    id = v.getUint32(4, true);
    if (programs.length + unreadable >= MAX_PROGRAMS) {
      return { ok: true, programs, truncated: true, unreadable };
    }
    const open = new Uint8Array(12);
    new DataView(open.buffer).setUint32(0, id, true);
    const fd = bpf(BPF_PROG_GET_FD_BY_ID, open);
    if (fd.result < 0) {
      if (fd.errno !== ENOENT) unreadable++;
      continue;
    }
    try {
      const p = describe(fd.result, opts.instructions ?? false);
      if (p) programs.push(p);
      else unreadable++;
    } finally {
      libc().symbols.close(fd.result);
    }
  }
}

/** A call of a kernel helper function in translated instructions: its offset from `__bpf_call_base`. */
export interface HelperCall {
  /** Index of the instruction. */
  insn: number;
  /** The call's immediate: the helper's address minus `__bpf_call_base` (0 when the kernel hides addresses). */
  imm: number;
}

/**
 * The helper calls in translated instructions (`BPF_JMP | BPF_CALL` with source register 0; calls of the
 * program's own functions and of kernel functions have 1 and 2).
 */
export function helperCalls(insns: Uint8Array): HelperCall[] {
  const out: HelperCall[] = [];
  const v = new DataView(insns.buffer, insns.byteOffset, insns.byteLength);
  for (let i = 0; i + 8 <= insns.length; i += 8) {
    if (insns[i] !== 0x85 || (insns[i + 1] >> 4) !== 0) continue;
    out.push({ insn: i / 8, imm: v.getInt32(i + 4, true) });
  }
  return out;
}
