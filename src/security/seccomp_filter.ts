/**
 * The seccomp filter program, built in TypeScript as classic BPF: check the architecture, load the system call
 * number, answer EPERM for a deny list (and for socket() outside AF_UNIX/AF_NETLINK), allow everything else.
 */
import { type Arch, AUDIT_ARCH, type SyscallName, SYSCALLS } from "./syscall_table.ts";

/** A denied system call group and why a scanner never needs it. */
export interface DenyEntry {
  readonly calls: readonly SyscallName[];
  readonly why: string;
}

/** What the filter denies with EPERM (socket() is filtered by address family, see SOCKET_ALLOWED_FAMILIES). */
export const DENY_LIST: readonly DenyEntry[] = [
  {
    calls: ["ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "process_madvise"],
    why: "touching other processes' memory",
  },
  {
    calls: [
      "mount",
      "umount2",
      "pivot_root",
      "chroot",
      "fsopen",
      "fsconfig",
      "fsmount",
      "fspick",
      "move_mount",
      "open_tree",
      "mount_setattr",
    ],
    why: "changing the mount table or root",
  },
  { calls: ["open_by_handle_at"], why: "opening files by handle, around path permissions" },
  { calls: ["kexec_load", "kexec_file_load", "reboot"], why: "replacing or restarting the kernel" },
  { calls: ["init_module", "finit_module", "delete_module"], why: "loading or unloading kernel modules" },
  { calls: ["swapon", "swapoff", "acct", "quotactl", "vhangup"], why: "system administration" },
  { calls: ["setns", "unshare"], why: "entering or creating namespaces" },
  { calls: ["keyctl", "add_key", "request_key"], why: "the kernel keyring" },
  { calls: ["userfaultfd"], why: "a common kernel-exploit primitive" },
  {
    calls: ["io_uring_setup", "io_uring_enter", "io_uring_register"],
    why: "io_uring runs operations seccomp cannot see",
  },
  { calls: ["settimeofday", "clock_settime", "adjtimex", "clock_adjtime"], why: "changing the clock" },
  { calls: ["sethostname", "setdomainname"], why: "changing the host name" },
  { calls: ["syslog", "lookup_dcookie"], why: "kernel log and profiling interfaces" },
];

/** Denied only after the eBPF tracer attached, i.e. when the trace scanner is not selected. */
export const DENY_AFTER_ATTACH: DenyEntry = {
  calls: ["bpf", "perf_event_open"],
  why: "loading BPF programs and perf events",
};

/** Address families socket() may still create: AF_UNIX (nss, nscd) and AF_NETLINK (interfaces, sock_diag). */
export const SOCKET_ALLOWED_FAMILIES: readonly { family: number; name: string }[] = [
  { family: 1, name: "AF_UNIX" },
  { family: 16, name: "AF_NETLINK" },
];

/**
 * Denied by the network-only filter every scan installs (besides socket() outside AF_UNIX/AF_NETLINK): io_uring
 * creates sockets (IORING_OP_SOCKET, Linux 5.19) and connects without a system call seccomp could see.
 */
export const NETWORK_DENY: DenyEntry = {
  calls: ["io_uring_setup", "io_uring_enter", "io_uring_register"],
  why: "io_uring opens and connects sockets where seccomp cannot see",
};

/** Options of the filter. */
export interface FilterOptions {
  arch: Arch;
  /** Keep bpf() and perf_event_open() allowed (the trace scanner attaches and polls during the scan). */
  allowBpf: boolean;
  /**
   * "full" (`--seccomp`): the whole deny list and the socket families. "network" (every scan): only what
   * reaches the network — socket() outside AF_UNIX/AF_NETLINK, io_uring, and foreign or x32 system calls.
   */
  scope?: "full" | "network";
}

/** One classic BPF instruction (struct sock_filter). */
export interface BpfInsn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;
/** SECCOMP_RET_ALLOW. */
export const RET_ALLOW = 0x7fff0000;
/** SECCOMP_RET_ERRNO | EPERM. */
export const RET_EPERM = 0x00050000 | 1;
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0_LO = 16;
const X32_SYSCALL_BIT = 0x40000000;

/** The system calls the filter denies outright for these options, sorted by number. */
export function deniedSyscalls(opts: FilterOptions): { name: SyscallName; nr: number }[] {
  const entries = opts.scope === "network"
    ? [NETWORK_DENY]
    : opts.allowBpf
    ? DENY_LIST
    : [...DENY_LIST, DENY_AFTER_ATTACH];
  const table = SYSCALLS[opts.arch];
  return entries.flatMap((e) => e.calls).map((name) => ({ name, nr: table[name] })).sort((a, b) =>
    a.nr - b.nr
  );
}

/**
 * Builds the program. Layout: arch check (foreign arch → EPERM for everything, so a 32-bit or x32 entry
 * cannot bypass the list), x32 numbers → EPERM, one JEQ per denied call, socket() → family check, allow.
 */
export function buildFilter(opts: FilterOptions): BpfInsn[] {
  const denied = deniedSyscalls(opts);
  const socketNr = SYSCALLS[opts.arch].socket;
  const prog: BpfInsn[] = [];
  const stmt = (code: number, k: number) => prog.push({ code, jt: 0, jf: 0, k });
  // Jumps are patched once the target indexes are known.
  const toDeny: number[] = [];
  const toSocket: number[] = [];
  stmt(BPF_LD_W_ABS, OFF_ARCH);
  prog.push({ code: BPF_JEQ_K, jt: 1, jf: 0, k: AUDIT_ARCH[opts.arch] });
  stmt(BPF_RET_K, RET_EPERM);
  stmt(BPF_LD_W_ABS, OFF_NR);
  if (opts.arch === "x86_64") {
    toDeny.push(prog.length);
    prog.push({ code: BPF_JGE_K, jt: 0, jf: 0, k: X32_SYSCALL_BIT });
  }
  for (const d of denied) {
    toDeny.push(prog.length);
    prog.push({ code: BPF_JEQ_K, jt: 0, jf: 0, k: d.nr });
  }
  toSocket.push(prog.length);
  prog.push({ code: BPF_JEQ_K, jt: 0, jf: 0, k: socketNr });
  stmt(BPF_RET_K, RET_ALLOW);
  const socketAt = prog.length;
  stmt(BPF_LD_W_ABS, OFF_ARG0_LO);
  for (const f of SOCKET_ALLOWED_FAMILIES) {
    prog.push({ code: BPF_JEQ_K, jt: 0, jf: 0, k: f.family });
  }
  const allowAt = prog.length + 1;
  for (let i = socketAt + 1; i < prog.length; i++) prog[i].jt = allowAt - (i + 1);
  const denyAt = prog.length;
  stmt(BPF_RET_K, RET_EPERM);
  stmt(BPF_RET_K, RET_ALLOW);
  for (const i of toDeny) prog[i].jt = denyAt - (i + 1);
  for (const i of toSocket) prog[i].jt = socketAt - (i + 1);
  for (const insn of prog) {
    if (insn.jt > 255 || insn.jf > 255) throw new Error("seccomp filter too long for 8-bit jumps");
  }
  return prog;
}

/** Serialises a program as the kernel's struct sock_filter array (8 bytes per instruction, little-endian). */
export function encodeFilter(prog: readonly BpfInsn[]): Uint8Array {
  const out = new Uint8Array(prog.length * 8);
  const v = new DataView(out.buffer);
  prog.forEach((insn, i) => {
    v.setUint16(i * 8, insn.code, true);
    v.setUint8(i * 8 + 2, insn.jt);
    v.setUint8(i * 8 + 3, insn.jf);
    v.setUint32(i * 8 + 4, insn.k >>> 0, true);
  });
  return out;
}

/** The kernel's seccomp_data for an interpreter: nr, arch, and the low 32 bits of args[0]. */
export interface SeccompData {
  nr: number;
  arch: number;
  arg0: number;
}

/** Runs a program over one seccomp_data, as the kernel would (used by the tests and the fuzzer). */
export function evaluateFilter(prog: readonly BpfInsn[], data: SeccompData): number {
  let acc = 0;
  for (let pc = 0; pc < prog.length; pc++) {
    const { code, jt, jf, k } = prog[pc];
    if (code === BPF_LD_W_ABS) {
      acc = k === OFF_NR ? data.nr : k === OFF_ARCH ? data.arch : k === OFF_ARG0_LO ? data.arg0 : 0;
    } else if (code === BPF_JEQ_K) pc += (acc >>> 0) === (k >>> 0) ? jt : jf;
    else if (code === BPF_JGE_K) pc += (acc >>> 0) >= (k >>> 0) ? jt : jf;
    else if (code === BPF_RET_K) return k;
    else throw new Error(`unknown BPF opcode ${code}`);
  }
  throw new Error("program fell off its end");
}
