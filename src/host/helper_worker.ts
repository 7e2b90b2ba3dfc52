/**
 * Helper threads (census walkers, package verification's second reader): worker threads a scan starts for a
 * share of its work, talking through a `MessagePort` whoever created them.
 *
 * Deno starts a worker that another worker creates about half a second late: measured with Deno 2.9.6 here,
 * its first statement runs ~500 ms after `new Worker` in the creating worker, whatever that worker or the main
 * thread is doing, against ~50 ms for a worker the main thread creates. A scan runs in a scan worker, so its
 * helpers would join half a second after they were asked for. So the scan worker asks the main thread to
 * create them: the main thread serves a port (`HelperServer`) that the scan worker installs here
 * (`useHelperServer`), and `startHelper` goes through it. Without one (on the main thread, in tests, in a
 * worker nobody serves) `startHelper` creates the worker itself.
 *
 * Capabilities and the seccomp filter are the same either way: `--drop-priv` drops them on the main thread
 * before the scan worker starts, and seccomp is installed on every thread (TSYNC), so a thread the main
 * thread starts later inherits both as one the scan worker starts would.
 *
 * The helper module takes its port with `onHelperStart`:
 *
 * ```ts
 * onHelperStart((port) => {
 *   port.onmessage = (ev) => port.postMessage(ev.data);
 * });
 * ```
 */
/** The key of the first message a helper receives: the port it talks through. */
const PORT_KEY = "sysScanHelperPort";

/** What the scan worker asks of the main thread's `HelperServer`. */
type ServerIn =
  | { t: "start"; id: number; url: string; port: MessagePort }
  | { t: "end"; id: number };

/** What the `HelperServer` tells the scan worker: a helper could not start or failed. */
type ServerOut = { t: "error"; id: number; message: string };

/** A helper thread, seen from the thread that asked for it. */
export interface Helper {
  /** Sends a message to the helper (`transfer` as for `Worker.postMessage`). */
  postMessage(message: unknown, transfer?: Transferable[]): void;
  /** Called with each message the helper posts. */
  onmessage: ((ev: MessageEvent) => void) | null;
  /** Called when the helper could not start or threw, with the error's message. */
  onerror: ((message: string) => void) | null;
  /** Ends the helper (a system call it is blocked in is abandoned with it) and closes its port. */
  terminate(): void;
}

class PortHelper implements Helper {
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onerror: ((message: string) => void) | null = null;
  readonly #port: MessagePort;
  readonly #end: () => void;
  #ended = false;

  constructor(port: MessagePort, end: () => void) {
    this.#port = port;
    this.#end = end;
    port.onmessage = (ev) => this.onmessage?.(ev);
  }

  postMessage(message: unknown, transfer: Transferable[] = []): void {
    if (!this.#ended) this.#port.postMessage(message, transfer);
  }

  failed(message: string): void {
    if (!this.#ended) this.onerror?.(message);
  }

  terminate(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#port.close();
    this.#end();
  }
}

/** The main thread's server as this thread sees it: its port and the helpers started through it. */
let server: { port: MessagePort; helpers: Map<number, PortHelper>; next: number } | undefined;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Creates the worker of `url` on this thread and sends it `port`; its errors go to `failed`. */
function createWorker(url: string, port: MessagePort, failed: (message: string) => void): Worker {
  const worker = new Worker(url, { type: "module" });
  worker.onerror = (ev) => {
    ev.preventDefault();
    failed(ev.message || "uncaught error");
  };
  worker.postMessage({ [PORT_KEY]: port }, [port]);
  return worker;
}

/**
 * Starts the helper module at `url` (a URL made with `import.meta.url`): through the main thread's server when
 * this thread has one, else here. Throws when a worker cannot be created here; a failure on the main thread
 * comes to `onerror`.
 */
export function startHelper(url: string): Helper {
  const channel = new MessageChannel();
  const s = server;
  if (s === undefined) {
    let worker: Worker | undefined;
    const helper: PortHelper = new PortHelper(channel.port1, () => worker?.terminate());
    try {
      worker = createWorker(url, channel.port2, (message) => helper.failed(message));
    } catch (e) {
      helper.terminate();
      channel.port2.close();
      throw e;
    }
    return helper;
  }
  const id = s.next++;
  const helper = new PortHelper(channel.port1, () => {
    s.helpers.delete(id);
    s.port.postMessage({ t: "end", id } satisfies ServerIn);
  });
  s.helpers.set(id, helper);
  s.port.postMessage({ t: "start", id, url, port: channel.port2 } satisfies ServerIn, [channel.port2]);
  return helper;
}

/**
 * True when a helper `startHelper` starts here begins within tens of milliseconds: on the main thread, or in a
 * worker with a helper server. False in a worker without one, where it would start half a second late.
 */
export function helpersStartSoon(): boolean {
  const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined";
  return !inWorker || server !== undefined;
}

/**
 * Makes `startHelper` on this thread (a scan worker) ask the main thread's `HelperServer` at the other end of
 * `port`.
 */
export function useHelperServer(port: MessagePort): void {
  server?.port.close();
  const s = { port, helpers: new Map<number, PortHelper>(), next: 1 };
  server = s;
  port.onmessage = (ev: MessageEvent<ServerOut>) => {
    const m = ev.data;
    if (m.t === "error") s.helpers.get(m.id)?.failed(m.message);
  };
}

/**
 * The main thread's side: creates the helpers a scan worker asks for at the other end of `port`, ends them when
 * asked, and ends every one still running when disposed (with the scan worker). Only modules under `base` (the
 * program's own source tree) are started.
 */
export class HelperServer implements Disposable {
  readonly #port: MessagePort;
  readonly #base: string;
  readonly #workers = new Map<number, Worker>();
  #started = 0;
  #closed = false;

  constructor(port: MessagePort, base: string = new URL("../", import.meta.url).href) {
    this.#port = port;
    this.#base = base;
    port.onmessage = (ev: MessageEvent<ServerIn>) => this.#received(ev.data);
  }

  /** Helpers started so far. */
  get started(): number {
    return this.#started;
  }

  /** Helpers running now. */
  get running(): number {
    return this.#workers.size;
  }

  #failed(id: number, message: string): void {
    if (!this.#closed) this.#port.postMessage({ t: "error", id, message } satisfies ServerOut);
  }

  #received(m: ServerIn): void {
    // The scan worker's messages are checked as any input: nothing it sends can throw on this thread.
    if (typeof m !== "object" || m === null || typeof m.id !== "number") return;
    if (this.#closed) {
      if (m.t === "start" && m.port instanceof MessagePort) m.port.close();
      return;
    }
    if (m.t === "end") {
      this.#workers.get(m.id)?.terminate();
      this.#workers.delete(m.id);
      return;
    }
    if (m.t !== "start" || !(m.port instanceof MessagePort)) return;
    let url: string;
    try {
      // Resolved first, so that `..` or an escaped dot cannot lead out of the tree after the check.
      url = new URL(String(m.url)).href;
    } catch {
      url = "";
    }
    if (!url.startsWith(this.#base) || !url.endsWith(".ts")) {
      m.port.close();
      this.#failed(m.id, `${String(m.url)}: not a module of this program`);
      return;
    }
    try {
      const id = m.id;
      this.#workers.set(
        id,
        createWorker(url, m.port, (message) => {
          // A helper that failed is ended here; its thread is of no further use.
          this.#workers.get(id)?.terminate();
          this.#workers.delete(id);
          this.#failed(id, message);
        }),
      );
      this.#started++;
    } catch (e) {
      m.port.close();
      this.#failed(m.id, `cannot start a helper thread: ${errorText(e)}`);
    }
  }

  /** Ends every helper still running and stops serving. */
  [Symbol.dispose](): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#workers.values()) w.terminate();
    this.#workers.clear();
    this.#port.close();
  }
}

/**
 * In a helper module: calls `serve` with the port the helper talks through once its creator has sent it
 * (the first message). Messages sent to the port before `serve` sets `onmessage` wait for it.
 */
export function onHelperStart(serve: (port: MessagePort) => void): void {
  const scope = globalThis as unknown as { onmessage: ((ev: MessageEvent) => void) | null };
  scope.onmessage = (ev: MessageEvent) => {
    const port = (ev.data as Record<string, unknown> | null)?.[PORT_KEY];
    if (!(port instanceof MessagePort)) return;
    scope.onmessage = null;
    serve(port);
  };
}
