/** sudoers and what it includes: passwordless full root for non-admins, authentication off, risky includes. */
import { ROOT_ACCOUNT } from "../accounts.ts";
import { entryDigest, pathRisk } from "../assess.ts";
import { type Collector, normalisePath } from "../collect.ts";
import { expandAliases, isUnrestricted, parseSudoers } from "../sudoers.ts";

/** Admin groups whose members are expected to hold full sudo rights (google-sudoers: GCP's guest agent). */
export const ADMIN_GROUPS = ["sudo", "wheel", "admin", "root", "google-sudoers"];

/** /etc/sudoers and what it includes (bounded depth): passwordless full root for non-admins, risky includes. */
export function sudoersSources(c: Collector): void {
  const visited = new Set<string>();
  const isAdmin = (principal: string): boolean => {
    if (principal === "root" || principal === "#0") return true;
    if (principal.startsWith("%")) return ADMIN_GROUPS.includes(principal.slice(1).replace(/^:/, ""));
    return ADMIN_GROUPS.some((g) => c.accounts.groups.get(g)?.has(principal));
  };
  const visit = (path: string, depth: number) => {
    if (visited.has(path) || depth > 8) return;
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
    for (const r of s.rules) {
      const users = expandAliases(r.users, s.aliases.get("User_Alias"));
      const loose = r.commands.filter((cmd) =>
        cmd.nopasswd && /\broot\b|ALL|^#0$/.test(cmd.runas) &&
        expandAliases([cmd.command], s.aliases.get("Cmnd_Alias")).some(isUnrestricted)
      );
      const principals = users.filter((u) => !u.startsWith("!") && !isAdmin(u));
      if (loose.length === 0 || principals.length === 0) continue;
      c.finding({
        check_id: "persistence.sudoers.nopasswd_all",
        subject: `${path}:${entryDigest(r.text)}`,
        severity: principals.includes("ALL") ? "critical" : "high",
        description: `${principals.join(", ")} may run ${loose.map((l) => l.command).join(", ")} as ${
          loose[0].runas
        } without a password (${path}:${r.line}).`,
        metadata: {
          path,
          line: r.line,
          rule: r.text.slice(0, 500),
          principals,
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
    const base = path.slice(0, path.lastIndexOf("/")) || "/";
    for (const inc of s.includes) {
      const target = normalisePath(inc.path.startsWith("/") ? inc.path : `${base}/${inc.path}`);
      const risk = pathRisk(c.ctx.host, target, ROOT_ACCOUNT, c.accounts);
      if (risk) {
        c.finding({
          check_id: "persistence.sudoers.include_untrusted",
          subject: `${path}:${target}`,
          description: `${path}:${inc.line} includes ${target}, which is in an untrusted location (${risk}).`,
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
  };
  visit("/etc/sudoers", 0);
}
