/**
 * A socket another process holds, read through a duplicate of its descriptor: pidfd_open(2) and pidfd_getfd(2)
 * (Linux 5.6 and later; the caller needs ptrace rights over the process, as root has unless Yama forbids it),
 * then getsockopt, getsockname, getpeername and ioctl(SIOCGSKNS) on the duplicate, which is closed before
 * returning. Nothing is sent or received. This reads a socket whatever network namespace it is in, including one
 * no process is in, whose tables /proc cannot show. One effect on the socket itself: on a host with cgroup-v1
 * net_cls or net_prio, receiving the descriptor tags the socket with this process's class id and priority index
 * (the kernel does so for every received socket). Raw values only; nothing here knows about sys-scan.
 */

import { errno, libc } from "./libc.ts";
import { closeFd, emptyStatx, S_IFMT, S_IFSOCK, statxFd } from "./fd.ts";

/** pidfd_open(2) and pidfd_getfd(2): the same numbers on x86-64 and aarch64 (the generic table). */
const SYS_PIDFD_OPEN = 434n;
const SYS_PIDFD_GETFD = 438n;

/** Address families sys-scan tells apart. */
export const AF = { UNIX: 1, INET: 2, INET6: 10 } as const;
/** Socket types sys-scan tells apart. */
export const SOCK = { STREAM: 1, DGRAM: 2 } as const;
/** IP protocols sys-scan tells apart. */
export const IPPROTO = { TCP: 6, UDP: 17, MPTCP: 262 } as const;

/** SIOCGSKNS: a descriptor of the socket's network namespace (Linux 4.9+; CAP_NET_ADMIN over it). */
const SIOCGSKNS = 0x894cn;
const SOL_SOCKET = 1;
const SO = { TYPE: 3, LINGER: 13, PROTOCOL: 38, DOMAIN: 39 } as const;
const TCP_INFO = 11;

/** What one socket is, as the kernel says through its descriptor. */
export interface RawSocket {
  /** The socket's inode (what /proc/<pid>/fd shows as socket:[N]). */
  ino: number;
  /** AF_* family. */
  domain: number;
  /** SOCK_* type (1 stream, 2 datagram, 3 raw, …). */
  type: number;
  /** IPPROTO_* protocol (6 TCP, 17 UDP, …). */
  protocol: number;
  /** The local address as a sockaddr (its first `length` bytes). */
  local: Uint8Array;
  /** The peer's sockaddr, or null when the socket is not connected (ENOTCONN). */
  remote: Uint8Array | null;
  /** TCP's state code (tcp_states.h) for a TCP socket, else null. */
  tcpState: number | null;
  /** The inode of the network namespace the socket is in (SIOCGSKNS), or null when the kernel would not say. */
  netnsIno: number | null;
}

/** A failure: which call failed and its errno. */
export interface SocketDupError {
  call: "pidfd_open" | "pidfd_getfd" | "statx" | "not_socket" | "getsockopt" | "getsockname";
  errno: number;
}

function sockopt(fd: number, level: number, name: number, size = 4): Uint8Array | number {
  const val = new Uint8Array(size);
  const len = new Uint32Array([size]);
  return libc().symbols.getsockopt(fd, level, name, val, new Uint8Array(len.buffer)) === 0 ? val : -errno();
}

function address(fd: number, peer: boolean): Uint8Array | number {
  const sa = new Uint8Array(128);
  const len = new Uint32Array([sa.length]);
  const lenBytes = new Uint8Array(len.buffer);
  const s = libc().symbols;
  const rc = peer ? s.getpeername(fd, sa, lenBytes) : s.getsockname(fd, sa, lenBytes);
  return rc === 0 ? sa.slice(0, Math.min(len[0], sa.length)) : -errno();
}

const int32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength).getInt32(0, true);

/** The inode of the network namespace socket `fd` is in, or null. */
function netnsOf(fd: number): number | null {
  const ns = libc().symbols.ioctl(fd, SIOCGSKNS, 0n);
  if (ns < 0) return null;
  try {
    const st = emptyStatx();
    return statxFd(ns, st) ? st.ino : null;
  } finally {
    closeFd(ns);
  }
}

/**
 * What one open socket is: its family, and for an inet socket its type, protocol, addresses and TCP state. The
 * family is read first: other families (AF_ALG, AF_KCM…) may refuse getsockname, and nothing more is needed of
 * them. Errors carry the failing call.
 */
export function describeSocket(fd: number): RawSocket | SocketDupError {
  const st = emptyStatx();
  if (!statxFd(fd, st)) return { call: "statx", errno: errno() };
  if ((st.mode & S_IFMT) !== S_IFSOCK) return { call: "not_socket", errno: 88 /* ENOTSOCK */ };
  const domainOpt = sockopt(fd, SOL_SOCKET, SO.DOMAIN);
  if (typeof domainOpt === "number") return { call: "getsockopt", errno: -domainOpt };
  const domain = int32(domainOpt);
  const netnsIno = netnsOf(fd);
  if (domain !== AF.INET && domain !== AF.INET6) {
    return {
      ino: st.ino,
      domain,
      type: 0,
      protocol: 0,
      local: new Uint8Array(0),
      remote: null,
      tcpState: null,
      netnsIno,
    };
  }
  const type = sockopt(fd, SOL_SOCKET, SO.TYPE);
  const protocol = sockopt(fd, SOL_SOCKET, SO.PROTOCOL);
  for (const v of [type, protocol]) if (typeof v === "number") return { call: "getsockopt", errno: -v };
  const local = address(fd, false);
  if (typeof local === "number") return { call: "getsockname", errno: -local };
  const remote = address(fd, true);
  const proto = int32(protocol as Uint8Array);
  // tcp_info begins with the state byte; a short buffer is filled as far as it goes.
  const tcpLike = proto === IPPROTO.TCP || proto === IPPROTO.MPTCP;
  const info = tcpLike ? sockopt(fd, IPPROTO.TCP, TCP_INFO, 8) : null;
  return {
    netnsIno,
    ino: st.ino,
    domain,
    type: int32(type as Uint8Array),
    protocol: proto,
    local,
    remote: typeof remote === "number" ? null : remote,
    tcpState: info instanceof Uint8Array ? info[0] : null,
  };
}

/**
 * Closes a duplicate. When it is a socket with SO_LINGER on, this close may be the socket's last one (its owner
 * closed it meanwhile) and would then wait up to the linger time for the peer: that close runs on another
 * thread, so an owner cannot hold the scan with it.
 */
function closeDuplicate(fd: number): void {
  const linger = sockopt(fd, SOL_SOCKET, SO.LINGER, 8);
  if (linger instanceof Uint8Array && int32(linger) !== 0) {
    void libc().symbols.close_nb(fd);
    return;
  }
  closeFd(fd);
}

/**
 * Descriptor `fd` of process `pid`, duplicated into this process (close-on-exec) and described. The duplicate
 * and the pidfd are closed before returning.
 */
export function describeProcessSocket(pid: number, fd: number): RawSocket | SocketDupError {
  const s = libc().symbols;
  const pidfd = Number(s.syscall(SYS_PIDFD_OPEN, BigInt(pid), 0n, 0n, 0n, 0n, 0n));
  if (pidfd < 0) return { call: "pidfd_open", errno: errno() };
  const dup = Number(s.syscall(SYS_PIDFD_GETFD, BigInt(pidfd), BigInt(fd), 0n, 0n, 0n, 0n));
  const dupErrno = dup < 0 ? errno() : 0;
  closeFd(pidfd);
  if (dup < 0) return { call: "pidfd_getfd", errno: dupErrno };
  try {
    return describeSocket(dup);
  } finally {
    closeDuplicate(dup);
  }
}
