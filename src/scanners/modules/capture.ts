/**
 * What the module analysis keeps of a decompressed module streamed past it: the ELF header, the section header
 * table, the section name table and the last bytes (signature trailer), never the whole module. The ranges are
 * learnt on the way (the header says where the table is, the table where the names are). A range that had
 * already streamed by when it became known is served from a window of the last bytes, where a linker puts the
 * tables, or else read in a second pass (`missing`, then `fill`).
 */
import {
  ELF_HEADER_BYTES,
  type ElfHeader,
  type ElfParse,
  type ElfSection,
  NAMES_OUTSIDE,
  nameSections,
  nameTableSpan,
  parseElfHeader,
  parseSectionTable,
  type RawSection,
  sectionTableSpan,
  type Span,
  TABLE_OUTSIDE,
} from "./elf.ts";

/**
 * Bytes kept from the end of the module: real modules (GNU ld) put the name table and the section header table
 * last, followed only by the signature, a few KiB together.
 */
export const TAIL_WINDOW_BYTES = 1 << 20;

class Piece {
  readonly bytes: Uint8Array;
  got = 0;

  constructor(readonly span: Span) {
    this.bytes = new Uint8Array(span.length);
  }

  get done(): boolean {
    return this.got === this.span.length;
  }

  /**
   * Copies the part of `chunk` (which starts at `at` in the module) that falls in this piece, as long as it
   * continues what was taken so far (a piece whose start streamed by before it was known is never half-filled).
   */
  take(chunk: Uint8Array, at: number): void {
    if (at > this.span.offset + this.got) return;
    const from = this.span.offset + this.got;
    const to = Math.min(this.span.offset + this.span.length, at + chunk.length);
    if (to <= from) return;
    this.bytes.set(chunk.subarray(from - at, to - at), from - this.span.offset);
    this.got = to - this.span.offset;
  }
}

/** The last `size` bytes of a stream, in a ring. */
class TailWindow {
  readonly #ring: Uint8Array;
  #written = 0;

  constructor(readonly size: number) {
    this.#ring = new Uint8Array(size);
  }

  push(chunk: Uint8Array): void {
    const c = chunk.length > this.size ? chunk.subarray(chunk.length - this.size) : chunk;
    this.#written += chunk.length - c.length;
    const at = this.#written % this.size;
    const first = Math.min(c.length, this.size - at);
    this.#ring.set(c.subarray(0, first), at);
    this.#ring.set(c.subarray(first), 0);
    this.#written += c.length;
  }

  /** The bytes of `span` (module offsets) when they are all still in the window. */
  slice(span: Span): Uint8Array | undefined {
    const start = this.#written - Math.min(this.#written, this.size);
    if (span.offset < start || span.offset + span.length > this.#written) return undefined;
    const out = new Uint8Array(span.length);
    for (let i = 0; i < span.length;) {
      const at = (span.offset + i) % this.size;
      const n = Math.min(span.length - i, this.size - at);
      out.set(this.#ring.subarray(at, at + n), i);
      i += n;
    }
    return out;
  }

  /** The last `n` bytes (fewer when fewer were written). */
  last(n: number): Uint8Array {
    const k = Math.min(n, this.#written, this.size);
    return this.slice({ offset: this.#written - k, length: k }) ?? new Uint8Array(0);
  }
}

type Stage =
  | { at: "header"; piece: Piece }
  | { at: "table"; header: ElfHeader; piece: Piece }
  | { at: "names"; header: ElfHeader; raw: RawSection[]; piece: Piece }
  | { at: "done"; parse: ElfParse };

/** Collects what the analysis needs from a module streamed through `push`. */
export class ModuleCapture {
  #total = 0;
  #ended = false;
  #stage: Stage = { at: "header", piece: new Piece({ offset: 0, length: ELF_HEADER_BYTES }) };
  readonly #tail: TailWindow;

  constructor(tailBytes = TAIL_WINDOW_BYTES) {
    this.#tail = new TailWindow(tailBytes);
  }

  /** Bytes of the module seen. */
  get total(): number {
    return this.#total;
  }

  /** The sink for `inflate`: the next chunk of the module. */
  readonly push = (chunk: Uint8Array): void => {
    const at = this.#total;
    this.#total += chunk.length;
    this.#tail.push(chunk);
    for (let guard = 0; guard < 3 && this.#stage.at !== "done"; guard++) {
      const piece = this.#stage.piece;
      piece.take(chunk, at);
      // An empty range is complete only once the stream reached it: one past the end lies outside the module.
      if (!piece.done || piece.span.offset > this.#total) break;
      this.#advance();
    }
  };

  /** Call at the end of the stream: fills what the tail window holds. */
  end(): void {
    this.#ended = true;
    this.#settle();
  }

  /** The range a second pass must read, when the stream passed it before it was known. */
  missing(): Span | undefined {
    const s = this.#stage;
    return s.at === "done" ? undefined : s.piece.span;
  }

  /** Supplies the bytes of `missing()` read in a second pass. */
  fill(bytes: Uint8Array): void {
    if (this.#stage.at === "done") return;
    this.#stage.piece.take(bytes, this.#stage.piece.span.offset);
    if (this.#stage.piece.done) this.#advance();
    this.#settle();
  }

  /** The ELF parse; an error when a range could not be read (call after `end`, and `fill` when missing). */
  get elf(): ElfParse {
    const s = this.#stage;
    if (s.at === "done") return s.parse;
    return { ok: false, error: s.at === "table" ? TABLE_OUTSIDE : NAMES_OUTSIDE };
  }

  /** The last `n` bytes of the module (for the signature trailer). */
  tail(n: number): Uint8Array {
    return this.#tail.last(n);
  }

  /** After the end: what the window holds, and what lies outside the module. */
  #settle(): void {
    if (!this.#ended) return;
    for (let guard = 0; guard < 4 && this.#stage.at !== "done"; guard++) {
      const s = this.#stage;
      if (s.at === "header") {
        // A module shorter than the 64-bit header: a 32-bit header may still be whole.
        this.#advance();
        continue;
      }
      const span = s.piece.span;
      if (span.offset + span.length > this.#total) {
        this.#stage = {
          at: "done",
          parse: { ok: false, error: s.at === "table" ? TABLE_OUTSIDE : NAMES_OUTSIDE },
        };
        return;
      }
      if (s.piece.done) {
        this.#advance();
        continue;
      }
      const held = this.#tail.slice(span);
      if (held === undefined) return;
      s.piece.take(held, span.offset);
      this.#advance();
    }
  }

  #header(head: Uint8Array): { parse: ElfParse; header?: ElfHeader } {
    const h = parseElfHeader(head);
    if (!h.ok) return { parse: h };
    return { parse: this.#finish(h.header, []), header: h.header };
  }

  #finish(h: ElfHeader, sections: ElfSection[]): ElfParse {
    return { ok: true, is64: h.is64, littleEndian: h.littleEndian, type: h.type, sections };
  }

  /** Moves on from a completed piece: the next range becomes known. */
  #advance(): void {
    const s = this.#stage;
    if (s.at === "header") {
      const { parse, header } = this.#header(s.piece.bytes.subarray(0, s.piece.got));
      if (!header) return void (this.#stage = { at: "done", parse });
      const table = sectionTableSpan(header);
      if (!table.ok) return void (this.#stage = { at: "done", parse: table });
      if (table.span === undefined) return void (this.#stage = { at: "done", parse });
      this.#stage = { at: "table", header, piece: new Piece(table.span) };
    } else if (s.at === "table") {
      const raw = parseSectionTable(s.header, s.piece.bytes);
      const names = nameTableSpan(s.header, raw);
      if (!names.ok) return void (this.#stage = { at: "done", parse: names });
      this.#stage = { at: "names", header: s.header, raw, piece: new Piece(names.span) };
    } else if (s.at === "names") {
      this.#stage = { at: "done", parse: this.#finish(s.header, nameSections(s.raw, s.piece.bytes)) };
    }
  }
}

/** A sink that keeps only the bytes of `span` (the second pass). */
export function spanSink(
  span: Span,
): { push: (chunk: Uint8Array) => void; bytes: () => Uint8Array | undefined } {
  const piece = new Piece(span);
  let at = 0;
  return {
    push: (chunk) => {
      piece.take(chunk, at);
      at += chunk.length;
    },
    bytes: () => piece.done ? piece.bytes : undefined,
  };
}
