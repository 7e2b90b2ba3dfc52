/**
 * The census back-end on worker threads: a pool of census workers (`census_worker.ts`) that read directories
 * through FFI and share the work by stealing from each other. This thread hands out the tasks, collects what
 * the workers kept and, given a walker of its own, walks a share too, in slices between the other scanners'
 * work (one thread walking here saves a census worker's isolate). A system call that blocks in the kernel
 * while this thread walks (remote and FUSE filesystems are stepped around by name, before any stat) holds
 * the scan worker as any other read there would: the coordinator's deadline abandons it, the report is
 * still written.
 */
import type { CensusWalker } from "./census_walker.ts";
import {
  type CensusTask,
  SHARED_STEAL,
  SHARED_STOP,
  STOP_CANCELLED,
  type WalkerSettings,
  type WorkerIn,
  type WorkerOut,
} from "./census_data.ts";
import type { Assembler } from "./census_result.ts";
import { type WalkLimitsCheck, walkSlice } from "./census_thread.ts";
import { type Helper, startHelper } from "./helper_worker.ts";
import { errMessage } from "./walker.ts";
import { wakeOrTimeout, yieldToEventLoop } from "./yield.ts";

/** How long workers are waited for once the census is stopping (ms). */
const CANCEL_GRACE_MS = 2000;
/** The participant id of this thread's walker (census workers are 1..count). */
const HERE = 0;

/**
 * Census workers, started as early as possible (their start-up overlaps this thread's first directories).
 * `walk` shares the tasks between them: an idle worker gets queued donations, and when nothing is queued a
 * busy worker is asked (through its flag in the shared buffer) to donate half of its pending directories.
 * This thread's own walker, when `walk` is given one, takes part as participant 0: it gets a share, donates
 * and is given work like a worker, and walks in slices of a few milliseconds so the other scanners keep
 * running.
 */
export class WorkerPool {
  readonly #count: number;
  readonly #limits: WalkLimitsCheck;
  readonly #shared: Int32Array;
  readonly #asm: Assembler;
  readonly #workers: Helper[] = [];
  readonly #queue: CensusTask[] = [];
  readonly #idle = new Set<number>();
  readonly #busy = new Set<number>();
  #here: CensusWalker | undefined;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(
    count: number,
    settings: WalkerSettings,
    sab: SharedArrayBuffer,
    limits: WalkLimitsCheck,
    asm: Assembler,
  ) {
    this.#count = count;
    this.#limits = limits;
    this.#shared = limits.shared;
    this.#asm = asm;
    for (let id = 1; id <= count && this.#failure === undefined; id++) {
      try {
        const w = startHelper(new URL("./census_worker.ts", import.meta.url).href);
        this.#workers.push(w);
        w.onerror = (message) => this.#fail(new Error(`census worker failed: ${message}`));
        w.onmessage = (ev: MessageEvent<WorkerOut>) => this.#received(id, ev.data);
        w.postMessage(
          {
            t: "init",
            id,
            settings,
            shared: sab,
            deadline: limits.deadline,
            maxEntries: limits.maxEntries,
          } satisfies WorkerIn,
        );
      } catch (e) {
        this.#fail(new Error(`cannot start a census worker: ${errMessage(e)}`));
      }
    }
  }

  #stopping(): boolean {
    return Atomics.load(this.#shared, SHARED_STOP) !== 0;
  }

  #notify(): void {
    this.#wake?.();
    this.#wake = undefined;
  }

  #fail(e: Error): void {
    this.#failure ??= e;
    Atomics.store(this.#shared, SHARED_STOP, STOP_CANCELLED);
    this.#notify();
  }

  #send(id: number, batch: CensusTask[]): void {
    this.#idle.delete(id);
    this.#busy.add(id);
    Atomics.store(this.#shared, SHARED_STEAL + id, 0);
    if (id === HERE) this.#here?.adopt(batch);
    else this.#workers[id - 1].postMessage({ t: "work", tasks: batch } satisfies WorkerIn);
  }

  #idleNow(id: number): void {
    this.#busy.delete(id);
    this.#idle.add(id);
    this.#settle();
  }

  /**
   * Walks with this thread's walker for one slice, giving half of its pending directories to the queue when a
   * worker asks, then lets the event loop run (the workers' messages, the other scanners).
   */
  async #slice(here: CensusWalker): Promise<void> {
    const more = walkSlice(here, this.#limits, () => {
      if (here.stealRequested && here.stack.length >= 2) {
        this.#queue.push(...here.donate());
        this.#settle();
      }
    });
    if (!more) {
      if (here.stopped) here.discard();
      this.#idleNow(HERE);
    }
    await yieldToEventLoop();
  }

  #received(id: number, m: WorkerOut): void {
    if (m.t === "failed") return this.#fail(new Error(`census worker cannot read directories: ${m.message}`));
    if (m.t === "donate") {
      this.#queue.push(...m.tasks);
      this.#settle();
    } else {
      this.#asm.add(m);
      this.#idleNow(id);
    }
  }

  #settle(): void {
    if (!this.#stopping()) {
      for (const id of [...this.#idle]) {
        if (this.#queue.length > 0) {
          this.#send(id, this.#queue.splice(0, Math.ceil(this.#queue.length / this.#idle.size)));
        }
      }
      if (this.#idle.size > 0) {
        const donor = [...this.#busy].find((b) => Atomics.load(this.#shared, SHARED_STEAL + b) === 0);
        if (donor !== undefined) Atomics.store(this.#shared, SHARED_STEAL + donor, 1);
      }
    }
    this.#notify();
  }

  /**
   * Walks the tasks, with `here` (this thread's walker, whose hits stay in it) as one more participant when
   * given; resolves when every participant is idle and no work is left, rejects when a worker cannot start or
   * fails (the caller then walks everything again on this thread).
   */
  async walk(
    tasks: readonly CensusTask[],
    signal: AbortSignal | undefined,
    here?: CensusWalker,
    onActive?: () => void,
  ): Promise<void> {
    const onAbort = () => {
      Atomics.store(this.#shared, SHARED_STOP, STOP_CANCELLED);
      this.#notify();
    };
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (this.#failure !== undefined) throw this.#failure;
      this.#here = here;
      const ids = [
        ...(here === undefined ? [] : [HERE]),
        ...Array.from({ length: this.#count }, (_, i) => i + 1),
      ];
      // Interleaved, so the large subtrees that sit side by side in walk order go to different participants.
      ids.forEach((id, n) => this.#send(id, tasks.filter((_, i) => i % ids.length === n)));
      // Before this thread's first slice: a caller that cancels right after starting is heard first.
      await yieldToEventLoop();
      while (this.#busy.size > 0) {
        if (this.#failure !== undefined) throw this.#failure;
        if (here !== undefined && this.#busy.has(HERE)) {
          onActive?.();
          await this.#slice(here);
          continue;
        }
        // Once stopping, a worker stuck in a system call is not waited for (terminating it ends it).
        const grace = this.#stopping() ? CANCEL_GRACE_MS : undefined;
        if (!await wakeOrTimeout((r) => this.#wake = r, grace)) break;
      }
      if (this.#failure !== undefined) throw this.#failure;
    } finally {
      this.#here = undefined;
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Ends the workers; queued tasks go to `drop` (to close their descriptors). */
  close(drop: (tasks: CensusTask[]) => void): void {
    for (const w of this.#workers) w.terminate();
    drop(this.#queue.splice(0));
  }
}
