/**
 * The scanner's own processes, so that it never reports itself. The documented deployment copies the executable
 * to /tmp and runs it there, and the helpers it starts (dpkg, rpm, gpg) are ordinary processes on the host: left
 * in the /proc snapshot they would become findings about the scan ("runs from a temporary directory").
 *
 * Identity is by pid, never by name or path (an attacker can name a tool like ours): the scanner is `Deno.pid`
 * (its worker threads are threads of that process, not processes), and a helper is a pid that `runProgram`
 * registered when it started the program and removed when the program ended. A registered pid counts only while
 * its parent in /proc is the scanner, so a helper's pid reused by another process after it exited is not hidden;
 * processes descending from the scanner's helpers (by the parent-pid chain in /proc) count too. Other children
 * of the scanner's process are not its own: the self-test plants its evidence as children, and tests start the
 * processes they scan.
 */

const helpers = new Set<number>();
/** OwnTrees listening for helpers started while they exist (see OwnTree). */
const listeners = new Set<(pid: number) => void>();

/** The pid of the scanner's process. */
export function scannerPid(): number {
  return Deno.pid;
}

/** Records a program the scanner started (called by `runProgram` right after the spawn). */
export function registerHelper(pid: number): void {
  helpers.add(pid);
  for (const l of listeners) l(pid);
}

/** Forgets a helper once it has exited (its pid may be reused from then on). */
export function unregisterHelper(pid: number): void {
  helpers.delete(pid);
}

/** The pids of the helpers running now (for tests and meta). */
export function runningHelpers(): number[] {
  return [...helpers].sort((a, b) => a - b);
}

/** The least a process must say about itself to be placed in the tree. */
export interface PidParent {
  pid: number;
  ppid: number;
}

/**
 * The scanner's own pids among `processes` (one /proc snapshot): the scanner itself, its registered helpers
 * whose parent is the scanner, and every process descending from such a helper. `self` and `helperPids` are
 * parameters for tests; the defaults are this process and the helpers it registered.
 */
export function ownPids(
  processes: readonly PidParent[],
  self: number = scannerPid(),
  helperPids: ReadonlySet<number> = helpers,
): Set<number> {
  const parentOf = new Map(processes.map((p) => [p.pid, p.ppid]));
  const own = new Set<number>([self]);
  for (const h of helperPids) if (parentOf.get(h) === self) own.add(h);
  const decided = new Map<number, boolean>();
  const isOwn = (pid: number): boolean => {
    const chain: number[] = [];
    let at = pid;
    let result = false;
    // The chain is bounded by the number of processes: a loop in a garbled snapshot cannot run for ever.
    for (let hops = 0; hops <= processes.length; hops++) {
      const known = decided.get(at);
      if (known !== undefined) {
        result = known;
        break;
      }
      if (own.has(at) && at !== self) {
        result = true;
        break;
      }
      chain.push(at);
      const parent = parentOf.get(at);
      if (parent === undefined || parent <= 1 || parent === self) break;
      at = parent;
    }
    for (const c of chain) decided.set(c, result);
    return result;
  };
  for (const p of processes) if (isOwn(p.pid)) own.add(p.pid);
  return own;
}

/**
 * The scanner's own processes as they appear during a trace: a helper, and any process whose parent is already
 * one of them (what dpkg or a plugin starts). Fed exec events in order; remembers what it decided. A helper
 * started while the tree exists stays own after it exits: its exec events are read from the ring buffer later,
 * when a short-lived helper (`sh -c 'a; b'`) may already be gone and unregistered. Dispose the tree (`using`)
 * to stop listening.
 */
export class OwnTree implements Disposable {
  readonly #own = new Set<number>();
  readonly #listener?: (pid: number) => void;

  constructor(readonly helperPids: ReadonlySet<number> = helpers) {
    if (helperPids === helpers) {
      this.#listener = (pid) => this.#own.add(pid);
      listeners.add(this.#listener);
    }
  }

  /** Stops recording the helpers started from now on. */
  [Symbol.dispose](): void {
    if (this.#listener) listeners.delete(this.#listener);
  }

  /** True (and remembered) when the process `pid`, child of `ppid`, is one of the scanner's own. */
  isOwn(pid: number, ppid: number): boolean {
    if (this.#own.has(pid)) return true;
    if (this.helperPids.has(pid) || this.#own.has(ppid) || this.helperPids.has(ppid)) {
      this.#own.add(pid);
      return true;
    }
    return false;
  }

  /** True when `pid` was decided to be the scanner's own (or is a running helper). */
  has(pid: number): boolean {
    return this.#own.has(pid) || this.helperPids.has(pid);
  }
}
