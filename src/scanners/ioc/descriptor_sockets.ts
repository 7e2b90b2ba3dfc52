/**
 * Sockets read through their holders' descriptors (`peekInetSocket`), for sockets the /proc/net tables do not
 * show: once per socket per scan, on the live host only, within a budget an attacker cannot use to hold the
 * scan. Whether such a socket is in a network namespace no process is in is told by the namespace the kernel
 * names for it (SIOCGSKNS), never by its absence from the tables: an unbound UDP socket, a fresh or closed TCP
 * socket are in no table of their own namespace either.
 */
import type { ScanContext } from "../../core/context.ts";
import type { InetSocket } from "../../host/proc_net.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { socketInode } from "../../host/proc_stat.ts";
import { peekInetSocket } from "../../host/peer_socket.ts";
import { procSnapshot } from "../proc_snapshot.ts";
import { namedNetns } from "../network/views.ts";

/** An inet socket read through a descriptor, and the network namespace it is in ("net:[N]"), when known. */
export interface ReadSocket {
  socket: InetSocket;
  netns: string | null;
}

/** Descriptor reads for one process in `sweep` (the unlisted-socket check) per scan. */
export const SWEEP_PER_PROCESS = 64;
/** Descriptor reads for `sweep` per scan. */
export const SWEEP_PER_SCAN = 1024;
/** Descriptors listed when looking for sockets' descriptor numbers (the process snapshot's cap). */
const MAX_FDS_READ = 4096;

/** Reads sockets through their holders' descriptors; one per scan (ioc's InetIndex holds it). */
export class DescriptorSockets {
  /** inode → the socket read, or null when it is no TCP/UDP socket. Only successful reads are kept by inode. */
  readonly #read = new Map<number, ReadSocket | null>();
  /** "pid:fd" that could not be read (gone, or refused): not tried again, but not held against the inode. */
  readonly #failed = new Set<string>();
  #sweepReads = 0;
  readonly #sweepSkipped: number[] = [];
  #warnedUnreadable = false;
  #known: Set<string> | undefined;
  #named: Map<string, string> | undefined;

  constructor(readonly ctx: ScanContext) {}

  /** False under --root: descriptors are read only on the live host. */
  get live(): boolean {
    return this.ctx.host.isLive;
  }

  /**
   * Socket `inode` at descriptor `fd` of `p`, read once per scan: the TCP/UDP socket, or undefined (another
   * family, gone, or refused: a refusal is a `socket_unreadable` warning, once per scan).
   */
  read(p: ProcessInfo, fd: number, inode: number): ReadSocket | undefined {
    const done = this.#read.get(inode);
    if (done !== undefined) return done ?? undefined;
    const key = `${p.pid}:${fd}`;
    if (this.#failed.has(key)) return undefined;
    const r = peekInetSocket(p.pid, fd, inode);
    if (!r.ok) {
      this.#failed.add(key);
      if (!r.gone && !this.#warnedUnreadable) {
        this.#warnedUnreadable = true;
        this.ctx.warn("socket_unreadable", `a socket in no /proc/net table could not be read: ${r.reason}`);
      }
      return undefined;
    }
    const read = r.socket ? { socket: r.socket, netns: r.netns } : null;
    this.#read.set(inode, read);
    return read ?? undefined;
  }

  /**
   * Reads, for the unlisted-socket check, the sockets of `inodes` that `p` holds, within SWEEP_PER_PROCESS per
   * process and SWEEP_PER_SCAN per scan (what is left over is a `truncated` warning naming the processes, at the
   * end of the scan: `warnSkipped`). Sockets already read cost nothing.
   */
  sweep(p: ProcessInfo, inodes: readonly number[]): ReadSocket[] {
    const fresh = inodes.filter((inode) => !this.#read.has(inode));
    const allowed = Math.min(SWEEP_PER_PROCESS, Math.max(0, SWEEP_PER_SCAN - this.#sweepReads));
    if (fresh.length > allowed) this.#sweepSkipped.push(p.pid);
    const skipped = new Set(fresh.slice(allowed));
    const wanted = inodes.filter((inode) => !skipped.has(inode));
    const out: ReadSocket[] = [];
    for (const [fd, inode] of this.descriptors(p.pid, wanted)) {
      if (!this.#read.has(inode)) this.#sweepReads++;
      const s = this.read(p, fd, inode);
      if (s) out.push(s);
    }
    return out;
  }

  /** The `truncated` warning for the sockets `sweep` left unread, if any. */
  warnSkipped(): void {
    if (this.#sweepSkipped.length === 0) return;
    const some = this.#sweepSkipped.slice(0, 10).join(", ");
    const more = this.#sweepSkipped.length > 10 ? ` and ${this.#sweepSkipped.length - 10} more` : "";
    this.ctx.warn(
      "truncated",
      `sockets in no /proc/net table not all read through their descriptors (at most ${SWEEP_PER_PROCESS} ` +
        `per process, ${SWEEP_PER_SCAN} per scan): pids ${some}${more}`,
    );
  }

  /**
   * True when the socket is in a network namespace that no process of the snapshot is in, nor this scanner: the
   * kernel named its namespace and it is none of those.
   */
  inUnlistedNamespace(s: ReadSocket): boolean {
    if (s.netns === null) return false;
    if (this.#known === undefined) {
      this.#known = new Set();
      for (const p of procSnapshot(this.ctx).processes) {
        if (p.namespaces.net) this.#known.add(p.namespaces.net);
      }
      const self = this.ctx.host.readLink("/proc/self/ns/net");
      if (self.ok) this.#known.add(self.value);
    }
    return !this.#known.has(s.netns);
  }

  /** The `ip netns` name of network namespace `ns` ("net:[N]"), if it has one (read once per scan). */
  netnsName(ns: string | null): string | undefined {
    if (ns === null) return undefined;
    this.#named ??= namedNetns(this.ctx.host);
    return this.#named.get(ns);
  }

  /** The descriptors of process `pid` that hold the socket inodes in `inodes`, in descriptor order. */
  descriptors(pid: number, inodes: readonly number[]): [number, number][] {
    if (inodes.length === 0) return [];
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
}
