/**
 * --hardening: where root may log in from, as /etc/securetty (pam_securetty) and /etc/security/access.conf
 * (pam_access) say.
 */
import type { FindingDraft } from "../../core/finding.ts";
import type { Host } from "../../host/host.ts";

/** Terminal names in securetty that are not local consoles or serial lines (pts/N, network terminals). */
export function remoteTerminals(text: string): string[] {
  return text.split("\n").map((l) => l.replace(/\r$/, "").trim()).filter((l) =>
    l !== "" && !l.startsWith("#")
  )
    .filter((t) => /^(?:pts\/|ttyp|ptty|ttyq)/.test(t));
}

/**
 * The first access.conf rule that applies to root from a remote origin, when it grants access: `+ : root (or
 * ALL) : ALL`. Rules are `permission : users : origins`, first match wins.
 */
export function rootAllowedEverywhere(text: string): { line: number; rule: string } | undefined {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, "").trim();
    if (raw === "" || raw.startsWith("#")) continue;
    const f = raw.split(":").map((x) => x.trim());
    if (f.length < 3) continue;
    const users = f[1].split(/\s+/);
    const origins = f.slice(2).join(":").split(/\s+/);
    const forRoot = users.some((u) => u === "root" || u === "ALL") && !users.includes("EXCEPT");
    const remote = origins.some((o) => o === "ALL") && !origins.includes("EXCEPT");
    if (!forRoot || !remote) continue;
    return f[0] === "+" ? { line: i + 1, rule: raw } : undefined;
  }
  return undefined;
}

/** securetty and access.conf findings (as passed/failed checks). `pamAccessUsed`: some stack loads pam_access. */
export function* loginAccess(host: Host, pamAccessUsed: boolean): Generator<FindingDraft> {
  const st = host.readText("/etc/securetty", 1 << 20);
  if (st.ok) {
    const remote = remoteTerminals(st.value);
    yield {
      check_id: "auth.login.securetty_pts",
      subject: "/etc/securetty",
      passed: remote.length === 0,
      description: `/etc/securetty lets root log in on ${remote.slice(0, 10).join(", ")}.`,
      metadata: { path: "/etc/securetty", terminals: remote.slice(0, 50) },
      location: { path: "/etc/securetty" },
    };
  }
  if (!pamAccessUsed) return;
  const ac = host.readText("/etc/security/access.conf", 1 << 20);
  if (!ac.ok) return;
  const hit = rootAllowedEverywhere(ac.value);
  yield {
    check_id: "auth.login.access_allows_root",
    subject: "/etc/security/access.conf",
    passed: hit === undefined,
    description: hit ? `/etc/security/access.conf:${hit.line}: ${hit.rule}` : "root is restricted",
    metadata: { path: "/etc/security/access.conf", line: hit?.line ?? null, rule: hit?.rule ?? null },
    location: { path: "/etc/security/access.conf" },
  };
}
