/**
 * Reverse shells whose stdio is the network socket itself: a shell (or an interpreter running inline code) whose
 * stdin is a TCP/UDP socket and whose stdout or stderr is a socket too. Unix sockets are left out: Node/libuv and
 * other supervisors give their children socketpairs as stdio, which is normal; a reverse shell connects over the
 * network. Shells behind a pty or a pipe relay are found by ./relay.ts.
 */
import type { ScanContext } from "../../core/context.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { socketInode } from "../../host/proc_stat.ts";
import { hostPort } from "../../host/net_address.ts";
import type { InetSocket, InetTable } from "../../host/proc_net.ts";
import { peekInetSocket } from "../../host/peer_socket.ts";
import { listedSocketInodes, processInetSockets, socketTables } from "../network/collect.ts";
import { namedNetns } from "../network/views.ts";
import { basename } from "./common.ts";

const SHELLS = new Set([
  "sh",
  "ash",
  "bash",
  "rbash",
  "dash",
  "zsh",
  "ksh",
  "ksh93",
  "mksh",
  "pdksh",
  "yash",
  "csh",
  "tcsh",
  "fish",
]);
const INTERPRETER =
  /^(?:python[\d.]*|perl[\d.]*|ruby[\d.]*|php[\d.]*|lua[\d.]*|node|nodejs|tclsh[\d.]*|gawk|mawk|awk)$/;
const INLINE_FLAGS = new Set(["-c", "-e", "-r", "-E"]);

/** "shell" or "interpreter" when the process is one that a reverse shell would be, else undefined. */
export function shellKind(p: ProcessInfo): "shell" | "interpreter" | undefined {
  const exe = basename(p.exe ?? "");
  const argv0 = basename((p.cmdline[0] ?? "").replace(/^-/, ""));
  if (SHELLS.has(exe) || (exe === "busybox" && SHELLS.has(argv0))) return "shell";
  if (INTERPRETER.test(exe) && p.cmdline.slice(1).some((a) => INLINE_FLAGS.has(a))) return "interpreter";
  return undefined;
}

/** An inet socket as the findings show it ("127.0.0.1:4444", "[::1]:22"). */
export interface ShellSocket {
  /** The /proc/net table it was found in (tcp, tcp6, udp, udp6). */
  proto: InetTable;
  local: string;
  remote: string;
  state: string;
  /** Read through the holder's descriptor: the socket is in no /proc/net table of a namespace a process is in. */
  unlisted?: true;
  /** For an unlisted socket, the network namespace it is in ("net:[N]"), when the kernel said. */
  netns?: string;
}

const SHELL_TABLES: readonly InetTable[] = ["tcp", "tcp6", "udp", "udp6"];
/** Sockets in no table read through their descriptors per process asked about (a relay may hold many). */
const UNLISTED_PER_PROCESS = 64;
/** Sockets in no table at all read through their descriptors per scan (`unlistedOf`). */
const UNLISTED_PER_SCAN = 256;
/** Descriptors listed when looking for those sockets' numbers. */
const MAX_FDS_READ = 65536;

/** A socket read through its holder's descriptor, as findings show it. */
function unlistedShown(s: { socket: InetSocket; netns: string | null }): ShellSocket {
  return { ...shown(s.socket), unlisted: true, ...(s.netns ? { netns: s.netns } : {}) };
}

function shown(s: InetSocket): ShellSocket {
  return {
    proto: s.table,
    local: hostPort(s.localAddress, s.localPort),
    remote: hostPort(s.remoteAddress, s.remotePort),
    state: s.state,
  };
}

/** True for a socket that talks to a peer: TCP in any state but LISTEN and CLOSE, UDP with a remote port. */
export function isConnected(s: InetSocket): boolean {
  if (s.proto === "tcp") return s.state !== "LISTEN" && s.state !== "CLOSE";
  return s.remotePort !== 0;
}

/**
 * The TCP/UDP sockets of the host by inode (socket inodes are unique on the host), from the scan's one reading
 * of every network namespace's tables (`socketTables`, shared with the network scanner): each table is read
 * through the first member of its namespace that can still be read, so a process that exits in between hides
 * nothing. A process whose namespace link could not be read belongs to no namespace read there; a socket of
 * its not found among them is looked for in its own /proc/<pid>/net, once per process. On the live host, a
 * shell's or a relay's socket in no table at all (made in a namespace no process is in) is read through its
 * descriptor (`atFd`, `connected`).
 */
export class InetIndex {
  #byInode: Map<number, InetSocket> | undefined;
  readonly #own = new Map<number, Map<number, InetSocket>>();
  readonly #peeked = new Map<number, { socket: InetSocket; netns: string | null } | null>();
  #peekWarned = false;
  #budgetWarned = false;
  #named: Map<string, string> | undefined;

  constructor(readonly ctx: ScanContext) {}

  #all(): Map<number, InetSocket> {
    if (this.#byInode !== undefined) return this.#byInode;
    const byInode = new Map<number, InetSocket>();
    for (const { socket } of socketTables(this.ctx).inet) {
      if (socket.inode !== 0 && SHELL_TABLES.includes(socket.table)) byInode.set(socket.inode, socket);
    }
    return this.#byInode = byInode;
  }

  #ownTables(pid: number): Map<number, InetSocket> {
    let own = this.#own.get(pid);
    if (own === undefined) {
      own = new Map();
      for (const s of processInetSockets(this.ctx, pid, SHELL_TABLES)) if (s.inode !== 0) own.set(s.inode, s);
      this.#own.set(pid, own);
    }
    return own;
  }

  /** The inet socket behind a socket inode held by `p`, or undefined (a unix socket, or gone). */
  lookup(p: ProcessInfo, inode: number): InetSocket | undefined {
    const s = this.#all().get(inode);
    if (s !== undefined || p.namespaces.net) return s;
    return this.#ownTables(p.pid).get(inode);
  }

  /**
   * A connected inet socket `p` holds (lowest inode first), or undefined. On the live host, sockets in no table
   * are then read through their descriptors (`atFd`), at most UNLISTED_PER_PROCESS of them.
   */
  connected(p: ProcessInfo): ShellSocket | undefined {
    const unlisted: number[] = [];
    for (const inode of p.socketInodes) {
      const s = this.lookup(p, inode);
      if (s && isConnected(s)) return shown(s);
      if (s === undefined) unlisted.push(inode);
    }
    if (unlisted.length === 0 || !this.ctx.host.isLive) return undefined;
    for (const [fd, inode] of this.#descriptors(p.pid, unlisted.slice(0, UNLISTED_PER_PROCESS))) {
      const s = this.#peek(p, fd, inode);
      if (s && isConnected(s.socket)) return unlistedShown(s);
    }
    return undefined;
  }

  /**
   * The TCP/UDP sockets `p` holds that no table of any namespace lists (`listedSocketInodes`): made in a
   * namespace no process is in, read through their descriptors. Live host only; at most UNLISTED_PER_SCAN
   * sockets are read this way per scan, then a `truncated` warning.
   */
  unlistedOf(p: ProcessInfo): ShellSocket[] {
    if (!this.ctx.host.isLive || p.socketInodes.length === 0) return [];
    const listed = listedSocketInodes(this.ctx);
    const candidates = p.socketInodes.filter((inode) => !listed.has(inode));
    if (candidates.length === 0) return [];
    const fresh = candidates.filter((inode) => !this.#peeked.has(inode));
    const allowed = Math.max(0, UNLISTED_PER_SCAN - this.#peeked.size);
    if (fresh.length > allowed && !this.#budgetWarned) {
      this.#budgetWarned = true;
      this.ctx.warn(
        "truncated",
        `sockets in no /proc/net table: only the first ${UNLISTED_PER_SCAN} were read through their descriptors`,
      );
    }
    const skipped = new Set(fresh.slice(allowed));
    const wanted = candidates.filter((inode) => !skipped.has(inode));
    const out: ShellSocket[] = [];
    for (const [fd, inode] of this.#descriptors(p.pid, wanted)) {
      const s = this.#peek(p, fd, inode);
      if (s) out.push(unlistedShown(s));
    }
    return out;
  }

  /** The `ip netns` name of network namespace `ns` ("net:[N]"), if it has one (read once per scan). */
  netnsName(ns: string | undefined): string | undefined {
    if (ns === undefined) return undefined;
    this.#named ??= namedNetns(this.ctx.host);
    return this.#named.get(ns);
  }

  /** The descriptors of process `pid` that hold the socket inodes in `inodes` (fd order). */
  #descriptors(pid: number, inodes: readonly number[]): [number, number][] {
    const wanted = new Set(inodes);
    const dir = this.ctx.host.readDir(`/proc/${pid}/fd`, MAX_FDS_READ);
    if (!dir.ok) return [];
    const out: [number, number][] = [];
    for (const e of dir.value) {
      if (!/^\d+$/.test(e.name)) continue;
      const link = this.ctx.host.readLink(`/proc/${pid}/fd/${e.name}`);
      const inode = link.ok ? socketInode(link.value) : undefined;
      if (inode !== undefined && wanted.delete(inode)) out.push([Number(e.name), inode]);
      if (wanted.size === 0) break;
    }
    return out.sort((a, b) => a[0] - b[0]);
  }

  /** Socket inode `inode` at descriptor `fd` of `p`, read through the descriptor once per scan. */
  #peek(p: ProcessInfo, fd: number, inode: number): { socket: InetSocket; netns: string | null } | undefined {
    if (!this.#peeked.has(inode)) {
      const r = peekInetSocket(p.pid, fd, inode);
      this.#peeked.set(inode, r.ok && r.socket ? { socket: r.socket, netns: r.netns } : null);
      if (!r.ok && !r.gone && !this.#peekWarned) {
        this.#peekWarned = true;
        this.ctx.warn("socket_unreadable", `a socket in no /proc/net table could not be read: ${r.reason}`);
      }
    }
    return this.#peeked.get(inode) ?? undefined;
  }

  /** The inet socket behind `inode` as findings show it. */
  shown(p: ProcessInfo, inode: number): ShellSocket | undefined {
    const s = this.lookup(p, inode);
    return s ? shown(s) : undefined;
  }

  /**
   * The inet socket behind descriptor `fd` of `p` (socket inode `inode`) as findings show it: from the tables,
   * else, on the live host, read through the descriptor itself (`peekInetSocket`). A socket created in a network
   * namespace no process is in any more is in no table /proc lists; a process can make one and `setns` back.
   * Such a socket is `unlisted`. A descriptor this process may not read that way is a warning, once per scan; one
   * whose process or socket is gone by then is not.
   */
  atFd(p: ProcessInfo, fd: number, inode: number): ShellSocket | undefined {
    const listed = this.lookup(p, inode);
    if (listed) return shown(listed);
    if (!this.ctx.host.isLive) return undefined;
    const peeked = this.#peek(p, fd, inode);
    return peeked ? unlistedShown(peeked) : undefined;
  }
}

/** What makes a process a reverse shell on its own socket. */
export interface ReverseShell {
  kind: "shell" | "interpreter";
  socket: ShellSocket;
  stdio: (string | null)[];
}

/** The direct reverse-shell evidence for a process (stdio on the socket itself), or undefined. */
export function reverseShell(index: InetIndex, p: ProcessInfo): ReverseShell | undefined {
  const kind = shellKind(p);
  if (kind === undefined) return undefined;
  const [stdin, stdout, stderr] = p.stdio;
  const inInode = stdin === null || stdin === undefined ? undefined : socketInode(stdin);
  if (inInode === undefined) return undefined;
  const outSocket = [stdout, stderr].some((s) =>
    s !== null && s !== undefined && socketInode(s) !== undefined
  );
  if (!outSocket) return undefined;
  const socket = index.atFd(p, 0, inInode);
  return socket ? { kind, socket, stdio: p.stdio } : undefined;
}
