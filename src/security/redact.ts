/**
 * PII redaction: user names, uids, home directories, host names, command lines and environment values are
 * replaced by stable tokens (`user-1a2b3c4d`: the first 8 hex digits of HMAC-SHA256(key, kind + NUL + value)),
 * everywhere in a report, so findings about the same user or command still group. Idempotent: a token is
 * never redacted again.
 */
import { createHmac } from "node:crypto";
import { escapeRegExp } from "../host/regex.ts";

/** What to redact (`--no-user-meta`, `--no-cmdline-meta`, `--no-hostname-meta`; `--redact` sets all). */
export interface RedactOptions {
  users: boolean;
  cmdline: boolean;
  hostname: boolean;
}

/** A passwd entry the redactor hides. */
export interface KnownUser {
  name: string;
  uid: number;
  /** Primary group id, when known (hidden in gid fields like the uid). */
  gid?: number;
  home: string;
  /** The full-name part of the GECOS field, when there is one. */
  fullName?: string;
}

/** Everything the redactor knows up front. */
export interface RedactionSeed {
  /** HMAC key: the same key gives the same tokens (across scans of a host, or a fleet with a shared key). */
  key: string;
  /** Where the key came from, recorded in meta (never the key itself). */
  keySource: "SYS_SCAN_REDACT_KEY" | "machine-id" | "fixed";
  users: KnownUser[];
  /** System accounts (root, daemon, www-data…): kept as they are, they identify no person. */
  systemUsers: string[];
  hostnames: string[];
  /** Command lines and secret environment values seen in the scanned root's /proc. */
  commandValues: string[];
}

/** Token kinds. */
export type TokenKind = "user" | "uid" | "gid" | "home" | "host" | "cmd";

const TOKEN = /^(?:user|uid|gid|home|host|cmd)-[0-9a-f]{8}$/;
const TOKEN_SRC = "(?:user|uid|gid|home|host|cmd)-[0-9a-f]{8}(?![0-9a-f])";
/** Command-line fields: the program (first word) stays readable, its arguments become one token. */
const ARGV_KEYS = /^(?:cmdline|argv|args|arguments|command|cmd|exec_args)$/i;
/** Environment fields: every value becomes a token. */
const ENV_KEYS = /^(?:environ|environment|env|envp)$/i;
const ENV_VALUE_KEYS = /^values?$/;
const USER_KEYS = /^(?:user|username|user_name|login|owner|owner_name|real_user|effective_user|sudo_user)$/i;
/** Fields that hold lists of user names (group members, accounts sharing a uid…): each element is a user. */
const USER_LIST_KEYS = /^(?:users|members|system_members|recent_members)$/i;
const UID_KEYS = /^(?:uid|euid|ruid|suid|fsuid|loginuid|owner_uid|user_id|auid)$/i;
const GID_KEYS = /^(?:gid|egid|rgid|sgid|fsgid|owner_gid|group_id)$/i;
const HOST_KEYS = /^(?:hostname|host_name|nodename|fqdn)$/i;
const MIN_TEXT_LEN = 3;
const MIN_COMMAND_LEN = 8;
/** Host names as short as "vm" are still hidden (on word boundaries). */
const MIN_HOST_LEN = 2;
/** Structural fields: never rewritten, so scanner names, check ids and codes survive any dictionary. */
const STRUCTURAL_KEYS = new Set([
  "scanner",
  "check_id",
  "code",
  "severity",
  "status",
  "type",
  "mitre",
  "tags",
  "severity_source",
  "baseline_status",
  "$schema",
  "json_schema_version",
  "report_format",
  "tool_version",
]);

/** The redactor of one scan. */
export class Redactor {
  readonly #key: string;
  readonly #opts: RedactOptions;
  readonly #users = new Map<string, KnownUser>();
  readonly #uids = new Set<number>();
  readonly #gids = new Set<number>();
  /** Names, home paths and host names (lower case) → token; grows when user fields name a user passwd did not. */
  readonly #dict = new Map<string, string>();
  #pattern: RegExp | null = null;
  /** Command lines and argument values (exact case) → token: grows while findings pass through. */
  readonly #cmds = new Map<string, string>();
  /** The compiled part of #cmds, and the values added since (searched plainly until the next compile). */
  #cmdPattern: RegExp | null = null;
  #cmdPending: string[] = [];
  readonly #seed: RedactionSeed;
  readonly #system: Set<string>;

  constructor(opts: RedactOptions, seed: RedactionSeed) {
    this.#opts = opts;
    this.#key = seed.key;
    this.#seed = seed;
    this.#system = new Set(seed.systemUsers);
    if (opts.users) {
      for (const u of seed.users) {
        this.#users.set(u.name, u);
        if (u.uid >= 0) this.#uids.add(u.uid);
        if (u.gid !== undefined && u.gid >= 1000) this.#gids.add(u.gid);
        const userTok = this.token("user", u.name);
        this.#add(
          u.home,
          u.home.endsWith(`/${u.name}`)
            ? u.home.slice(0, -u.name.length) + userTok
            : this.token("home", u.home),
        );
        this.#add(u.name, userTok);
        if (u.fullName) this.#add(u.fullName, userTok);
      }
    }
    if (opts.hostname) {
      for (const h of seed.hostnames) {
        this.#add(h, this.token("host", h.toLowerCase()), MIN_HOST_LEN);
        const short = h.split(".")[0];
        if (short !== h) this.#add(short, this.token("host", short.toLowerCase()), MIN_HOST_LEN);
      }
    }
    if (opts.cmdline) { for (const c of seed.commandValues) this.#addCommand(c); }
  }

  /** True when any redaction is on. */
  get active(): boolean {
    return this.#opts.users || this.#opts.cmdline || this.#opts.hostname;
  }

  /** What meta.redaction records: the switches, the token scheme and the key's source. */
  describe(): Record<string, unknown> {
    return {
      users: this.#opts.users,
      cmdline: this.#opts.cmdline,
      hostname: this.#opts.hostname,
      token: "<kind>-<first 8 hex of HMAC-SHA256(key, kind NUL value)>",
      key_source: this.#seed.keySource,
      known_users: this.#users.size,
    };
  }

  /** The stable token for a value. */
  token(kind: TokenKind, value: string): string {
    return `${kind}-${createHmac("sha256", this.#key).update(`${kind}\0${value}`).digest("hex").slice(0, 8)}`;
  }

  #add(raw: string, token: string, minLen = MIN_TEXT_LEN): void {
    const k = raw.toLowerCase();
    if (raw.length < minLen || TOKEN.test(raw) || this.#dict.has(k)) return;
    this.#dict.set(k, token);
    this.#pattern = null;
  }

  /** Remembers a command value to hide wherever it is quoted. A lone path is no secret and stays readable. */
  #addCommand(raw: string): void {
    if (raw.length < MIN_COMMAND_LEN || TOKEN.test(raw) || this.#cmds.has(raw)) return;
    if (raw.startsWith("/") && !/\s/.test(raw)) return;
    this.#cmds.set(raw, this.token("cmd", raw));
    this.#cmdPending.push(raw);
    // Recompile only when the pending list has grown by a fair share, so many findings stay linear.
    if (this.#cmdPending.length > 32 + this.#cmds.size / 4) {
      const all = [...this.#cmds.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.#cmdPattern = new RegExp(all.join("|"), "g");
      this.#cmdPending = [];
    }
  }

  /** A single argument is only worth hiding elsewhere when it carries a value (`--password=…`). */
  #addArgument(arg: string): void {
    const eq = arg.indexOf("=");
    if (eq < 0 || arg.length - eq - 1 < MIN_COMMAND_LEN) return;
    this.#addCommand(arg);
    this.#addCommand(arg.slice(eq + 1));
  }

  #commandText(s: string): string {
    let out = s;
    for (const raw of [...this.#cmdPending].sort((a, b) => b.length - a.length)) {
      if (out.includes(raw)) out = out.replaceAll(raw, this.#cmds.get(raw)!);
    }
    if (this.#cmdPattern) out = out.replace(this.#cmdPattern, (m) => this.#cmds.get(m) ?? m);
    return out;
  }

  #regex(): RegExp {
    if (this.#pattern) return this.#pattern;
    const words = [...this.#dict.keys()].sort((a, b) => b.length - a.length).map((w) => {
      const body = escapeRegExp(w);
      // Names get word boundaries; command lines and paths match anywhere.
      return /^[A-Za-z0-9_.-]+$/.test(w) ? `(?<![A-Za-z0-9_])${body}(?![A-Za-z0-9_])` : body;
    });
    const uidAlt = this.#opts.users && this.#uids.size > 0
      ? [
        `(?<=(?:\\b(?:uid|euid|ruid|owner|auid)[=: ]{1,2}|user-|user@|/run/user/|/user/))(?:${
          [...this.#uids].join("|")
        })(?![0-9])`,
      ]
      : [];
    this.#pattern = new RegExp([TOKEN_SRC, ...uidAlt, ...words].map((a) => `(${a})`).join("|"), "gi");
    return this.#pattern;
  }

  /** Replaces every known value in a piece of text: command values first (they may hold names), then names. */
  text(raw: string): string {
    if (!this.active || raw === "") return raw;
    const s = this.#cmds.size > 0 ? this.#commandText(raw) : raw;
    if (this.#dict.size === 0 && this.#uids.size === 0) return s;
    return s.replace(this.#regex(), (m: string, tok: string | undefined) => {
      if (tok !== undefined) return m;
      if (/^[0-9]+$/.test(m) && this.#uids.has(Number(m))) return this.token("uid", m);
      return this.#dict.get(m.toLowerCase()) ?? m;
    });
  }

  /** Collects keyed command/environment values first, so the text pass also hides them where they are quoted. */
  #collect(v: unknown, key: string | undefined, parent: Record<string, unknown> | undefined): void {
    if (Array.isArray(v)) {
      if (this.#opts.cmdline && key !== undefined && this.#isCmdKey(key, parent)) {
        this.#addCommand(v.filter((x) => typeof x === "string").join(" "));
        for (const x of v) if (typeof x === "string") this.#addArgument(x);
      } else if (key !== undefined && USER_LIST_KEYS.test(key)) {
        for (const x of v) if (typeof x === "string") this.#learnUser(x);
      } else for (const x of v) this.#collect(x, undefined, undefined);
    } else if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      for (const [k, x] of Object.entries(o)) this.#collect(x, k, o);
    } else if (
      typeof v === "string" && key !== undefined && this.#opts.cmdline && this.#isCmdKey(key, parent)
    ) {
      this.#addCommand(v);
    } else if (typeof v === "string" && key !== undefined && USER_KEYS.test(key)) {
      this.#learnUser(v);
    }
  }

  /**
   * A user name met in a user field (a login recorded in wtmp for an account passwd no longer has, say) is
   * hidden from then on wherever it is quoted, like the names passwd gave at the start.
   */
  #learnUser(name: string): void {
    if (!this.#opts.users || name === "" || this.#system.has(name) || TOKEN.test(name)) return;
    if (!this.#dict.has(name.toLowerCase())) this.#add(name, this.token("user", name));
  }

  #isCmdKey(key: string, parent: Record<string, unknown> | undefined): boolean {
    return ARGV_KEYS.test(key) || ENV_KEYS.test(key) ||
      (ENV_VALUE_KEYS.test(key) && parent !== undefined && "variable" in parent);
  }

  /** One command or environment value: a lone absolute path stays readable (user paths are hidden anyway). */
  #commandValue(x: string): string {
    if (x === "" || TOKEN.test(x)) return x;
    return x.startsWith("/") && !/\s/.test(x) ? this.text(x) : this.token("cmd", x);
  }

  /** A command line as one string: its program stays, the arguments become one token. */
  #commandLine(v: string): string {
    const m = v.match(/^(\S+)(\s+)([\s\S]+)$/);
    if (!m) return v.includes("=") ? this.token("cmd", v) : this.text(v);
    const program = m[1].includes("=") ? this.token("cmd", m[1]) : this.text(m[1]);
    return `${program} ${TOKEN.test(m[3]) ? m[3] : this.token("cmd", m[3])}`;
  }

  #value(v: unknown, key: string | undefined, parent: Record<string, unknown> | undefined): unknown {
    if (key !== undefined && STRUCTURAL_KEYS.has(key)) return v;
    if (typeof v === "string") {
      if (TOKEN.test(v)) return v;
      if (key !== undefined) {
        if (this.#opts.cmdline && this.#isCmdKey(key, parent)) {
          return ARGV_KEYS.test(key) ? this.#commandLine(v) : this.#commandValue(v);
        }
        if (this.#opts.hostname && HOST_KEYS.test(key) && v !== "") {
          return this.token("host", v.toLowerCase());
        }
        if (this.#opts.users && USER_KEYS.test(key) && v !== "" && !this.#system.has(v)) {
          return this.token("user", v);
        }
      }
      return this.text(v);
    }
    if (typeof v === "number" && key !== undefined && this.#opts.users) {
      if (UID_KEYS.test(key) && this.#uids.has(v)) return this.token("uid", String(v));
      if (GID_KEYS.test(key) && this.#gids.has(v)) return this.token("gid", String(v));
    }
    if (Array.isArray(v)) {
      if (key !== undefined && this.#opts.users && USER_LIST_KEYS.test(key)) {
        return v.map((x) =>
          typeof x !== "string" || x === "" || this.#system.has(x) || TOKEN.test(x)
            ? x
            : this.token("user", x)
        );
      }
      if (key !== undefined && this.#opts.cmdline && this.#isCmdKey(key, parent)) {
        const argv = ARGV_KEYS.test(key);
        return v.map((x, i) =>
          typeof x !== "string" ? x : argv && i === 0 ? this.text(x) : this.#commandValue(x)
        );
      }
      return v.map((x) => this.#value(x, undefined, undefined));
    }
    if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(o)) out[k] = this.#value(x, k, o);
      // A finding id is check_id + ":" + subject: only the subject is rewritten.
      if (typeof o.id === "string" && typeof o.check_id === "string" && o.id.startsWith(`${o.check_id}:`)) {
        out.id = `${o.check_id}:${this.text(o.id.slice(o.check_id.length + 1))}`;
      }
      return out;
    }
    return v;
  }

  /** Redacts any JSON-like value (a finding, meta, a warning, a streamed event); keys are kept. */
  deep<T>(v: T): T {
    if (!this.active) return v;
    this.#collect(v, undefined, undefined);
    return this.#value(v, undefined, undefined) as T;
  }
}

/**
 * Parses /etc/passwd: the users worth hiding (login uids 1000–59999, and anyone with a /home dir) and the
 * system accounts that identify no person.
 */
export function passwdUsers(passwd: string): { users: KnownUser[]; system: string[] } {
  const out: KnownUser[] = [];
  const system: string[] = [];
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    if (f.length < 7 || f[0] === "" || f[0].startsWith("#")) continue;
    const uid = Number(f[2]);
    if (!Number.isInteger(uid) || uid < 0) continue;
    const home = f[5];
    if (!((uid >= 1000 && uid < 60000) || home.startsWith("/home/"))) {
      system.push(f[0]);
      continue;
    }
    const fullName = f[4].split(",")[0].trim();
    const gid = Number(f[3]);
    out.push({
      name: f[0],
      uid,
      ...(Number.isInteger(gid) && gid >= 0 ? { gid } : {}),
      home,
      ...(fullName.length >= MIN_TEXT_LEN ? { fullName } : {}),
    });
  }
  return { users: out, system };
}
