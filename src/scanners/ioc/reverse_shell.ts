/**
 * Reverse shells: a shell (or an interpreter running inline code) whose stdin is a TCP/UDP socket and whose
 * stdout or stderr is a socket too. Unix sockets are left out: Node/libuv and other supervisors give their
 * children socketpairs as stdio, which is normal; a reverse shell connects over the network.
 */
import type { Host } from "../../host/host.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { socketInode } from "../../host/proc_stat.ts";
import { hostPort } from "../../host/net_address.ts";
import { findInetSocket, type InetTable, procNetByteOrder } from "../../host/proc_net.ts";

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

/** The inet socket a shell's stdin is on, as the finding shows it ("127.0.0.1:4444", "[::1]:22"). */
export interface ShellSocket {
  /** The /proc/net table it was found in (tcp, tcp6, udp, udp6). */
  proto: InetTable;
  local: string;
  remote: string;
  state: string;
}

const SHELL_TABLES: readonly InetTable[] = ["tcp", "tcp6", "udp", "udp6"];

/** The inet socket behind a socket inode, looked up in the process's own network namespace. */
export function lookupInet(host: Host, pid: number, inode: number): ShellSocket | undefined {
  const order = procNetByteOrder(host);
  for (const table of SHELL_TABLES) {
    const r = host.readText(`/proc/${pid}/net/${table}`, 8 << 20);
    if (!r.ok) continue;
    const s = findInetSocket(r.value, table, inode, order);
    if (s) {
      return {
        proto: table,
        local: hostPort(s.localAddress, s.localPort),
        remote: hostPort(s.remoteAddress, s.remotePort),
        state: s.state,
      };
    }
  }
  return undefined;
}

/** What makes a process a reverse shell. */
export interface ReverseShell {
  kind: "shell" | "interpreter";
  socket: ShellSocket;
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
