/** The persistence scanner's working set: persistence points and their entries, plus bounded file helpers. */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft, Metadata } from "../../core/finding.ts";
import { pathComponents } from "../../host/host.ts";
import { isNullDevice } from "../../host/open.ts";
import { type Account, type Accounts, hasLoginShell, isUserHome } from "./accounts.ts";
import { OwnerQueries } from "./owners.ts";
import { PathBudget } from "./assess.ts";

/** Kinds of persistence point. */
export type PointKind =
  | "cron"
  | "cron_script"
  | "at_job"
  | "incron"
  | "motd_script"
  | "systemd_timer"
  | "systemd_service"
  | "systemd_socket"
  | "user_unit"
  | "rc_local"
  | "shell_startup"
  | "tool_startup"
  | "udev_rule"
  | "authorized_keys"
  | "sudoers"
  | "sudo_plugin"
  | "ld_so_preload"
  | "xdg_autostart"
  | "display_manager"
  // boot and service managers (sources/generators.ts, systemd.ts, sysv.ts, grub.ts, initramfs.ts)
  | "systemd_generator"
  | "power_hook"
  | "system_unit"
  | "sysv_init"
  | "upstart_job"
  | "openrc_local"
  | "boot_config"
  | "grub_script"
  | "initramfs_script"
  | "tmpfiles"
  // package managers (sources/apt_hooks.ts, dnf_plugins.ts, maintainer_scripts.ts)
  | "apt_hook"
  | "dpkg_hook"
  | "dnf_plugin"
  | "maintainer_script"
  // dynamic linker, environment and kernel modules (sources/ld_so_conf.ts, environment.ts, kernel_modules.ts)
  | "ld_so_conf"
  | "nss_module"
  | "environment_file"
  | "modules_load"
  | "modprobe_command"
  // event hooks, shell and tools, scheduled work, containers (sources/network_hooks.ts … containers.ts)
  | "network_hook"
  | "kernel_helper"
  | "daemon_hook"
  | "fail2ban_command" // sources/fail2ban.ts: action commands and ignorecommand, run as root
  | "dbus_service"
  | "logrotate_script"
  | "binfmt"
  | "shell_definition"
  | "shell_hook"
  | "git_config"
  | "ssh_client_config"
  | "cli_tool_hook"
  | "git_hook"
  | "python_startup"
  // web servers' own hooks: piped logs, RewriteMap prg:, loaded modules (sources/web_servers.ts)
  | "web_server_hook"
  // database servers: PostgreSQL commands and preloads, MySQL plugins, Redis modules (sources/databases.ts)
  | "database_hook"
  | "container"
  | "container_runtime"
  // internet super-servers (sources/inetd.ts)
  | "inet_service"
  // process supervisors: supervisord and monit programs, runit/daemontools/s6 run scripts (sources/supervisors.ts)
  | "supervised_program"
  // monitoring agents: snmpd/snmptrapd, Zabbix agents, NRPE commands and loaded objects (sources/monitoring.ts)
  | "monitoring_command";

/** One thing a persistence point runs, with the privileges it runs with. */
export interface Entry {
  line: number;
  text: string;
  runAs: Account;
  /** The script's `#!` interpreter line (judged like any entry, but not a command of its own). */
  shebang?: boolean;
}

/** A file (or unit) that makes something run again later. */
export interface Point {
  kind: PointKind;
  path: string;
  entries: Entry[];
  /** Extra inventory metadata (fingerprints, timer schedule…). */
  meta?: Metadata;
  /** True when the point exists but cannot run as it is (not executable, a name run-parts skips): inventory only. */
  inert?: boolean;
  /**
   * True for a package's own file (a unit under /usr/lib/systemd/system): what its entries run is judged like any
   * other point's, since a package database the attacker can edit must not be what hides a payload, but its
   * programs are not asked about their package (who forged the unit's ownership forged theirs) and it is left
   * out of the inventory, which lists what was added to the system.
   */
  vendor?: boolean;
}

/** Caps of the persistence scan. */
export const LIMITS = {
  fileBytes: 4 << 20,
  dirEntries: 50_000,
  homes: 10_000,
  inventoryEntries: 50,
} as const;

/** Collects points and findings while sources run. */
export class Collector {
  readonly points: Point[] = [];
  readonly findings: FindingDraft[] = [];
  /** Package-ownership questions, answered once after every source has run. */
  readonly owners = new OwnerQueries();
  /** How many programs are judged one by one, per entry and in all (see PathBudget). */
  readonly paths = new PathBudget();
  /** Paths already warned about by `read`: a file two families read (a ~/.bashrc) is one warning. */
  readonly #warnedReads = new Set<string>();
  /** Files already reported for a name that is not valid UTF-8. */
  readonly #undecodable = new Set<string>();

  constructor(readonly ctx: ScanContext, readonly accounts: Accounts) {}

  /** True when `path` is the null device (major 1, minor 3): a unit or file masked by a link to /dev/null. */
  #isNull(path: string): boolean {
    const st = this.ctx.host.stat(path);
    return st.ok && isNullDevice(st.value);
  }

  /**
   * Reads a text file with the file cap. Missing files and /dev/null (a unit masked by a link to it) are
   * silent; anything else where a file is expected (a FIFO, socket, device or directory) is never opened and is
   * a warning (a FIFO as ~/.bashrc feeds whatever its writer sends to every new shell; a directory as
   * /etc/crontab leaves nothing to check), as is every other failure, once per path however many families read
   * it.
   */
  read(path: string, maxBytes: number = LIMITS.fileBytes): { text: string; bytes: Uint8Array } | undefined {
    const r = this.ctx.host.readBytes(path, maxBytes);
    if (!r.ok) {
      const quiet = r.reason === "missing" ||
        (r.reason === "not_file" && r.kind === "char" && this.#isNull(path));
      if (!quiet && !this.#warnedReads.has(path)) {
        this.#warnedReads.add(path);
        this.ctx.warn("persistence_unreadable", `${path}: ${r.message}`);
      }
      return undefined;
    }
    if (r.truncated && !this.#warnedReads.has(path)) {
      // What follows the bound was not judged: a finding, not a warning (padding is how a line is hidden).
      this.#warnedReads.add(path);
      this.finding({
        check_id: "persistence.file.oversized",
        subject: path,
        description:
          `${path} is larger than ${maxBytes >> 10} KiB: only the start was read, and what comes ` +
          "after it was not judged.",
        metadata: { path, bytes_read: maxBytes },
        location: { path },
      });
    }
    return { text: new TextDecoder().decode(r.value), bytes: r.value };
  }

  /**
   * Names of the non-directory entries of a directory, sorted; missing directories give []. Hidden names are
   * left out unless `hidden` (for readers that do not skip them, such as logrotate).
   */
  list(dir: string, hidden = false): string[] {
    return this.listing(dir, hidden)?.files ?? [];
  }

  /**
   * A directory read once: its non-directory entries (as `list` names them) and the names of its subdirectories
   * and symlinks (which may lead to one; hidden ones left out unless `hidden`), both sorted; undefined when it
   * cannot be read (a missing one silently).
   */
  listing(dir: string, hidden = false): { files: string[]; dirs: string[] } | undefined {
    const r = this.ctx.host.readDir(dir, LIMITS.dirEntries);
    if (!r.ok) {
      if (r.reason !== "missing") this.ctx.warn("persistence_unreadable", `${dir}: ${r.message}`);
      return undefined;
    }
    if (r.truncated && !this.#warnedReads.has(dir)) {
      // Which entries were left out is the directory's order, not the scan's choice: a finding, not a warning.
      this.#warnedReads.add(dir);
      this.finding({
        check_id: "persistence.file.oversized",
        subject: dir,
        description:
          `${dir} holds more than ${LIMITS.dirEntries} entries: only that many were read, and the ` +
          "others were not judged.",
        metadata: { path: dir, entries_read: LIMITS.dirEntries },
        location: { path: dir },
      });
    }
    const shown = r.value.filter((e) => hidden || !e.name.startsWith("."));
    const names = shown.filter((e) => !e.isDirectory).map((e) => e.name).sort();
    // A name that is not valid UTF-8 reaches us with U+FFFD in it and cannot be opened by name: the runner reads
    // it (sudo, cron and the shell go by bytes), this scan cannot, so it is a finding, not a warning.
    const unreadable = new Set(
      names.filter((n) => n.includes("\uFFFD") && !this.ctx.host.lstat(`${dir}/${n}`).ok),
    );
    for (const bad of unreadable) {
      if (this.#undecodable.has(`${dir}/${bad}`)) continue; // a directory two families list (profile.d)
      this.#undecodable.add(`${dir}/${bad}`);
      this.finding({
        check_id: "persistence.file.undecodable_name",
        subject: `${dir}/${bad}`,
        description: `${dir} holds a file whose name is not valid UTF-8 (shown as ${JSON.stringify(bad)}): ` +
          "whatever reads that directory runs it, and this scan cannot open it.",
        metadata: { path: `${dir}/${bad}`, directory: dir },
        location: { path: dir },
      });
    }
    return {
      files: names.filter((n) => !unreadable.has(n)),
      dirs: shown.filter((e) => e.isDirectory || e.isSymlink).map((e) => e.name).sort(),
    };
  }

  /** Records a point. */
  point(p: Point): void {
    this.points.push(p);
  }

  /** Records a finding that is not about a single entry (sudoers rules, keys, rc.local…). */
  finding(d: FindingDraft): void {
    this.findings.push(d);
  }
}

/** Normalises an absolute path lexically. */
export function normalisePath(path: string): string {
  return "/" + pathComponents(path).join("/");
}

/**
 * Accounts whose home directory holds start-up files worth reading: root, accounts with a login shell and
 * people's homes. One account per home directory; "/" and /nonexistent are skipped.
 */
export function homeAccounts(ctx: ScanContext, accounts: Accounts): Account[] {
  const seen = new Set<string>();
  const out: Account[] = [];
  const sorted = [...accounts.byName.values()].sort((a, b) => a.uid - b.uid || (a.name < b.name ? -1 : 1));
  for (const a of sorted) {
    if (a.uid !== 0 && !hasLoginShell(a) && !isUserHome(a)) continue;
    if (!a.home.startsWith("/")) continue;
    const home = normalisePath(a.home);
    if (home === "/" || home === "/nonexistent" || seen.has(home)) continue;
    seen.add(home);
    if (out.length >= LIMITS.homes) {
      ctx.warn("truncated", `more than ${LIMITS.homes} home directories: the rest were not read`);
      break;
    }
    out.push({ ...a, home });
  }
  return out;
}
