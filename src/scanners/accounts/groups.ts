/** Group checks: who is in a root-equivalent group, and which groups can be joined with a password. */
import type { FindingDraft } from "../../core/finding.ts";
import { describePassword } from "../../host/account_files.ts";
import {
  ACCOUNT_FILES,
  type AccountDb,
  effectivePassword,
  firstGroupLines,
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

/**
 * Group lines that share the gid of a root-equivalent group (or gid 0) and list members: glibc's initgroups
 * gives those members that gid, so `xsudo:x:27:eve` or a second `sudo:x:27:eve` line puts eve in sudo while
 * the sudo line itself lists nobody. A line that is itself the first line of a root-equivalent name is left to
 * privilegedMembers, which lists its members already.
 */
export function* privilegedGidAliases(db: AccountDb): Generator<FindingDraft> {
  const first = firstGroupLines(db);
  const owners = new Map<number, { name: string; why: string; line: number }>();
  const root = first.get("root");
  owners.set(0, { name: root?.name ?? "root", why: "the root group", line: root?.line ?? 0 });
  for (const [name, why] of Object.entries(PRIVILEGED_GROUPS)) {
    const g = first.get(name);
    if (g && !owners.has(g.gid)) owners.set(g.gid, { name, why, line: g.line });
  }
  const ownLines = new Set(
    [...first.values()].filter((g) => g.name === "root" || g.name in PRIVILEGED_GROUPS).map((g) => g.line),
  );
  for (const g of db.groups) {
    const owner = owners.get(g.gid);
    if (g.nis || !owner || ownLines.has(g.line) || g.members.length === 0) continue;
    const what = g.name === owner.name ? `a second ${owner.name} line` : `${JSON.stringify(g.name)}`;
    yield {
      check_id: "accounts.group.privileged_gid_alias",
      subject: `${ACCOUNT_FILES.group}:${g.line}:${g.name}`,
      description:
        `${ACCOUNT_FILES.group}:${g.line}: ${what} has gid ${g.gid}, the gid of ${owner.name} (${owner.why}), ` +
        `and lists ${
          g.members.join(", ")
        }: glibc gives a login every gid whose lines list it, so they are in ` +
        `${owner.name} although ${owner.name}'s own line does not list them.`,
      metadata: {
        group: g.name,
        gid: g.gid,
        line: g.line,
        members: g.members,
        privileged_group: owner.name,
        path: ACCOUNT_FILES.group,
      },
      location: { path: ACCOUNT_FILES.group },
    };
  }
}
