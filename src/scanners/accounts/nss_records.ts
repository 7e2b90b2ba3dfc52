/**
 * Accounts glibc's Name Service Switch returns from outside /etc/passwd and /etc/group: systemd's static JSON
 * user and group records (nss-systemd reads /etc/userdb, /run/userdb, /run/host/userdb and /usr/lib/userdb
 * without any service running, and Debian's default nsswitch.conf names `systemd`), and libnss-extrausers'
 * /var/lib/extrausers files. A record there is an account sshd, su and sudo see and no reader of /etc/passwd
 * does: a uid-0 record is a second root, a record's `memberOf`, a group record's `members` or a
 * `USER:GROUP.membership` file a hidden membership of sudo or another root-equivalent group.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import { parseGroupFile, parsePasswdFile, parseShadowFile } from "../../host/account_files.ts";
import type { Host } from "../../host/host.ts";
import { NSSWITCH_FILES, parseNsswitch } from "../persistence/sources/nss.ts";
import { isLoginShell } from "./db.ts";
import { PRIVILEGED_GROUPS } from "./groups.ts";
import type { MachineIdentity, UserdbParser } from "./userdb_records.ts";

/**
 * The zod schemas of the JSON records, loaded only on a host that has a record file: zod costs the scan
 * worker ~35 ms and several MiB, which a host without records should not pay (docs/ARCHITECTURE.md, "Modules
 * named at run time").
 */
function userdbParser(): Promise<UserdbParser> {
  return import(new URL("./userdb_records.ts", import.meta.url).href).then((m) => m.userdbParser);
}

/** Where nss-systemd reads static records from (systemd 252, nss-systemd(8)). */
export const USERDB_DIRS = ["/etc/userdb", "/run/userdb", "/run/host/userdb", "/usr/lib/userdb"];
/** libnss-extrausers' account files. */
export const EXTRAUSERS = {
  passwd: "/var/lib/extrausers/passwd",
  shadow: "/var/lib/extrausers/shadow",
  group: "/var/lib/extrausers/group",
};

const MAX_RECORD_BYTES = 64 << 10;
/** Record files read in all (only the files nss-systemd reads count: see RECORD_FILE). */
export const MAX_RECORDS = 2000;
/** Directory entries listed per record directory, record files or not. */
export const MAX_LISTING = 20_000;
const MAX_FILE_BYTES = 4 << 20;
/** The files nss-systemd's drop-in reader opens (userdb-dropin.c): every other name in the directories is ignored. */
const RECORD_FILE = /\.(?:user|user-privileged|group|membership)$/;

/** An account NSS returns from outside /etc/passwd. */
export interface NssAccount {
  name: string;
  uid?: number;
  gid?: number;
  home?: string;
  shell?: string;
  /** Groups it is made a member of, by its own record or a group record's members. */
  memberOf: string[];
  /** A usable password hash, or SSH keys in the record (sshd asks `userdbctl ssh-authorized-keys` for them). */
  credentials: string[];
  path: string;
  source: "systemd" | "extrausers";
  /** The record's sections for this machine that changed its top-level fields (perMachine[0], binding.ID). */
  overrides?: string[];
}

/** A group NSS returns from outside /etc/group, with the members it gives. */
export interface NssGroup {
  name: string;
  gid?: number;
  members: string[];
  path: string;
  source: "systemd" | "extrausers";
}

/** What the records say, whether NSS reads them, and what could not be read. */
export interface NssRecords {
  accounts: NssAccount[];
  groups: NssGroup[];
  /** The nsswitch.conf services of the passwd and group databases ("systemd", "extrausers" …). */
  services: ReadonlySet<string>;
  /** Record directories the scan did not read to the end (too many entries or record files). */
  unread: { dir: string; why: string }[];
  problems: { code: string; detail: string }[];
}

/** A hash that lets someone in (not locked with `!` or `*`, not empty of characters). */
function usableHash(h: string): boolean {
  return h !== "" && !h.startsWith("!") && !h.startsWith("*");
}

/**
 * The machine records are matched against, as systemd sees it: /etc/machine-id (sd_id128_get_machine) and the
 * hostname (gethostname_strict: the kernel's, which /etc/hostname sets at boot; "localhost" is no hostname).
 */
export function machineIdentity(host: Host): MachineIdentity {
  const id = host.readText("/etc/machine-id", 4096);
  const mid = id.ok ? id.value.trim().toLowerCase() : "";
  let hostname: string | undefined;
  for (const path of ["/proc/sys/kernel/hostname", "/etc/hostname"]) {
    const r = host.readText(path, 4096);
    const h = r.ok ? r.value.split("\n")[0].trim() : "";
    if (h !== "") {
      hostname = h === "localhost" || h === "(none)" ? undefined : h;
      break;
    }
  }
  return {
    ...(/^[0-9a-f]{32}$/.test(mid) ? { machineId: mid } : {}),
    ...(hostname !== undefined ? { hostname } : {}),
  };
}

/** systemd's drop-in records: user records (with their privileged companions) and group records. */
async function userdbRecords(host: Host, out: NssRecords): Promise<void> {
  const privileged = new Map<string, string[]>();
  let count = 0;
  let parser: UserdbParser | undefined;
  let machine: MachineIdentity | undefined;
  for (const dir of USERDB_DIRS) {
    const listing = host.readDir(dir, MAX_LISTING);
    if (!listing.ok) {
      if (listing.reason !== "missing") {
        out.problems.push({ code: "userdb_unreadable", detail: `${dir}: ${listing.message}` });
      }
      continue;
    }
    if (listing.truncated) out.unread.push({ dir, why: `more than ${MAX_LISTING} directory entries` });
    // Symlinks named after the uid (4711.user -> foobar.user) are the same record: the name's file is read.
    const names = listing.value.filter((e) =>
      !e.isDirectory && RECORD_FILE.test(e.name) && !/^\d+\./.test(e.name)
    )
      .map((e) => e.name).sort();
    for (const name of names) {
      if (++count > MAX_RECORDS) {
        out.unread.push({ dir, why: `more than ${MAX_RECORDS} record files in ${USERDB_DIRS.join(", ")}` });
        break;
      }
      const path = `${dir}/${name}`;
      // USER:GROUP.membership (empty): nss-systemd adds USER to GROUP, as a group record's members would.
      const membership = /^([^:/]+):([^:/]+)\.membership$/.exec(name);
      if (membership) {
        out.groups.push({ name: membership[2], members: [membership[1]], path, source: "systemd" });
        continue;
      }
      const kind = /\.(user|user-privileged|group)$/.exec(name)?.[1];
      if (!kind) continue;
      const text = host.readText(path, MAX_RECORD_BYTES);
      if (!text.ok) {
        out.problems.push({ code: "userdb_unreadable", detail: `${path}: ${text.message}` });
        continue;
      }
      if (kind === "user-privileged") {
        const p = (parser ??= await userdbParser()).privileged(text.value, path, out.problems);
        const stem = name.slice(0, -".user-privileged".length);
        if (p) {
          privileged.set(stem, [
            ...(p.privileged.hashedPassword ?? []).filter(usableHash).map(() => "password hash"),
            ...(p.privileged.sshAuthorizedKeys ?? []).map(() => "SSH key"),
          ]);
        }
      } else if (kind === "user") {
        const u = (parser ??= await userdbParser()).user(
          text.value,
          path,
          out.problems,
          machine ??= machineIdentity(host),
        );
        if (!u) continue;
        out.accounts.push({
          name: u.userName,
          uid: u.uid,
          gid: u.gid,
          home: u.homeDirectory,
          shell: u.shell,
          memberOf: u.memberOf ?? [],
          ...(u.appliedSections.length > 0 ? { overrides: u.appliedSections } : {}),
          credentials: u.locked ? [] : [
            ...(u.privileged?.hashedPassword ?? []).filter(usableHash).map(() => "password hash"),
            ...(u.privileged?.sshAuthorizedKeys ?? []).map(() => "SSH key"),
          ],
          path,
          source: "systemd",
        });
      } else {
        const g = (parser ??= await userdbParser()).group(
          text.value,
          path,
          out.problems,
          machine ??= machineIdentity(host),
        );
        if (g) {
          out.groups.push({
            name: g.groupName,
            gid: g.gid,
            members: g.members ?? [],
            path,
            source: "systemd",
          });
        }
      }
    }
  }
  for (const a of out.accounts) {
    const extra = privileged.get(a.name);
    if (extra && !a.credentials.length) a.credentials.push(...extra);
  }
}

/** libnss-extrausers' passwd, shadow and group files, read as glibc reads /etc's. */
function extrausers(host: Host, out: NssRecords): void {
  const read = (path: string) => {
    const r = host.readText(path, MAX_FILE_BYTES);
    if (!r.ok && r.reason !== "missing") {
      out.problems.push({ code: "extrausers_unreadable", detail: `${path}: ${r.message}` });
    }
    return r.ok ? r.value : undefined;
  };
  const passwd = read(EXTRAUSERS.passwd);
  const shadowText = read(EXTRAUSERS.shadow);
  const shadow = new Map(
    (shadowText ? parseShadowFile(shadowText).entries : []).map((s) => [s.name, s.password.state] as const),
  );
  for (const e of passwd ? parsePasswdFile(passwd).entries : []) {
    if (e.nis) continue;
    const state = e.password.state === "shadowed" ? shadow.get(e.name) : e.password.state;
    out.accounts.push({
      name: e.name,
      uid: e.uid,
      gid: e.gid,
      home: e.home,
      shell: e.shell,
      memberOf: [],
      credentials: state === "usable" ? ["password hash"] : state === "empty" ? ["empty password"] : [],
      path: EXTRAUSERS.passwd,
      source: "extrausers",
    });
  }
  const group = read(EXTRAUSERS.group);
  for (const g of group ? parseGroupFile(group).entries : []) {
    if (!g.nis) {
      out.groups.push({
        name: g.name,
        gid: g.gid,
        members: g.members,
        path: EXTRAUSERS.group,
        source: "extrausers",
      });
    }
  }
}

/** Reads every record NSS could return from outside /etc, and the services nsswitch.conf names. Never throws. */
export async function loadNssRecords(host: Host): Promise<NssRecords> {
  const out: NssRecords = { accounts: [], groups: [], services: new Set(), unread: [], problems: [] };
  const services = new Set<string>();
  for (const path of NSSWITCH_FILES) {
    const r = host.readText(path, 256 << 10);
    if (!r.ok) continue;
    for (const l of parseNsswitch(r.value).lines) {
      if (l.database === "passwd" || l.database === "group") { for (const s of l.services) services.add(s); }
    }
    break; // the first one present is glibc's
  }
  out.services = services;
  await userdbRecords(host, out);
  extrausers(host, out);
  return out;
}

/**
 * The records read once per scan for every scanner that asks (the accounts scanner judges them, persistence
 * reads their homes); each gets the same reading, problems included, which only the accounts scanner reports.
 */
export function sharedNssRecords(ctx: ScanContext): Promise<NssRecords> {
  return ctx.shared.memo("accounts.nss_records", () => loadNssRecords(ctx.host));
}

/**
 * Findings on the records: a uid-0 account (critical), an account that can log in (a login shell, a password or
 * keys: high), memberships of root-equivalent groups (high), and any other account or group record (medium).
 * Records of a service nsswitch.conf does not name do nothing today and are low: editing one line arms them.
 */
export function* nssRecordFindings(
  records: NssRecords,
  passwdNames: ReadonlySet<string>,
): Generator<FindingDraft> {
  for (const { dir, why } of records.unread) {
    yield {
      check_id: "accounts.nss.records_unread",
      subject: dir,
      description: `${dir} was not read to the end (${why}): nss-systemd reads every record there, and a ` +
        "uid-0 or sudo record past the scan's bound would go unseen.",
      metadata: { path: dir, reason: why },
      location: { path: dir },
    };
  }
  const privileged = (g: string) => g === "root" || Object.hasOwn(PRIVILEGED_GROUPS, g);
  const privilegedGids = new Set(records.groups.filter((g) => g.gid === 0).map((g) => g.name));
  for (const a of records.accounts) {
    const active = records.services.has(a.source);
    const shadowed = passwdNames.has(a.name); // /etc/passwd's entry of the name wins the lookup
    const groups = [
      ...a.memberOf,
      ...records.groups.filter((g) => g.members.includes(a.name)).map((g) => g.name),
    ].filter((g) => privileged(g) || privilegedGids.has(g));
    const login = (a.shell !== undefined && isLoginShell(a.shell)) || a.credentials.length > 0;
    const what = a.uid === 0
      ? "uid 0 (a second root)"
      : groups.length > 0
      ? `member of ${[...new Set(groups)].join(", ")}`
      : login
      ? "can log in"
      : "an account";
    // A record whose name /etc/passwd also has loses the lookup, but its memberships still reach the groups a
    // login gets (glibc asks every group service for initgroups).
    const severity = !active
      ? "low"
      : a.uid === 0 && !shadowed
      ? "critical"
      : groups.length > 0
      ? "high"
      : shadowed
      ? "low"
      : login
      ? "high"
      : "medium";
    yield {
      check_id: a.uid === 0 && !shadowed ? "accounts.nss.uid0_record" : "accounts.nss.extra_account",
      subject: `${a.path}:${a.name}`,
      severity,
      description:
        `${a.path} defines account ${JSON.stringify(a.name)}${a.uid === undefined ? "" : ` (uid ${a.uid})`}${
          a.overrides ? ` once its ${a.overrides.join(" and ")} section for this machine is applied` : ""
        }: ${what}` +
        `${a.credentials.length > 0 ? `, with ${[...new Set(a.credentials)].join(" and ")}` : ""}; ` +
        (active
          ? shadowed
            ? `/etc/passwd has the same name, which wins the lookup.`
            : `nsswitch.conf names ${a.source}, so sshd, su and sudo see it while /etc/passwd does not list it.`
          : `nsswitch.conf does not name ${a.source}, so nothing sees it until that line changes.`),
      metadata: {
        path: a.path,
        name: a.name,
        uid: a.uid ?? null,
        shell: a.shell ?? null,
        home: a.home ?? null,
        source: a.source,
        active,
        privileged_groups: [...new Set(groups)],
        credentials: [...new Set(a.credentials)],
        ...(a.overrides ? { machine_sections: a.overrides } : {}),
      },
      location: { path: a.path },
    };
  }
  for (const g of records.groups) {
    const dangerous = g.gid === 0 || privileged(g.name);
    if (!dangerous || g.members.length === 0) continue;
    const active = records.services.has(g.source);
    yield {
      check_id: "accounts.nss.extra_account",
      subject: `${g.path}:group:${g.name}`,
      severity: active ? "high" : "low",
      description:
        `${g.path} makes ${g.members.join(", ")} members of ${g.name}${g.gid === 0 ? " (gid 0)" : ""}` +
        (active
          ? `: nsswitch.conf names ${g.source}, so logins get the group although /etc/group does not list them.`
          : `; nsswitch.conf does not name ${g.source}, so nothing sees it until that line changes.`),
      metadata: {
        path: g.path,
        group: g.name,
        gid: g.gid ?? null,
        members: g.members,
        source: g.source,
        active,
      },
      location: { path: g.path },
    };
  }
}
