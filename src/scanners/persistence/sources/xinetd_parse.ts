/**
 * Parser of xinetd's configuration files (xinetd.conf and what it includes), read as xinetd 2.3.15 reads them:
 * its `parse.c`, `parsesup.c`, `parsers.c`, `confparse.c` and `includedir.c`, quirks included (a stray line
 * swallows up to the next `}`, a value it rejects disables the service, the first of a repeated attribute wins).
 * Pure functions of the text, linear in its length, that never throw.
 */
import { basename, type InetService, LineReader, words } from "./inetd_parse.ts";

/** What one xinetd configuration file defines. */
export interface XinetdConf {
  services: InetService[];
  /** `include FILE` and `includedir DIR` lines, in order. */
  includes: { line: number; path: string; dir: boolean }[];
  /** Service ids the file's defaults entry lists as `disabled` (xinetd reads one defaults entry per file). */
  disabled: string[];
  /** Service ids the file's defaults entry lists as `enabled`, when it has the attribute. */
  enabled?: string[];
  /** Lines xinetd rejects (a missing `{`, a bad operator, an unknown keyword). */
  bad: number;
}

/** xinetd's socket types, service types and flags: any other value is an error that disables the service. */
const XINETD_SOCKET_TYPES = new Set(["stream", "dgram", "raw", "seqpacket"]);
const XINETD_TYPES = new Set(["RPC", "INTERNAL", "UNLISTED", "SPECIAL", "TCPMUX", "TCPMUXPLUS"]);
const XINETD_FLAGS = new Set([
  "REUSE",
  "INTERCEPT",
  "NORETRY",
  "IDONLY",
  "NAMEINARGS",
  "NODELAY",
  "KEEPALIVE",
  "NOLIBWRAP",
  "SENSOR",
  "IPv4",
  "IPv6",
  "LABELED",
]);
/** Service attributes that take exactly one value (with another count, xinetd ignores the line). */
const ONE_VALUE = new Set([
  "socket_type",
  "protocol",
  "wait",
  "user",
  "group",
  "server",
  "id",
  "disable",
  "port",
]);
/** Service attributes with `+=`/`-=` and repeats (the others: `=` only, the first occurrence wins). */
const MODIFIABLE = new Set(["log_on_success", "log_on_failure", "only_from", "no_access", "env", "passenv"]);

/** One significant line: not blank, not a comment (its first non-blank character `#`). */
interface Line {
  n: number;
  text: string;
}

/** True when the line holds `ch` once and nothing else but blanks (xinetd's `line_has_only_1_char`). */
function onlyChar(text: string, ch: string): boolean {
  return text.trim() === ch;
}

/** `name op values…` as xinetd's `parse_line` splits it; undefined for a line it rejects. */
function attributeLine(text: string): { name: string; op: string; values: string[] } | undefined {
  const m = /^\s*([^\s=]+)[ \t\v\f]+(=|\+=|-=)(.*)$/.exec(text);
  return m ? { name: m[1], op: m[2], values: words(m[3]) } : undefined;
}

/** The state of one service block while its attributes are read. */
interface Block {
  service: InetService;
  /** Attributes set once (the first occurrence wins). */
  set: Set<string>;
  flags: Set<string>;
  args?: string[];
  /** xinetd's per-service disabled flag: set by `disable = yes` and by rejected values, cleared by `disable = no`. */
  disabledFlag: boolean;
}

/** Applies one attribute line to a service block, as xinetd's `identify_attribute` and parsers do. */
function serviceAttribute(b: Block, name: string, op: string, values: string[]): void {
  const s = b.service;
  const fail = (why: string) => {
    b.disabledFlag = true;
    s.error ??= why;
  };
  if (!MODIFIABLE.has(name)) {
    if (b.set.has(name) || op !== "=") return;
    if (ONE_VALUE.has(name) && values.length !== 1) return;
    if (name === "redirect" && values.length !== 2) return;
  }
  const v = values[0];
  switch (name) {
    case "socket_type":
      if (!XINETD_SOCKET_TYPES.has(v)) return fail(`socket_type = ${v}`);
      s.socketType = v;
      break;
    case "protocol":
      s.protocol = v;
      break;
    case "wait":
      if (v !== "yes" && v !== "no") return fail(`wait = ${v}`);
      s.wait = v;
      break;
    case "user":
      s.user = v;
      break;
    case "group":
      s.group = v;
      break;
    case "server":
      s.server = v;
      break;
    case "server_args":
      if (values.length === 0) return fail("server_args without a value");
      b.args = values;
      break;
    case "id":
      s.id = v;
      break;
    case "disable":
      if (v === "yes") b.disabledFlag = true;
      else if (v === "no") b.disabledFlag = false;
      else return fail(`disable = ${v}`);
      break;
    case "type":
    case "flags": {
      const known = name === "type" ? XINETD_TYPES : XINETD_FLAGS;
      if (values.length === 0) return fail(`${name} without a value`);
      for (const x of values) {
        if (!known.has(x)) return fail(`${name} ${x}`);
        b.flags.add(x);
      }
      break;
    }
    case "redirect":
      s.redirect = values.join(" ");
      break;
    case "env":
      if (op === "-=") return fail("env -=");
      if (values.some((x) => !x.includes("="))) return fail("env value without '='");
      s.env = op === "=" ? [...values] : [...s.env, ...values];
      break;
  }
  b.set.add(name);
}

/** Ends a service block: its program, argv and internal state from the attributes read. */
function finishService(b: Block): InetService {
  const s = b.service;
  s.internal = b.flags.has("INTERNAL") || b.flags.has("SENSOR");
  if (s.internal || s.redirect !== undefined) {
    delete s.server; // xinetd runs its built-in, or relays the connection (its server becomes /bin/true)
    s.argv = [];
    return s;
  }
  if (s.server === undefined) return s;
  const args = b.args ?? [];
  s.argv = b.flags.has("NAMEINARGS") ? args : [basename(s.server), ...args];
  return s;
}

/**
 * One xinetd configuration file: its `service NAME { … }` blocks, `include` and `includedir` lines and the
 * `disabled`/`enabled` lists of its defaults entry, read as xinetd reads them: a keyword line, then a line with
 * only `{`, then `attribute op values` lines up to a line with only `}`; `#` starts a comment only as a line's
 * first non-blank character; values are split on blanks, never quoted. A service xinetd drops as it reads it
 * (`disable = yes`, a line it cannot parse) is kept with `off`; one with a rejected value gets `error`.
 * A line xinetd does not expect makes it skip to the next line with only `}` (it may be another block's).
 */
export function parseXinetdConf(text: string): XinetdConf {
  const r = new LineReader(text);
  /** xinetd's `next_line`: the next line that is neither blank nor a comment. */
  const nextLine = (): Line | undefined => {
    for (let t = r.next(); t !== undefined; t = r.next()) {
      if (!/^\s*(?:#|$)/.test(t)) return { n: r.n, text: t };
    }
    return undefined;
  };
  const out: XinetdConf = { services: [], includes: [], disabled: [], bad: 0 };
  /** xinetd's `skip_entry`: on to the line after the next line with only `}`. */
  const skipEntry = () => {
    for (let l = nextLine(); l !== undefined; l = nextLine()) if (onlyChar(l.text, "}")) return;
  };
  /** Reads a defaults entry's lists; false when a line stops it early (xinetd then reads on from there). */
  const defaultsEntry = (): boolean => {
    for (;;) {
      const l = nextLine();
      if (l === undefined) return false;
      if (onlyChar(l.text, "}")) return true;
      const a = attributeLine(l.text);
      if (a === undefined) {
        out.bad++;
        return false;
      }
      // `=`, `+=` and `-=` all add to these lists in a defaults entry.
      // (Appended one by one: spreading a list of a million ids into push() overflows the stack.)
      if (a.name === "disabled") { for (const v of a.values) out.disabled.push(v); }
      if (a.name === "enabled") { for (const v of a.values) (out.enabled ??= []).push(v); }
    }
  };
  let foundDefaults = false;
  for (let head = nextLine(); head !== undefined; head = nextLine()) {
    const [keyword, name] = words(head.text);
    if (keyword === "include" || keyword === "includedir") {
      if (name === undefined) {
        out.bad++;
        skipEntry();
        continue;
      }
      out.includes.push({ line: head.n, path: name, dir: keyword === "includedir" });
      continue;
    }
    if ((keyword !== "service" || name === undefined) && keyword !== "defaults") {
      out.bad++;
      skipEntry();
      continue;
    }
    const brace = nextLine();
    if (brace === undefined || !onlyChar(brace.text, "{")) {
      out.bad++;
      skipEntry();
      continue;
    }
    if (keyword === "defaults") {
      if (foundDefaults) skipEntry(); // "only 1 defaults entry is allowed"
      else foundDefaults = defaultsEntry();
      continue;
    }
    const b: Block = {
      service: { line: head.n, name, id: name, argv: [], internal: false, env: [] },
      set: new Set(),
      flags: new Set(),
      disabledFlag: false,
    };
    let dropped: string | undefined;
    for (;;) {
      const l = nextLine();
      if (l === undefined) {
        dropped ??= "no closing }";
        break;
      }
      if (onlyChar(l.text, "}")) break;
      const a = attributeLine(l.text);
      if (a === undefined) {
        // xinetd drops the service and skips to the next `}`, which is also where this loop stops.
        if (!dropped) out.bad++;
        dropped ??= `line ${l.n} not understood`;
        continue;
      }
      // After a drop the attributes are still read, for what the inventory shows of the service.
      serviceAttribute(b, a.name, a.op, a.values);
      if (!dropped && a.name === "disable" && b.disabledFlag) dropped = b.service.error ?? "disable = yes";
    }
    const s = finishService(b);
    if (dropped) s.off = dropped;
    else if (!b.disabledFlag) delete s.error;
    out.services.push(s);
  }
  return out;
}

/**
 * Settles which xinetd services run once every file is read, as `remove_disabled_services` and the attribute
 * checks do: with an `enabled` list, only the services it names (a rejected value no longer counts against
 * them); the services a `disabled` list names are removed; what remains needs `socket_type` (or a tcp/udp
 * `protocol`) and `wait`, and a program service `server` and `user`. Sets `off` on the others.
 */
export function applyXinetdDefaults(
  services: readonly InetService[],
  disabled: readonly string[],
  enabled?: readonly string[],
): void {
  const on = enabled ? new Set(enabled) : undefined;
  const off = new Set(disabled);
  for (const s of services) {
    if (s.off) continue;
    if (on) {
      if (!on.has(s.id)) s.off = "not in the defaults' enabled list";
      else delete s.error;
    }
    if (!s.off && s.error) s.off = s.error;
    if (!s.off && off.has(s.id)) s.off = "in the defaults' disabled list";
    if (s.off) continue;
    const missing = [
      ...(s.socketType === undefined && s.protocol !== "tcp" && s.protocol !== "udp" ? ["socket_type"] : []),
      ...(s.wait === undefined ? ["wait"] : []),
      ...(!s.internal && s.redirect === undefined && s.server === undefined ? ["server"] : []),
      ...(!s.internal && s.user === undefined ? ["user"] : []),
    ];
    if (missing.length > 0) s.off = `missing ${missing.join(", ")}`;
  }
}

/** The configuration file an `-f FILE` option in /etc/default/xinetd's XINETD_OPTS makes xinetd read instead. */
export function xinetdConfigOption(defaultsText: string): string | undefined {
  let file: string | undefined;
  const r = new LineReader(defaultsText);
  for (let l = r.next(); l !== undefined; l = r.next()) {
    const m = /^\s*(?:export\s+)?XINETD_OPTS=(.*)$/.exec(l);
    if (!m) continue;
    const f = /(?:^|[\s"'])-f\s+["']?([^\s"']+)/.exec(m[1]);
    if (f) file = f[1];
  }
  return file;
}

/** True for a name xinetd's `includedir` skips: one containing a dot or ending with a tilde. */
export function xinetdSkips(name: string): boolean {
  return name.includes(".") || name.endsWith("~");
}
