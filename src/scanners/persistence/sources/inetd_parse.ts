/**
 * Parser of inetd.conf as openbsd-inetd, GNU inetutils' inetd, netkit and busybox read it (xinetd's files are
 * xinetd_parse.ts's), the service model both share and the command a service runs. Pure functions of the text,
 * linear in its length, that never throw; the grammar is the daemons' own (openbsd-inetd's `getconfigent` and
 * `skip`, inetutils' `getconfigent`, xinetd's `inet.c`), quirks included, so a service is reported as running
 * when one of the daemons would run it.
 */

/** One service a super-server configuration defines. */
export interface InetService {
  /** The line the service starts on (1-based). */
  line: number;
  /** The service name (a port name or number), without an inetd address prefix. */
  name: string;
  /** xinetd's service id (`id =`, else the name): what `enabled` and `disabled` lists name. */
  id: string;
  /** `stream`, `dgram`…, as written. */
  socketType?: string;
  protocol?: string;
  /** inetd's wait/nowait (its `.max` suffix left out), xinetd's `wait = yes|no`. */
  wait?: string;
  /** The account the program runs as (without its group). */
  user?: string;
  group?: string;
  /** An inetd address prefix (`127.0.0.1:discard`). */
  address?: string;
  /** The program the daemon executes; undefined for internal services, redirects and a missing `server`. */
  server?: string;
  /** The program's arguments, argv[0] first, as the daemon passes them. */
  argv: string[];
  /** True for a service the daemon provides itself (`internal`, `type = INTERNAL`, the SENSOR flag). */
  internal: boolean;
  /** xinetd's `redirect = host port`: the daemon relays the connection, no program runs. */
  redirect?: string;
  /** xinetd's `env` assignments, added to the program's environment. */
  env: string[];
  /** Why the daemon does not run this service; undefined when it does. */
  off?: string;
  /**
   * xinetd only: an attribute it rejected, which disables the service unless a defaults `enabled` list names it
   * (see `applyXinetdDefaults`, which turns this into `off`).
   */
  error?: string;
}

/** What an inetd.conf (or a file of inetutils' /etc/inetd.d) defines. */
export interface InetdConf {
  services: InetService[];
  /** Lines that are neither comments nor services (too few fields). */
  bad: number;
}

/** What the command of a service is, as a command line: the program and its arguments after argv[0]. */
export interface InetCommand {
  /** The command line judged like any entry: xinetd's env assignments, the program, its arguments. */
  text: string;
  /** The program that serves the connection (the one tcpd hands it to, when wrapped). */
  program: string;
  /** The access-control wrapper the daemon runs first (/usr/sbin/tcpd), when there is one. */
  wrapper?: string;
}

/** Where Debian's tcpd looks for a daemon named without a path (its REAL_DAEMON_DIR). */
export const TCPD_DAEMON_DIR = "/usr/sbin";
/** update-inetd's mark of a service it disabled (`#<off># telnet stream tcp …`). */
export const UPDATE_INETD_OFF = "#<off>#";
/** inetd.conf's fixed fields before the arguments: service, socket type, protocol, wait, user, server. */
const INETD_FIELDS = 6;
/** The arguments openbsd-inetd passes at most (BSD inetd's MAXARGV); it drops the words after them. */
const OPENBSD_MAXARGV = 20;
/** The socket types inetd knows (others make it skip the service). */
const SOCKET_TYPES = new Set(["stream", "dgram", "raw", "rdm", "seqpacket"]);

/** The blank-separated words of a line (inetd and xinetd split on spaces and tabs only). */
export function words(line: string): string[] {
  // The ends are found by hand (a `[ \t]+$` pattern retries from every blank of a long run) and the line is split
  // once, with no filtering copy: a 1 MiB list of ids is half a million words.
  const blank = (i: number) => line[i] === " " || line[i] === "\t";
  let start = 0;
  let end = line.length;
  while (start < end && blank(start)) start++;
  while (end > start && blank(end - 1)) end--;
  return start === end ? [] : line.slice(start, end).split(/[ \t]+/);
}

/** The last component of a path. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Reads a text line by line (a trailing carriage return dropped from each), without splitting it into an array
 * first: a 1 MiB file of short lines would otherwise be a hundred thousand strings kept alive at once.
 */
export class LineReader {
  #pos = 0;
  /** The number (1-based) of the line `next` returned last. */
  n = 0;
  constructor(readonly text: string) {}

  /** The next line, or undefined after the last (a text ending in a newline ends with an empty line). */
  next(): string | undefined {
    if (this.#pos > this.text.length) return undefined;
    const nl = this.text.indexOf("\n", this.#pos);
    const end = nl < 0 ? this.text.length : nl;
    const line = this.text.slice(this.#pos, end > this.#pos && this.text[end - 1] === "\r" ? end - 1 : end);
    this.#pos = end + 1;
    this.n++;
    return line;
  }

  /** True when the next line starts with a space or a tab (openbsd-inetd's continuation line). */
  blankNext(): boolean {
    const c = this.text[this.#pos];
    return c === " " || c === "\t";
  }
}

/**
 * The service an inetd.conf entry's words define, or undefined for a `host:` line (which sets the default listen
 * address) and an entry with too few fields. `off` marks a service the file disables (update-inetd's `#<off>#`);
 * `maxArgs` keeps that many arguments at most.
 */
function inetdEntry(fields: string[], line: number, off?: string, maxArgs?: number): InetService | undefined {
  let f = fields;
  let name = f[0] ?? "";
  let address: string | undefined;
  const colon = name.lastIndexOf(":");
  if (colon >= 0) {
    address = name.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
    name = name.slice(colon + 1);
    if (name === "") {
      // `127.0.0.1:` alone sets the address of the lines below; `127.0.0.1: echo stream …` is a service.
      f = f.slice(1);
      name = f[0] ?? "";
    }
  }
  if (f.length < INETD_FIELDS || name === "") return undefined;
  const [, socketType, protocol, waitField, userField, server] = f;
  const args = f.slice(INETD_FIELDS, maxArgs === undefined ? undefined : INETD_FIELDS + maxArgs);
  const sep = userField.search(/[.:]/);
  const internal = server === "internal";
  const service: InetService = {
    line,
    name,
    id: name,
    socketType,
    protocol,
    wait: waitField.replace(/\..*$/, ""),
    user: sep < 0 ? userField : userField.slice(0, sep),
    ...(sep < 0 ? {} : { group: userField.slice(sep + 1) }),
    ...(address === undefined || address === "*" ? {} : { address }),
    ...(internal ? {} : { server }),
    argv: internal ? [] : args.length > 0 ? args : [basename(server)],
    internal,
    env: [],
  };
  if (off) service.off = off;
  else if (!SOCKET_TYPES.has(socketType)) service.off = `unknown socket type ${socketType}`;
  return service;
}

/**
 * An inetd.conf (or a file of /etc/inetd.d): one service per entry, `#` in the first column a comment. An entry
 * continues on the lines below that start with a blank, as openbsd-inetd reads it; since inetutils' and xinetd's
 * compatibility reader take each of those lines as an entry of its own, each is also read alone. update-inetd's
 * `#<off>#` lines are services it disabled (`off`).
 */
export function parseInetdConf(text: string): InetdConf {
  const r = new LineReader(text);
  const services: InetService[] = [];
  let bad = 0;
  for (let first = r.next(); first !== undefined;) {
    const line = r.n;
    if (first.trim() === "") {
      first = r.next(); // a blank line: openbsd-inetd's entry starts on the next line with words
      continue;
    }
    // `#` in the first column is a comment to every inetd; after blanks, xinetd's reader takes it for one too, and
    // the others for a service named `#…`, which no port has.
    if (/^\s*#/.test(first)) {
      if (first.startsWith(UPDATE_INETD_OFF)) {
        const s = inetdEntry(words(first.slice(UPDATE_INETD_OFF.length)), line, "disabled by update-inetd");
        if (s) services.push(s);
      }
      first = r.next();
      continue;
    }
    // openbsd-inetd's view: the line and the blank-led lines below it are one entry; the other readers' view
    // (inetutils', xinetd's compatibility reader): each of those lines an entry of its own, unless `  # …`.
    const fields = words(first);
    const alone: InetService[] = [];
    while (r.blankNext()) {
      const cont = r.next()!;
      const w = words(cont);
      // openbsd-inetd keeps at most MAXARGV arguments (past an address-only first word): the rest are dropped.
      for (const x of w) if (fields.length < 1 + INETD_FIELDS + OPENBSD_MAXARGV) fields.push(x);
      const s = /^\s*#/.test(cont) ? undefined : inetdEntry(w, r.n);
      if (s) alone.push(s);
    }
    // Continued, it is openbsd-inetd's alone, with its cap on arguments; on one line, every reader's.
    const merged = inetdEntry(fields, line, undefined, r.n > line ? OPENBSD_MAXARGV : undefined);
    if (merged) services.push(merged);
    else if (fields.length > 0 && !(fields.length === 1 && fields[0].endsWith(":"))) bad++;
    for (const s of alone) services.push(s);
    first = r.next();
  }
  return { services, bad };
}

/**
 * The command a service runs: the program with its arguments after argv[0], behind xinetd's env assignments; a
 * tcpd wrapper is looked through to the daemon it hands the connection to (argv[0], in /usr/sbin when it has no
 * path), as are openbsd-inetd's libwrap mode and xinetd's NAMEINARGS. Undefined for a service that runs none.
 */
export function inetCommand(s: InetService): InetCommand | undefined {
  if (s.internal || s.server === undefined) return undefined;
  let program = s.server;
  let args = s.argv.slice(1);
  let wrapper: string | undefined;
  if (basename(s.server) === "tcpd" && s.argv.length > 0) {
    wrapper = s.server;
    program = s.argv[0].includes("/") ? s.argv[0] : `${TCPD_DAEMON_DIR}/${s.argv[0]}`;
    args = s.argv.slice(1);
  }
  const env = s.env.filter((e) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(e));
  return { text: [...env, program, ...args].join(" "), program, ...(wrapper ? { wrapper } : {}) };
}
