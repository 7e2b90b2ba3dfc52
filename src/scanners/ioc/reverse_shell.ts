/**
 * Reverse shells: a shell (or an interpreter running inline code) whose stdin is a TCP/UDP socket and whose
 * stdout or stderr is a socket too. Unix sockets are left out: Node/libuv and other supervisors give their
 * children socketpairs as stdio, which is normal; a reverse shell connects over the network.
 */
import type { Host } from "../../host/host.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { socketInode } from "../../host/proc_stat.ts";

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

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** "shell" or "interpreter" when the process is one that a reverse shell would be, else undefined. */
export function shellKind(p: ProcessInfo): "shell" | "interpreter" | undefined {
  const exe = basename(p.exe ?? "");
  const argv0 = basename((p.cmdline[0] ?? "").replace(/^-/, ""));
  if (SHELLS.has(exe) || (exe === "busybox" && SHELLS.has(argv0))) return "shell";
  if (INTERPRETER.test(exe) && p.cmdline.slice(1).some((a) => INLINE_FLAGS.has(a))) return "interpreter";
  return undefined;
}

/** One inet socket from /proc/<pid>/net/{tcp,udp}{,6}. */
export interface InetSocket {
  proto: string;
  local: string;
  remote: string;
  state: string;
}

const TCP_STATES: Record<string, string> = {
  "01": "ESTABLISHED",
  "02": "SYN_SENT",
  "03": "SYN_RECV",
  "04": "FIN_WAIT1",
  "05": "FIN_WAIT2",
  "06": "TIME_WAIT",
  "07": "CLOSE",
  "08": "CLOSE_WAIT",
  "09": "LAST_ACK",
  "0A": "LISTEN",
  "0B": "CLOSING",
};

/** Renders a /proc/net address word ("0100007F:1F90", or 32 hex digits for IPv6) as "127.0.0.1:8080" / "[::1]:8080". */
export function renderAddress(hexAddr: string): string | undefined {
  const [ip, port] = hexAddr.split(":");
  if (port === undefined || !/^[0-9A-Fa-f]{4}$/.test(port) || !/^(?:[0-9A-Fa-f]{8}){1,4}$/.test(ip)) {
    return undefined;
  }
  const p = parseInt(port, 16);
  const bytes: number[] = [];
  for (let w = 0; w < ip.length; w += 8) {
    const word = ip.slice(w, w + 8);
    for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(word.slice(b, b + 2), 16));
  }
  if (bytes.length === 4) return `${bytes.join(".")}:${p}`;
  if (bytes.length !== 16) return undefined;
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16));
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen && j - i >= 2) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const text = best < 0
    ? groups.join(":")
    : `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
  return `[${text}]:${p}`;
}

/** Finds a socket inode in a /proc/net/{tcp,udp}{,6} table text. */
export function findInetSocket(table: string, proto: string, inode: number): InetSocket | undefined {
  for (const line of table.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[9] !== String(inode)) continue;
    const local = renderAddress(f[1]);
    const remote = renderAddress(f[2]);
    if (local === undefined || remote === undefined) continue;
    return { proto, local, remote, state: proto.startsWith("tcp") ? TCP_STATES[f[3]] ?? f[3] : f[3] };
  }
  return undefined;
}

/** The inet socket behind a socket inode, looked up in the process's own network namespace. */
export function lookupInet(host: Host, pid: number, inode: number): InetSocket | undefined {
  for (const proto of ["tcp", "tcp6", "udp", "udp6"]) {
    const r = host.readText(`/proc/${pid}/net/${proto}`, 8 << 20);
    if (!r.ok) continue;
    const s = findInetSocket(r.value, proto, inode);
    if (s) return s;
  }
  return undefined;
}

/** What makes a process a reverse shell. */
export interface ReverseShell {
  kind: "shell" | "interpreter";
  socket: InetSocket;
  stdio: (string | null)[];
}

/** The reverse-shell evidence for a process, or undefined. */
export function reverseShell(host: Host, p: ProcessInfo): ReverseShell | undefined {
  const kind = shellKind(p);
  if (kind === undefined) return undefined;
  const [stdin, stdout, stderr] = p.stdio;
  const inInode = stdin === null || stdin === undefined ? undefined : socketInode(stdin);
  if (inInode === undefined) return undefined;
  const outSocket = [stdout, stderr].some((s) =>
    s !== null && s !== undefined && socketInode(s) !== undefined
  );
  if (!outSocket) return undefined;
  const socket = lookupInet(host, p.pid, inInode);
  return socket ? { kind, socket, stdio: p.stdio } : undefined;
}
