/**
 * Where sshd looks for a user's keys: the AuthorizedKeysFile patterns of the effective configuration (the
 * global value or OpenSSH's default, plus the value of every Match block, since some connection may match
 * it) and their expansion for one account (%h, %u, %U, %%; relative paths are under the home directory).
 */
import { pathComponents } from "../../host/host.ts";
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
