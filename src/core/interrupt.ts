/** SIGINT and SIGTERM stop a scan — scanners are cut off and the report is still written — instead of killing it. */

const SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM"];

/**
 * Turns SIGINT/SIGTERM into an abort of `signal`, from `listen()` until it is disposed (then the signals have
 * their default effect again).
 */
export class ScanInterrupt implements Disposable {
  readonly #controller = new AbortController();
  readonly #onSignal = () => this.#controller.abort(new Error("interrupted by signal"));
  #listening = false;

  /** Aborted once a signal arrived. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True once a signal arrived. */
  get interrupted(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Starts catching the signals (once; later calls change nothing). */
  listen(): void {
    if (this.#listening) return;
    for (const s of SIGNALS) Deno.addSignalListener(s, this.#onSignal);
    this.#listening = true;
  }

  /** Stops catching the signals. */
  [Symbol.dispose](): void {
    if (!this.#listening) return;
    for (const s of SIGNALS) Deno.removeSignalListener(s, this.#onSignal);
    this.#listening = false;
  }
}
