/**
 * The module signature trailer: a signed module ends with a PKCS#7 blob, a 12-byte `struct module_signature`
 * and the marker "~Module signature appended~\n" (scripts/sign-file.c). Checked on the decompressed module.
 */

/** The marker the kernel looks for at the very end of a module. */
export const SIGNATURE_MARKER = "~Module signature appended~\n";

const MARKER_BYTES = new TextEncoder().encode(SIGNATURE_MARKER);
const INFO_SIZE = 12;
const PKEY_ID_PKCS7 = 2;

/** What the end of a module says about its signature. */
export type SignatureStatus =
  | { status: "signed"; signatureBytes: number }
  | { status: "unsigned" }
  | { status: "malformed"; reason: string };

/** Bytes at the end of a module the trailer check looks at. */
export const SIGNATURE_TAIL_BYTES = MARKER_BYTES.length + INFO_SIZE;

/**
 * Reads the signature trailer at the end of a decompressed module: `tail` holds its last bytes (at least
 * SIGNATURE_TAIL_BYTES of them, or all of a shorter module) and `totalBytes` is the module's whole length.
 */
export function moduleSignature(tail: Uint8Array, totalBytes = tail.length): SignatureStatus {
  const n = tail.length;
  if (totalBytes < MARKER_BYTES.length || n < Math.min(totalBytes, SIGNATURE_TAIL_BYTES)) {
    return { status: "unsigned" };
  }
  for (let i = 0; i < MARKER_BYTES.length; i++) {
    if (tail[n - MARKER_BYTES.length + i] !== MARKER_BYTES[i]) return { status: "unsigned" };
  }
  const infoEnd = totalBytes - MARKER_BYTES.length;
  if (infoEnd < INFO_SIZE) return { status: "malformed", reason: "marker without signature information" };
  const tailInfoEnd = n - MARKER_BYTES.length;
  const info = tail.subarray(tailInfoEnd - INFO_SIZE, tailInfoEnd);
  const idType = info[2];
  const sigLen = new DataView(info.buffer, info.byteOffset + 8, 4).getUint32(0, false);
  if (idType !== PKEY_ID_PKCS7) {
    return { status: "malformed", reason: `signature id type ${idType} is not PKCS#7` };
  }
  if (sigLen === 0 || sigLen > infoEnd - INFO_SIZE) {
    return { status: "malformed", reason: `signature length ${sigLen} does not fit in the module` };
  }
  return { status: "signed", signatureBytes: sigLen };
}
