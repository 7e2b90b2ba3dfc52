/**
 * Reverse shells whose stdio is the network socket itself: a shell (or an interpreter running inline code) whose
 * stdin is a TCP/UDP socket and whose stdout or stderr is a socket too. Unix sockets are left out: Node/libuv and
 * other supervisors give their children socketpairs as stdio, which is normal; a reverse shell connects over the
 * network. Shells behind a pty or a pipe relay are found by ./relay.ts. A shell (not an interpreter: a `python -c`
 * that fetches something holds a socket for good reasons) holding a connected inet socket on any other descriptor
 * is one too (`exec 5<>/dev/tcp/h/p; while read l <&5; do eval "$l" >&5; done`), unless its parent holds the same
 * socket: a descriptor a daemon leaked into the shells it runs.
 */
import type { ScanContext } from "../../core/context.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { socketInode } from "../../host/proc_stat.ts";
import { hostPort } from "../../host/net_address.ts";
import type { InetSocket, InetTable } from "../../host/proc_net.ts";
import { listedSocketInodes, processInetSockets, socketTables } from "../network/collect.ts";
import { DescriptorSockets, type ReadSocket, SWEEP_PER_PROCESS } from "./descriptor_sockets.ts";
import { procSnapshot } from "../proc_snapshot.ts";
import { shellProgram } from "./shell_program.ts";

export { readsCommandsFromStdin, shellKind, shellProgram } from "./shell_program.ts";

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
 * shell's or a relay's socket in no table at all is read through its descriptor (`DescriptorSockets`), and
 * `unlistedOf` gives the sockets a process holds in a namespace no process is in.
 */
export class InetIndex {
  #byInode: Map<number, InetSocket> | undefined;
  readonly #own = new Map<number, Map<number, InetSocket>>();
  #holders: Map<number, number[]> | undefined;
  /** The sockets read through their holders' descriptors in this scan. */
  readonly descriptors: DescriptorSockets;

  constructor(readonly ctx: ScanContext) {
    this.descriptors = new DescriptorSockets(ctx);
  }

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

  /** The sockets of `inodes` that no table lists (unix, netlink and the rest included): worth a descriptor read. */
  #unlisted(inodes: readonly number[]): number[] {
    const listed = listedSocketInodes(this.ctx);
    return inodes.filter((inode) => !listed.has(inode));
  }

  /** A socket read through its descriptor as findings show it; `unlisted` when its namespace has no process. */
  #shownRead(s: ReadSocket): ShellSocket {
    return this.descriptors.inUnlistedNamespace(s) && s.netns !== null
      ? { ...shown(s.socket), unlisted: true, netns: s.netns }
      : shown(s.socket);
  }

  /**
   * A connected inet socket `p` holds (lowest inode first; those `skip` says to leave out left out), or undefined.
   * On the live host, its sockets that no table lists are then read through their descriptors, at most
   * SWEEP_PER_PROCESS of them.
   */
  connected(p: ProcessInfo, skip?: (inode: number) => boolean): ShellSocket | undefined {
    const unread: number[] = [];
    for (const inode of p.socketInodes) {
      if (skip?.(inode)) continue;
      const s = this.lookup(p, inode);
      if (s && isConnected(s)) return shown(s);
      if (s === undefined) unread.push(inode);
    }
    if (unread.length === 0 || !this.descriptors.live) return undefined;
    const candidates = this.#unlisted(unread).slice(0, SWEEP_PER_PROCESS);
    for (const [fd, inode] of this.descriptors.descriptors(p.pid, candidates)) {
      const s = this.descriptors.read(p, fd, inode);
      if (s && isConnected(s.socket)) return this.#shownRead(s);
    }
    return undefined;
  }

  /**
   * The TCP/UDP sockets `p` holds in a network namespace no process is in (read through their descriptors; the
   * budget is `DescriptorSockets.sweep`'s). Live host only.
   */
  unlistedOf(p: ProcessInfo): ShellSocket[] {
    if (!this.descriptors.live || p.socketInodes.length === 0) return [];
    const candidates = this.#unlisted(p.socketInodes);
    if (candidates.length === 0) return [];
    return this.descriptors.sweep(p, candidates)
      .filter((s) => this.descriptors.inUnlistedNamespace(s))
      .map((s) => this.#shownRead(s));
  }

  /** The pids holding socket `inode`, from the scan's snapshot. */
  holders(inode: number): readonly number[] {
    if (this.#holders === undefined) {
      const map = new Map<number, number[]>();
      for (const q of procSnapshot(this.ctx).processes) {
        for (const i of q.socketInodes) {
          const list = map.get(i);
          if (list) list.push(q.pid);
          else map.set(i, [q.pid]);
        }
      }
      this.#holders = map;
    }
    return this.#holders.get(inode) ?? [];
  }

  /** The inet socket behind `inode` as findings show it. */
  shown(p: ProcessInfo, inode: number): ShellSocket | undefined {
    const s = this.lookup(p, inode);
    return s ? shown(s) : undefined;
  }

  /**
   * The inet socket behind descriptor `fd` of `p` (socket inode `inode`) as findings show it: from the tables,
   * else, on the live host, read through the descriptor itself. A socket made in a network namespace no process
   * is in any more is in no table /proc lists (a process can make one and `setns` back): it is `unlisted`.
   */
  atFd(p: ProcessInfo, fd: number, inode: number): ShellSocket | undefined {
    const listed = this.lookup(p, inode);
    if (listed) return shown(listed);
    if (!this.descriptors.live || this.#unlisted([inode]).length === 0) return undefined;
    const s = this.descriptors.read(p, fd, inode);
    return s ? this.#shownRead(s) : undefined;
  }
}

/** What makes a process a reverse shell on its own socket. */
export interface ReverseShell {
  kind: "shell" | "interpreter";
  socket: ShellSocket;
  stdio: (string | null)[];
  /** "stdio": stdin and stdout or stderr are sockets; "descriptor": a shell holds one on another descriptor. */
  on: "stdio" | "descriptor";
}

/** The direct reverse-shell evidence for a process (stdio on the socket itself), or undefined. */
export function reverseShell(index: InetIndex, p: ProcessInfo): ReverseShell | undefined {
  const program = shellProgram(p, index.ctx.host);
  if (program === undefined) return undefined;
  const { kind } = program;
  const [stdin, stdout, stderr] = p.stdio;
  const inInode = stdin === null || stdin === undefined ? undefined : socketInode(stdin);
  const outSocket = [stdout, stderr].some((s) =>
    s !== null && s !== undefined && socketInode(s) !== undefined
  );
  if (inInode !== undefined && outSocket) {
    const socket = index.atFd(p, 0, inInode);
    if (socket) return { kind, socket, stdio: p.stdio, on: "stdio" };
  }
  if (kind !== "shell") return undefined;
  // bash's and ksh's /dev/tcp, zsh's ztcp: a shell that made a connection itself. One its parent holds too was
  // inherited (a daemon's descriptor without close-on-exec), not made.
  const socket = index.connected(p, (inode) => index.holders(inode).includes(p.ppid));
  return socket ? { kind, socket, stdio: p.stdio, on: "descriptor" } : undefined;
}
