/**
 * The decoder for the `security.capability` extended attribute (struct vfs_cap_data v1/v2/v3) into
 * capability names. The attribute itself is read by the filesystem census (`DirentCalls.fileCaps`).
 */
import { CAPABILITY_NAMES } from "./capabilities.ts";

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
