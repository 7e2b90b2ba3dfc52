/**
 * systemd: timers and the services they trigger, locally defined services, and user units (each person's own in
 * ~/.config/systemd/user and ~/.local/share/systemd/user, and /etc/systemd/user for everyone).
 */
import { type LoadedUnit, loadUnits, templateOf } from "../../systemd_units/loader.ts";
import {
  EXEC_KEYS,
  lastValue,
  listValues,
  parseBoolean,
  parseExecLine,
  parseUnitFile,
  type UnitSections,
} from "../../systemd_units/unit_file.ts";
import { type Account, ANY_USER, ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, type Entry, homeAccounts } from "../collect.ts";
import { commandName, isShellOrInterpreter } from "../shell_words.ts";
import { account } from "./shared.ts";

/** The account a service's commands run as (User=; root when unset). */
export function serviceAccount(c: Collector, sections: UnitSections): Account {
  const user = lastValue(sections, "Service", "User");
  return user === undefined || user === "root" || user === "0" ? ROOT_ACCOUNT : account(c, user);
}

/** The commands a socket unit runs around its socket, in its [Socket] section. */
const SOCKET_EXEC_KEYS = ["ExecStartPre", "ExecStartPost", "ExecStopPre", "ExecStopPost"];

/**
 * The Exec lines of a service (or, with `section` "Socket", a socket unit), each with the account it runs as
 * (`+`/`!` prefixes run as root).
 */
function serviceEntries(
  c: Collector,
  service: LoadedUnit,
  runAsDefault?: Account,
  section = "Service",
): Entry[] {
  const runAs = runAsDefault ?? serviceAccount(c, service.sections);
  const entries: Entry[] = [];
  for (const key of section === "Service" ? EXEC_KEYS : SOCKET_EXEC_KEYS) {
    for (const v of listValues(service.sections, section, key)) {
      const { flags, command } = parseExecLine(v);
      entries.push({
        line: 0,
        text: command,
        runAs: /[+!]/.test(flags) && !runAsDefault ? ROOT_ACCOUNT : runAs,
      });
    }
  }
  return entries;
}

/**
 * systemd timers (what their service runs), services and sockets (those defined locally, /etc, /run,
 * /usr/local, where units are added by hand, and the packages' own, whose commands are judged the same way
 * while sources/system_units.ts judges their drop-ins and owners) and user units.
 */
export function systemdSources(c: Collector): void {
  const loaded = loadUnits(c.ctx, [".timer", ".service", ".socket"]);
  const services = new Map(loaded.units.filter((u) => u.name.endsWith(".service")).map((u) => [u.name, u]));
  const triggered = new Set<string>();
  for (const timer of loaded.units.filter((u) => u.name.endsWith(".timer"))) {
    const target = lastValue(timer.sections, "Timer", "Unit") ?? timer.name.replace(/\.timer$/, ".service");
    const service = services.get(target) ?? services.get(templateOf(target) ?? "");
    if (service) triggered.add(service.name);
    const entries = service ? serviceEntries(c, service) : [];
    const schedule = [
      "OnCalendar",
      "OnBootSec",
      "OnStartupSec",
      "OnUnitActiveSec",
      "OnUnitInactiveSec",
      "OnActiveSec",
    ]
      .flatMap((k) => listValues(timer.sections, "Timer", k).map((v) => `${k}=${v}`));
    c.point({
      kind: "systemd_timer",
      path: timer.path,
      entries,
      meta: {
        timer: timer.name,
        triggers: target,
        service_path: service?.path ?? null,
        schedule,
        vendor: timer.vendor,
        enabled: loaded.pulledInBy.has(timer.name),
      },
    });
  }
  for (const u of services.values()) {
    // An instance with drop-ins of its own: sources/system_units.ts judges those, at each.
    if (triggered.has(u.name) || u.template) continue;
    c.point({
      kind: "systemd_service",
      path: u.path,
      entries: serviceEntries(c, vendorOwn(c, u)),
      meta: { unit: u.name, drop_ins: u.dropIns, enabled: loaded.pulledInBy.has(u.name) },
      ...(u.vendor ? { vendor: true } : {}),
    });
  }
  // Socket units: what they run around the socket, and a service that hands each connection to a shell.
  for (const s of loaded.units.filter((u) => u.name.endsWith(".socket") && !u.template)) {
    const entries = serviceEntries(c, vendorOwn(c, s), undefined, "Socket");
    if (entries.length > 0) {
      c.point({
        kind: "systemd_socket",
        path: s.path,
        entries,
        meta: { unit: s.name },
        ...(s.vendor ? { vendor: true } : {}),
      });
    }
    const service = socketService(s, services);
    if (service) socketShell(c, s, service);
  }
  // User units: each person's own (~/.config and ~/.local/share), and the administrator's for every user.
  const userDirs: [string[], Account][] = [[
    ["/etc/systemd/user", "/run/systemd/user", "/usr/local/lib/systemd/user"],
    ANY_USER,
  ]];
  for (const a of homeAccounts(c.ctx, c.accounts)) {
    userDirs.push([[`${a.home}/.config/systemd/user`, `${a.home}/.local/share/systemd/user`], a]);
  }
  for (const [dirs, a] of userDirs) {
    const present = dirs.filter((d) => c.ctx.host.stat(d).ok);
    if (present.length === 0) continue;
    const user = loadUnits(c.ctx, [".service", ".timer", ".socket"], present);
    const userServices = new Map(
      user.units.filter((u) => u.name.endsWith(".service")).map((u) => [u.name, u]),
    );
    for (const u of user.units) {
      const socket = u.name.endsWith(".socket");
      if (u.template) {
        // An instance with drop-ins of its own: what each adds (its template's files are judged with it).
        for (const d of u.ownDropIns ?? []) {
          const f = c.read(d);
          const own = { ...u, sections: f ? parseUnitFile(f.bytes).sections : new Map() };
          c.point({
            kind: "user_unit",
            path: d,
            entries: serviceEntries(c, own, a, socket ? "Socket" : "Service"),
            meta: { unit: u.name, user: a.name },
          });
        }
        continue;
      }
      c.point({
        kind: "user_unit",
        path: u.path,
        entries: serviceEntries(c, u, a, socket ? "Socket" : "Service"),
        meta: { unit: u.name, user: a.name },
      });
      const service = socket ? socketService(u, userServices) : undefined;
      if (service) socketShell(c, u, service, a);
    }
  }
}

/**
 * A package's unit as its own file has it, without the drop-ins merged in (sources/system_units.ts judges what
 * a drop-in adds, at the drop-in); any other unit as loaded.
 */
function vendorOwn(c: Collector, u: LoadedUnit): LoadedUnit {
  if (!u.vendor || u.dropIns.length === 0) return u;
  const f = c.read(u.path);
  return { ...u, sections: f ? parseUnitFile(f.bytes).sections : new Map() };
}

/** The service a socket unit starts: Service=, else its own name (a template one with Accept=yes). */
function socketService(socket: LoadedUnit, services: Map<string, LoadedUnit>): LoadedUnit | undefined {
  const named = lastValue(socket.sections, "Socket", "Service");
  if (named) return services.get(named);
  const base = socket.name.replace(/\.socket$/, "");
  const accept = parseBoolean(lastValue(socket.sections, "Socket", "Accept")) === true;
  return accept ? services.get(`${base}@.service`) : services.get(`${base}.service`);
}

/**
 * A socket-activated service whose connection is the standard input of a shell: a listening root shell (a
 * bind shell) that systemd starts for anyone who connects, with no process running in between.
 */
function socketShell(c: Collector, socket: LoadedUnit, service: LoadedUnit, user?: Account): void {
  const input = lastValue(service.sections, "Service", "StandardInput");
  if (input !== "socket") return;
  for (const v of listValues(service.sections, "Service", "ExecStart")) {
    const { command } = parseExecLine(v);
    if (!isShellOrInterpreter(commandName(command))) continue;
    const runAs = user ?? serviceAccount(c, service.sections);
    c.finding({
      check_id: "persistence.systemd_unit.socket_shell",
      subject: `${socket.path}:${service.name}`,
      description:
        `${socket.name} starts ${service.name}, which hands each connection to ${command.slice(0, 200)} ` +
        `as its input, running as ${runAs.name}: a shell for whoever connects.`,
      metadata: {
        path: socket.path,
        socket: socket.name,
        service: service.name,
        service_path: service.path,
        command: command.slice(0, 1000),
        run_as: runAs.name,
        listen: [
          ...listValues(socket.sections, "Socket", "ListenStream"),
          ...listValues(socket.sections, "Socket", "ListenDatagram"),
        ]
          .slice(0, 10),
      },
      location: { path: socket.path },
    });
    return;
  }
}
