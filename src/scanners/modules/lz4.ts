/**
 * LZ4 frame decoding (the format of `lz4` and liblz4's frame API, which apt uses for the package lists it keeps
 * compressed), with a cap on the output. Checksums are skipped, not verified: the caller judges content, and a
 * corrupt stream still ends in an error rather than a crash.
 */

/** The outcome of decoding: the data, or why not (the cap, or a malformed stream). */
export type Lz4Outcome =
  | { ok: true; data: Uint8Array }
  | { ok: false; reason: "cap" | "corrupt"; message: string };

const FRAME_MAGIC = 0x184d2204;

/** True when `head` starts with the LZ4 frame magic number. */
export function isLz4Frame(head: Uint8Array): boolean {
  return head.length >= 4 && (head[0] | head[1] << 8 | head[2] << 16 | head[3] << 24) >>> 0 === FRAME_MAGIC;
}

class Lz4Error extends Error {
  constructor(readonly reason: "cap" | "corrupt", message: string) {
    super(message);
  }
}

/** A growable output buffer that refuses to grow past `max` bytes. */
class Output {
  buf = new Uint8Array(1 << 16);
  len = 0;
  constructor(readonly max: number) {}

  reserve(n: number): void {
    if (this.len + n > this.max) throw new Lz4Error("cap", `decompressed size exceeds ${this.max} bytes`);
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(Math.min(size, Math.max(this.max, this.len + n)));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

function decodeBlock(src: Uint8Array, out: Output): void {
  let p = 0;
  for (;;) {
    if (p >= src.length) throw new Lz4Error("corrupt", "block ends inside a sequence");
    const token = src[p++];
    let lit = token >> 4;
    if (lit === 15) {
      for (;;) {
        if (p >= src.length) throw new Lz4Error("corrupt", "literal length runs past the block");
        const b = src[p++];
        lit += b;
        if (b !== 255) break;
      }
    }
    if (p + lit > src.length) throw new Lz4Error("corrupt", "literals run past the block");
    out.reserve(lit);
    out.buf.set(src.subarray(p, p + lit), out.len);
    out.len += lit;
    p += lit;
    if (p === src.length) return;
    if (p + 2 > src.length) throw new Lz4Error("corrupt", "match offset runs past the block");
    const offset = src[p] | src[p + 1] << 8;
    p += 2;
    if (offset === 0 || offset > out.len) {
      throw new Lz4Error("corrupt", `match offset ${offset} out of range`);
    }
    let match = token & 15;
    if (match === 15) {
      for (;;) {
        if (p >= src.length) throw new Lz4Error("corrupt", "match length runs past the block");
        const b = src[p++];
        match += b;
        if (b !== 255) break;
      }
    }
    match += 4;
    out.reserve(match);
    const buf = out.buf;
    let from = out.len - offset;
    let to = out.len;
    for (let i = 0; i < match; i++) buf[to++] = buf[from++];
    out.len = to;
  }
}

/** Decodes concatenated LZ4 frames (skippable frames are skipped), stopping past `maxOut` bytes of output. */
export function decodeLz4Frames(data: Uint8Array, maxOut: number): Lz4Outcome {
  const out = new Output(maxOut);
  const u32 = (o: number) => (data[o] | data[o + 1] << 8 | data[o + 2] << 16 | data[o + 3] << 24) >>> 0;
  let p = 0;
  try {
    if (data.length === 0) throw new Lz4Error("corrupt", "empty input");
    while (p < data.length) {
      if (p + 4 > data.length) throw new Lz4Error("corrupt", "truncated frame header");
      const magic = u32(p);
      if ((magic & 0xfffffff0) === 0x184d2a50) {
        if (p + 8 > data.length) throw new Lz4Error("corrupt", "truncated skippable frame");
        p += 8 + u32(p + 4);
        continue;
      }
      if (magic !== FRAME_MAGIC) throw new Lz4Error("corrupt", "not an LZ4 frame");
      if (p + 7 > data.length) throw new Lz4Error("corrupt", "truncated frame descriptor");
      const flg = data[p + 4];
      if (flg >> 6 !== 1) throw new Lz4Error("corrupt", "unsupported LZ4 frame version");
      const blockChecksum = (flg >> 4) & 1;
      const contentChecksum = (flg >> 2) & 1;
      p += 6 + ((flg >> 3) & 1 ? 8 : 0) + (flg & 1 ? 4 : 0) + 1;
      for (;;) {
        if (p + 4 > data.length) throw new Lz4Error("corrupt", "truncated block header");
        const word = u32(p);
        p += 4;
        if (word === 0) break;
        const size = word & 0x7fffffff;
        if (p + size > data.length) throw new Lz4Error("corrupt", "block runs past the input");
        const block = data.subarray(p, p + size);
        if (word & 0x80000000) {
          out.reserve(size);
          out.buf.set(block, out.len);
          out.len += size;
        } else {
          decodeBlock(block, out);
        }
        p += size + (blockChecksum ? 4 : 0);
      }
      p += contentChecksum ? 4 : 0;
    }
  } catch (e) {
    if (e instanceof Lz4Error) return { ok: false, reason: e.reason, message: e.message };
    throw e;
  }
  return { ok: true, data: out.buf.subarray(0, out.len) };
}
