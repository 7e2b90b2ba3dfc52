/** System call numbers sys-scan's self-protection uses, per architecture (from the kernel's unistd tables). */

/** The architectures the seccomp filter and the capability calls support. */
export type Arch = "x86_64" | "aarch64";

/** AUDIT_ARCH_* values the kernel puts in seccomp_data.arch. */
export const AUDIT_ARCH: Readonly<Record<Arch, number>> = {
  x86_64: 0xc000003e,
  aarch64: 0xc00000b7,
};

/** Names of the system calls the tables below cover. */
export type SyscallName = keyof typeof X86_64;

const X86_64 = {
  socket: 41,
  ptrace: 101,
  process_vm_readv: 310,
  process_vm_writev: 311,
  kcmp: 312,
  pidfd_getfd: 438,
  process_madvise: 440,
  mount: 165,
  umount2: 166,
  pivot_root: 155,
  chroot: 161,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  move_mount: 429,
  open_tree: 428,
  mount_setattr: 442,
  open_by_handle_at: 304,
  kexec_load: 246,
  kexec_file_load: 320,
  init_module: 175,
  finit_module: 313,
  delete_module: 176,
  bpf: 321,
  perf_event_open: 298,
  reboot: 169,
  swapon: 167,
  swapoff: 168,
  setns: 308,
  unshare: 272,
  keyctl: 250,
  add_key: 248,
  request_key: 249,
  userfaultfd: 323,
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  acct: 163,
  settimeofday: 164,
  clock_settime: 227,
  adjtimex: 159,
  clock_adjtime: 305,
  sethostname: 170,
  setdomainname: 171,
  quotactl: 179,
  syslog: 103,
  vhangup: 153,
  lookup_dcookie: 212,
  capget: 125,
  capset: 126,
  prctl: 157,
  seccomp: 317,
} as const;

const AARCH64: Readonly<Record<SyscallName, number>> = {
  socket: 198,
  ptrace: 117,
  process_vm_readv: 270,
  process_vm_writev: 271,
  kcmp: 272,
  pidfd_getfd: 438,
  process_madvise: 440,
  mount: 40,
  umount2: 39,
  pivot_root: 41,
  chroot: 51,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  move_mount: 429,
  open_tree: 428,
  mount_setattr: 442,
  open_by_handle_at: 265,
  kexec_load: 104,
  kexec_file_load: 294,
  init_module: 105,
  finit_module: 273,
  delete_module: 106,
  bpf: 280,
  perf_event_open: 241,
  reboot: 142,
  swapon: 224,
  swapoff: 225,
  setns: 268,
  unshare: 97,
  keyctl: 219,
  add_key: 217,
  request_key: 218,
  userfaultfd: 282,
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  acct: 89,
  settimeofday: 170,
  clock_settime: 112,
  adjtimex: 171,
  clock_adjtime: 266,
  sethostname: 161,
  setdomainname: 162,
  quotactl: 60,
  syslog: 116,
  vhangup: 58,
  lookup_dcookie: 18,
  capget: 90,
  capset: 91,
  prctl: 167,
  seccomp: 277,
};

/** System call numbers by architecture. */
export const SYSCALLS: Readonly<Record<Arch, Readonly<Record<SyscallName, number>>>> = {
  x86_64: X86_64,
  aarch64: AARCH64,
};

/** The architecture this process runs on, or null when the tables do not cover it. */
export function currentArch(): Arch | null {
  return Deno.build.os === "linux" && (Deno.build.arch === "x86_64" || Deno.build.arch === "aarch64")
    ? Deno.build.arch
    : null;
}
