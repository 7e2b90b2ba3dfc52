/** Where persistence lives: one function per family of persistence points, each feeding the Collector. */
import { type LoadedUnit, loadUnits, templateOf } from "../systemd_units/loader.ts";
import { EXEC_KEYS, lastValue, listValues, parseExecLine } from "../systemd_units/unit_file.ts";
import { type Account, ANY_USER, hasLoginShell, ROOT_ACCOUNT, UNKNOWN_ACCOUNT } from "./accounts.ts";
import { entryDigest, pathRisk } from "./assess.ts";
import { parseAuthorizedKeys } from "./authorized_keys.ts";
import { type Collector, type Entry, homeAccounts, normalisePath } from "./collect.ts";
import { parseAnacrontab, parseCrontab, scriptLines } from "./cron.ts";
import { parseDesktopEntry } from "./desktop.ts";
import { expandAliases, isUnrestricted, parseSudoers } from "./sudoers.ts";
import { parseUdevRules } from "./udev.ts";

function account(c: Collector, name: string | undefined): Account {
  if (name === undefined) return ROOT_ACCOUNT;
  return c.accounts.byName.get(name) ?? UNKNOWN_ACCOUNT;
}

/** Periodic script directories run by run-parts as root. */
export const CRON_SCRIPT_DIRS = [
  "/etc/cron.hourly",
  "/etc/cron.daily",
  "/etc/cron.weekly",
  "/etc/cron.monthly",
  "/etc/cron.yearly",
];

/** Per-user crontab directories (Debian, RHEL, SUSE). */
export const USER_CRONTAB_DIRS = ["/var/spool/cron/crontabs", "/var/spool/cron", "/var/spool/cron/tabs"];

/** /etc/crontab, /etc/cron.d, anacrontab, the periodic script directories and the per-user crontabs. */
export function cronSources(c: Collector): void {
  const system = (path: string, inert = false) => {
    const f = c.read(path);
    if (!f) return;
    const t = parseCrontab(f.text, true);
    if (t.bad > 0) c.ctx.warn("cron_malformed", `${path}: ${t.bad} line(s) that are not crontab entries`);
    const schedules = t.entries.map((e) => `${e.schedule} ${e.user ?? ""}`.trim()).slice(0, 50);
    c.point({
      kind: "cron",
      path,
      entries: t.entries.map((e) => ({ line: e.line, text: e.command, runAs: account(c, e.user) })),
      meta: inert ? { schedules, inert } : { schedules },
      ...(inert ? { inert } : {}),
    });
  };
  system("/etc/crontab");
  for (const name of c.list("/etc/cron.d")) system(`/etc/cron.d/${name}`, RUN_PARTS_SKIPPED.test(name));
  const ana = c.read("/etc/anacrontab");
  if (ana) {
    const t = parseAnacrontab(ana.text);
    if (t.bad > 0) {
      c.ctx.warn("cron_malformed", `/etc/anacrontab: ${t.bad} line(s) that are not anacron jobs`);
    }
    c.point({
      kind: "cron",
      path: "/etc/anacrontab",
      entries: t.entries.map((e) => ({ line: e.line, text: e.command, runAs: ROOT_ACCOUNT })),
    });
  }
  for (const dir of CRON_SCRIPT_DIRS) {
    for (const name of c.list(dir)) {
      const path = `${dir}/${name}`;
      const inert = RUN_PARTS_SKIPPED.test(name) || !isExecutable(c, path);
      scriptPoint(c, "cron_script", path, ROOT_ACCOUNT, inert);
    }
  }
  for (const dir of USER_CRONTAB_DIRS) {
    for (const name of c.list(dir)) {
      const path = `${dir}/${name}`;
      const f = c.read(path);
      if (!f) continue;
      const t = parseCrontab(f.text, false);
      if (t.bad > 0) c.ctx.warn("cron_malformed", `${path}: ${t.bad} line(s) that are not crontab entries`);
      const runAs = account(c, name);
      c.point({
        kind: "cron",
        path,
        entries: t.entries.map((e) => ({ line: e.line, text: e.command, runAs })),
        meta: { schedules: t.entries.map((e) => e.schedule).slice(0, 50), crontab_user: name },
      });
    }
  }
}

/**
 * Names every run-parts skips: backups and package-manager leftovers. Debian's run-parts also skips any name with
 * a dot, but cronie's (RHEL) runs `man-db.cron`; a dotted name is judged, so as to miss nothing on either.
 */
export const RUN_PARTS_SKIPPED =
  /(?:~|,|\.(?:dpkg-(?:old|new|dist|tmp|bak)|ucf-(?:old|new|dist)|rpm(?:save|orig|new)|swp|cfsaved|disabled))$|^\./;

function isExecutable(c: Collector, path: string): boolean {
  const st = c.ctx.host.stat(path);
  return st.ok && ((st.value.mode ?? 0) & 0o111) !== 0;
}

/** A shell script run as `runAs`: every logical line is an entry. */
function scriptPoint(
  c: Collector,
  kind: "cron_script" | "rc_local" | "shell_startup" | "at_job" | "motd_script",
  path: string,
  runAs: Account,
  inert = false,
) {
  const f = c.read(path);
  if (!f) return undefined;
  const entries: Entry[] = scriptLines(f.text).map((l) => ({ line: l.line, text: l.text, runAs }));
  c.point({ kind, path, entries, ...(inert ? { inert, meta: { inert } } : {}) });
  return entries;
}

/** The Exec lines of a service, each with the account it runs as (`+`/`!` prefixes run as root). */
function serviceEntries(c: Collector, service: LoadedUnit, runAsDefault?: Account): Entry[] {
  const user = lastValue(service.sections, "Service", "User");
  const runAs = runAsDefault ??
    (user === undefined || user === "root" || user === "0" ? ROOT_ACCOUNT : account(c, user));
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
 * added by hand; package units are the integrity scanner's business) and units in users' ~/.config/systemd/user.
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
  for (const a of homeAccounts(c.ctx, c.accounts)) {
    const dir = `${a.home}/.config/systemd/user`;
    if (!c.ctx.host.stat(dir).ok) continue;
    const user = loadUnits(c.ctx, [".service", ".timer"], [dir]);
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

/** at(1) job directories (Debian, RHEL): each job is a shell script run once as its owner. */
export const AT_JOB_DIRS = ["/var/spool/cron/atjobs", "/var/spool/at"];

/** Pending at jobs (run as the file's owner) and update-motd scripts (run as root at every login). */
export function oneShotSources(c: Collector): void {
  for (const dir of AT_JOB_DIRS) {
    for (const name of c.list(dir)) {
      const path = `${dir}/${name}`;
      const st = c.ctx.host.stat(path);
      if (!st.ok || !st.value.isFile) continue;
      const owner = st.value.uid === null
        ? UNKNOWN_ACCOUNT
        : c.accounts.byUid.get(st.value.uid) ?? UNKNOWN_ACCOUNT;
      scriptPoint(c, "at_job", path, owner);
    }
  }
  for (const name of c.list("/etc/update-motd.d")) {
    const path = `/etc/update-motd.d/${name}`;
    scriptPoint(c, "motd_script", path, ROOT_ACCOUNT, RUN_PARTS_SKIPPED.test(name) || !isExecutable(c, path));
  }
}

/** rc.local: an executable one with commands is reported on its own, besides its entries. */
export function rcLocalSources(c: Collector): void {
  for (const path of ["/etc/rc.local", "/etc/rc.d/rc.local"]) {
    const st = c.ctx.host.stat(path);
    if (!st.ok || !st.value.isFile) continue;
    const executable = isExecutable(c, path);
    const entries = scriptPoint(c, "rc_local", path, ROOT_ACCOUNT, !executable);
    if (!entries) continue;
    const commands = entries.filter((e) => !/^(?:exit\s+0|touch\s+\/var\/lock\/subsys\/local)$/.test(e.text));
    if (executable && commands.length > 0) {
      c.finding({
        check_id: "persistence.rc_local.active",
        subject: path,
        description: `${path} is executable and runs ${commands.length} command(s) as root at boot.`,
        metadata: { path, commands: commands.slice(0, 20).map((e) => e.text.slice(0, 300)) },
        location: { path },
      });
    }
  }
}

/** System-wide shell start-up files. */
export const SYSTEM_SHELL_FILES = [
  "/etc/profile",
  "/etc/bash.bashrc",
  "/etc/bashrc",
  "/etc/bash.bash_logout",
  "/etc/environment",
  "/etc/zsh/zshenv",
  "/etc/zsh/zprofile",
  "/etc/zsh/zshrc",
  "/etc/zsh/zlogin",
  "/etc/zshenv",
  "/etc/zshrc",
];

/** Per-user shell start-up files, relative to the home directory. */
export const USER_SHELL_FILES = [
  ".bashrc",
  ".profile",
  ".bash_profile",
  ".bash_login",
  ".bash_logout",
  ".zshrc",
  ".zshenv",
  ".zprofile",
  ".zlogin",
];

/** Shell start-up files of the system (they run as every user, root included) and of each account. */
export function shellSources(c: Collector): void {
  for (const path of SYSTEM_SHELL_FILES) scriptPoint(c, "shell_startup", path, ROOT_ACCOUNT);
  for (const name of c.list("/etc/profile.d")) {
    scriptPoint(c, "shell_startup", `/etc/profile.d/${name}`, ROOT_ACCOUNT);
  }
  for (const a of homeAccounts(c.ctx, c.accounts)) {
    for (const f of USER_SHELL_FILES) scriptPoint(c, "shell_startup", `${a.home}/${f}`, a);
  }
}

/** udev rule directories, highest precedence first. */
export const UDEV_DIRS = [
  "/etc/udev/rules.d",
  "/run/udev/rules.d",
  "/usr/local/lib/udev/rules.d",
  "/usr/lib/udev/rules.d",
  "/lib/udev/rules.d",
];

/** udev rules that run programs (RUN, PROGRAM, IMPORT{program}); the first file of a name wins, as in udev. */
export function udevSources(c: Collector): void {
  const seenDirs = new Set<string>();
  const seenNames = new Set<string>();
  for (const dir of UDEV_DIRS) {
    const st = c.ctx.host.stat(dir);
    if (!st.ok || !st.value.isDirectory) continue;
    const key = `${st.value.dev}:${st.value.ino}`;
    if (seenDirs.has(key)) continue;
    seenDirs.add(key);
    for (const name of c.list(dir)) {
      if (!name.endsWith(".rules") || seenNames.has(name)) continue;
      seenNames.add(name);
      const path = `${dir}/${name}`;
      const f = c.read(path);
      if (!f) continue;
      const programs = parseUdevRules(f.text);
      if (programs.length === 0) continue;
      c.point({
        kind: "udev_rule",
        path,
        entries: programs.map((p) => ({ line: p.line, text: p.command, runAs: ROOT_ACCOUNT })),
      });
    }
  }
}

/**
 * Parsed sshd AuthorizedKeysFile patterns (default: both OpenSSH defaults). The drop-in directory is read first:
 * Debian and Ubuntu include it at the top of sshd_config, and sshd keeps the first value it sees.
 */
function authorizedKeysPatterns(c: Collector): string[] {
  const files = [
    ...c.list("/etc/ssh/sshd_config.d").filter((n) => n.endsWith(".conf")).map((n) =>
      `/etc/ssh/sshd_config.d/${n}`
    ),
    "/etc/ssh/sshd_config",
  ];
  let inMatch = false;
  for (const path of files) {
    const f = c.read(path, 256 << 10);
    if (!f) continue;
    for (const raw of f.text.split("\n")) {
      const line = raw.trim();
      if (/^match\s/i.test(line)) inMatch = true;
      if (inMatch || line.startsWith("#")) continue;
      const m = line.match(/^AuthorizedKeysFile\s*=?\s*(.+)$/i);
      if (m) return m[1].trim().split(/\s+/).filter((p) => p.toLowerCase() !== "none");
    }
    inMatch = false;
  }
  return [".ssh/authorized_keys", ".ssh/authorized_keys2"];
}

function expandKeysPattern(pattern: string, a: Account): string {
  const p = pattern.replace(
    /%%|%h|%u|%U/g,
    (t) => t === "%%" ? "%" : t === "%h" ? a.home : t === "%u" ? a.name : String(a.uid),
  );
  return normalisePath(p.startsWith("/") ? p : `${a.home}/${p}`);
}

/** authorized_keys of every account: fingerprints, forced commands, unusual files, recent changes. */
export function sshKeySources(c: Collector): void {
  const patterns = authorizedKeysPatterns(c);
  const seen = new Set<string>();
  const now = Date.now();
  const recentDays = c.ctx.config.persistenceRecentDays;
  const accounts = [...c.accounts.byName.values()].sort((a, b) =>
    a.uid - b.uid || (a.name < b.name ? -1 : 1)
  );
  for (const a of accounts) {
    if (!a.home.startsWith("/") || normalisePath(a.home) === "/nonexistent") continue;
    const candidates = new Set([
      ...patterns.map((p) => expandKeysPattern(p, a)),
      expandKeysPattern(".ssh/authorized_keys2", a),
    ]);
    for (const path of candidates) {
      if (seen.has(path)) continue;
      const st = c.ctx.host.stat(path);
      if (!st.ok || !st.value.isFile) continue;
      seen.add(path);
      const f = c.read(path, 4 << 20);
      if (!f) continue;
      const parsed = parseAuthorizedKeys(f.text);
      if (parsed.bad > 0) {
        c.ctx.warn("authorized_keys_malformed", `${path}: ${parsed.bad} line(s) that are not keys`);
      }
      const fingerprints = parsed.keys.map((k) => `${k.type} ${k.fingerprint}`);
      const entries: Entry[] = [];
      for (const k of parsed.keys) {
        const cmd = k.options.find(([n]) => n === "command");
        if (!cmd) continue;
        entries.push({ line: k.line, text: cmd[1], runAs: a });
        c.finding({
          check_id: "persistence.ssh_key.forced_command",
          subject: `${path}:${k.fingerprint}`,
          severity: a.uid === 0 ? "medium" : "low",
          description: `Key ${k.fingerprint} (${k.comment || "no comment"}) of ${a.name} always runs: ${
            cmd[1].slice(0, 300)
          }`,
          metadata: {
            path,
            account: a.name,
            fingerprint: k.fingerprint,
            command: cmd[1].slice(0, 1000),
            line: k.line,
          },
          location: { path },
        });
      }
      c.point({
        kind: "authorized_keys",
        path,
        entries,
        meta: { account: a.name, key_count: parsed.keys.length, fingerprints },
      });
      if (parsed.keys.length === 0) continue;
      const reasons: string[] = [];
      if (path.endsWith("/authorized_keys2")) {
        reasons.push("authorized_keys2 (a legacy file name rarely used on purpose)");
      }
      if (a.uid !== 0 && !hasLoginShell(a)) {
        reasons.push(`account ${a.name} has no login shell (${a.shell || "none"})`);
      }
      const owner = st.value.uid;
      if (owner !== null && owner !== 0 && owner !== a.uid) {
        reasons.push(`file owned by uid ${owner}, not by ${a.name} or root`);
      }
      if (reasons.length > 0) {
        c.finding({
          check_id: "persistence.ssh_key.unusual_location",
          subject: path,
          description: `${parsed.keys.length} key(s) for ${a.name} in ${path}: ${reasons.join("; ")}.`,
          metadata: { path, account: a.name, reasons, fingerprints },
          location: { path },
        });
      }
      const mtime = st.value.mtime?.getTime();
      if (recentDays > 0 && mtime !== undefined && now - mtime < recentDays * 86_400_000) {
        const dir = c.ctx.host.stat(path.slice(0, path.lastIndexOf("/")));
        const dirMtime = dir.ok ? dir.value.mtime?.getTime() : undefined;
        c.finding({
          check_id: "persistence.ssh_key.recent",
          subject: path,
          severity: a.uid === 0 ? "medium" : "low",
          description: `${path} (${parsed.keys.length} key(s) for ${a.name}) was modified ${
            new Date(mtime).toISOString()
          }, within the last ${recentDays} day(s).`,
          metadata: {
            path,
            account: a.name,
            mtime: new Date(mtime).toISOString(),
            appended_in_place: dirMtime !== undefined && mtime > dirMtime,
            fingerprints,
          },
          location: { path },
        });
      }
    }
  }
}

/** Admin groups whose members are expected to hold full sudo rights (google-sudoers: GCP's guest agent). */
export const ADMIN_GROUPS = ["sudo", "wheel", "admin", "root", "google-sudoers"];

/** /etc/sudoers and what it includes (bounded depth): passwordless full root for non-admins, risky includes. */
export function sudoersSources(c: Collector): void {
  const visited = new Set<string>();
  const isAdmin = (principal: string): boolean => {
    if (principal === "root" || principal === "#0") return true;
    if (principal.startsWith("%")) return ADMIN_GROUPS.includes(principal.slice(1).replace(/^:/, ""));
    return ADMIN_GROUPS.some((g) => c.accounts.groups.get(g)?.has(principal));
  };
  const visit = (path: string, depth: number) => {
    if (visited.has(path) || depth > 8) return;
    visited.add(path);
    const f = c.read(path);
    if (!f) return;
    const s = parseSudoers(f.text);
    if (s.bad > 0) c.ctx.warn("sudoers_malformed", `${path}: ${s.bad} line(s) not understood`);
    c.point({
      kind: "sudoers",
      path,
      entries: [],
      meta: { rules: s.rules.map((r) => r.text.slice(0, 300)).slice(0, 50) },
    });
    for (const r of s.rules) {
      const users = expandAliases(r.users, s.aliases.get("User_Alias"));
      const loose = r.commands.filter((cmd) =>
        cmd.nopasswd && /\broot\b|ALL|^#0$/.test(cmd.runas) &&
        expandAliases([cmd.command], s.aliases.get("Cmnd_Alias")).some(isUnrestricted)
      );
      const principals = users.filter((u) => !u.startsWith("!") && !isAdmin(u));
      if (loose.length === 0 || principals.length === 0) continue;
      c.finding({
        check_id: "persistence.sudoers.nopasswd_all",
        subject: `${path}:${entryDigest(r.text)}`,
        severity: principals.includes("ALL") ? "critical" : "high",
        description: `${principals.join(", ")} may run ${loose.map((l) => l.command).join(", ")} as ${
          loose[0].runas
        } without a password (${path}:${r.line}).`,
        metadata: {
          path,
          line: r.line,
          rule: r.text.slice(0, 500),
          principals,
          commands: loose.map((l) => l.command),
        },
        location: { path },
      });
    }
    for (const d of s.noAuthDefaults) {
      c.finding({
        check_id: "persistence.sudoers.no_authenticate",
        subject: `${path}:${entryDigest(d.text)}`,
        description: `${path}:${d.line} turns sudo authentication off: ${d.text.slice(0, 300)}`,
        metadata: { path, line: d.line, rule: d.text.slice(0, 500) },
        location: { path },
      });
    }
    const base = path.slice(0, path.lastIndexOf("/")) || "/";
    for (const inc of s.includes) {
      const target = normalisePath(inc.path.startsWith("/") ? inc.path : `${base}/${inc.path}`);
      const risk = pathRisk(c.ctx.host, target, ROOT_ACCOUNT, c.accounts);
      if (risk) {
        c.finding({
          check_id: "persistence.sudoers.include_untrusted",
          subject: `${path}:${target}`,
          description: `${path}:${inc.line} includes ${target}, which is in an untrusted location (${risk}).`,
          metadata: { path, line: inc.line, include: target, reason: risk },
          location: { path },
        });
      }
      if (inc.dir) {
        for (const name of c.list(target)) {
          if (!name.includes(".") && !name.endsWith("~")) visit(`${target}/${name}`, depth + 1);
        }
      } else visit(target, depth + 1);
    }
  };
  visit("/etc/sudoers", 0);
}

/** /etc/ld.so.preload: every library it names is an entry (loaded into every dynamically linked program). */
export function preloadSources(c: Collector): void {
  const f = c.read("/etc/ld.so.preload", 64 << 10);
  if (!f) return;
  const entries: Entry[] = [];
  f.text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    for (const lib of line.split(/[\s:]+/).filter((x) => x !== "")) {
      entries.push({ line: i + 1, text: lib, runAs: ROOT_ACCOUNT });
    }
  });
  c.point({ kind: "ld_so_preload", path: "/etc/ld.so.preload", entries });
}

/** XDG autostart entries, system-wide (they run as whoever logs in) and per user. */
export function autostartSources(c: Collector): void {
  const dirs: [string, Account][] = [["/etc/xdg/autostart", ANY_USER]];
  for (const a of homeAccounts(c.ctx, c.accounts)) dirs.push([`${a.home}/.config/autostart`, a]);
  for (const [dir, runAs] of dirs) {
    for (const name of c.list(dir)) {
      if (!name.endsWith(".desktop")) continue;
      const path = `${dir}/${name}`;
      const f = c.read(path, 256 << 10);
      if (!f) continue;
      const d = parseDesktopEntry(f.text);
      const entries: Entry[] = d.exec !== undefined && !d.disabled
        ? [{ line: d.execLine, text: d.exec, runAs }]
        : [];
      c.point({ kind: "xdg_autostart", path, entries, meta: { disabled: d.disabled } });
    }
  }
}
