/**
 * Streamed, bounded decompression of module files (gzip, xz, zstd). The compressed bytes are pulled from a
 * reader a chunk at a time and the output is handed to a sink chunk by chunk, never gathered: memory stays at a
 * few small buffers plus the decoder's history whatever the file claims to hold. xz and zstd declare their
 * history buffer and decompressed size in headers (./framing.ts), which are checked before the decoder sees the
 * bytes, so a bomb in those formats is refused undecoded; gzip declares nothing, so its output is counted and
 * stopped at the cap. Either way the cap is its own outcome, so callers warn instead of drawing conclusions
 * from a partial module.
 */
import { releaseBytes } from "../../host/release.ts";
import { yieldToEventLoop } from "../../host/yield.ts";
import { type FramingWalker, XzFraming, ZstdFraming } from "./framing.ts";

/** How a module file is compressed. */
export type Compression = "none" | "gzip" | "xz" | "zstd";

/** Pulls the next chunk of compressed bytes (valid until the next call: inflate copies what a decoder keeps), or null at the end. */
export type RawReader = () => Uint8Array | null;

/** The outcome of a bounded, streamed decompression. */
export type InflateOutcome =
  | { ok: true; bytes: number }
  | { ok: false; reason: "cap"; message: string }
  | { ok: false; reason: "corrupt"; message: string };

/** Limits of one decompression. */
export interface InflateLimits {
  /** Decompressed bytes at most. */
  maxOut: number;
  /** Largest history buffer the decoder allocates up front (zstd window, xz dictionary) accepted. */
  maxWindow: number;
}

/**
 * Largest deflate input handed to the gzip decoder at once. Deno's DecompressionStream returns all the output
 * of one input chunk as one buffer, and deflate expands at most ~1032:1, so 1 KiB in is at most ~1 MiB out.
 */
const GZIP_PIECE = 1 << 10;
/** Chunks of input for xz (its decoder takes at most its own buffer per call). */
const XZ_PIECE = 64 << 10;
/** The event loop gets a turn after this many synchronous output bytes (zstd and plain files). */
const YIELD_EVERY = 8 << 20;

/**
 * The xz and zstd decoders are loaded on first use: most scans decompress nothing, or only gzip (the kernel's
 * own config.gz), and the xz package is CommonJS, whose loader alone costs a worker ~10 MiB and ~40 ms.
 */
async function xzStream(input: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  const { default: xz } = await import("xz-decompress");
  const Stream = (xz as unknown as {
    XzReadableStream: new (input: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
  }).XzReadableStream;
  return new Stream(input);
}

/** The compression of a file, from its magic bytes (the name can lie); "none" when it matches no format. */
export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head.length >= 6 && [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00].every((b, i) => head[i] === b)) return "xz";
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    return "zstd";
  }
  return "none";
}

class CapExceeded extends Error {}

/**
 * The largest window any frame of a whole zstd stream asks for, or undefined when the framing is broken (see
 * `ZstdFraming`).
 */
export function zstdMaxWindow(data: Uint8Array): number | undefined {
  const w = new ZstdFraming();
  return w.feed(data) === undefined && w.end() === undefined ? w.window : undefined;
}

/** A byte stream from a reader, re-cut into pieces of at most `piece` bytes (copies: the reader's arrays stay its own). */
function pieceStream(read: RawReader, piece: number): ReadableStream<Uint8Array<ArrayBuffer>> {
  let pending: Uint8Array | null = new Uint8Array(0);
  let off = 0;
  return new ReadableStream({
    pull(controller) {
      while (pending !== null && off >= pending.length) {
        pending = read();
        off = 0;
      }
      if (pending === null) return controller.close();
      controller.enqueue(pending.slice(off, off + piece));
      off += piece;
    },
  }, { highWaterMark: 0 });
}

/**
 * When a decoder is done with a chunk it emitted, so that it can be freed (src/host/release.ts): at once (gzip,
 * xz: the chunk is ours), when it emits the next one (fzstd copies a block into its window after handing it
 * out), or never (a plain file's chunks are views of the reader's reused buffer).
 */
type Release = "now" | "next" | "never";

/** Counts the output, stops it at the cap, frees spent chunks, and knows when the event loop is due a turn. */
class Output {
  total = 0;
  #lastYield = 0;
  #previous: Uint8Array | undefined;

  constructor(
    readonly maxOut: number,
    readonly sink: (chunk: Uint8Array) => void,
    readonly freeing: Release,
  ) {}

  readonly emit = (chunk: Uint8Array): void => {
    if (this.freeing === "next") this.flush();
    if (chunk.length === 0) return;
    this.total += chunk.length;
    if (this.total > this.maxOut) throw new CapExceeded();
    this.sink(chunk);
    if (this.freeing === "now") releaseBytes(chunk);
    else if (this.freeing === "next") this.#previous = chunk;
  };

  /** Frees a chunk kept for the decoder (call once it returns). */
  flush(): void {
    if (this.#previous) releaseBytes(this.#previous);
    this.#previous = undefined;
  }

  /** Yields to the event loop after every YIELD_EVERY bytes produced synchronously. */
  async breathe(): Promise<void> {
    if (this.total - this.#lastYield < YIELD_EVERY) return;
    this.#lastYield = this.total;
    await yieldToEventLoop();
  }

  failure(e: unknown, what: string): InflateOutcome {
    if (e instanceof CapExceeded) {
      return { ok: false, reason: "cap", message: `${what} exceeds ${this.maxOut} bytes` };
    }
    return { ok: false, reason: "corrupt", message: e instanceof Error ? e.message : String(e) };
  }
}

async function drain(stream: ReadableStream<Uint8Array>, out: Output): Promise<InflateOutcome | undefined> {
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return undefined;
      out.emit(value);
    }
  } catch (e) {
    if (e instanceof CapExceeded) await reader.cancel().catch(() => {});
    return out.failure(e, "decompressed size");
  }
}

async function inflateZstd(read: RawReader, out: Output): Promise<InflateOutcome | undefined> {
  const { Decompress } = await import("fzstd");
  const dec = new Decompress((chunk) => out.emit(chunk));
  try {
    for (let raw = read(); raw !== null; raw = read()) {
      dec.push(raw, false);
      out.flush();
      await out.breathe();
    }
    dec.push(new Uint8Array(0), true);
  } catch (e) {
    return out.failure(e, "decompressed size");
  } finally {
    out.flush();
  }
  return undefined;
}

/**
 * Passes the reader's chunks on only after `walker` has read their framing: a broken frame, a history buffer
 * over the limit or a declared size over the cap ends the input there and is remembered as the verdict, so
 * the decoder never sees the bytes that would allocate or produce too much.
 */
function vetted(read: RawReader, walker: FramingWalker, limits: InflateLimits, kind: string): {
  read: RawReader;
  verdict: () => InflateOutcome | undefined;
} {
  let verdict: InflateOutcome | undefined;
  const stop = (v: InflateOutcome) => {
    verdict = v;
    return null;
  };
  return {
    verdict: () => verdict,
    read: () => {
      if (verdict) return null;
      const chunk = read();
      const broken = chunk === null ? walker.end() : walker.feed(chunk);
      if (broken !== undefined) return stop({ ok: false, reason: "corrupt", message: broken });
      if (walker.window > limits.maxWindow) {
        const what = kind === "xz" ? "dictionary" : "window";
        return stop({
          ok: false,
          reason: "cap",
          message: `${kind} ${what} of ${walker.window} bytes exceeds ${limits.maxWindow}`,
        });
      }
      if (walker.outputBound > limits.maxOut) {
        return stop({
          ok: false,
          reason: "cap",
          message: `declares at least ${walker.outputBound} decompressed bytes, more than ${limits.maxOut}`,
        });
      }
      return chunk === null ? null : kind === "zstd" ? chunk.slice() : chunk;
    },
  };
}

async function inflatePlain(read: RawReader, out: Output): Promise<InflateOutcome | undefined> {
  try {
    for (let raw = read(); raw !== null; raw = read()) {
      out.emit(raw);
      await out.breathe();
    }
  } catch (e) {
    return out.failure(e, "size");
  }
  return undefined;
}

/**
 * Decompresses what `read` yields as `kind`, handing each output chunk to `sink` (which must copy what it
 * keeps), and stops once the output would exceed `limits.maxOut` bytes. Never throws; the reader's errors are
 * the caller's to record (the decoder then sees a truncated stream).
 */
export async function inflate(
  kind: Compression,
  read: RawReader,
  limits: InflateLimits,
  sink: (chunk: Uint8Array) => void,
): Promise<InflateOutcome> {
  let rawBytes = 0;
  const counted: RawReader = () => {
    const c = read();
    if (c !== null) rawBytes += c.length;
    return c;
  };
  const out = new Output(limits.maxOut, sink, kind === "none" ? "never" : kind === "zstd" ? "next" : "now");
  let failed: InflateOutcome | undefined;
  if (kind === "none") failed = await inflatePlain(counted, out);
  else if (kind === "gzip") {
    failed = await drain(pieceStream(counted, GZIP_PIECE).pipeThrough(new DecompressionStream("gzip")), out);
  } else {
    const guard = vetted(counted, kind === "xz" ? new XzFraming() : new ZstdFraming(), limits, kind);
    if (kind === "zstd") failed = await inflateZstd(guard.read, out);
    else {
      try {
        failed = await drain(await xzStream(pieceStream(guard.read, XZ_PIECE)), out);
      } catch (e) {
        failed = out.failure(e, "decompressed size");
      }
    }
    failed = guard.verdict() ?? failed;
  }
  if (failed) return failed;
  if (rawBytes === 0 && kind !== "none") return { ok: false, reason: "corrupt", message: "empty input" };
  return { ok: true, bytes: out.total };
}
