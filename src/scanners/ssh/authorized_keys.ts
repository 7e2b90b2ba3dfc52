/** A parser for OpenSSH authorized_keys files: options, key type, SHA-256 fingerprint (as ssh-keygen prints it). */
import { base64Of, sha256Bytes } from "../../host/hash.ts";

/** One key line. */
export interface AuthorizedKey {
  line: number;
  /** Raw option names and values in order (`command` → its unquoted value, flags → ""). */
  options: [string, string][];
  type: string;
  /** `SHA256:` + unpadded base64 of the SHA-256 of the decoded key blob. */
  fingerprint: string;
  comment: string;
}

/** A parsed authorized_keys file. */
export interface AuthorizedKeys {
  keys: AuthorizedKey[];
  /** Non-comment lines that are not valid keys (bad base64, unknown type, blob of another type). */
  bad: number;
}

const KEY_TYPE =
  /^(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com|(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)-cert-v01@openssh\.com)$/;

/** Splits the option field (comma-separated, values may be double-quoted with `\"`); returns it and the rest. */
function splitOptions(line: string): { options: [string, string][]; rest: string } | undefined {
  const options: [string, string][] = [];
  let i = 0;
  let name = "";
  let value = "";
  let inValue = false;
  let quoted = false;
  const flush = () => {
    if (name !== "") options.push([name.toLowerCase(), value]);
    name = "";
    value = "";
    inValue = false;
  };
  for (; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === "\\" && line[i + 1] === '"') {
        value += '"';
        i++;
      } else if (c === '"') quoted = false;
      else value += c;
      continue;
    }
    if (c === " " || c === "\t") break;
    if (c === ",") flush();
    else if (c === "=" && !inValue) inValue = true;
    else if (c === '"' && inValue) quoted = true;
    else if (inValue) value += c;
    else name += c;
  }
  if (quoted) return undefined;
  flush();
  return { options, rest: line.slice(i).trim() };
}

function decodeBase64(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  try {
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** The key type named inside a key blob (a uint32 length followed by the name), or undefined. */
function blobType(blob: Uint8Array): string | undefined {
  if (blob.length < 4) return undefined;
  const len = ((blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3]) >>> 0;
  if (len === 0 || len > 64 || 4 + len > blob.length) return undefined;
  return new TextDecoder().decode(blob.subarray(4, 4 + len));
}

/** The ssh-keygen style SHA-256 fingerprint of a key blob. */
export function fingerprint(blob: Uint8Array): string {
  return "SHA256:" + base64Of(sha256Bytes(blob)).replace(/=+$/, "");
}

/** Parses an authorized_keys file. Never throws. */
export function parseAuthorizedKeys(text: string): AuthorizedKeys {
  const keys: AuthorizedKey[] = [];
  let bad = 0;
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    let options: [string, string][] = [];
    let rest = line;
    const first = line.split(/\s+/, 1)[0];
    if (!KEY_TYPE.test(first)) {
      const split = splitOptions(line);
      if (!split) {
        bad++;
        continue;
      }
      options = split.options;
      rest = split.rest;
    }
    const [type, b64, ...comment] = rest.split(/\s+/);
    const blob = type && KEY_TYPE.test(type) && b64 ? decodeBase64(b64) : undefined;
    if (!blob || blobType(blob) !== type) {
      bad++;
      continue;
    }
    keys.push({ line: n + 1, options, type, fingerprint: fingerprint(blob), comment: comment.join(" ") });
  }
  return { keys, bad };
}
