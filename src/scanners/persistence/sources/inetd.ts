/**
 * The internet super-servers: inetd (openbsd-inetd, GNU inetutils, netkit, busybox) and xinetd listen on the
 * ports of their services and, for every connection, start the service's program as its user with the
 * connection as its input and output. Each configuration file is a point whose entries are the commands of its
 * services (judged like any entry: a program in /tmp, one no package installed…); a service whose program is a
 * shell or an interpreter is a bind shell (`persistence.inetd.shell_service`).
 *
 * What the daemons would not run is inert, listed in the inventory and never judged: update-inetd's `#<off>#`
 * lines, xinetd's `disable = yes` and defaults `disabled`/`enabled` lists, services xinetd rejects, files its
 * `includedir` skips (a name with a dot or ending in `~`) and /etc/xinetd.d when nothing includes it.
 */
import { type Account, ROOT_ACCOUNT, UNKNOWN_ACCOUNT } from "../accounts.ts";
import { entryDigest } from "../assess.ts";
import { type Collector, type Entry, normalisePath } from "../collect.ts";
import { commandName, isShellOrInterpreter } from "../shell_words.ts";
import { inetCommand, type InetService, parseInetdConf } from "./inetd_parse.ts";
import { applyXinetdDefaults, parseXinetdConf, xinetdConfigOption, xinetdSkips } from "./xinetd_parse.ts";
import { account, linkTarget } from "./shared.ts";

/** inetd's configuration file (every inetd reads it; so does xinetd with -inetd_compat, Debian's default). */
export const INETD_CONF = "/etc/inetd.conf";
/** GNU inetutils' inetd also reads every regular file of this directory, whatever its name. */
export const INETD_DIR = "/etc/inetd.d";
/** xinetd's configuration file, and the directory Debian's and RHEL's include. */
export const XINETD_CONF = "/etc/xinetd.conf";
/** The directory every distribution's xinetd.conf names in `includedir`. */
export const XINETD_DIR = "/etc/xinetd.d";
/** Debian's init script reads XINETD_OPTS here (`-f FILE` makes xinetd read FILE instead of xinetd.conf). */
export const XINETD_DEFAULTS = "/etc/default/xinetd";
/** At most this many xinetd configuration files are read (includes of includes, directories). */
const MAX_XINETD_FILES = 200;
/** Includes nested deeper than this are not followed. */
const MAX_DEPTH = 8;
const TECHNIQUE = "T1543";

/** The account a service runs as: root for root, 0 or none, an account by name or number otherwise. */
function serviceAccount(c: Collector, user: string | undefined): Account {
  if (user === undefined || user === "root" || user === "0") return ROOT_ACCOUNT;
  if (/^\d+$/.test(user)) return c.accounts.byUid.get(Number(user)) ?? UNKNOWN_ACCOUNT;
  return account(c, user);
}

/** "name/protocol user program" of a service, for the inventory. */
function describe(s: InetService): string {
  const what = s.internal ? "internal" : s.redirect ? `redirect ${s.redirect}` : s.server ?? "(no server)";
  const where = s.address ? `${s.address}:` : "";
  return `${where}${s.name}/${s.protocol ?? s.socketType ?? "?"} ${s.user ?? "?"} ${what}`.slice(0, 300);
}

/**
 * A bind shell: the service's program (by name, or the file a link of another name leads to) is a shell or an
 * interpreter, so whoever connects types commands to it as the service's user.
 */
function shellService(c: Collector, path: string, runner: string, s: InetService, runAs: Account): void {
  const cmd = inetCommand(s);
  if (!cmd) return;
  const target = cmd.program.startsWith("/") ? linkTarget(c, normalisePath(cmd.program)) : cmd.program;
  const name = commandName(cmd.text);
  if (!isShellOrInterpreter(name) && !isShellOrInterpreter(target.slice(target.lastIndexOf("/") + 1))) return;
  c.finding({
    check_id: "persistence.inetd.shell_service",
    subject: `${path}:${s.name}:${entryDigest(cmd.text)}`,
    description: `${path}:${s.line} (${runner}): service ${s.name} (${s.socketType ?? "?"}/` +
      `${s.protocol ?? "?"}) hands each connection to ${
        cmd.text.slice(0, 200)
      }, running as ${runAs.name}: a ` +
      "shell for whoever connects.",
    metadata: {
      path,
      line: s.line,
      runner,
      service: s.name,
      id: s.id,
      socket_type: s.socketType ?? null,
      protocol: s.protocol ?? null,
      run_as: runAs.name,
      program: cmd.program,
      ...(target !== cmd.program ? { resolved: target } : {}),
      ...(cmd.wrapper ? { wrapper: cmd.wrapper } : {}),
      ...(s.address ? { address: s.address } : {}),
      command: cmd.text.slice(0, 1000),
    },
    location: { path },
  });
}

/**
 * One configuration file's point: the commands of the services that run. When the file has services and none
 * runs, or the daemon never reads it (`skipped`), the point is inert and its entries are the commands of the
 * services that are off, for the inventory; those of a file that also runs some are listed in `off`.
 */
function filePoint(
  c: Collector,
  path: string,
  runner: string,
  services: InetService[],
  skipped?: string,
): void {
  const active: Entry[] = [];
  const off: Entry[] = [];
  for (const s of services) {
    const cmd = inetCommand(s);
    const runAs = serviceAccount(c, s.user);
    if (!s.off && !skipped) shellService(c, path, runner, s, runAs);
    if (!cmd) continue;
    const into = s.off || skipped ? off : active;
    into.push({ line: s.line, text: cmd.text, runAs });
    // The wrapper is a program of its own: a "tcpd" in /tmp or that no package installed is judged as such.
    if (cmd.wrapper) into.push({ line: s.line, text: cmd.wrapper, runAs });
  }
  const inert = skipped !== undefined || (services.length > 0 && services.every((s) => s.off));
  c.point({
    kind: "inet_service",
    path,
    entries: inert ? off : active,
    meta: {
      technique: TECHNIQUE,
      runner,
      services: services.filter((s) => !s.off).slice(0, 50).map(describe),
      off: services.filter((s) => s.off).slice(0, 50).map((s) => `${describe(s)}: ${s.off}`),
      ...(skipped ? { skipped } : {}),
      ...(inert ? { inert: true } : {}),
    },
    ...(inert ? { inert: true } : {}),
  });
}

/** /etc/inetd.conf and inetutils' /etc/inetd.d files (regular files only, as it reads them). */
function inetd(c: Collector): void {
  const files: [string, string][] = [[INETD_CONF, "inetd"]];
  for (const name of c.list(INETD_DIR, true)) {
    const path = `${INETD_DIR}/${name}`;
    const st = c.ctx.host.stat(path);
    if (st.ok && st.value.isFile) files.push([path, "inetutils-inetd"]);
  }
  for (const [path, runner] of files) {
    const f = c.read(path);
    if (!f) continue;
    const conf = parseInetdConf(f.text);
    if (conf.bad > 0) c.ctx.warn("inetd_malformed", `${path}: ${conf.bad} line(s) inetd would reject`);
    filePoint(c, path, runner, conf.services);
  }
}

/** A file xinetd reads (or, with `skipped`, one it never reads), parsed. */
interface XinetdFile {
  path: string;
  services: InetService[];
  skipped?: string;
}

/**
 * xinetd.conf (or the file /etc/default/xinetd's `-f` names) and what it includes, with the defaults' lists
 * applied across them; /etc/xinetd.d is read as well when nothing includes it (inert).
 */
function xinetd(c: Collector): void {
  const files: XinetdFile[] = [];
  const seen = new Set<string>();
  const disabled: string[] = [];
  let enabled: string[] | undefined;
  let warned = false;
  const readFile = (path: string, depth: number, skipped: string | undefined): void => {
    if (seen.has(path)) return;
    if (depth > MAX_DEPTH || seen.size >= MAX_XINETD_FILES) {
      if (!warned) {
        c.ctx.warn(
          "truncated",
          `${path}: xinetd includes nested deeper than ${MAX_DEPTH} or over ${MAX_XINETD_FILES} files: ` +
            "it and the files after it were not read",
        );
      }
      warned = true;
      return;
    }
    seen.add(path);
    const f = c.read(path);
    if (!f) return;
    const conf = parseXinetdConf(f.text);
    if (conf.bad > 0) c.ctx.warn("xinetd_malformed", `${path}: ${conf.bad} line(s) xinetd would reject`);
    files.push({ path, services: conf.services, ...(skipped ? { skipped } : {}) });
    if (!skipped) {
      for (const id of conf.disabled) disabled.push(id);
      if (conf.enabled) enabled = [...(enabled ?? []), ...conf.enabled];
    }
    for (const inc of conf.includes) {
      const target = normalisePath(inc.path.startsWith("/") ? inc.path : `/${inc.path}`);
      if (inc.dir) readDir(target, depth + 1, skipped);
      else readFile(target, depth + 1, skipped);
    }
  };
  // includedir: the directory's regular files in name order, those with a dot or ending in `~` skipped.
  const readDir = (dir: string, depth: number, skipped: string | undefined): void => {
    for (const name of c.list(dir, true)) {
      const path = `${dir}/${name}`;
      const st = c.ctx.host.stat(path);
      if (!st.ok || !st.value.isFile) continue;
      readFile(path, depth, skipped ?? (xinetdSkips(name) ? "a name xinetd's includedir skips" : undefined));
    }
  };
  const defaults = c.read(XINETD_DEFAULTS, 64 << 10);
  const option = defaults ? xinetdConfigOption(defaults.text) : undefined;
  readFile(XINETD_CONF, 0, undefined);
  if (option) readFile(normalisePath(option.startsWith("/") ? option : `/${option}`), 0, undefined);
  readDir(XINETD_DIR, 1, `not included by ${XINETD_CONF}`);
  applyXinetdDefaults(files.filter((f) => !f.skipped).flatMap((f) => f.services), disabled, enabled);
  for (const f of files) filePoint(c, f.path, "xinetd", f.services, f.skipped);
}

/** Every super-server configuration: inetd's, inetutils' directory, xinetd's. */
export function inetdSources(c: Collector): void {
  inetd(c);
  xinetd(c);
}
