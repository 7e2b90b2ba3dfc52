/**
 * Freeing bytes at once. A Uint8Array that is garbage keeps its buffer until V8 collects it, and V8 lets such
 * buffers pile up by about 64 MiB before it does (measured: the same peak whatever was decoded or read). Code
 * that reads or decodes much and keeps little frees each buffer it is done with: `transfer(0)` detaches the
 * buffer, and V8 releases a detached buffer's memory on the spot.
 */

/**
 * Frees the memory of `bytes` now, when it is the whole of its buffer (a view into something larger may be
 * shared, and is left alone). The caller must own the bytes and not use them afterwards (they read as empty).
 */
export function releaseBytes(bytes: Uint8Array): void {
  const buf = bytes.buffer;
  if (!(buf instanceof ArrayBuffer) || buf.detached) return;
  if (bytes.byteOffset === 0 && bytes.byteLength === buf.byteLength) buf.transfer(0);
}
