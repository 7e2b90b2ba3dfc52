/**
 * systemd: timers and the services they trigger, locally defined services, and user units (each person's own in
 * ~/.config/systemd/user and ~/.local/share/systemd/user, and /etc/systemd/user for everyone).
 */
import { type LoadedUnit, loadUnits, templateOf } from "../../systemd_units/loader.ts";
import {
  EXEC_KEYS,
  lastValue,
  listValues,
  parseExecLine,
  type UnitSections,
} from "../../systemd_units/unit_file.ts";
import { type Account, ANY_USER, ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, type Entry, homeAccounts } from "../collect.ts";
import { account } from "./shared.ts";

/** The account a service's commands run as (User=; root when unset). */
export function serviceAccount(c: Collector, sections: UnitSections): Account {
  const user = lastValue(sections, "Service", "User");
  return user === undefined || user === "root" || user === "0" ? ROOT_ACCOUNT : account(c, user);
}

/** The Exec lines of a service, each with the account it runs as (`+`/`!` prefixes run as root). */
function serviceEntries(c: Collector, service: LoadedUnit, runAsDefault?: Account): Entry[] {
  const runAs = runAsDefault ?? serviceAccount(c, service.sections);
  const entries: Entry[] = [];
  for (const key of EXEC_KEYS) {
    for (const v of listValues(service.sections, "Service", key)) {
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
 * systemd timers (what their service runs), services defined locally (/etc, /run, /usr/local: where units are
 * added by hand; package units are the integrity scanner's business, and sources/system_units.ts judges their
 * drop-ins and owners) and user units.
 */
export function systemdSources(c: Collector): void {
  const loaded = loadUnits(c.ctx, [".timer", ".service"]);
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
    if (u.vendor || triggered.has(u.name)) continue;
    c.point({
      kind: "systemd_service",
      path: u.path,
      entries: serviceEntries(c, u),
      meta: { unit: u.name, drop_ins: u.dropIns, enabled: loaded.pulledInBy.has(u.name) },
    });
  }
  // User units: each person's own (~/.config and ~/.local/share), and the administrator's for every user.
  const userDirs: [string[], Account][] = [[["/etc/systemd/user"], ANY_USER]];
  for (const a of homeAccounts(c.ctx, c.accounts)) {
    userDirs.push([[`${a.home}/.config/systemd/user`, `${a.home}/.local/share/systemd/user`], a]);
  }
  for (const [dirs, a] of userDirs) {
    const present = dirs.filter((d) => c.ctx.host.stat(d).ok);
    if (present.length === 0) continue;
    const user = loadUnits(c.ctx, [".service", ".timer"], present);
    for (const u of user.units) {
      c.point({
        kind: "user_unit",
        path: u.path,
        entries: serviceEntries(c, u, a),
        meta: { unit: u.name, user: a.name },
      });
    }
  }
}
