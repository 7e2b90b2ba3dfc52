/**
 * Where sshd looks for a user's keys: the AuthorizedKeysFile patterns of the effective configuration (the
 * global value or OpenSSH's default, plus the value of every Match block, since some connection may match
 * it) and their expansion for one account (%h, %u, %U, %%; relative paths are under the home directory).
 */
import { type Host, pathComponents } from "../../host/host.ts";
import { type AuthorizedKey, parseAuthorizedKeys } from "./authorized_keys.ts";
import { globalValue, matchValues, type SshdConfig } from "./sshd_config.ts";

/** OpenSSH's default AuthorizedKeysFile. */
export const DEFAULT_KEY_FILES: readonly string[] = [".ssh/authorized_keys", ".ssh/authorized_keys2"];

/** Every AuthorizedKeysFile pattern some connection may use ("none" left out), in configuration order. */
export function authorizedKeysPatterns(cfg: SshdConfig | undefined): string[] {
  if (cfg === undefined) return [...DEFAULT_KEY_FILES];
  const global = globalValue(cfg, "authorizedkeysfile");
  const all = [
    ...(global ? global.args : DEFAULT_KEY_FILES),
    ...matchValues(cfg, "authorizedkeysfile").flatMap((l) => l.args),
  ];
  return [...new Set(all.filter((p) => p.toLowerCase() !== "none"))];
}

/** The account fields a pattern expands. */
export interface KeyOwner {
  name: string;
  uid: number;
  home: string;
}

/** The absolute, normalised path a pattern names for one account. */
export function expandKeysPattern(pattern: string, a: KeyOwner): string {
  const p = pattern.replace(
    /%%|%h|%u|%U/g,
    (t) => t === "%%" ? "%" : t === "%h" ? a.home : t === "%u" ? a.name : String(a.uid),
  );
  return "/" + pathComponents(p.startsWith("/") ? p : `${a.home}/${p}`).join("/");
}

/** A key file that exists: its keys, lines that are not keys, owner and modification time. */
export interface KeyFile {
  path: string;
  keys: AuthorizedKey[];
  bad: number;
  ownerUid: number | null;
  mtime?: Date;
}

const MAX_KEY_FILE = 4 << 20;

/**
 * Reads every key file the patterns name for one account (regular files only; FIFOs and devices are never
 * opened). Unreadable files are listed in `problems`, missing ones are silent.
 */
export function readKeyFiles(
  host: Host,
  owner: KeyOwner,
  patterns: readonly string[],
): { files: KeyFile[]; problems: string[] } {
  const files: KeyFile[] = [];
  const problems: string[] = [];
  for (const path of new Set(patterns.map((p) => expandKeysPattern(p, owner)))) {
    const st = host.stat(path);
    if (!st.ok || !st.value.isFile) continue;
    const r = host.readText(path, MAX_KEY_FILE);
    if (!r.ok) {
      if (r.reason !== "missing") problems.push(`${path}: ${r.message}`);
      continue;
    }
    if (r.truncated) problems.push(`${path} larger than ${MAX_KEY_FILE} bytes: only the start was read`);
    const parsed = parseAuthorizedKeys(r.value);
    files.push({
      path,
      keys: parsed.keys,
      bad: parsed.bad,
      ownerUid: st.value.uid,
      ...(st.value.mtime ? { mtime: st.value.mtime } : {}),
    });
  }
  return { files, problems };
}
