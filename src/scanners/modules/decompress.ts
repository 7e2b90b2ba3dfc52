/**
 * In-process decompression of module files (gzip, xz, zstd) with a cap on the output. A cap hit is its own
 * outcome, so callers can warn instead of drawing conclusions from a partial module.
 */
import { Decompress as ZstdDecompress } from "fzstd";
import xzDecompress from "xz-decompress";

/** How a module file is compressed. */
export type Compression = "none" | "gzip" | "xz" | "zstd";

/** The outcome of a bounded decompression. */
export type DecompressOutcome =
  | { ok: true; data: Uint8Array }
  | { ok: false; reason: "cap"; message: string }
  | { ok: false; reason: "corrupt"; message: string };

const XzReadableStream = (xzDecompress as unknown as {
  XzReadableStream: new (input: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
}).XzReadableStream;

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

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

async function drainStream(stream: ReadableStream<Uint8Array>, maxOut: number): Promise<DecompressOutcome> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxOut) {
        await reader.cancel().catch(() => {});
        return { ok: false, reason: "cap", message: `decompressed size exceeds ${maxOut} bytes` };
      }
      chunks.push(value);
    }
  } catch (e) {
    return { ok: false, reason: "corrupt", message: e instanceof Error ? e.message : String(e) };
  }
  return { ok: true, data: concat(chunks, total) };
}

function sourceStream(data: Uint8Array): ReadableStream<Uint8Array<ArrayBuffer>> {
  const CHUNK = 64 << 10;
  let off = 0;
  return new ReadableStream({
    pull(controller) {
      if (off >= data.length) return controller.close();
      controller.enqueue(data.slice(off, off + CHUNK));
      off += CHUNK;
    },
  });
}

/**
 * Walks the frames of a zstd stream without decoding them and returns the largest window a frame asks for,
 * so a hostile header cannot make the decoder allocate gigabytes. Undefined when the framing is broken.
 */
export function zstdMaxWindow(data: Uint8Array): number | undefined {
  let off = 0;
  let maxWindow = 0;
  const u32 = (o: number) => (data[o] | data[o + 1] << 8 | data[o + 2] << 16 | data[o + 3] << 24) >>> 0;
  while (off < data.length) {
    if (off + 4 > data.length) return undefined;
    const magic = u32(off);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      if (off + 8 > data.length) return undefined;
      off += 8 + u32(off + 4);
      continue;
    }
    if (magic !== 0xfd2fb528 || off + 5 > data.length) return undefined;
    const fhd = data[off + 4];
    const singleSegment = (fhd >> 5) & 1;
    const dictBytes = [0, 1, 2, 4][fhd & 3];
    const fcsBytes = [singleSegment, 2, 4, 8][fhd >> 6];
    let p = off + 5;
    let window = 0;
    if (!singleSegment) {
      if (p >= data.length) return undefined;
      const wd = data[p++];
      const wb = 2 ** (10 + (wd >> 3));
      window = wb + (wb / 8) * (wd & 7);
    }
    p += dictBytes;
    if (p + fcsBytes > data.length) return undefined;
    if (singleSegment) {
      let fcs = 0;
      for (let i = fcsBytes - 1; i >= 0; i--) fcs = fcs * 256 + data[p + i];
      window = fcsBytes === 2 ? fcs + 256 : fcs;
    }
    p += fcsBytes;
    maxWindow = Math.max(maxWindow, window);
    while (true) {
      if (p + 3 > data.length) return undefined;
      const bh = data[p] | data[p + 1] << 8 | data[p + 2] << 16;
      const last = bh & 1;
      const type = (bh >> 1) & 3;
      const size = bh >>> 3;
      if (type === 3) return undefined;
      p += 3 + (type === 1 ? 1 : size);
      if (last) break;
    }
    if ((fhd >> 2) & 1) p += 4;
    if (p > data.length) return undefined;
    off = p;
  }
  return maxWindow;
}

function decompressZstd(data: Uint8Array, maxOut: number): DecompressOutcome {
  const window = zstdMaxWindow(data);
  if (window === undefined) return { ok: false, reason: "corrupt", message: "broken zstd framing" };
  if (window > maxOut) {
    return { ok: false, reason: "cap", message: `zstd window of ${window} bytes exceeds ${maxOut}` };
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const dec = new ZstdDecompress((chunk) => {
    total += chunk.length;
    if (total > maxOut) throw new CapExceeded();
    chunks.push(chunk.slice());
  });
  const CHUNK = 64 << 10;
  try {
    for (let off = 0; off < data.length; off += CHUNK) {
      dec.push(data.subarray(off, off + CHUNK), off + CHUNK >= data.length);
    }
    if (data.length === 0) dec.push(data, true);
  } catch (e) {
    if (e instanceof CapExceeded) {
      return { ok: false, reason: "cap", message: `decompressed size exceeds ${maxOut} bytes` };
    }
    return { ok: false, reason: "corrupt", message: e instanceof Error ? e.message : String(e) };
  }
  return { ok: true, data: concat(chunks, total) };
}

/** Decompresses `data` of the given kind, stopping once the output would exceed `maxOut` bytes. */
export async function decompress(
  data: Uint8Array,
  kind: Compression,
  maxOut: number,
): Promise<DecompressOutcome> {
  if (data.length === 0 && kind !== "none") return { ok: false, reason: "corrupt", message: "empty input" };
  switch (kind) {
    case "none":
      return data.length > maxOut
        ? { ok: false, reason: "cap", message: `size exceeds ${maxOut} bytes` }
        : { ok: true, data };
    case "gzip":
      return await drainStream(sourceStream(data).pipeThrough(new DecompressionStream("gzip")), maxOut);
    case "xz":
      try {
        return await drainStream(new XzReadableStream(sourceStream(data)), maxOut);
      } catch (e) {
        return { ok: false, reason: "corrupt", message: e instanceof Error ? e.message : String(e) };
      }
    case "zstd":
      return decompressZstd(data, maxOut);
  }
}
