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
  /** The shell field: the rest of the line (a trailing CR kept, as glibc keeps it). */
  shell: string;
  /** A NIS compat line ("+", "+name", "-name"): imports or hides directory accounts. */
  nis: boolean;
}

/** The parse of one account file: entries in file order and the lines that glibc would skip. */
export interface AccountFileParse<T> {
  entries: T[];
  bad: BadLine[];
}

/** Parses /etc/passwd text. Never throws. */
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
    if (f.length < 7) {
      bad.push(badLine(raw, `${f.length} field(s), 7 expected`));
      continue;
    }
    const uid = f[2] === "" && nis ? -1 : strtoulId(f[2]);
    const gid = f[3] === "" && nis ? -1 : strtoulId(f[3]);
    if (uid === undefined || gid === undefined) {
      bad.push(badLine(raw, uid === undefined ? "the uid is not a number" : "the gid is not a number"));
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
      gecos: f[4],
      home: f[5],
      shell: f.slice(6).join(":"),
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

function optionalInt(field: string | undefined): number | null | undefined {
  if (field === undefined || field.trim() === "") return null;
  const m = field.match(/^[ \t]*(-?[0-9]{1,12})$/);
  return m ? Number(m[1]) : undefined;
}

/**
 * Parses /etc/shadow text. A line with fewer than 9 fields is reported, but its password field is still
 * classified when there is one: an empty password there must not go unseen because the line is odd.
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
    const nums = f.slice(2, 8).map(optionalInt);
    if (f.length !== 9 && !(isNis(f[0]) && f.length < 9)) {
      bad.push(badLine(raw, `${f.length} field(s), 9 expected`));
    } else if (nums.some((n) => n === undefined)) {
      bad.push(badLine(raw, "a date or day count is not a number"));
    }
    if (f.length < 2) continue;
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
      nis: isNis(f[0]),
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

function memberList(field: string | undefined): string[] {
  return (field ?? "").split(",").map((m) => m.trim()).filter((m) => m !== "");
}

/** Parses /etc/group text. Never throws. */
export function parseGroupFile(text: string): AccountFileParse<GroupEntry> {
  const entries: GroupEntry[] = [];
  const bad: BadLine[] = [];
  for (const raw of rawLines(text)) {
    const { line, fields: f } = raw;
    const nis = isNis(f[0]);
    if (f.length < 4 && !(nis && f.length === 1)) {
      bad.push(badLine(raw, `${f.length} field(s), 4 expected`));
      continue;
    }
    const gid = nis && (f[2] ?? "") === "" ? -1 : strtoulId(f[2]);
    if (gid === undefined || f[0] === "") {
      bad.push(badLine(raw, f[0] === "" ? "empty group name" : "the gid is not a number"));
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
