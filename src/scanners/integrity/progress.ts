/**
 * A one-line progress indicator on stderr for long verifications: shown only once the work has taken more
 * than a second and only when stderr is a terminal (never in pipes, logs or tests), redrawn at most 4 times
 * a second, and erased when done.
 */

/** Where progress text goes; injectable for tests. */
export interface ProgressSink {
  isTerminal(): boolean;
  writeSync(bytes: Uint8Array): number;
}

/** Throttled progress line. */
export class Progress {
  readonly #sink: ProgressSink;
  readonly #enabled: boolean;
  readonly #start: number;
  readonly #now: () => number;
  #last = 0;
  #shown = false;

  constructor(sink: ProgressSink = Deno.stderr, now: () => number = () => performance.now()) {
    this.#sink = sink;
    this.#now = now;
    this.#start = now();
    let tty = false;
    try {
      tty = sink.isTerminal();
    } catch {
      tty = false;
    }
    this.#enabled = tty;
  }

  /** Offers a new status text; it is drawn only when due. */
  update(text: () => string): void {
    if (!this.#enabled) return;
    const t = this.#now();
    if (t - this.#start < 1000 || t - this.#last < 250) return;
    this.#last = t;
    this.#shown = true;
    this.#write(`\r\x1b[2K${text()}`);
  }

  /** Erases the line if anything was drawn. */
  done(): void {
    if (this.#shown) this.#write("\r\x1b[2K");
    this.#shown = false;
  }

  #write(s: string): void {
    try {
      this.#sink.writeSync(new TextEncoder().encode(s));
    } catch {
      // a closed stderr must not stop the scan
    }
  }
}
