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

/** Reads the signature trailer at the end of a whole, decompressed module file. */
export function moduleSignature(module: Uint8Array): SignatureStatus {
  const n = module.length;
  if (n < MARKER_BYTES.length) return { status: "unsigned" };
  for (let i = 0; i < MARKER_BYTES.length; i++) {
    if (module[n - MARKER_BYTES.length + i] !== MARKER_BYTES[i]) return { status: "unsigned" };
  }
  const infoEnd = n - MARKER_BYTES.length;
  if (infoEnd < INFO_SIZE) return { status: "malformed", reason: "marker without signature information" };
  const info = module.subarray(infoEnd - INFO_SIZE, infoEnd);
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
