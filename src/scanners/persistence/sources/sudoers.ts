/**
 * sudo.conf, and the sudoers policy with what it includes: passwordless full root for non-admins, authentication
 * off, code-running variables kept, risky includes; the plugins sudo loads as root (judged like any program root
 * runs).
 */
import { ROOT_ACCOUNT } from "../accounts.ts";
import { entryDigest, pathRisk } from "../assess.ts";
import { type Collector, type Entry, normalisePath } from "../collect.ts";
import { DEFAULT_SUDOERS, parseSudoConf, ROOT_PATH_SETTINGS, sudoersFileOf } from "../sudo_conf.ts";
import { parseSudoers, type SudoAliasDef, type Sudoers } from "../sudoers.ts";
import { AliasTable } from "../sudoers_alias.ts";
import { isUnrestricted, runasMatchesRoot } from "../sudoers_commands.ts";
import type { SudoCommand } from "../sudoers_spec.ts";

/** Admin groups whose members are expected to hold full sudo rights (google-sudoers: GCP's guest agent). */
export const ADMIN_GROUPS = ["sudo", "wheel", "admin", "root", "google-sudoers"];

/** The sudo front end's configuration. */
export const SUDO_CONF = "/etc/sudo.conf";
/** sudo's hard limit of nested include files. */
const MAX_INCLUDE_DEPTH = 128;

/** The short host name of the scanned root (the first label of /etc/hostname), which sudo puts for `%h`. */
function shortHostName(c: Collector): string | undefined {
  const f = c.read("/etc/hostname", 4096);
  const line = f?.text.split("\n").map((l) => l.replace(/#.*/, "").trim()).find((l) => l !== "");
  const label = line?.split(".")[0];
  return label && !label.includes("/") ? label : undefined;
}

/**
 * The paths an include stands for: `%h` replaced by the host name (as sudo does), and the path as written (the
 * root's /etc/hostname, read only for such a path, may not name the host the policy was meant for).
 */
function includePaths(path: string, host: () => string | undefined): string[] {
  const name = path.includes("%h") ? host() : undefined;
  return name === undefined ? [path] : [path.replaceAll("%h", name), path];
}

/**
 * sudo.conf: a point whose entries are the plugins sudo loads and the Path libraries and programs it runs as
 * root (so a plugin in /tmp or one no package installed is judged as any such program); a `sudoers_file=` in an
 * untrusted location is said like an include. Returns the sudoers file the policy reads.
 */
function sudoConfSources(c: Collector): { path: string; line?: number } {
  const f = c.read(SUDO_CONF, 256 << 10);
  if (!f) return { path: DEFAULT_SUDOERS };
  const conf = parseSudoConf(f.text);
  const entries: Entry[] = conf.plugins.map((p) => ({ line: p.line, text: p.resolved, runAs: ROOT_ACCOUNT }));
  for (const name of ROOT_PATH_SETTINGS) {
    const p = conf.paths.get(name);
    if (p?.value.startsWith("/")) entries.push({ line: p.line, text: p.value, runAs: ROOT_ACCOUNT });
  }
  c.point({
    kind: "sudo_plugin",
    path: SUDO_CONF,
    entries,
    meta: { plugins: conf.plugins.map((p) => `${p.symbol} ${p.resolved}`).slice(0, 50) },
  });
  const file = sudoersFileOf(conf);
  if (file.line !== undefined) {
    const target = normalisePath(file.path);
    const risk = pathRisk(c.ctx.host, target, ROOT_ACCOUNT, c.accounts);
    if (risk) {
      c.finding({
        check_id: "persistence.sudoers.include_untrusted",
        subject: `${SUDO_CONF}:${target}`,
        description: `${SUDO_CONF}:${file.line} makes sudo read its policy from ${target} (sudoers_file=), ` +
          `which is in an untrusted location (${risk}).`,
        metadata: { path: SUDO_CONF, line: file.line, include: target, reason: risk },
        location: { path: SUDO_CONF },
      });
    }
  }
  return { path: normalisePath(file.path), line: file.line };
}

/** sudo.conf, then the sudoers policy and what it includes: judged once every file is read (aliases are global). */
export function sudoersSources(c: Collector): void {
  const policy = sudoConfSources(c);
  let hostName: { name?: string } | undefined;
  const host = () => (hostName ??= { name: shortHostName(c) }).name;
  const files: { path: string; s: Sudoers }[] = [];
  // Alias kind → name → members, the first definition in sudo's reading order winning.
  const aliases = new Map<string, Map<string, string[]>>();
  const define = (d: SudoAliasDef) => {
    const m = aliases.get(d.kind) ?? new Map<string, string[]>();
    if (!m.has(d.name)) m.set(d.name, d.members);
    aliases.set(d.kind, m);
  };
  const visited = new Set<string>();
  const visit = (path: string, depth: number) => {
    if (visited.has(path) || depth > MAX_INCLUDE_DEPTH) return;
    visited.add(path);
    const f = c.read(path);
    if (!f) return;
    const s = parseSudoers(f.text);
    if (s.bad > 0) c.ctx.warn("sudoers_malformed", `${path}: ${s.bad} line(s) not understood`);
    c.point({
      kind: "sudoers",
      path,
      entries: [],
      meta: { rules: s.rules.map((r) => r.text.slice(0, 300)).slice(0, 50) },
    });
    files.push({ path, s });
    const base = path.slice(0, path.lastIndexOf("/")) || "/";
    let a = 0;
    for (const inc of s.includes) {
      // sudo reads an included file where the include line is: the aliases above it come first.
      while (a < s.aliasDefs.length && s.aliasDefs[a].line < inc.line) define(s.aliasDefs[a++]);
      for (const p of includePaths(inc.path, host)) {
        const target = normalisePath(p.startsWith("/") ? p : `${base}/${p}`);
        const risk = pathRisk(c.ctx.host, target, ROOT_ACCOUNT, c.accounts);
        if (risk) {
          c.finding({
            check_id: "persistence.sudoers.include_untrusted",
            subject: `${path}:${target}`,
            description:
              `${path}:${inc.line} includes ${target}, which is in an untrusted location (${risk}).`,
            metadata: { path, line: inc.line, include: target, reason: risk },
            location: { path },
          });
        }
        if (inc.dir) {
          for (const name of c.list(target)) {
            if (!name.includes(".") && !name.endsWith("~")) visit(`${target}/${name}`, depth + 1);
          }
        } else visit(target, depth + 1);
      }
    }
    while (a < s.aliasDefs.length) define(s.aliasDefs[a++]);
  };
  visit(policy.path, 0);
  judge(c, files, aliases);
}

/** The findings of the policy's files: passwordless root for non-admins, authentication off, env_keep of code. */
function judge(
  c: Collector,
  files: { path: string; s: Sudoers }[],
  aliases: Map<string, Map<string, string[]>>,
) {
  const isAdmin = (principal: string): boolean => {
    if (principal === "root" || principal === "#0") return true;
    if (principal.startsWith("%")) return ADMIN_GROUPS.includes(principal.slice(1).replace(/^:/, ""));
    return ADMIN_GROUPS.some((g) => c.accounts.groups.get(g)?.has(principal));
  };
  const rootGroups = new Set([...c.accounts.groups].filter(([, m]) => m.has("root")).map(([g]) => g));
  const users = new AliasTable(aliases.get("User_Alias"));
  const runas = new AliasTable(aliases.get("Runas_Alias"));
  const cmnds = new AliasTable(aliases.get("Cmnd_Alias"));
  // No Runas_Spec: runas_default (root). `()` or `(:group)`: the invoking user.
  const asRoot = (cmd: SudoCommand) =>
    cmd.runasUsers === undefined ||
    runas.verdict(cmd.runasUsers, "root", (m) => runasMatchesRoot(m, rootGroups)) === true;
  for (const { path, s } of files) {
    for (const r of s.rules) {
      const loose = r.commands.filter((cmd) =>
        cmd.nopasswd && asRoot(cmd) && cmnds.some([cmd.command], "unrestricted", isUnrestricted)
      );
      if (loose.length === 0 || !users.some(r.users, "non-admin", (u) => !isAdmin(u))) continue;
      const listed = users.expand(r.users, "non-admin", (u) => !u.startsWith("!") && !isAdmin(u));
      const principals = listed.length > 0 ? listed : r.users;
      c.finding({
        check_id: "persistence.sudoers.nopasswd_all",
        subject: `${path}:${entryDigest(r.text)}`,
        severity: users.some(r.users, "everyone", (u) => u === "ALL") ? "critical" : "high",
        description: `${principals.slice(0, 20).join(", ")} may run ${
          loose.map((l) => l.command).join(", ")
        } as ${loose[0].runas} without a password (${path}:${r.line}).`,
        metadata: {
          path,
          line: r.line,
          rule: r.text.slice(0, 500),
          principals: principals.slice(0, 50),
          ...(users.truncated || principals.length > 50 ? { principals_truncated: true } : {}),
          commands: loose.map((l) => l.command),
        },
        location: { path },
      });
    }
    for (const d of s.noAuthDefaults) {
      c.finding({
        check_id: "persistence.sudoers.no_authenticate",
        subject: `${path}:${entryDigest(d.text)}`,
        description: `${path}:${d.line} turns sudo authentication off: ${d.text.slice(0, 300)}`,
        metadata: { path, line: d.line, rule: d.text.slice(0, 500) },
        location: { path },
      });
    }
    for (const d of s.envDefaults) {
      c.finding({
        check_id: "persistence.sudoers.env_keep_code",
        subject: `${path}:${entryDigest(d.text)}`,
        description: `${path}:${d.line} lets the caller's ${
          d.kept.length > 0 ? d.kept.join(", ") : "environment (setenv)"
        } reach the programs sudo runs: ${d.text.slice(0, 300)}`,
        metadata: { path, line: d.line, rule: d.text.slice(0, 500), variables: d.kept },
        location: { path },
      });
    }
  }
}
