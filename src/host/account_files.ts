/**
 * Parsers of the local account files — /etc/passwd, /etc/shadow, /etc/group, /etc/gshadow — that read
 * them the way glibc's `files` NSS module does, because that is what login, su, sshd and pam_unix see:
 * leading blanks are skipped, `#` lines are comments, the last passwd field takes the rest of the line,
 * and numeric ids go through strtoul (so " 0", "+0", "00" and "4294967296" are all uid 0 on a 64-bit host).
 *
 * Password fields are classified on the spot and never kept: callers get "empty", "locked", "SHA-512"…,
 * not the hash.
 *
 * ```ts
 * const { entries } = parsePasswdFile("r00t:x:+0:0::/root:/bin/bash\n");
 * entries[0].uid; // 0
 * ```
 */

/** The hash scheme of a password field, as crypt(3) names it. */
export type HashScheme =
  | "DES"
  | "BSDi-DES"
  | "MD5"
  | "NT"
  | "SunMD5"
  | "SHA-1"
  | "SHA-256"
  | "SHA-512"
  | "bcrypt"
  | "scrypt"
  | "yescrypt"
  | "gost-yescrypt"
  | "unknown";

/**
 * What a password field allows. `shadowed`: "x", the real field is in the shadow file. `empty`: no password at
 * all. `locked`: "!" prefix (a hash may be kept behind it). `disabled`: "*" and the like, no password can match.
 * `invalid`: a string crypt(3) cannot use, so no password matches either. `usable`: a hash a password can match.
 */
export type PasswordStateName = "shadowed" | "empty" | "locked" | "disabled" | "invalid" | "usable";

/** A classified password field (never the hash itself). */
export interface PasswordState {
  state: PasswordStateName;
  /** The scheme of a usable hash, or of the hash kept behind a lock. */
  scheme?: HashScheme;
}

/** Schemes crypt(3) can still verify but that are broken or obsolete. */
export const WEAK_SCHEMES: ReadonlySet<HashScheme> = new Set(["DES", "BSDi-DES", "MD5", "NT", "SunMD5"]);

const SALT = "[./0-9A-Za-z]";
const SCHEMES: [RegExp, HashScheme][] = [
  [/^\$1\$[^$]{0,16}\$[./0-9A-Za-z]{22}$/, "MD5"],
  [/^\$2[abxy]\$\d\d\$[./0-9A-Za-z]{53}$/, "bcrypt"],
  [/^\$5\$(?:rounds=\d+\$)?[^$]{0,16}\$[./0-9A-Za-z]{43}$/, "SHA-256"],
  [/^\$6\$(?:rounds=\d+\$)?[^$]{0,16}\$[./0-9A-Za-z]{86}$/, "SHA-512"],
  [/^\$y\$[./0-9A-Za-z]+\$[./0-9A-Za-z]*\$[./0-9A-Za-z]{43}$/, "yescrypt"],
  [/^\$gy\$[./0-9A-Za-z]+\$[./0-9A-Za-z]*\$[./0-9A-Za-z]{43}$/, "gost-yescrypt"],
  [/^\$7\$[./0-9A-Za-z]{30,}\$[./0-9A-Za-z]{43}$/, "scrypt"],
  [/^\$sha1\$\d+\$[./0-9A-Za-z]+\$[./0-9A-Za-z]{28}$/, "SHA-1"],
  [/^\$md5(?:,rounds=\d+)?\$[./0-9A-Za-z]*\$\$?[./0-9A-Za-z]{22}$/, "SunMD5"],
  [/^\$3\$\$[0-9a-f]{32}$/, "NT"],
  [new RegExp(`^_${SALT}{19}$`), "BSDi-DES"],
  [new RegExp(`^${SALT}{13}$`), "DES"],
];

/** The scheme of a hash string, "unknown" when crypt(3) would not recognise it. */
export function hashScheme(hash: string): HashScheme {
  for (const [re, scheme] of SCHEMES) if (re.test(hash)) return scheme;
  return "unknown";
}

/**
 * Classifies a password field. `inPasswd` makes "x" mean "look in the shadow file"; in the shadow file "x" is
 * just a string no password matches.
 */
export function classifyPassword(field: string, inPasswd = false): PasswordState {
  if (field === "") return { state: "empty" };
  if (inPasswd && field === "x") return { state: "shadowed" };
  if (field.startsWith("!")) {
    const rest = field.replace(/^!+/, "");
    const scheme = rest === "" || rest.startsWith("*") ? undefined : hashScheme(rest);
    return scheme === undefined || scheme === "unknown" ? { state: "locked" } : { state: "locked", scheme };
  }
  if (field.startsWith("*")) return { state: "disabled" };
  const scheme = hashScheme(field);
  return scheme === "unknown" ? { state: "invalid" } : { state: "usable", scheme };
}

/** Words for a password state, as findings print it ("empty", "locked", "SHA-512"…). */
export function describePassword(p: PasswordState): string {
  if (p.state === "usable") return p.scheme ?? "unknown";
  if (p.state === "locked") return p.scheme ? `locked (${p.scheme} hash kept)` : "locked";
  if (p.state === "invalid") return "invalid (no password matches)";
  return p.state;
}

const MAX_U64 = (1n << 64n) - 1n;

/**
 * strtoul(s, &end, 10) then the cast to a 32-bit id, as glibc's INT_FIELD does: leading white space and one
 * sign are accepted, overflow saturates, a negative value wraps. undefined when no digit is there.
 */
export function strtoulId(field: string): number | undefined {
  const m = field.match(/^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/);
  if (!m) return undefined;
  let v = BigInt(m[2]);
  if (v > MAX_U64) v = MAX_U64;
  else if (m[1] === "-" && v !== 0n) v = (1n << 64n) - v;
  return Number(v & 0xffff_ffffn);
}

/**
 * A line that could not be parsed: where, why, and a digest of its text for a stable finding id (never the
 * line itself: it may hold a hash).
 */
export interface BadLine {
  line: number;
  reason: string;
  /**
   * The line as read. Never report it (a bad shadow line can hold a password hash): the accounts scanner reports
   * the first 12 hex digits of its SHA-256. Hashing is left to the scanner, so that this parser, which the main
   * thread also runs (the scan's identity), loads no hashing code.
   */
  text: string;
}

/** One non-comment line split into fields, with its 1-based line number. */
interface RawLine {
  line: number;
  fields: string[];
  text: string;
}

function badLine(raw: RawLine, reason: string): BadLine {
  return { line: raw.line, reason, text: raw.text };
}

/** Lines as nss_files reads them: cut at NUL, leading blanks skipped, empty and `#` lines dropped. */
function rawLines(text: string, sep = ":"): RawLine[] {
  const out: RawLine[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const nul = lines[i].indexOf("\0");
    const line = (nul >= 0 ? lines[i].slice(0, nul) : lines[i]).replace(/^[ \t\n\v\f\r]+/, "");
    if (line === "" || line.startsWith("#")) continue;
    out.push({ line: i + 1, fields: line.split(sep), text: line });
  }
  return out;
}

/** True for the NIS compat lines of passwd/group/shadow ("+", "+name", "-name", "+@netgroup"). */
function isNis(name: string): boolean {
  return name.startsWith("+") || name.startsWith("-");
}

/** One /etc/passwd entry as glibc reads it. */
export interface PasswdEntry {
  line: number;
  name: string;
  password: PasswordState;
  uid: number;
  gid: number;
  /** The uid field as written, when it is not plain digits (" 0", "+0", "4294967296"…). */
  uidText?: string;
  gecos: string;
  home: string;
  /** The shell field: the rest of the line (a trailing CR kept, as glibc keeps it); empty means /bin/sh. */
  shell: string;
  /** The number of fields when the line has fewer than 7 (glibc leaves the missing ones empty). */
  fields?: number;
  /** A NIS compat line ("+", "+name", "-name"): imports or hides directory accounts. */
  nis: boolean;
}

/** The parse of one account file: entries in file order and the lines that glibc would skip. */
export interface AccountFileParse<T> {
  entries: T[];
  bad: BadLine[];
}

/**
 * glibc's INT_FIELD_MAYBE_NULL (nss_files/files-parse.c), used for the ids of NIS compat lines and shadow's day
 * counts: a field the line ends at (absent, or empty and last) rejects the line; an empty field followed by
 * another one gives `fallback`; anything else must be a number (`parse`), or the line is rejected (undefined).
 */
function maybeNullField(
  f: readonly string[],
  i: number,
  fallback: number,
  parse: (s: string) => number | undefined,
): number | undefined {
  if (i >= f.length || (i === f.length - 1 && f[i] === "")) return undefined;
  return f[i] === "" ? fallback : parse(f[i]);
}

/** Why an id field was rejected: absent, empty, or not a number. */
function idProblem(f: readonly string[], i: number, which: string): string {
  if (i >= f.length) return `${f.length} field(s), no ${which}`;
  return f[i] === "" ? `the ${which} is empty` : `the ${which} is not a number`;
}

/**
 * Parses /etc/passwd text as glibc 2.36's nss_files line parser does (checked against fgetpwent): a line needs
 * the name, password, uid and gid fields; a missing gecos, home or shell is empty (`evil:x:0:0` is a uid-0
 * account whose empty shell login and sshd run as /bin/sh), and the shell takes the rest of the line. NIS
 * lines take empty ids before another field. Never throws.
 */
export function parsePasswdFile(text: string): AccountFileParse<PasswdEntry> {
  const entries: PasswdEntry[] = [];
  const bad: BadLine[] = [];
  for (const raw of rawLines(text)) {
    const { line, fields: f } = raw;
    const nis = isNis(f[0]);
    if (nis && f.length === 1) {
      entries.push({
        line,
        name: f[0],
        password: { state: "disabled" },
        uid: -1,
        gid: -1,
        gecos: "",
        home: "",
        shell: "",
        nis,
      });
      continue;
    }
    // INT_FIELD for an account, INT_FIELD_MAYBE_NULL (an empty id before another field) for a NIS line.
    const id = (i: number) => nis ? maybeNullField(f, i, -1, strtoulId) : strtoulId(f[i] ?? "");
    const uid = id(2);
    const gid = uid === undefined ? undefined : id(3);
    if (uid === undefined || gid === undefined) {
      const [which, i] = uid === undefined ? ["uid", 2] : ["gid", 3];
      bad.push(badLine(raw, idProblem(f, i, which)));
      continue;
    }
    if (f[0] === "") {
      bad.push(badLine(raw, "empty account name"));
      continue;
    }
    entries.push({
      line,
      name: f[0],
      password: classifyPassword(f[1], true),
      uid,
      gid,
      ...(/^[0-9]+$/.test(f[2]) && String(uid) === f[2] ? {} : { uidText: f[2] }),
      gecos: f[4] ?? "",
      home: f[5] ?? "",
      shell: f.slice(6).join(":"),
      ...(f.length < 7 ? { fields: f.length } : {}),
      nis,
    });
  }
  return { entries, bad };
}

/** One /etc/shadow entry (days since 1970-01-01; null for an empty field). */
export interface ShadowEntry {
  line: number;
  name: string;
  password: PasswordState;
  lastChange: number | null;
  minDays: number | null;
  maxDays: number | null;
  warnDays: number | null;
  inactiveDays: number | null;
  expireDay: number | null;
  nis: boolean;
}

/** A shadow day count as glibc stores it: strtoul's value cast to a signed 32-bit int. */
function dayCount(field: string): number | undefined {
  const v = strtoulId(field);
  return v === undefined ? undefined : v | 0;
}

/**
 * The day counts of a shadow line, or a reason glibc 2.36's parser (shadow/sgetspent_r.c, checked against
 * fgetspent) rejects it: last change, min and max must be there (empty before another field means unset); a line
 * ending after max (the old 5-field form) is complete; otherwise warn, inactive and expire must be there and the
 * flag field, if any, runs to the end of the line (so 8 or 9 fields, never 6, 7 or 10).
 */
function shadowDays(f: readonly string[]): (number | null)[] | string {
  const day = (g: readonly string[], i: number) => maybeNullField(g, i, -1, dayCount);
  const out: (number | undefined)[] = [day(f, 2), day(f, 3), day(f, 4)];
  const rest = f.slice(5).join(":").replace(/^[ \t\n\v\f\r]+/, "");
  if (rest !== "") {
    const g = [...f.slice(0, 5), ...rest.split(":")];
    out.push(day(g, 5), day(g, 6), day(g, 7));
    const flag = g.slice(8).join(":");
    if (flag.includes(":")) return `${f.length} field(s), 5, 8 or 9 expected`;
    if (flag !== "" && strtoulId(flag) === undefined) return "the flag field is not a number";
  }
  if (out.some((n) => n === undefined)) {
    return f.length < 5 || (f.length > 5 && f.length < 8)
      ? `${f.length} field(s), 5, 8 or 9 expected`
      : "a date or day count is not a number";
  }
  return out.map((n) => n === -1 ? null : n!);
}

/**
 * Parses /etc/shadow text. A line glibc rejects is reported, but its password field is still classified when
 * there is one: an empty password there must not go unseen because the line is odd.
 */
export function parseShadowFile(text: string): AccountFileParse<ShadowEntry> {
  const entries: ShadowEntry[] = [];
  const bad: BadLine[] = [];
  for (const raw of rawLines(text)) {
    const { line, fields: f } = raw;
    if (f[0] === "") {
      bad.push(badLine(raw, "empty account name"));
      continue;
    }
    const nis = isNis(f[0]);
    const days = nis && f.length === 1 ? [] : shadowDays(f);
    if (typeof days === "string") bad.push(badLine(raw, days));
    if (f.length < 2) continue;
    const nums = typeof days === "string"
      ? f.slice(2, 8).map((x) => x === "" ? null : dayCount(x) ?? null)
      : days;
    const n = (i: number) => nums[i] ?? null;
    entries.push({
      line,
      name: f[0],
      password: classifyPassword(f[1]),
      lastChange: n(0),
      minDays: n(1),
      maxDays: n(2),
      warnDays: n(3),
      inactiveDays: n(4),
      expireDay: n(5),
      nis,
    });
  }
  return { entries, bad };
}

/** One /etc/group entry. */
export interface GroupEntry {
  line: number;
  name: string;
  password: PasswordState;
  gid: number;
  members: string[];
  nis: boolean;
}

/** A member list as glibc's parse_list splits it: at commas, leading blanks dropped, trailing ones kept. */
function memberList(field: string | undefined): string[] {
  return (field ?? "").split(",").map((m) => m.replace(/^[ \t\n\v\f\r]+/, "")).filter((m) => m !== "");
}

/**
 * Parses /etc/group text as glibc 2.36's parser does (grp/fgetgrent_r.c, checked against fgetgrent): name,
 * password and gid are needed, the member list may be missing and takes the rest of the line. Never throws.
 */
export function parseGroupFile(text: string): AccountFileParse<GroupEntry> {
  const entries: GroupEntry[] = [];
  const bad: BadLine[] = [];
  for (const raw of rawLines(text)) {
    const { line, fields: f } = raw;
    const nis = isNis(f[0]);
    const gid = nis && f.length === 1
      ? -1
      : nis
      ? maybeNullField(f, 2, -1, strtoulId)
      : strtoulId(f[2] ?? "");
    if (gid === undefined || f[0] === "") {
      bad.push(badLine(
        raw,
        f[0] === ""
          ? "empty group name"
          : f.length < 3
          ? `${f.length} field(s), the gid is missing`
          : "the gid is not a number",
      ));
      continue;
    }
    entries.push({
      line,
      name: f[0],
      password: classifyPassword(f[1] ?? "x", true),
      gid,
      members: memberList(f.slice(3).join(":")),
      nis,
    });
  }
  return { entries, bad };
}

/** One /etc/gshadow entry. */
export interface GshadowEntry {
  line: number;
  name: string;
  password: PasswordState;
  admins: string[];
  members: string[];
}

/** Parses /etc/gshadow text. Never throws. */
export function parseGshadowFile(text: string): AccountFileParse<GshadowEntry> {
  const entries: GshadowEntry[] = [];
  const bad: BadLine[] = [];
  for (const raw of rawLines(text)) {
    const { line, fields: f } = raw;
    if (f.length !== 4 || f[0] === "") {
      bad.push(badLine(raw, f[0] === "" ? "empty group name" : `${f.length} field(s), 4 expected`));
      if (f.length < 2 || f[0] === "") continue;
    }
    entries.push({
      line,
      name: f[0],
      password: classifyPassword(f[1]),
      admins: memberList(f[2]),
      members: memberList(f[3]),
    });
  }
  return { entries, bad };
}
