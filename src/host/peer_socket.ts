/**
 * A process's inet socket read through a duplicate of its descriptor (`ffi/socket_dup.ts`), in the shape the
 * /proc/net tables give (`InetSocket`). For a socket those tables cannot show: one created in a network
 * namespace that no process is in any more (a process can create a socket there and `setns` back), whose
 * tables no /proc/<pid>/net lists. Live host only, and only for a descriptor the caller already saw as
 * `socket:[ino]`: a descriptor that holds another inode by now (closed and reused, or the pid reused) is
 * refused.
 */
import { AF, describeProcessSocket, IPPROTO, type RawSocket, SOCK } from "../../ffi/socket_dup.ts";
import { strerror } from "../../ffi/libc.ts";
import { formatIpv4, formatIpv6 } from "./net_address.ts";
import { type InetSocket, type InetTable, TCP_STATES } from "./proc_net.ts";

/**
 * The socket, `null` when it is no TCP or UDP socket (a unix socket, say), or why it could not be read; `gone`
 * when there was nothing left to read (the process exited, or the descriptor was closed or now holds something
 * else), as opposed to a socket this process may not read (no ptrace rights, a kernel without pidfd_getfd).
 */
export type PeekedSocket =
  | { ok: true; socket: InetSocket | null; netns: string | null }
  | { ok: false; reason: string; gone: boolean };

const ESRCH = 3;
const EBADF = 9;

function endpoint(sa: Uint8Array, domain: number): { address: string; port: number } | undefined {
  const port = sa.length >= 4 ? (sa[2] << 8) | sa[3] : 0;
  if (domain === AF.INET && sa.length >= 8) return { address: formatIpv4(sa, 4), port };
  if (domain === AF.INET6 && sa.length >= 24) return { address: formatIpv6(sa.subarray(8, 24)), port };
  return undefined;
}

/** The InetSocket of a described socket, or null when it is no TCP or UDP socket of an inet family. */
export function inetFromRaw(raw: RawSocket, where: string): InetSocket | null {
  // MPTCP is TCP to the peer; its own socket is in no table (only its subflows are).
  const tcp = raw.type === SOCK.STREAM && (raw.protocol === IPPROTO.TCP || raw.protocol === IPPROTO.MPTCP);
  const udp = raw.type === SOCK.DGRAM && raw.protocol === IPPROTO.UDP;
  if ((raw.domain !== AF.INET && raw.domain !== AF.INET6) || (!tcp && !udp)) return null;
  const family = raw.domain === AF.INET ? 4 : 6;
  const local = endpoint(raw.local, raw.domain);
  if (local === undefined) return null;
  const remote = raw.remote ? endpoint(raw.remote, raw.domain) : undefined;
  const proto = tcp ? "tcp" : "udp";
  const state = tcp && raw.tcpState === null
    ? (remote ? "ESTABLISHED" : "CLOSE")
    : tcp
    ? TCP_STATES[raw.tcpState ?? 0] ?? `0x${(raw.tcpState ?? 0).toString(16).padStart(2, "0").toUpperCase()}`
    : remote
    ? "ESTABLISHED"
    : "UNCONN";
  return {
    table: (family === 6 ? `${proto}6` : proto) as InetTable,
    proto,
    family,
    localAddress: local.address,
    localPort: local.port,
    remoteAddress: remote?.address ?? (family === 6 ? "::" : "0.0.0.0"),
    remotePort: remote?.port ?? 0,
    state,
    uid: -1,
    inode: raw.ino,
    raw: where,
  };
}

/**
 * Descriptor `fd` of process `pid`, expected to be socket inode `ino`, read through a duplicate, with the network
 * namespace the socket is in ("net:[N]", as /proc/<pid>/ns/net names one; null where the kernel would not say).
 * `uid` of the socket is -1 (the tables' owner uid is not read this way); `raw` says where it was read.
 */
export function peekInetSocket(pid: number, fd: number, ino: number): PeekedSocket {
  let raw: ReturnType<typeof describeProcessSocket>;
  try {
    raw = describeProcessSocket(pid, fd);
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e), gone: false };
  }
  if ("call" in raw) {
    const why = raw.call === "not_socket" ? "no longer a socket" : `${raw.call}: ${strerror(raw.errno)}`;
    const gone = raw.call === "not_socket" || (raw.call === "pidfd_open" && raw.errno === ESRCH) ||
      (raw.call === "pidfd_getfd" && (raw.errno === EBADF || raw.errno === ESRCH));
    return { ok: false, reason: `fd ${fd} of pid ${pid}: ${why}`, gone };
  }
  if (raw.ino !== ino) {
    return {
      ok: false,
      reason: `fd ${fd} of pid ${pid} holds socket ${raw.ino} now, not ${ino}`,
      gone: true,
    };
  }
  return {
    ok: true,
    socket: inetFromRaw(raw, `fd ${fd} of pid ${pid}, read through its descriptor`),
    netns: raw.netnsIno === null ? null : `net:[${raw.netnsIno}]`,
  };
}
