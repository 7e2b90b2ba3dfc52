/**
 * Ed25519 signatures through WebCrypto. Keys are PEM files: PKCS#8 private keys, SPKI public keys (the formats
 * `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` use). A signature file is a short text file
 * (see formatSignature) holding the key fingerprint, the report's SHA-256 and the base64 signature.
 */
import { base64Of, sha256Hex, sha256HexAsync } from "../host/hash.ts";
import { ExitCode, fail, ok, type Result } from "../core/result.ts";

const PRIVATE_LABEL = "PRIVATE KEY";
const PUBLIC_LABEL = "PUBLIC KEY";
/** First line of every signature file. */
export const SIGNATURE_MAGIC = "sys-scan-signature-v1";

function unb64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function b64url(text: string): Uint8Array | null {
  return unb64(text.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - text.length % 4) % 4));
}

/** Wraps DER bytes in PEM armour. */
export function toPem(label: string, der: Uint8Array): string {
  const body = base64Of(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${body.join("\n")}\n-----END ${label}-----\n`;
}

/** The DER bytes inside PEM armour with this label, or null. */
export function fromPem(text: string, label: string): Uint8Array | null {
  const m = text.match(new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`));
  return m ? unb64(m[1].replace(/\s+/g, "")) : null;
}

/** A loaded signing key with its public half. */
export interface SigningKey {
  privateKey: CryptoKey;
  /** Raw 32-byte public key. */
  publicRaw: Uint8Array;
  /** `sha256:<hex of the raw public key>`. */
  fingerprint: string;
}

/** The fingerprint of a raw public key: `sha256:` + SHA-256 hex. */
export function fingerprintOf(publicRaw: Uint8Array): string {
  return `sha256:${sha256Hex(publicRaw)}`;
}

function readFile(path: string, what: string): Result<string> {
  try {
    const st = Deno.statSync(path);
    if (!st.isFile) return fail(ExitCode.Usage, `${what} ${path}: not a regular file`);
    if (st.size > 64 << 10) return fail(ExitCode.Usage, `${what} ${path}: too large for a key`);
    return ok(Deno.readTextFileSync(path));
  } catch (e) {
    return fail(
      ExitCode.Usage,
      `${what} ${path}: ${e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message}`,
    );
  }
}

/** Loads an Ed25519 PKCS#8 PEM private key and derives its public key and fingerprint. */
export async function loadPrivateKey(path: string): Promise<Result<SigningKey>> {
  const text = readFile(path, "signing key");
  if (!text.ok) return text;
  const der = fromPem(text.value, PRIVATE_LABEL);
  if (!der) return fail(ExitCode.Usage, `signing key ${path}: not a PEM "PRIVATE KEY" (PKCS#8) file`);
  try {
    const privateKey = await crypto.subtle.importKey(
      "pkcs8",
      der as Uint8Array<ArrayBuffer>,
      { name: "Ed25519" },
      true,
      ["sign"],
    );
    const jwk = await crypto.subtle.exportKey("jwk", privateKey);
    const publicRaw = jwk.x ? b64url(jwk.x) : null;
    if (!publicRaw || publicRaw.length !== 32) {
      return fail(ExitCode.Usage, `signing key ${path}: no public key`);
    }
    return ok({ privateKey, publicRaw, fingerprint: fingerprintOf(publicRaw) });
  } catch {
    return fail(ExitCode.Usage, `signing key ${path}: not an Ed25519 private key`);
  }
}

/** Loads an Ed25519 SPKI PEM public key; returns the key and its raw bytes. */
export async function loadPublicKey(
  path: string,
): Promise<Result<{ key: CryptoKey; raw: Uint8Array; fingerprint: string }>> {
  const text = readFile(path, "public key");
  if (!text.ok) return text;
  const der = fromPem(text.value, PUBLIC_LABEL);
  if (!der) return fail(ExitCode.Usage, `public key ${path}: not a PEM "PUBLIC KEY" (SPKI) file`);
  try {
    const key = await crypto.subtle.importKey(
      "spki",
      der as Uint8Array<ArrayBuffer>,
      { name: "Ed25519" },
      true,
      ["verify"],
    );
    const raw = new Uint8Array(await crypto.subtle.exportKey("raw", key));
    return ok({ key, raw, fingerprint: fingerprintOf(raw) });
  } catch {
    return fail(ExitCode.Usage, `public key ${path}: not an Ed25519 public key`);
  }
}

/** A new key pair as PEM texts. */
export async function generateKeyPair(): Promise<
  { privatePem: string; publicPem: string; fingerprint: string }
> {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return {
    privatePem: toPem(PRIVATE_LABEL, pkcs8),
    publicPem: toPem(PUBLIC_LABEL, spki),
    fingerprint: fingerprintOf(raw),
  };
}

/** A parsed signature file. */
export interface SignatureFile {
  fingerprint: string;
  reportSha256: string;
  signature: Uint8Array;
}

/** Signs bytes and returns the signature file's text. */
export async function signBytes(key: SigningKey, bytes: Uint8Array): Promise<string> {
  const sig = new Uint8Array(
    await crypto.subtle.sign({ name: "Ed25519" }, key.privateKey, bytes as Uint8Array<ArrayBuffer>),
  );
  return formatSignature({
    fingerprint: key.fingerprint,
    reportSha256: await sha256HexAsync(bytes),
    signature: sig,
  });
}

/** The signature file text: magic line, then `key: value` lines. */
export function formatSignature(s: SignatureFile): string {
  return [
    SIGNATURE_MAGIC,
    "algorithm: ed25519",
    `key-fingerprint: ${s.fingerprint}`,
    `report-sha256: ${s.reportSha256}`,
    `signature: ${base64Of(s.signature)}`,
    "",
  ].join("\n");
}

/** Parses a signature file; a clear error for anything else. */
export function parseSignature(text: string): Result<SignatureFile> {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  if (lines[0] !== SIGNATURE_MAGIC) {
    return fail(ExitCode.Usage, `not a sys-scan signature file (expected "${SIGNATURE_MAGIC}")`);
  }
  const fields = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i > 0) fields.set(l.slice(0, i).trim(), l.slice(i + 1).trim());
  }
  if (fields.get("algorithm") !== "ed25519") {
    return fail(ExitCode.Usage, "signature file: unsupported algorithm");
  }
  const signature = unb64(fields.get("signature") ?? "");
  const fingerprint = fields.get("key-fingerprint") ?? "";
  const reportSha256 = fields.get("report-sha256") ?? "";
  if (!signature || signature.length !== 64) {
    return fail(ExitCode.Usage, "signature file: malformed signature");
  }
  if (!/^sha256:[0-9a-f]{64}$/.test(fingerprint)) {
    return fail(ExitCode.Usage, "signature file: malformed key fingerprint");
  }
  if (!/^[0-9a-f]{64}$/.test(reportSha256)) {
    return fail(ExitCode.Usage, "signature file: malformed report hash");
  }
  return ok({ fingerprint, reportSha256, signature });
}

/** Checks a report against a signature file and a public key; the error says which check failed. */
export async function verifyBytes(
  bytes: Uint8Array,
  sig: SignatureFile,
  pub: { key: CryptoKey; fingerprint: string },
): Promise<Result<void>> {
  if (sig.fingerprint !== pub.fingerprint) {
    return fail(
      ExitCode.Threshold,
      `signed by key ${sig.fingerprint}, not by the given key ${pub.fingerprint}`,
    );
  }
  const valid = await crypto.subtle.verify(
    { name: "Ed25519" },
    pub.key,
    sig.signature as Uint8Array<ArrayBuffer>,
    bytes as Uint8Array<ArrayBuffer>,
  );
  if (valid) return ok(undefined);
  if ((await sha256HexAsync(bytes)) !== sig.reportSha256) {
    return fail(ExitCode.Threshold, "the report was modified after it was signed (its SHA-256 differs)");
  }
  return fail(ExitCode.Threshold, "the signature does not verify (corrupted or forged signature)");
}
