/**
 * The process table of a trace: seeded from a /proc snapshot taken at trace start, then updated by exec
 * events, so every event can name its parents and every connect the exec that started its process.
 */

/** What the table knows about one process image. */
export interface ProcNode {
  pid: number;
  ppid: number;
  comm: string;
  /** The executable (exec filename, or /proc/<pid>/exe for snapshot entries); null when unknown. */
  exe: string | null;
  argv: string[];
  /** "snapshot": running at trace start; "exec": seen exec'ing during the trace. */
  source: "snapshot" | "exec";
}

/** Lineage depth cap (a parent loop in hostile input cannot hang the walk). */
export const MAX_LINEAGE = 16;

/** A pid → process map with lineage walks. */
export class ProcessTable {
  readonly #byPid = new Map<number, ProcNode>();

  /** Adds or replaces a process (an exec replaces the image of the same pid). */
  set(node: ProcNode): void {
    this.#byPid.set(node.pid, node);
  }

  /** The process, if known. */
  get(pid: number): ProcNode | undefined {
    return this.#byPid.get(pid);
  }

  /** Number of processes known. */
  get size(): number {
    return this.#byPid.size;
  }

  /**
   * The ancestors of `ppid`, nearest first, as "comm[pid]" strings, stopping at pid 0/1, an unknown pid,
   * a loop, or MAX_LINEAGE entries.
   */
  lineage(ppid: number): string[] {
    const out: string[] = [];
    const seen = new Set<number>();
    let pid = ppid;
    while (pid > 0 && out.length < MAX_LINEAGE && !seen.has(pid)) {
      seen.add(pid);
      const n = this.#byPid.get(pid);
      if (!n) {
        out.push(`?[${pid}]`);
        break;
      }
      out.push(`${n.comm}[${pid}]`);
      if (pid === 1) break;
      pid = n.ppid;
    }
    return out;
  }
}
