/**
 * Extended attributes through libc `lgetxattr` (Deno has no xattr API), and the decoder for the
 * `security.capability` attribute (struct vfs_cap_data v1/v2/v3) into capability names.
 */
import { CAPABILITY_NAMES } from "./capabilities.ts";

const ENODATA = 61;
const ENOTSUP = 95;
const ERANGE = 34;
const ENOENT = 2;

const SYMBOLS = {
  lgetxattr: { parameters: ["buffer", "buffer", "buffer", "usize"], result: "isize" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>;

let lib: Lib | null | undefined;
let loadError = "";

function load(): Lib | null {
  if (lib !== undefined) return lib;
  try {
    lib = Deno.dlopen("libc.so.6", SYMBOLS);
  } catch (e) {
    loadError = e instanceof Error ? e.message : String(e);
    lib = null;
  }
  return lib;
}

/** Why xattrs cannot be read here (FFI not permitted, no glibc), or undefined when they can. */
export function xattrUnavailable(): string | undefined {
  return load() === null ? `cannot load libc for lgetxattr: ${loadError}` : undefined;
}

/** The outcome of reading one attribute. */
export type XattrResult =
  | { ok: true; value: Uint8Array }
  | { ok: false; reason: "absent" | "unavailable" | "error"; message: string };

const enc = new TextEncoder();
/** Reused buffers: paths and values are copied in and out, so no allocation per call on the hot path. */
const pathBuf = new Uint8Array(8192);
const nameBuf = new Uint8Array(256);
const valueBuf = new Uint8Array(64 << 10);
let errnoView: Deno.UnsafePointerView | null | undefined;

function cString(s: string, into: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> | undefined {
  const r = enc.encodeInto(s, into.subarray(0, into.length - 1));
  if (r.read < s.length) return undefined;
  into[r.written] = 0;
  return into;
}

function errno(l: Lib): number {
  if (errnoView === undefined) {
    const p = l.symbols.__errno_location();
    errnoView = p === null ? null : new Deno.UnsafePointerView(p);
  }
  return errnoView === null ? 0 : errnoView.getInt32();
}

/**
 * Reads attribute `name` of `realPath` without following a final symlink. "absent" covers both a missing
 * attribute and a filesystem without xattr support.
 */
export function lgetxattr(realPath: string, name: string, maxBytes = 4096): XattrResult {
  const l = load();
  if (l === null) return { ok: false, reason: "unavailable", message: loadError };
  const path = cString(realPath, pathBuf);
  const attr = cString(name, nameBuf);
  if (path === undefined || attr === undefined) {
    return { ok: false, reason: "error", message: "path too long" };
  }
  const size = Math.min(maxBytes, valueBuf.length);
  const n = Number(l.symbols.lgetxattr(path, attr, valueBuf, BigInt(size)));
  if (n >= 0) return { ok: true, value: valueBuf.slice(0, n) };
  const err = errno(l);
  if (err === ENODATA || err === ENOTSUP) {
    return { ok: false, reason: "absent", message: "no such attribute" };
  }
  if (err === ERANGE) return { ok: false, reason: "error", message: `${name} larger than ${size} bytes` };
  if (err === ENOENT) return { ok: false, reason: "error", message: "vanished" };
  return { ok: false, reason: "error", message: `lgetxattr failed with errno ${err}` };
}

/** Decoded file capabilities (struct vfs_cap_data). */
export interface FileCaps {
  /** 1, 2 or 3 (v3 = namespaced, with a root uid). */
  revision: number;
  /** The effective flag: permitted capabilities are raised on exec without the program asking. */
  effective: boolean;
  permitted: string[];
  inheritable: string[];
  /** v3 only: the user namespace root uid the capabilities apply to. */
  rootid: number | null;
}

const VFS_CAP_REVISION_MASK = 0xff000000;
const VFS_CAP_FLAGS_EFFECTIVE = 0x000001;

function maskNames(lo: number, hi: number): string[] {
  const out: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    const word = bit < 32 ? lo : hi;
    if ((word >>> (bit % 32)) & 1) out.push(CAPABILITY_NAMES[bit] ?? `CAP_${bit}`);
  }
  return out;
}

/** Decodes a `security.capability` value; an error message for anything malformed. */
export function decodeFileCaps(raw: Uint8Array): FileCaps | { error: string } {
  if (raw.length < 4) return { error: `security.capability too short (${raw.length} bytes)` };
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = dv.getUint32(0, true);
  const revision = (magic & VFS_CAP_REVISION_MASK) >>> 24;
  const sizes: Record<number, number> = { 1: 12, 2: 20, 3: 24 };
  const size = sizes[revision];
  if (size === undefined) return { error: `unknown vfs_cap_data revision 0x${magic.toString(16)}` };
  if (raw.length !== size) {
    return { error: `vfs_cap_data revision ${revision} is ${raw.length} bytes, expected ${size}` };
  }
  const permLo = dv.getUint32(4, true);
  const inhLo = dv.getUint32(8, true);
  const permHi = revision >= 2 ? dv.getUint32(12, true) : 0;
  const inhHi = revision >= 2 ? dv.getUint32(16, true) : 0;
  return {
    revision,
    effective: (magic & VFS_CAP_FLAGS_EFFECTIVE) !== 0,
    permitted: maskNames(permLo, permHi),
    inheritable: maskNames(inhLo, inhHi),
    rootid: revision === 3 ? dv.getUint32(20, true) : null,
  };
}
