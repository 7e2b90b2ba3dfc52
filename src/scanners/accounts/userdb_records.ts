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
}).passthrough();

/** The fields of a JSON group record that decide who is in it. */
const GroupRecord = z.object({
  groupName: z.string(),
  gid: z.number().int().nonnegative().optional(),
  members: z.array(z.string()).optional(),
}).passthrough();

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

/** The three record parsers; each returns undefined (and a problem) for a file that is not such a record. */
export interface UserdbParser {
  user(text: string, path: string, problems: RecordProblem[]): z.infer<typeof UserRecord> | undefined;
  group(text: string, path: string, problems: RecordProblem[]): z.infer<typeof GroupRecord> | undefined;
  privileged(
    text: string,
    path: string,
    problems: RecordProblem[],
  ): z.infer<typeof PrivilegedRecord> | undefined;
}

/** The parsers of user, group and privileged (`.user-privileged`) records. */
export const userdbParser: UserdbParser = {
  user: (text, path, problems) => parseRecord(text, UserRecord, path, problems),
  group: (text, path, problems) => parseRecord(text, GroupRecord, path, problems),
  privileged: (text, path, problems) => parseRecord(text, PrivilegedRecord, path, problems),
};
