/**
 * persistence: every place that makes code run again later — cron, at and incron, systemd timers, local and user
 * units, rc.local, update-motd scripts, shell start-up files, editors' plugins, udev RUN rules, authorized_keys,
 * sudoers, ld.so.preload, XDG autostart and display managers' hooks; systemd generators, package units, sleep and
 * shutdown hooks, SysV/upstart/OpenRC, GRUB and the kernel command line, initramfs hooks; APT, dpkg and dnf hooks,
 * maintainer scripts; ld.so.conf and the login environment; kernel module loading and kernel helpers; network,
 * logrotate and daemon hooks (loggers, auditd, acpid, fail2ban), inetd and xinetd services, process supervisors,
 * monitoring agents, web servers' and database servers' hooks, container engines' runtimes and OCI hooks;
 * binfmt_misc, shell aliases and hooks, git, ssh client, kubeconfig and Docker client hooks, Python start-up
 * code, packaged programs replaced in place, web shells, self-restarting containers — with findings for entries
 * that run from untrusted locations, carry reverse-shell, download-and-execute or encoded payloads, or sit among
 * a package's files without a package (and each family's own checks), and (with --persistence-inventory) an info
 * inventory of every point.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { type Accounts, loadAccounts } from "./accounts.ts";
import { sharedNssRecords } from "../accounts/nss_records.ts";
import { assessEntry, entryDigest, PATH_BUDGET } from "./assess.ts";
import { ScriptPayloads } from "./scripts.ts";
import { unlessProgramsOwned } from "./sources/ownership.ts";
import { Collector, LIMITS, normalisePath, type Point } from "./collect.ts";
import { sha256Hex } from "../../host/hash.ts";
import { autostartSources } from "./sources/autostart.ts";
import { displayManagerSources } from "./sources/display_managers.ts";
import { atSources, cronSources, incronSources } from "./sources/cron.ts";
import { preloadSources } from "./sources/ld_preload.ts";
import { motdSources } from "./sources/motd.ts";
import { rcLocalSources } from "./sources/rc_local.ts";
import { shellSources } from "./sources/shell.ts";
import { vimPluginSources } from "./sources/vim_plugins.ts";
import { sshKeySources } from "./sources/ssh_keys.ts";
import { sudoersSources } from "./sources/sudoers.ts";
import { systemdSources } from "./sources/systemd.ts";
import { udevSources } from "./sources/udev.ts";
import { aptHookSources } from "./sources/apt_hooks.ts";
import { maintainerScriptSources } from "./sources/maintainer_scripts.ts";
import { packagesRecentSources } from "./sources/packages_recent.ts";
import { dnfPluginSources } from "./sources/dnf_plugins.ts";
import { generatorSources } from "./sources/generators.ts";
import { powerHookSources } from "./sources/power_hooks.ts";
import { systemUnitSources } from "./sources/system_units.ts";
import { sysvSources } from "./sources/sysv.ts";
import { grubSources } from "./sources/grub.ts";
import { initramfsSources } from "./sources/initramfs.ts";
import { tmpfilesSources } from "./sources/tmpfiles.ts";
import { ldSoConfSources } from "./sources/ld_so_conf.ts";
import { nssSources } from "./sources/nss.ts";
import { environmentSources } from "./sources/environment.ts";
import { kernelModuleSources } from "./sources/kernel_modules.ts";
import { networkHookSources } from "./sources/network_hooks.ts";
import { daemonHookSources } from "./sources/daemon_hooks.ts";
import { fail2banSources } from "./sources/fail2ban.ts";
import { inetdSources } from "./sources/inetd.ts";
import { supervisorSources } from "./sources/supervisors.ts";
import { monitoringSources } from "./sources/monitoring.ts";
import { kernelHelperSources } from "./sources/kernel_helpers.ts";
import { logrotateSources } from "./sources/logrotate.ts";
import { binfmtSources } from "./sources/binfmt.ts";
import { shellDefinitionSources } from "./sources/shell_defs.ts";
import { gitSources } from "./sources/git.ts";
import { sshClientSources } from "./sources/ssh_client.ts";
import { cliToolSources } from "./sources/cli_tools.ts";
import { pythonSources } from "./sources/python.ts";
import { binarySources } from "./sources/binaries.ts";
import { webShellSources } from "./sources/web_shells.ts";
import { webServerSources } from "./sources/web_servers.ts";
import { databaseSources } from "./sources/databases.ts";
import { containerSources } from "./sources/containers.ts";
import { containerRuntimeSources } from "./sources/container_runtimes.ts";
import { PERSISTENCE_INFO } from "../info/persistence.ts";

/**
 * The families of persistence points, in the order they are read: one file each under `sources/` (helpers
 * they share in `sources/shared.ts`). A new family is a file there and a line here (with its import); its checks go in
 * `checks.ts`, its point kinds in `collect.ts`.
 */
const SOURCES: readonly ((c: Collector) => void | Promise<void>)[] = [
  cronSources, // cron.ts: /etc/crontab, cron.d, anacrontab, cron.hourly…yearly, per-user crontabs
  atSources, // cron.ts: pending at jobs
  incronSources, // cron.ts: incron system and user tables (commands run on file events)
  motdSources, // motd.ts: /etc/update-motd.d
  systemdSources, // systemd.ts: timers, local services, ~/.config/systemd/user
  rcLocalSources, // rc_local.ts: /etc/rc.local, /etc/rc.d/rc.local
  shellSources, // shell.ts: /etc/profile, profile.d, bashrc, zsh files, each account's dot files
  vimPluginSources, // vim_plugins.ts: vim and Neovim plugins on the runtime path, init files, the runtime's owners
  udevSources, // udev.ts: rules.d RUN, PROGRAM, IMPORT{program}
  sshKeySources, // ssh_keys.ts: authorized_keys (as sshd_config's AuthorizedKeysFile says)
  sudoersSources, // sudoers.ts: /etc/sudoers and its includes
  preloadSources, // ld_preload.ts: /etc/ld.so.preload
  autostartSources, // autostart.ts: /etc/xdg/autostart, ~/.config/autostart
  displayManagerSources, // display_managers.ts: GDM Init/PostLogin/PreSession/PostSession, LightDM and SDDM hooks
  aptHookSources, // apt_hooks.ts: APT hooks (apt.conf, apt.conf.d), dpkg's pre/post-invoke and status-logger
  maintainerScriptSources, // maintainer_scripts.ts: dpkg maintainer scripts, rpm scriptlets with payloads
  packagesRecentSources, // packages_recent.ts: --hardening: recent packages no APT repository provides
  dnfPluginSources, // dnf_plugins.ts: yum/dnf plugin modules, pluginpath, post-transaction actions
  generatorSources, // generators.ts: systemd (user, environment) generators in every generator directory
  powerHookSources, // power_hooks.ts: systemd/elogind system-sleep and system-shutdown, pm-utils sleep.d/power.d
  systemUnitSources, // system_units.ts: unowned package units, drop-ins changing them, LD_PRELOAD in units
  sysvSources, // sysv.ts: /etc/init.d scripts, rc?.d and OpenRC runlevel links, /etc/local.d, upstart jobs
  grubSources, // grub.ts: /etc/default/grub(.d), /etc/grub.d, grub.cfg, BLS entries: init= and protections off
  initramfsSources, // initramfs.ts: initramfs-tools hooks and scripts, dracut modules and configuration
  tmpfilesSources, // tmpfiles.ts: tmpfiles.d lines that write, link or copy files at every boot
  ldSoConfSources, // ld_so_conf.ts: /etc/ld.so.conf and its includes: library directories by location
  nssSources, // nss.ts: the NSS modules nsswitch.conf makes every name lookup load
  environmentSources, // environment.ts: /etc/environment, pam_env.conf, ~/.pam_environment, environment.d
  kernelModuleSources, // kernel_modules.ts: modules-load.d, /etc/modules, modprobe.d install/remove commands
  networkHookSources, // network_hooks.ts: NetworkManager/networkd dispatchers, if-*.d, ppp, dhclient, interfaces
  daemonHookSources, // daemon_hooks.ts: rsyslog omprog, syslog-ng program(), auditd plugins, acpid, needrestart…
  fail2banSources, // fail2ban.ts: actions' actionban/actionstart… and jails' ignorecommand, as jail.conf enables them
  inetdSources, // inetd.ts: inetd.conf, inetutils' inetd.d, xinetd.conf and its includes: what each service runs
  supervisorSources, // supervisors.ts: supervisord and monit programs; runit/daemontools/s6 service dirs' run scripts
  monitoringSources, // monitoring.ts: snmpd extend/pass/dlmod, snmptrapd traphandle, Zabbix UserParameter/system.run, NRPE
  kernelHelperSources, // kernel_helpers.ts: core_pattern pipes, modprobe, uevent helper, poweroff_cmd
  logrotateSources, // logrotate.ts: prerotate/postrotate/firstaction/lastaction/preremove scripts
  binfmtSources, // binfmt.ts: binfmt.d files and live binfmt_misc registrations
  shellDefinitionSources, // shell_defs.ts: aliases/functions shadowing sudo, ls…; PROMPT_COMMAND, traps, zsh hooks
  gitSources, // git.ts: command keys of system, user and repository configs; hooks and core.hooksPath
  sshClientSources, // ssh_client.ts: ssh_config ProxyCommand, LocalCommand, KnownHostsCommand, Match exec, providers
  cliToolSources, // cli_tools.ts: kubeconfig exec plugins, Docker credential helpers and CLI plugins
  pythonSources, // python.ts: .pth import lines, sitecustomize/usercustomize
  binarySources, // binaries.ts: packaged programs now scripts, of another size (rpm), set-id added, odd links
  webServerSources, // web_servers.ts: Apache piped logs, RewriteMap prg:, exec: helpers, LoadModule; nginx load_module
  databaseSources, // databases.ts: PostgreSQL commands and preloads, MySQL plugins, init SQL, Redis modules
  webShellSources, // web_shells.ts: web roots (default and configured): request input run, obfuscated eval
  containerSources, // containers.ts: self-restarting containers that are privileged or mount the host
  containerRuntimeSources, // container_runtimes.ts: engines' runtimes, shims, conmon, OCI hooks (run as root)
];

function inventory(p: Point): FindingDraft {
  const runAs = [...new Set(p.entries.map((e) => e.runAs.name))].sort();
  return {
    check_id: "persistence.inventory.point",
    subject: `${p.kind}:${p.path}`,
    title: `Persistence point (${p.kind.replaceAll("_", " ")}): ${p.path}`,
    description: `${p.path}: ${p.entries.length} entr${p.entries.length === 1 ? "y" : "ies"}.`,
    metadata: {
      kind: p.kind,
      path: p.path,
      run_as: runAs,
      entry_count: p.entries.length,
      entries: p.entries.slice(0, LIMITS.inventoryEntries).map((e) => e.text.slice(0, 300)),
      ...p.meta,
    },
    location: { path: p.path },
  };
}

/**
 * /etc/passwd's accounts and those NSS returns from elsewhere (systemd user records, libnss-extrausers): sshd
 * and login take those too, so their homes' keys, start-up files and tables are read like any account's (the
 * accounts scanner reports the records themselves).
 */
async function hostAccounts(ctx: ScanContext): Promise<Accounts> {
  const accounts = loadAccounts(ctx);
  for (const r of (await sharedNssRecords(ctx)).accounts) {
    if (accounts.byName.has(r.name)) continue;
    const a = { name: r.name, uid: r.uid ?? -1, gid: r.gid ?? -1, home: r.home ?? "", shell: r.shell ?? "" };
    accounts.byName.set(a.name, a);
    if (a.uid >= 0 && !accounts.byUid.has(a.uid)) accounts.byUid.set(a.uid, a);
  }
  return accounts;
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const c = new Collector(ctx, await hostAccounts(ctx));
  for (const source of SOURCES) {
    await source(c);
    await ctx.checkpoint();
  }
  // Every entry's programs that sit among the distribution's own but that no package installed (a planted
  // /usr/bin/syshealthd behind a clean unit): asked here, answered with the sources' questions.
  // Package units are left out: what forged their own ownership forges their programs' too, and ~100 units
  // cost ~25 ms here; what they run is still judged below.
  for (const p of c.points) {
    if (p.inert || p.vendor) continue;
    for (const e of p.entries) {
      if (e.shebang) continue;
      unlessProgramsOwned(c, e.text, {
        path: p.path,
        line: e.line,
        kind: p.kind,
        self: normalisePath(p.path),
      });
    }
  }
  await c.owners.resolve(ctx); // owners.ts: the package-ownership questions every source asked, in one pass
  // The families' own findings first: should judging the entries below be cut short (the scanner's budget),
  // what was already found is kept.
  const early = c.findings.length;
  yield* c.findings.slice(0, early);
  const emitted = new Set<string>();
  const scripts = new ScriptPayloads(c);
  for (const p of c.points) {
    await ctx.checkpoint();
    if (ctx.config.persistenceInventory && !p.vendor) {
      const f = p.path.startsWith("/") ? c.read(p.path) : undefined; // not a file: an rpm scriptlet
      const inv = inventory(p);
      if (f) inv.metadata!.sha256 = sha256Hex(f.bytes);
      yield inv;
    }
    for (const e of p.inert ? [] : p.entries) {
      const a = assessEntry(
        ctx.host,
        e.text,
        e.runAs,
        c.accounts,
        (path) => scripts.indicators(path),
        c.paths.share(p.path, e.line, e.text).judged,
      );
      if (!a) continue;
      const subject = `${p.path}:${entryDigest(e.text)}`;
      const checkId = `persistence.command.${a.worst}`;
      if (emitted.has(`${checkId}:${subject}`)) continue;
      emitted.add(`${checkId}:${subject}`);
      yield {
        check_id: checkId,
        subject,
        severity: a.severity,
        description: `${p.path}${e.line > 0 ? `:${e.line}` : ""} (${
          p.kind.replaceAll("_", " ")
        }, runs as ${e.runAs.name}): ${e.text.slice(0, 300)}`,
        metadata: {
          kind: p.kind,
          path: p.path,
          line: e.line,
          run_as: e.runAs.name,
          command: e.text.slice(0, 1000),
          indicators: a.indicators.map((i) => i.path ? `${i.name}:${i.path}` : i.name),
          ...p.meta,
        },
        location: { path: p.path },
      };
    }
  }
  yield* c.findings.slice(early);
  yield* unjudged(c);
}

/** Findings shown per scan for entries not judged in full; the rest are counted in a warning. */
const UNJUDGED_SHOWN = 50;

/** `persistence.entry.unjudged_programs` for the entries the path budget cut. */
function* unjudged(c: Collector): Generator<FindingDraft> {
  for (const cut of c.paths.cut.slice(0, UNJUDGED_SHOWN)) {
    yield {
      check_id: "persistence.entry.unjudged_programs",
      subject: `${cut.path}:${cut.line}`,
      description:
        `${cut.path}${cut.line > 0 ? `:${cut.line}` : ""} names ${cut.named} programs; ${cut.judged} ` +
        `were checked for where they live and who installed them (at most ${PATH_BUDGET.perEntry} an entry, ` +
        `${PATH_BUDGET.perScan} a scan), the rest only against payload patterns.`,
      metadata: { path: cut.path, line: cut.line, named: cut.named, judged: cut.judged },
      location: { path: cut.path },
    };
  }
  const more = c.paths.cut.length - UNJUDGED_SHOWN;
  if (more > 0) {
    c.ctx.warn("truncated", `${more} more entries not judged in full (persistence.entry.unjudged_programs)`);
  }
}

/** The persistence scanner. */
export const persistence: Scanner = { ...PERSISTENCE_INFO, run };
