/** Group checks: who is in a root-equivalent group, and which groups can be joined with a password. */
import type { FindingDraft } from "../../core/finding.ts";
import { describePassword } from "../../host/account_files.ts";
import {
  ACCOUNT_FILES,
  type AccountDb,
  effectivePassword,
  groupMembers,
  isLoginShell,
  isSystemUid,
  opensLogin,
  passwdByName,
  shadowByName,
} from "./db.ts";

/** Groups whose members are root, or can become root or read secrets, and why. */
export const PRIVILEGED_GROUPS: Readonly<Record<string, string>> = {
  sudo: "runs anything as root through sudo",
  wheel: "runs anything as root through sudo, su and polkit",
  admin: "runs anything as root through sudo (older Ubuntu)",
  adm: "reads the system logs",
  shadow: "reads password hashes",
  disk: "reads and writes raw disks",
  docker: "controls the Docker daemon (root)",
  lxd: "controls LXD (root)",
  libvirt: "controls libvirt virtual machines and their disks",
};

/**
 * One finding per root-equivalent group with members: info, medium when a member is a system account that can
 * log in (a login shell or a password), low when a member is in `recent` (created or changed recently).
 */
export function* privilegedMembers(db: AccountDb, recent: ReadonlySet<string>): Generator<FindingDraft> {
  const members = groupMembers(db);
  const byName = passwdByName(db);
  const shadow = shadowByName(db);
  for (const [group, why] of Object.entries(PRIVILEGED_GROUPS)) {
    const set = members.get(group);
    if (!set || set.size === 0) continue;
    const names = [...set].sort();
    const systemLogins = names.filter((n) => {
      const e = byName.get(n);
      return e !== undefined && isSystemUid(db, e.uid) &&
        (isLoginShell(e.shell) || opensLogin(effectivePassword(db, e, shadow)));
    });
    const fresh = names.filter((n) => recent.has(n));
    const notes = [
      ...(systemLogins.length > 0 ? [`system account(s) that can log in: ${systemLogins.join(", ")}`] : []),
      ...(fresh.length > 0 ? [`recently created or changed: ${fresh.join(", ")}`] : []),
    ];
    yield {
      check_id: "accounts.group.privileged_members",
      subject: group,
      severity: systemLogins.length > 0 ? "medium" : fresh.length > 0 ? "low" : "info",
      description: `Group ${group} (${why}): ${names.join(", ")}.${
        notes.length > 0 ? ` ${notes.join("; ")}.` : ""
      }`,
      metadata: {
        group,
        members: names,
        system_members: systemLogins,
        recent_members: fresh,
        grants: why,
      },
      location: { path: ACCOUNT_FILES.group },
    };
  }
}

/** Groups with a usable password in gshadow (or in group itself): high for root-equivalent groups. */
export function* groupPasswords(db: AccountDb): Generator<FindingDraft> {
  const seen = new Set<string>();
  const sources = [
    ...db.gshadow.map((g) => ({
      name: g.name,
      password: g.password,
      path: ACCOUNT_FILES.gshadow,
      line: g.line,
    })),
    ...db.groups.filter((g) => !g.nis).map((g) => ({
      name: g.name,
      password: g.password,
      path: ACCOUNT_FILES.group,
      line: g.line,
    })),
  ];
  for (const g of sources) {
    if (g.password.state !== "usable" || seen.has(g.name)) continue;
    seen.add(g.name);
    const privileged = g.name in PRIVILEGED_GROUPS || g.name === "root";
    yield {
      check_id: "accounts.group.password_set",
      subject: g.name,
      severity: privileged ? "high" : undefined,
      description:
        `Group ${g.name} has a ${describePassword(g.password)} password (${g.path}:${g.line}): anyone who ` +
        "knows it can join the group with newgrp.",
      metadata: { group: g.name, path: g.path, line: g.line, password: describePassword(g.password) },
      location: { path: g.path },
    };
  }
}
