/**
 * The digests for rooms that may not import `src/host` (output, fleet): the same functions as
 * `src/host/hash.ts`, which holds the one implementation (short inputs through its own SHA-256, the rest through
 * node:crypto, never a library of the scanned host).
 */
export { base64Of, createHash, type Hash, sha256Bytes, sha256Hex, sha256HexAsync } from "../host/hash.ts";
