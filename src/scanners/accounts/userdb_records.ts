/**
 * The zod schemas of systemd's JSON user and group records (its USER_RECORD and GROUP_RECORD specifications),
 * only the fields that decide who a record lets in as what, and their parsing. Loaded by ./nss_records.ts on a
 * host that has a record file.
 */
import { z } from "zod";

/** The fields of a JSON user record (systemd's USER_RECORD specification) that decide who it lets in as what. */
const UserRecord = z.object({
  userName: z.string(),
  uid: z.number().int().nonnegative().optional(),
  gid: z.number().int().nonnegative().optional(),
  homeDirectory: z.string().optional(),
  shell: z.string().optional(),
  memberOf: z.array(z.string()).optional(),
  locked: z.boolean().optional(),
  privileged: z.object({
    hashedPassword: z.array(z.string()).optional(),
    sshAuthorizedKeys: z.array(z.string()).optional(),
  }).passthrough().optional(),
  binding: z.record(z.string(), z.unknown()).optional(),
  perMachine: z.array(z.record(z.string(), z.unknown())).optional(),
}).passthrough();

/** What a user record's `binding` entry for this machine may set (user-record.c, binding_dispatch_table). */
const UserBinding = z.object({
  uid: z.number().int().nonnegative().optional(),
  gid: z.number().int().nonnegative().optional(),
  homeDirectory: z.string().optional(),
}).passthrough();

/** What a matching `perMachine` entry of a user record may set (user-record.c, per_machine_dispatch_table). */
const UserPerMachine = z.object({
  uid: z.number().int().nonnegative().optional(),
  gid: z.number().int().nonnegative().optional(),
  shell: z.string().optional(),
  memberOf: z.array(z.string()).optional(),
  locked: z.boolean().optional(),
}).passthrough();

/** The fields of a JSON group record that decide who is in it. */
const GroupRecord = z.object({
  groupName: z.string(),
  gid: z.number().int().nonnegative().optional(),
  members: z.array(z.string()).optional(),
  binding: z.record(z.string(), z.unknown()).optional(),
  perMachine: z.array(z.record(z.string(), z.unknown())).optional(),
}).passthrough();

/** What a group record's binding or matching perMachine entry may set (group-record.c): the gid, members. */
const GroupBinding = z.object({ gid: z.number().int().nonnegative().optional() }).passthrough();
const GroupPerMachine = z.object({
  gid: z.number().int().nonnegative().optional(),
  members: z.array(z.string()).optional(),
}).passthrough();

/** The fields a perMachine or binding section can change, of those the scan judges. */
interface Overlay {
  uid?: number;
  gid?: number;
  homeDirectory?: string;
  shell?: string;
  memberOf?: string[];
  locked?: boolean;
  members?: string[];
}

/** This machine, as systemd matches records to it: its machine id (32 lowercase hex digits) and hostname. */
export interface MachineIdentity {
  machineId?: string;
  hostname?: string;
}

/** A 128-bit id as sd_id128_from_string reads it (32 hex digits or the dashed UUID form), lowercased. */
function id128(s: unknown): string | undefined {
  if (typeof s !== "string") return undefined;
  const m = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(s);
  return m ? s.replaceAll("-", "").toLowerCase() : undefined;
}

/** per_machine_id_match / per_machine_hostname_match: a string or an array of strings, one of which is ours. */
function matches(v: unknown, ours: string | undefined, norm: (s: unknown) => string | undefined): boolean {
  if (ours === undefined) return false;
  const list = Array.isArray(v) ? v : [v];
  return list.some((x) => norm(x) === ours);
}

/**
 * The sections of a record that apply to this machine, in the order user_record_load applies them over the
 * top-level fields: every matching `perMachine` entry (matchMachineId, else matchHostname), then
 * `binding[<machine id>]`. Each is parsed with `schema`; one that does not fit is a problem and is skipped.
 */
function overlays(
  record: { binding?: Record<string, unknown>; perMachine?: Record<string, unknown>[] },
  machine: MachineIdentity,
  schemas: { perMachine: z.ZodType<Overlay>; binding: z.ZodType<Overlay> },
  path: string,
  problems: RecordProblem[],
): { section: string; value: Overlay }[] {
  const out: { section: string; value: Overlay }[] = [];
  const take = (section: string, v: unknown, schema: z.ZodType<Overlay>) => {
    const r = schema.safeParse(v);
    if (r.success) out.push({ section, value: r.data });
    else problems.push({ code: "userdb_malformed", detail: `${path}: ${section} is not what systemd reads` });
  };
  for (const [i, e] of (record.perMachine ?? []).entries()) {
    const hit = matches(e.matchMachineId, machine.machineId, id128) ||
      matches(e.matchHostname, machine.hostname, (x) => typeof x === "string" ? x : undefined);
    if (hit) take(`perMachine[${i}]`, e, schemas.perMachine);
  }
  if (record.binding !== undefined && machine.machineId === undefined) {
    problems.push({
      code: "userdb_machine_id",
      detail: `${path}: has a binding section, and this machine's id (/etc/machine-id) could not be read`,
    });
  }
  const own = machine.machineId === undefined ? undefined : record.binding?.[machine.machineId];
  if (own !== undefined) take(`binding.${machine.machineId}`, own, schemas.binding);
  return out;
}

/** A user record as nss-systemd returns it on this machine, and the sections that changed it. */
export type EffectiveUser = z.infer<typeof UserRecord> & { appliedSections: string[] };
/** A group record as nss-systemd returns it on this machine, and the sections that changed it. */
export type EffectiveGroup = z.infer<typeof GroupRecord> & { appliedSections: string[] };

/** The privileged companion file of a user record: its password hashes and keys. */
const PrivilegedRecord = z.object({
  privileged: z.object({
    hashedPassword: z.array(z.string()).optional(),
    sshAuthorizedKeys: z.array(z.string()).optional(),
  }).passthrough(),
}).passthrough();

/** A problem met while reading a record, as a collection warning. */
export interface RecordProblem {
  code: string;
  detail: string;
}

/** Parses a JSON record file with a schema; undefined (and a problem) when it is not one. */
function parseRecord<T>(
  text: string,
  schema: z.ZodType<T>,
  path: string,
  problems: RecordProblem[],
): T | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    problems.push({ code: "userdb_malformed", detail: `${path}: not JSON (${(e as Error).message})` });
    return undefined;
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    problems.push({
      code: "userdb_malformed",
      detail: `${path}: not a record nss-systemd reads (${
        issue.path.join(".") || "record"
      }: ${issue.message})`,
    });
    return undefined;
  }
  return r.data;
}

/**
 * The three record parsers; each returns undefined (and a problem) for a file that is not such a record. User
 * and group records come back as this machine sees them, their perMachine and binding sections applied.
 */
export interface UserdbParser {
  user(
    text: string,
    path: string,
    problems: RecordProblem[],
    machine: MachineIdentity,
  ): EffectiveUser | undefined;
  group(
    text: string,
    path: string,
    problems: RecordProblem[],
    machine: MachineIdentity,
  ): EffectiveGroup | undefined;
  privileged(
    text: string,
    path: string,
    problems: RecordProblem[],
  ): z.infer<typeof PrivilegedRecord> | undefined;
}

/** The parsers of user, group and privileged (`.user-privileged`) records. */
export const userdbParser: UserdbParser = {
  user: (text, path, problems, machine) => {
    const u = parseRecord(text, UserRecord, path, problems);
    if (!u) return undefined;
    const out: EffectiveUser = { ...u, appliedSections: [] };
    const schemas = { perMachine: UserPerMachine, binding: UserBinding };
    for (const { section, value } of overlays(u, machine, schemas, path, problems)) {
      for (const k of ["uid", "gid", "homeDirectory", "shell", "memberOf", "locked"] as const) {
        if (value[k] !== undefined) Object.assign(out, { [k]: value[k] });
      }
      out.appliedSections.push(section);
    }
    return out;
  },
  group: (text, path, problems, machine) => {
    const g = parseRecord(text, GroupRecord, path, problems);
    if (!g) return undefined;
    const out: EffectiveGroup = { ...g, appliedSections: [] };
    const schemas = { perMachine: GroupPerMachine, binding: GroupBinding };
    for (const { section, value } of overlays(g, machine, schemas, path, problems)) {
      if (value.gid !== undefined) out.gid = value.gid;
      if (value.members !== undefined) out.members = value.members;
      out.appliedSections.push(section);
    }
    return out;
  },
  privileged: (text, path, problems) => parseRecord(text, PrivilegedRecord, path, problems),
};
