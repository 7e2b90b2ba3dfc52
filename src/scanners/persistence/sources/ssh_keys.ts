/** SSH authorized_keys of every account: where sshd looks for them, forced commands, unusual and recent files. */
import { hasLoginShell } from "../accounts.ts";
import { parseAuthorizedKeys } from "../../ssh/authorized_keys.ts";
import { authorizedKeysPatterns, expandKeysPattern } from "../../ssh/key_files.ts";
import { sharedSshdConfig } from "../../ssh/sshd_config.ts";
import { type Collector, type Entry, normalisePath } from "../collect.ts";

/**
 * Every AuthorizedKeysFile pattern of sshd's configuration (Include files and Match blocks followed), or
 * OpenSSH's default. Problems in the configuration are reported by the auth scanner, not here.
 */
function authorizedKeysPatternsOf(c: Collector): string[] {
  // The scan's one reading (the auth scanner's too): on a live host it also asks the running sshd.
  const cfg = sharedSshdConfig(c.ctx);
  if (!cfg.ok && cfg.reason !== "missing") {
    c.ctx.warn("persistence_unreadable", `${cfg.path}: ${cfg.message}`);
  }
  return authorizedKeysPatterns(cfg.ok ? cfg.value : undefined);
}

/** When a key file last changed, and whether its modification time was set back. */
export interface KeyFileTimes {
  mtime?: number;
  ctime?: number;
  /** The later of the two (ms since the epoch), or undefined when neither is known. */
  changed?: number;
  /** The inode changed more than a day after the modification time it shows (`touch -d` after a write). */
  backdated: boolean;
}

/**
 * The times of a key file. On the live host the inode's change time counts too: `touch -d` sets mtime back,
 * not ctime (writing the key, or the touch itself, moved it), so a key added and back-dated is still recent.
 * Not in an image or a copied tree (`live` false), where every ctime is when it was unpacked.
 */
export function keyFileTimes(st: { mtime: Date | null; ctime?: Date | null }, live: boolean): KeyFileTimes {
  const mtime = st.mtime?.getTime();
  const ctime = live ? st.ctime?.getTime() : undefined;
  const known = [mtime, ctime].filter((t): t is number => t !== undefined);
  return {
    mtime,
    ctime,
    changed: known.length > 0 ? Math.max(...known) : undefined,
    backdated: mtime !== undefined && ctime !== undefined && ctime - mtime > 86_400_000,
  };
}

/** authorized_keys of every account: fingerprints, forced commands, unusual files, recent changes. */
export function sshKeySources(c: Collector): void {
  const patterns = authorizedKeysPatternsOf(c);
  const seen = new Set<string>();
  const now = Date.now();
  const recentDays = c.ctx.config.persistenceRecentDays;
  const accounts = [...c.accounts.byName.values()].sort((a, b) =>
    a.uid - b.uid || (a.name < b.name ? -1 : 1)
  );
  for (const a of accounts) {
    if (!a.home.startsWith("/") || normalisePath(a.home) === "/nonexistent") continue;
    const candidates = new Set([
      ...patterns.map((p) => expandKeysPattern(p, a)),
      expandKeysPattern(".ssh/authorized_keys2", a),
    ]);
    for (const path of candidates) {
      if (seen.has(path)) continue;
      const st = c.ctx.host.stat(path);
      if (!st.ok || !st.value.isFile) continue;
      seen.add(path);
      const f = c.read(path, 4 << 20);
      if (!f) continue;
      const parsed = parseAuthorizedKeys(f.text);
      if (parsed.bad > 0) {
        c.ctx.warn("authorized_keys_malformed", `${path}: ${parsed.bad} line(s) that are not keys`);
      }
      const fingerprints = parsed.keys.map((k) => `${k.type} ${k.fingerprint}`);
      const entries: Entry[] = [];
      for (const k of parsed.keys) {
        const cmd = k.options.find(([n]) => n === "command");
        if (!cmd) continue;
        entries.push({ line: k.line, text: cmd[1], runAs: a });
        c.finding({
          check_id: "persistence.ssh_key.forced_command",
          subject: `${path}:${k.fingerprint}`,
          severity: a.uid === 0 ? "medium" : "low",
          description: `Key ${k.fingerprint} (${k.comment || "no comment"}) of ${a.name} always runs: ${
            cmd[1].slice(0, 300)
          }`,
          metadata: {
            path,
            account: a.name,
            fingerprint: k.fingerprint,
            command: cmd[1].slice(0, 1000),
            line: k.line,
          },
          location: { path },
        });
      }
      c.point({
        kind: "authorized_keys",
        path,
        entries,
        meta: { account: a.name, key_count: parsed.keys.length, fingerprints },
      });
      if (parsed.keys.length === 0) continue;
      const reasons: string[] = [];
      if (path.endsWith("/authorized_keys2")) {
        reasons.push("authorized_keys2 (a legacy file name rarely used on purpose)");
      }
      if (a.uid !== 0 && !hasLoginShell(a)) {
        reasons.push(`account ${a.name} has no login shell (${a.shell || "none"})`);
      }
      const owner = st.value.uid;
      if (owner !== null && owner !== 0 && owner !== a.uid) {
        reasons.push(`file owned by uid ${owner}, not by ${a.name} or root`);
      }
      if (reasons.length > 0) {
        c.finding({
          check_id: "persistence.ssh_key.unusual_location",
          subject: path,
          description: `${parsed.keys.length} key(s) for ${a.name} in ${path}: ${reasons.join("; ")}.`,
          metadata: { path, account: a.name, reasons, fingerprints },
          location: { path },
        });
      }
      const { mtime, ctime, changed, backdated } = keyFileTimes(st.value, c.ctx.host.root === "/");
      if (recentDays > 0 && changed !== undefined && now - changed < recentDays * 86_400_000) {
        const dir = c.ctx.host.stat(path.slice(0, path.lastIndexOf("/")));
        const dirMtime = dir.ok ? dir.value.mtime?.getTime() : undefined;
        c.finding({
          check_id: "persistence.ssh_key.recent",
          subject: path,
          severity: a.uid === 0 ? "medium" : "low",
          description: `${path} (${parsed.keys.length} key(s) for ${a.name}) was changed ${
            new Date(changed).toISOString()
          }, within the last ${recentDays} day(s)${
            backdated && mtime !== undefined
              ? `; its modification time says ${new Date(mtime).toISOString()}, set back`
              : ""
          }.`,
          metadata: {
            path,
            account: a.name,
            ...(mtime !== undefined ? { mtime: new Date(mtime).toISOString() } : {}),
            ...(ctime !== undefined ? { ctime: new Date(ctime).toISOString() } : {}),
            mtime_set_back: backdated,
            appended_in_place: dirMtime !== undefined && mtime !== undefined && mtime > dirMtime,
            fingerprints,
          },
          location: { path },
        });
      }
    }
  }
}
