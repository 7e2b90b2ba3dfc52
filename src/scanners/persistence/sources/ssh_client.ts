/**
 * The ssh client's configuration: the commands ssh runs through the shell on the user's side (ProxyCommand to
 * connect, LocalCommand after connecting, KnownHostsCommand to list host keys, `Match exec` to decide which
 * block applies — run for every connection that reaches the line, whatever the host) and the libraries it loads
 * (PKCS11Provider, SecurityKeyProvider). /etc/ssh/ssh_config and what it includes apply to every user who runs
 * ssh, root included; ~/.ssh/config to its owner. A line inside a Host or Match block is judged whatever host it
 * is for: an attacker picks the host root connects to most.
 */
import { expandGlob } from "../../ssh/sshd_config.ts";
import { lineRest, parseSshdLine } from "../../ssh/sshd_line.ts";
import { type Account, ANY_USER } from "../accounts.ts";
import { type Collector, type Entry, homeAccounts, normalisePath } from "../collect.ts";

/** The system-wide client configuration. */
export const SSH_CLIENT_CONFIG = "/etc/ssh/ssh_config";

/** Keywords whose value ssh hands to the shell as written. */
const COMMANDS = new Set(["proxycommand", "localcommand", "knownhostscommand"]);
/** Keywords whose value is a library ssh (or its helper) loads. */
const LIBRARIES = new Set(["pkcs11provider", "securitykeyprovider"]);
/** Include depth OpenSSH allows (READCONF_MAX_DEPTH). */
const MAX_DEPTH = 16;

/** What one ssh_config file runs: entries and the files it includes (patterns, as written). */
export interface SshClientFile {
  entries: { line: number; keyword: string; text: string }[];
  includes: string[];
}

/**
 * The commands and libraries of one ssh_config file, and its Include patterns. `none` (no proxy, no provider)
 * and the `internal` security key provider run nothing. Never throws; linear in the file.
 */
export function parseSshClientConfig(text: string): SshClientFile {
  const out: SshClientFile = { entries: [], includes: [] };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const parsed = parseSshdLine(lines[i]);
    if (parsed === undefined || "error" in parsed) continue;
    const { keyword, args } = parsed;
    if (COMMANDS.has(keyword)) {
      const rest = lineRest(lines[i])?.trim() ?? "";
      if (rest !== "" && rest.toLowerCase() !== "none") {
        out.entries.push({ line: i + 1, keyword, text: rest });
      }
    } else if (LIBRARIES.has(keyword)) {
      const lib = args[0];
      if (!/^(?:none|internal)$/i.test(lib)) out.entries.push({ line: i + 1, keyword, text: lib });
    } else if (keyword === "match") {
      for (let j = 0; j + 1 < args.length; j++) {
        if (/^!?exec$/i.test(args[j])) {
          out.entries.push({ line: i + 1, keyword: "match exec", text: args[++j] });
        }
      }
    } else if (keyword === "include") {
      out.includes.push(...args);
    }
  }
  return out;
}

/** The system configuration (for every user) and each account's ~/.ssh/config, with what they include. */
export function sshClientSources(c: Collector): void {
  const visited = new Set<string>();
  const problems: string[] = [];
  const visit = (path: string, base: string, runAs: Account, depth: number, home?: string) => {
    if (visited.has(path)) return;
    if (depth > MAX_DEPTH) {
      problems.push(`${path}: included more than ${MAX_DEPTH} deep; ssh refuses it`);
      return;
    }
    visited.add(path);
    const f = c.read(path);
    if (!f) return;
    const parsed = parseSshClientConfig(f.text);
    const entries: Entry[] = parsed.entries.map((e) => ({ line: e.line, text: e.text, runAs }));
    c.point({
      kind: "ssh_client_config",
      path,
      entries,
      meta: {
        technique: "T1546",
        settings: parsed.entries.slice(0, 50).map((e) => `${e.keyword}@${e.line}`),
      },
    });
    for (const pattern of parsed.includes) {
      // `~` is the home of whoever runs ssh: known for a user's file, anyone's for the system one (not followed).
      if (pattern.startsWith("~") && home === undefined) continue;
      const full = pattern.startsWith("~/") ? `${home}${pattern.slice(1)}` : pattern;
      const abs = normalisePath(full.startsWith("/") ? full : `${base}/${full}`);
      for (const file of expandGlob(c.ctx.host, abs, problems)) visit(file, base, runAs, depth + 1, home);
    }
  };
  visit(SSH_CLIENT_CONFIG, "/etc/ssh", ANY_USER, 0);
  for (const a of homeAccounts(c.ctx, c.accounts)) {
    const home = normalisePath(a.home);
    visit(`${home}/.ssh/config`, `${home}/.ssh`, a, 0, home);
  }
  for (const p of problems.slice(0, 20)) c.ctx.warn("persistence_unreadable", p);
}
