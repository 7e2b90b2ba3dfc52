/**
 * Reading the framing of zstd and xz streams as they arrive, without decoding them: how large a history buffer
 * (zstd window, xz dictionary) the decoder will allocate, and how many bytes the stream will decode to. Both are
 * known from headers before the decoder reaches the data, so a decompression bomb is refused before a byte of
 * it is decoded, and a header asking for a huge buffer before the buffer is allocated.
 */

/** A streaming reader of a compressed format's framing. */
export interface FramingWalker {
  /** Feeds the next bytes; returns an error message once the framing is broken. */
  feed(chunk: Uint8Array): string | undefined;
  /** Call at the end of the input: an error when it stopped inside a frame or block. */
  end(): string | undefined;
  /** Largest history buffer (zstd window, xz dictionary) asked for so far. */
  readonly window: number;
  /** Upper bound of the decompressed size of what was fed so far. */
  readonly outputBound: number;
}

/** The zstd format's largest block (compressed or regenerated). */
const ZSTD_MAX_BLOCK = 128 << 10;

/**
 * A header-at-a-time reader: bytes to skip (frame or block bodies) and the bytes of the header being collected,
 * whose length is decided by the subclass from what it has so far.
 */
abstract class HeaderWalker implements FramingWalker {
  window = 0;
  outputBound = 0;
  protected error: string | undefined;
  #skip = 0;
  #head: number[] = [];

  /** Bytes the header being collected needs, given its first bytes. */
  protected abstract need(head: readonly number[]): number;
  /** Reads a complete header; sets `error`, or returns how many bytes follow it before the next header. */
  protected abstract parse(head: readonly number[]): number;
  /** True when the stream may end here. */
  protected abstract atBoundary(): boolean;
  /** True when the walker has seen all it needs (the rest is not examined). */
  protected done(): boolean {
    return false;
  }

  feed(chunk: Uint8Array): string | undefined {
    let i = 0;
    while (i < chunk.length && this.error === undefined && !this.done()) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - i);
        this.#skip -= n;
        i += n;
        continue;
      }
      this.#head.push(chunk[i++]);
      if (this.#head.length >= this.need(this.#head)) {
        const head = this.#head;
        this.#head = [];
        this.#skip = this.parse(head);
      }
    }
    return this.error;
  }

  end(): string | undefined {
    if (this.error !== undefined) return this.error;
    if (this.done()) return undefined;
    if (this.#skip > 0 || this.#head.length > 0 || !this.atBoundary()) return "the stream is truncated";
    return undefined;
  }
}

function u32le(h: readonly number[], o: number): number {
  return (h[o] | h[o + 1] << 8 | h[o + 2] << 16 | h[o + 3] << 24) >>> 0;
}

/**
 * zstd (RFC 8878): frame headers give the window and, usually, the content size (exact; a frame without it
 * counts its blocks at their largest); block headers are walked to find the next frame.
 */
export class ZstdFraming extends HeaderWalker {
  #inFrame = false;
  #checksum = false;
  #frameBlock = ZSTD_MAX_BLOCK;
  #counting = false;

  protected need(h: readonly number[]): number {
    if (this.#inFrame) return 3;
    if (h.length < 4) return 4;
    const magic = u32le(h, 0);
    if ((magic & 0xfffffff0) === 0x184d2a50) return 8;
    if (magic !== 0xfd2fb528) return 4;
    if (h.length < 5) return 5;
    const fhd = h[4];
    const single = (fhd >> 5) & 1;
    return 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3] + [single, 2, 4, 8][fhd >> 6];
  }

  protected parse(h: readonly number[]): number {
    if (this.#inFrame) return this.#block(h);
    const magic = u32le(h, 0);
    if ((magic & 0xfffffff0) === 0x184d2a50) return u32le(h, 4);
    if (magic !== 0xfd2fb528) return this.#fail("not a zstd frame");
    const fhd = h[4];
    if (fhd & 8) return this.#fail("reserved bit set in a zstd frame header");
    const single = (fhd >> 5) & 1;
    let p = 5;
    let window = 0;
    if (!single) {
      const wd = h[p++];
      const wb = 2 ** (10 + (wd >> 3));
      window = wb + (wb / 8) * (wd & 7);
    }
    p += [0, 1, 2, 4][fhd & 3];
    const fcsBytes = [single, 2, 4, 8][fhd >> 6];
    let fcs = 0;
    for (let i = fcsBytes - 1; i >= 0; i--) fcs = fcs * 256 + h[p + i];
    if (fcsBytes === 2) fcs += 256;
    if (single) window = fcs;
    this.window = Math.max(this.window, window);
    this.#frameBlock = Math.min(ZSTD_MAX_BLOCK, window);
    // With a content size the frame is counted whole at once; without, block by block at their largest.
    this.#counting = fcsBytes === 0;
    if (!this.#counting) this.outputBound += fcs;
    this.#inFrame = true;
    this.#checksum = ((fhd >> 2) & 1) === 1;
    return 0;
  }

  #block(h: readonly number[]): number {
    const bh = h[0] | h[1] << 8 | h[2] << 16;
    const type = (bh >> 1) & 3;
    const size = bh >>> 3;
    if (type === 3) return this.#fail("reserved zstd block type");
    if (size > ZSTD_MAX_BLOCK) return this.#fail(`zstd block of ${size} bytes (more than 128 KiB)`);
    if (this.#counting) this.outputBound += type === 2 ? this.#frameBlock : size;
    let skip = type === 1 ? 1 : size;
    if (bh & 1) {
      this.#inFrame = false;
      if (this.#checksum) skip += 4;
    }
    return skip;
  }

  #fail(message: string): number {
    this.error = message;
    return 0;
  }

  protected atBoundary(): boolean {
    return !this.#inFrame;
  }
}

/** The size of an xz check field by check ID (xz file format 1.1.0, section 3.1.2). */
function checkSize(id: number): number {
  return id === 0 ? 0 : 4 << Math.floor((id - 1) / 3);
}

/** An xz dictionary size from the LZMA2 property byte. */
function lzma2Dict(prop: number): number {
  return prop === 40 ? 0xffffffff : (2 | (prop & 1)) * 2 ** (Math.floor(prop / 2) + 11);
}

/** Reads a multibyte integer of an xz header from `p`; undefined when malformed. */
function varint(h: readonly number[], p: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < 9 && p + i < h.length; i++) {
    value += (h[p + i] & 0x7f) * 2 ** (7 * i);
    if ((h[p + i] & 0x80) === 0) return { value, next: p + i + 1 };
  }
  return undefined;
}

type XzAt = "stream" | "block" | "chunk" | "lzma" | "raw" | "index";

/**
 * xz (file format 1.1.0): the stream header, each block header (the LZMA2 dictionary) and the LZMA2 chunk
 * headers inside each block, whose unpacked sizes add up to the exact decompressed size. Only the first
 * stream is read (the decoder stops at its end); the walk stops at the index.
 */
export class XzFraming extends HeaderWalker {
  #at: XzAt = "stream";
  #check = 0;
  /** Bytes of LZMA2 data in the current block (for its padding). */
  #data = 0;

  protected override done(): boolean {
    return this.#at === "index";
  }

  protected need(h: readonly number[]): number {
    switch (this.#at) {
      case "stream":
        return 12;
      case "block":
        return h[0] === 0 ? 1 : (h[0] + 1) * 4;
      default:
        if (h[0] === 0) return 1;
        if (h[0] === 1 || h[0] === 2) return 3;
        return h[0] >= 0xc0 ? 6 : h[0] >= 0x80 ? 5 : 1;
    }
  }

  protected parse(h: readonly number[]): number {
    if (this.#at === "stream") {
      const magic = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
      if (!magic.every((b, i) => h[i] === b)) return this.#fail("not an xz stream");
      if (h[6] !== 0 || (h[7] & 0xf0) !== 0) return this.#fail("unsupported xz stream flags");
      this.#check = checkSize(h[7] & 0x0f);
      this.#at = "block";
      return 0;
    }
    if (this.#at === "block") return this.#blockHeader(h);
    return this.#chunk(h);
  }

  #blockHeader(h: readonly number[]): number {
    if (h[0] === 0) {
      this.#at = "index";
      return 0;
    }
    const flags = h[1];
    if (flags & 0x3c) return this.#fail("reserved bits set in an xz block header");
    let p = 2;
    for (const present of [flags & 0x40, flags & 0x80]) {
      if (!present) continue;
      const v = varint(h, p);
      if (!v) return this.#fail("malformed xz block header");
      p = v.next;
    }
    const filters = (flags & 3) + 1;
    let dict: number | undefined;
    for (let f = 0; f < filters; f++) {
      const id = varint(h, p);
      const size = id && varint(h, id.next);
      if (!id || !size || size.next + size.value > h.length - 4) {
        return this.#fail("malformed xz filter flags");
      }
      if (id.value === 0x21) {
        if (f !== filters - 1 || size.value !== 1 || h[size.next] > 40) return this.#fail("bad LZMA2 filter");
        dict = lzma2Dict(h[size.next]);
      }
      p = size.next + size.value;
    }
    if (dict === undefined) return this.#fail("xz block without an LZMA2 filter");
    this.window = Math.max(this.window, dict);
    this.#at = "chunk";
    this.#data = 0;
    return 0;
  }

  #chunk(h: readonly number[]): number {
    const control = h[0];
    this.#data += h.length;
    if (control === 0) {
      // End of the block's data: padding to four bytes, then the check, then the next block header.
      this.#at = "block";
      return (4 - this.#data % 4) % 4 + this.#check;
    }
    if (control === 1 || control === 2) {
      const size = (h[1] << 8 | h[2]) + 1;
      this.outputBound += size;
      this.#data += size;
      return size;
    }
    if (control < 0x80) return this.#fail(`invalid LZMA2 control byte ${control}`);
    this.outputBound += ((control & 0x1f) << 16 | h[1] << 8 | h[2]) + 1;
    const packed = (h[3] << 8 | h[4]) + 1;
    this.#data += packed;
    return packed;
  }

  #fail(message: string): number {
    this.error = message;
    return 0;
  }

  protected atBoundary(): boolean {
    return this.#at === "index";
  }
}
