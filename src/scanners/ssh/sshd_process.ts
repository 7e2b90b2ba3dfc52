/**
 * The running sshd listener and its arguments, from /proc: a process whose executable is named sshd, whose
 * parent is not an sshd (connection processes are the listener's children; an old session left behind when
 * sshd restarted is told apart by its title), and that is not in a container (a container's sshd reads the
 * container's files, not the host's).
 *
 * Once listening, sshd writes its title over its arguments (OpenSSH's setproctitle), so /proc/<pid>/cmdline
 * reads `sshd: /usr/sbin/sshd -D -o PermitRootLogin=yes [listener] 0 of 10-100 startups`: the arguments
 * joined with blanks (verified with OpenSSH 9.2). Before that, and for builds without the title, it is the
 * NUL-separated argv.
 */
import type { Host } from "../../host/host.ts";
import { parseExeLink } from "../../host/exe_link.ts";
import { listPids } from "../../host/procfs.ts";
import { containerIdFromCgroup, parseStat, splitNul } from "../../host/proc_stat.ts";

/** One sshd listener. */
export interface SshdListener {
  pid: number;
  ppid: number;
  /** Its arguments after argv[0]. */
  words: string[];
  /** True when read from the process title (arguments joined with blanks; see the module comment). */
  title: boolean;
}

const MAX_PIDS = 32768;
/** Read whole: a command line padded with flags (`-D -D … -o X`) must not push an option out of reach. */
const CMDLINE_BYTES = 1 << 20;
const TITLE_END = " [listener]";

const isSshd = (path: string) => path.slice(path.lastIndexOf("/") + 1) === "sshd";

/** The executable of a process, by its /proc/<pid>/exe link's text; undefined when it cannot be read. */
function exeOf(host: Host, pid: number): string | undefined {
  const r = host.readLink(`/proc/${pid}/exe`);
  return r.ok ? parseExeLink(r.value).path : undefined;
}

/**
 * A listener's arguments from its command line; undefined when the process is no listener (a connection or
 * session process, a re-executed child with -R).
 */
export function listenerArgs(argv: readonly string[]): { words: string[]; title: boolean } | undefined {
  let n = argv.length;
  while (n > 0 && argv[n - 1] === "") n--;
  const colon = n === 1 ? argv[0].indexOf(": ") : -1;
  if (colon > 0 && !argv[0].slice(0, colon).includes(" ")) {
    const body = argv[0].slice(colon + 2);
    const end = body.lastIndexOf(TITLE_END);
    if (end < 0) return undefined;
    // The title's first word is argv[0].
    return { words: body.slice(0, end).split(" ").filter((w) => w !== "").slice(1), title: true };
  }
  if (n === 0) return undefined;
  const words = argv.slice(1, n);
  return words.includes("-R") ? undefined : { words, title: false };
}

/**
 * Every sshd listener of the host, the one started by init first (then by pid); `problems` says when there
 * is more than one or /proc cannot be listed. Never throws.
 */
export function sshdListeners(host: Host): { listeners: SshdListener[]; problems: string[] } {
  const problems: string[] = [];
  const pids = listPids(host);
  if (typeof pids === "string") return { listeners: [], problems: [`${pids}: sshd's command line not read`] };
  const listeners: SshdListener[] = [];
  for (const pid of pids.slice(0, MAX_PIDS)) {
    const exe = exeOf(host, pid);
    if (exe === undefined || !isSshd(exe)) continue;
    const stat = host.readText(`/proc/${pid}/stat`, 4096);
    const fields = stat.ok ? parseStat(stat.value) : undefined;
    if (fields === undefined) continue;
    const parent = exeOf(host, fields.ppid);
    if (parent !== undefined && isSshd(parent)) continue;
    const cgroup = host.readText(`/proc/${pid}/cgroup`, 16 << 10);
    if (cgroup.ok && containerIdFromCgroup(cgroup.value) !== null) continue;
    const cmd = host.readBytes(`/proc/${pid}/cmdline`, CMDLINE_BYTES);
    if (!cmd.ok) continue;
    if (cmd.truncated) {
      problems.push(`/proc/${pid}/cmdline longer than ${CMDLINE_BYTES} bytes: the rest was not read`);
    }
    const args = listenerArgs(splitNul(cmd.value));
    if (args !== undefined) listeners.push({ pid, ppid: fields.ppid, ...args });
  }
  listeners.sort((a, b) => Number(b.ppid === 1) - Number(a.ppid === 1) || a.pid - b.pid);
  if (listeners.length > 1) {
    problems.push(
      `${listeners.length} sshd listeners run (pids ${listeners.map((l) => l.pid).join(", ")}): only the ` +
        `command line of pid ${listeners[0].pid} is applied`,
    );
  }
  return { listeners, problems };
}
