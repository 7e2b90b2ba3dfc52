/**
 * Reverse shells whose stdio is the network socket itself: a shell (or an interpreter running inline code) whose
 * stdin is a TCP/UDP socket and whose stdout or stderr is a socket too. Unix sockets are left out: Node/libuv and
 * other supervisors give their children socketpairs as stdio, which is normal; a reverse shell connects over the
 * network. Shells behind a pty or a pipe relay are found by ./relay.ts.
 */
import type { Host } from "../../host/host.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { socketInode } from "../../host/proc_stat.ts";
import { hostPort } from "../../host/net_address.ts";
import { type InetSocket, type InetTable, parseInetTable, procNetByteOrder } from "../../host/proc_net.ts";
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
}

const SHELL_TABLES: readonly InetTable[] = ["tcp", "tcp6", "udp", "udp6"];
/** Byte cap of one /proc/<pid>/net table. */
const MAX_TABLE_BYTES = 8 << 20;

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

/** One network namespace's sockets as read so far. */
interface NsSockets {
  byInode: Map<number, InetSocket>;
  /** Tables not read yet: the next process of the namespace that is asked about tries them. */
  unread: Set<InetTable>;
  /** Processes whose /proc/<pid>/net was tried. */
  tried: Set<number>;
}

/**
 * The TCP/UDP sockets of each network namespace by inode (socket inodes are unique on the host), read through
 * /proc/<pid>/net of the processes asked about in that namespace, each table once per scan however many
 * processes are looked at. A table that could not be read through one process (it exited in between, which
 * anyone can arrange) is read through the next one asked about, each process tried once: otherwise every
 * socket of the namespace would go unseen for the rest of the scan.
 */
export class InetIndex {
  readonly #byNs = new Map<string, NsSockets>();
  #order: "little" | "big" | undefined;

  constructor(readonly host: Host) {}

  #table(p: ProcessInfo): Map<number, InetSocket> {
    const key = p.namespaces.net ?? `pid:${p.pid}`;
    let ns = this.#byNs.get(key);
    if (ns === undefined) {
      ns = { byInode: new Map(), unread: new Set(SHELL_TABLES), tried: new Set() };
      this.#byNs.set(key, ns);
    }
    if (ns.unread.size === 0 || ns.tried.has(p.pid)) return ns.byInode;
    ns.tried.add(p.pid);
    this.#order ??= procNetByteOrder(this.host);
    for (const table of [...ns.unread]) {
      const r = this.host.readText(`/proc/${p.pid}/net/${table}`, MAX_TABLE_BYTES);
      if (!r.ok) continue;
      ns.unread.delete(table);
      for (const s of parseInetTable(r.value, table, this.#order).entries) {
        if (s.inode !== 0) ns.byInode.set(s.inode, s);
      }
    }
    return ns.byInode;
  }

  /** The inet socket behind a socket inode held by `p`, or undefined (a unix socket, or gone). */
  lookup(p: ProcessInfo, inode: number): InetSocket | undefined {
    return this.#table(p).get(inode);
  }

  /** A connected inet socket `p` holds (lowest inode first), or undefined. */
  connected(p: ProcessInfo): ShellSocket | undefined {
    for (const inode of p.socketInodes) {
      const s = this.lookup(p, inode);
      if (s && isConnected(s)) return shown(s);
    }
    return undefined;
  }

  /** The inet socket behind `inode` as findings show it. */
  shown(p: ProcessInfo, inode: number): ShellSocket | undefined {
    const s = this.lookup(p, inode);
    return s ? shown(s) : undefined;
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
  const socket = index.shown(p, inInode);
  return socket ? { kind, socket, stdio: p.stdio } : undefined;
}
