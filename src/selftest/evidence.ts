/**
 * Throwaway evidence for the self-test, created inside its private mount namespace only: tmpfs mounts over
 * /tmp and a system directory, a world-writable file, a SUID copy, a process running from a deleted file,
 * a process running from a memfd, and TCP listeners on the wildcard addresses held by a child process (the
 * scanner leaves its own process out of what it reports). Each piece records either what it is or why it could
 * not be made; disposing the set kills every process it started.
 */
import { closeFd, setCloseOnExec } from "../../ffi/fd.ts";
import { type InetTable, parseInetTable } from "../host/proc_net.ts";
import { mountTmpfsKeeping, programPaths } from "./program_files.ts";
import { memfdCreate } from "./sys.ts";

/** The directory (on the tmpfs mounted over /tmp) that holds the temporary evidence. */
export const WORK_DIR = "/tmp/sys-scan-self-test";

/** System directories a world-writable file is planted in (the first that exists gets a tmpfs). */
export const SYSTEM_DIR_CANDIDATES = ["/opt", "/usr/local/share", "/usr/local", "/srv"];

/**
 * A piece of evidence: what was made, or why it could not be. `notApplicable` marks a piece this host cannot
 * have by design (IPv6 turned off), which the self-test reports without counting it as a failure.
 */
export type Piece<T> = { ok: true; value: T } | { ok: false; error: string; notApplicable?: boolean };

/** What the self-test created. */
export interface EvidenceFacts {
  /** The system directory a tmpfs was mounted over (null when none could be). */
  systemDir: string | null;
  /** This program's own paths the mounts would have hidden, bound back at their place (program_files.ts). */
  programKept: string[];
  worldWritable: Piece<{ path: string }>;
  suidCopy: Piece<{ path: string }>;
  deletedExe: Piece<{ path: string; pid: number }>;
  memfdExe: Piece<{ pid: number; name: string }>;
  /** TCP listeners, each held by a `sleep` child that inherited the socket (`pid`). */
  listenerV4: Piece<{ port: number; pid: number }>;
  listenerV6: Piece<{ port: number; pid: number }>;
  /** A copy of a short-lived program in the temporary directory, executed during the trace. */
  tempProgram: Piece<{ path: string }>;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function attempt<T>(make: () => T): Piece<T> {
  try {
    return { ok: true, value: make() };
  } catch (e) {
    return { ok: false, error: message(e) };
  }
}

/** True when an /proc/net/if_inet6 text lists the IPv6 loopback address ::1. */
export function hasIpv6Loopback(ifInet6: string): boolean {
  return ifInet6.split("\n").some((l) => l.trim().split(/\s+/)[0] === "00000000000000000000000000000001");
}

/** True when this host has IPv6 with a loopback address (the kernel's interface table lists ::1). */
export function ipv6Enabled(): boolean {
  try {
    return hasIpv6Loopback(Deno.readTextFileSync("/proc/net/if_inet6"));
  } catch {
    return false;
  }
}

/** The first existing regular file among `paths`, or null. */
export function firstFile(paths: readonly string[]): string | null {
  for (const p of paths) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // next
    }
  }
  return null;
}

function program(name: string): string {
  const p = firstFile([`/usr/bin/${name}`, `/bin/${name}`]);
  if (p === null) throw new Error(`no ${name} program in /usr/bin or /bin to copy`);
  return p;
}

async function waitForExe(pid: number, want: (target: string) => boolean, timeoutMs = 3000): Promise<string> {
  const end = performance.now() + timeoutMs;
  let last = "";
  while (performance.now() < end) {
    try {
      last = Deno.readLinkSync(`/proc/${pid}/exe`);
      if (want(last)) return last;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`process ${pid} did not start as expected (exe: ${last || "unreadable"})`);
}

/** The evidence set; create with `EvidenceSet.create()` inside the private namespace. */
export class EvidenceSet implements AsyncDisposable {
  readonly #children: Deno.ChildProcess[] = [];
  #memfd: number | null = null;

  private constructor(readonly facts: EvidenceFacts) {}

  /**
   * Mounts the tmpfs directories (keeping `own`, this program's own files, where they were) and plants
   * every piece. Throws only when /tmp cannot get its tmpfs.
   */
  static async create(own: readonly string[] = programPaths()): Promise<EvidenceSet> {
    // The working directory may lie under a directory the tmpfs mounts hide (sys-scan copied to /tmp is
    // common): the planted processes would inherit a cwd that no longer exists and fail to start.
    Deno.chdir("/");
    const programKept = mountTmpfsKeeping("/tmp", "mode=1777,size=64m", own);
    Deno.mkdirSync(WORK_DIR, { mode: 0o755 });
    const set = new EvidenceSet({
      systemDir: null,
      programKept,
      worldWritable: { ok: false, error: "not created" },
      suidCopy: { ok: false, error: "not created" },
      deletedExe: { ok: false, error: "not created" },
      memfdExe: { ok: false, error: "not created" },
      listenerV4: { ok: false, error: "not created" },
      listenerV6: { ok: false, error: "not created" },
      tempProgram: { ok: false, error: "not created" },
    });
    const f = set.facts;
    const mountErrors: string[] = [];
    for (const dir of SYSTEM_DIR_CANDIDATES) {
      try {
        if (!Deno.statSync(dir).isDirectory) continue;
        f.programKept.push(...mountTmpfsKeeping(dir, "mode=755,size=1m", own));
        f.systemDir = dir;
        break;
      } catch (e) {
        mountErrors.push(message(e));
      }
    }
    f.worldWritable = f.systemDir === null
      ? {
        ok: false,
        error: `no system directory could get a tmpfs (${
          mountErrors.join("; ") || SYSTEM_DIR_CANDIDATES.join(", ")
        })`,
      }
      : attempt(() => {
        const path = `${f.systemDir}/sys-scan-self-test.conf`;
        Deno.writeTextFileSync(path, "# sys-scan self-test: a world-writable file in a system directory\n");
        Deno.chmodSync(path, 0o666);
        return { path };
      });
    f.suidCopy = attempt(() => {
      const path = `${WORK_DIR}/suid-copy-of-true`;
      Deno.copyFileSync(program("true"), path);
      Deno.chmodSync(path, 0o4755);
      return { path };
    });
    f.tempProgram = attempt(() => {
      const path = `${WORK_DIR}/run-from-tmp`;
      Deno.copyFileSync(program("true"), path);
      Deno.chmodSync(path, 0o755);
      return { path };
    });
    f.deletedExe = await set.#deletedExe();
    f.memfdExe = await set.#memfdExe();
    f.listenerV4 = set.#listen("0.0.0.0", "tcp");
    f.listenerV6 = set.#listen("::", "tcp6");
    return set;
  }

  async #deletedExe(): Promise<EvidenceFacts["deletedExe"]> {
    try {
      const path = `${WORK_DIR}/deleted-sleep`;
      Deno.copyFileSync(program("sleep"), path);
      Deno.chmodSync(path, 0o755);
      const child = this.#spawn(path);
      await waitForExe(child.pid, (t) => t === path);
      Deno.removeSync(path);
      return { ok: true, value: { path, pid: child.pid } };
    } catch (e) {
      return { ok: false, error: message(e) };
    }
  }

  async #memfdExe(): Promise<EvidenceFacts["memfdExe"]> {
    const name = "sys-scan-self-test";
    try {
      this.#memfd = memfdCreate(name);
      Deno.writeFileSync(`/proc/self/fd/${this.#memfd}`, Deno.readFileSync(program("sleep")));
      const child = this.#spawn(`/proc/${Deno.pid}/fd/${this.#memfd}`);
      await waitForExe(child.pid, (t) => t.startsWith(`/memfd:${name}`));
      return { ok: true, value: { pid: child.pid, name } };
    } catch (e) {
      return { ok: false, error: message(e) };
    }
  }

  #spawn(path: string): Deno.ChildProcess {
    const child = new Deno.Command(path, { args: ["300"], stdin: "null", stdout: "null", stderr: "null" })
      .spawn();
    this.#children.push(child);
    return child;
  }

  /**
   * Listens on `hostname` and hands the socket to a `sleep` child: the descriptor is made inheritable for the
   * spawn, then closed here, so the child is the only holder (connects queue in its backlog and succeed).
   */
  #listen(hostname: string, table: InetTable): Piece<{ port: number; pid: number }> {
    if (hostname.includes(":") && !ipv6Enabled()) {
      return {
        ok: false,
        error: "IPv6 is turned off on this host (no ::1 in /proc/net/if_inet6)",
        notApplicable: true,
      };
    }
    return attempt(() => {
      const l = Deno.listen({ hostname, port: 0, transport: "tcp" });
      try {
        const port = l.addr.port;
        const fd = listenerFd(table, port);
        if (!setCloseOnExec(fd, false)) {
          throw new Error(`cannot hand the listener on port ${port} to a child`);
        }
        let child: Deno.ChildProcess;
        try {
          child = this.#spawn(program("sleep"));
        } finally {
          setCloseOnExec(fd, true);
        }
        return { port, pid: child.pid };
      } finally {
        l.close();
      }
    });
  }

  /** Runs the temporary program once (during the trace). Returns its pid, or the error. */
  async runTempProgram(): Promise<Piece<{ pid: number }>> {
    if (!this.facts.tempProgram.ok) return this.facts.tempProgram;
    try {
      const child = new Deno.Command(this.facts.tempProgram.value.path, {
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      await child.status;
      return { ok: true, value: { pid: child.pid } };
    } catch (e) {
      return { ok: false, error: message(e) };
    }
  }

  /** Kills every process started (the listeners' holders too) and closes the memfd. */
  async [Symbol.asyncDispose](): Promise<void> {
    for (const c of this.#children) {
      try {
        c.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
    await Promise.allSettled(this.#children.map((c) => c.status));
    if (this.#memfd !== null) closeFd(this.#memfd);
    this.#memfd = null;
  }
}

/** This process's descriptor of its listening socket on `port` in /proc/self/net/`table`. */
function listenerFd(table: InetTable, port: number): number {
  const text = Deno.readTextFileSync(`/proc/self/net/${table}`);
  const socket = parseInetTable(text, table).entries.find((e) =>
    e.localPort === port && e.state === "LISTEN"
  );
  if (!socket) throw new Error(`listener on port ${port} not found in /proc/self/net/${table}`);
  for (const e of Deno.readDirSync("/proc/self/fd")) {
    try {
      if (Deno.readLinkSync(`/proc/self/fd/${e.name}`) === `socket:[${socket.inode}]`) return Number(e.name);
    } catch {
      // closed meanwhile
    }
  }
  throw new Error(`no descriptor of the listener on port ${port}`);
}

/** Connects once to `host:port` and closes. Returns null on success, else the error text. */
export async function connectOnce(hostname: string, port: number): Promise<string | null> {
  try {
    const c = await Deno.connect({ hostname, port, transport: "tcp" });
    c.close();
    return null;
  } catch (e) {
    return message(e);
  }
}
