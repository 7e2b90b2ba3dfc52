/**
 * Monitoring agents: programs that run configured commands when a monitoring server asks, often as root or
 * through sudo. Net-SNMP's snmpd and snmptrapd are monitoring_snmp.ts's; here are the Zabbix agent and agent 2
 * (UserParameter commands run through `sh -c`, `system.run` commands the AllowKey rules or `Alias=` lines name
 * by their text, agent 2's loadable plugin programs, agent 1's LoadModule objects; as the unit's User=, or, for agent 1 started
 * as root, as its User= parameter unless AllowRoot=1) and NRPE (its `command[NAME]` lines through `/bin/sh -c`,
 * with command_prefix in front, as nrpe_user or the unit's User=). Each configuration file is a
 * `monitoring_command` point whose commands the shared checks judge; settings that let the network choose the
 * command are `persistence.monitoring.remote_commands` and `…argument_injection`, a loaded object no package
 * installed `…unpackaged_module`.
 */
import type { Severity } from "../../../core/severity.ts";
import { globMatcher } from "../../../host/glob.ts";
import { type Account, ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, normalisePath } from "../collect.ts";
import { commandName } from "../shell_words.ts";
import { subdirs } from "./hook_files.ts";
import { walkIncludes } from "./shared.ts";
import {
  accountNamed,
  AgentFile,
  type AgentService,
  agentService,
  loadedObject,
  MONITORING_LIMITS,
  optionValue,
} from "./monitoring_agents.ts";
import {
  atoi,
  type KeyRule,
  nrpeArgMacros,
  nrpeCommandName,
  parseNrpeConf,
  parseZabbixConf,
  systemRunAccess,
  zabbixKeyParams,
  zabbixPositionals,
  zabbixUserParameter,
} from "./monitoring_parse.ts";
import { snmpSources } from "./monitoring_snmp.ts";

/** The two Zabbix agents: their units, their default configuration files, how `-c` is spelled. */
const ZABBIX_AGENTS = [
  {
    agent: "zabbix_agentd",
    units: ["zabbix-agent.service"],
    configs: ["/etc/zabbix/zabbix_agentd.conf", "/usr/local/etc/zabbix_agentd.conf"],
    long: "--config",
  },
  {
    agent: "zabbix_agent2",
    units: ["zabbix-agent2.service"],
    configs: ["/etc/zabbix/zabbix_agent2.conf", "/usr/local/etc/zabbix_agent2.conf"],
    long: "-config",
  },
] as const;

/** Where the account comes from when no unit starts the agent on a file. */
const NO_UNIT = "no systemd unit starts it on this file: judged as started by root";

/** NRPE's configuration files: Debian's and EPEL's, the source build's. */
const NRPE_CONFIGS = ["/etc/nagios/nrpe.cfg", "/usr/local/nagios/etc/nrpe.cfg"];

/** The severity of a remote-command finding: high when the command runs as root, medium otherwise. */
function byAccount(runAs: Account): Severity {
  return runAs.uid === 0 ? "high" : "medium";
}

/** True when `path` (followed) is a regular file. */
function isFile(c: Collector, path: string): boolean {
  const st = c.ctx.host.stat(path);
  return st.ok && st.value.isFile;
}

/** The files an `Include=` names: a file, a directory's files, or a glob in the last component; sorted. */
function zabbixInclude(c: Collector, value: string, from: string): string[] {
  const base = from.slice(0, from.lastIndexOf("/")) || "/";
  const path = normalisePath(value.startsWith("/") ? value : `${base}/${value}`);
  const slash = path.lastIndexOf("/");
  const dir = path.slice(0, slash) || "/";
  const last = path.slice(slash + 1);
  if (/[*?[]/.test(dir)) return [];
  let names: string[];
  if (/[*?[]/.test(last)) names = c.list(dir, true).filter(globMatcher(last));
  else {
    const st = c.ctx.host.stat(path);
    if (!st.ok) return [];
    if (!st.value.isDirectory) return [path];
    return c.list(path, true).map((n) => `${path}/${n}`).filter((p) => isFile(c, p));
  }
  return names.map((n) => `${dir === "/" ? "" : dir}/${n}`).filter((p) => isFile(c, p));
}

/** What one Zabbix agent configuration (its includes followed) sets. */
interface ZabbixConf {
  files: AgentFile[];
  rules: KeyRule[];
  params: { file: AgentFile; line: number; key: string; command: string; flexible: boolean }[];
  /** Agent 2's loadable plugin programs, and the system.run commands of `Alias=` lines. */
  programs: { file: AgentFile; line: number; program: string; note: string }[];
  modules: { file: AgentFile; line: number; written: string }[];
  last: Map<string, { value: string; path: string; line: number }>;
}

/** The agents' own bound on nested includes is 10 levels. */
const ZABBIX_LIMITS = { files: MONITORING_LIMITS.files, depth: 10 } as const;

/** Reads a Zabbix agent configuration as the agent does, its includes (at most 10 deep) followed. */
function readZabbix(c: Collector, agent: string, root: string): ZabbixConf {
  const conf: ZabbixConf = { files: [], rules: [], params: [], programs: [], modules: [], last: new Map() };
  walkIncludes(c, `${agent} ${root}`, root, ZABBIX_LIMITS, (path, text, include) => {
    const file = new AgentFile(path);
    conf.files.push(file);
    for (const l of parseZabbixConf(text)) {
      if (l.key === "Include") {
        include(l.line, () => zabbixInclude(c, l.value, path));
        continue;
      }
      conf.last.set(l.key, { value: l.value, path, line: l.line });
      if (l.key === "UserParameter") {
        const up = zabbixUserParameter(l.value);
        if (up) conf.params.push({ file, line: l.line, ...up });
      } else if (l.key === "AllowKey" || l.key === "DenyKey") {
        conf.rules.push({
          line: l.line,
          allow: l.key === "AllowKey",
          pattern: l.value,
          path,
          setting: `${l.key}=${l.value}`,
        });
      } else if (l.key === "EnableRemoteCommands" && agent === "zabbix_agentd" && /^[01]$/.test(l.value)) {
        conf.rules.push({
          line: l.line,
          allow: l.value === "1",
          pattern: "system.run[*]",
          path,
          setting: `EnableRemoteCommands=${l.value}`,
        });
      } else if (l.key === "LoadModule" && agent === "zabbix_agentd") {
        conf.modules.push({ file, line: l.line, written: l.value });
      } else if (l.key === "Alias") {
        // Alias=name:system.run[COMMAND]: the name runs COMMAND wherever system.run is allowed.
        const target = /^[^:]*:\s*system\.run\[(.*)\]\s*$/.exec(l.value);
        const command = target ? zabbixKeyParams(target[1])[0]?.trim() : undefined;
        if (command) conf.programs.push({ file, line: l.line, program: command, note: `Alias ${l.value}` });
      } else {
        const plugin = /^Plugins\.([^.]+)\.System\.Path$/.exec(l.key);
        if (plugin && l.value !== "") {
          conf.programs.push({
            file,
            line: l.line,
            program: l.value,
            note: `loadable plugin ${plugin[1]}: the agent starts ${l.value}`,
          });
        }
      }
    }
  });
  return conf;
}

/** The account a Zabbix agent's commands run as, and why. */
function zabbixAccount(
  c: Collector,
  agent: string,
  conf: ZabbixConf,
  service: AgentService | undefined,
): { runAs: Account; from: string } {
  const start = service?.account ?? ROOT_ACCOUNT;
  const started = service ? service.unit : NO_UNIT;
  if (start.uid !== 0) return { runAs: start, from: `User=${start.name} in ${started}` };
  if (agent === "zabbix_agent2") {
    return { runAs: ROOT_ACCOUNT, from: `${started}: agent 2 keeps the account it starts as` };
  }
  const allowRoot = conf.last.get("AllowRoot");
  if (allowRoot && atoi(allowRoot.value) === 1) {
    return { runAs: ROOT_ACCOUNT, from: `AllowRoot=1 in ${allowRoot.path}:${allowRoot.line} (${started})` };
  }
  const user = conf.last.get("User");
  return {
    runAs: accountNamed(c, user?.value ?? "zabbix"),
    from: user
      ? `User=${user.value} in ${user.path}:${user.line}`
      : `${started}; drops to zabbix (the default User=)`,
  };
}

/** One Zabbix agent instance: its commands as entries, its remote-command settings and modules judged. */
function zabbixInstance(
  c: Collector,
  a: typeof ZABBIX_AGENTS[number],
  root: string,
  service: AgentService | undefined,
): void {
  const conf = readZabbix(c, a.agent, root);
  if (conf.files.length === 0) return;
  const { runAs, from } = zabbixAccount(c, a.agent, conf, service);
  const dir = conf.last.get("UserParameterDir")?.value;
  for (const p of conf.params) {
    const command = dir && p.command.startsWith("./")
      ? `${dir.replace(/\/+$/, "")}${p.command.slice(1)}`
      : p.command;
    p.file.entries.push({ line: p.line, text: command, runAs });
    p.file.note(p.line, `UserParameter ${p.key}: sh -c ${command.slice(0, 200)}`);
  }
  const access = systemRunAccess(conf.rules);
  for (const f of access.fixed) {
    const file = conf.files.find((x) => x.path === f.rule.path)!;
    file.entries.push({ line: f.rule.line, text: f.command, runAs });
    file.note(f.rule.line, `AllowKey ${f.rule.pattern}: the server may run ${f.command.slice(0, 200)}`);
  }
  for (const p of conf.programs) {
    p.file.entries.push({ line: p.line, text: p.program, runAs });
    p.file.note(p.line, p.note.slice(0, 300));
  }
  const modulePath = conf.last.get("LoadModulePath")?.value;
  const moduleDirs = modulePath ? [modulePath] : [
    ...subdirs(c, "/usr/lib", /-linux-gnu/).map((t) => `/usr/lib/${t}/modules`),
    "/usr/lib64/zabbix/modules",
    "/usr/local/lib/modules",
  ];
  for (const m of conf.modules) {
    loadedObject(c, m.file, {
      agent: a.agent,
      line: m.line,
      directive: "LoadModule",
      written: m.written,
      candidates: m.written.startsWith("/")
        ? [normalisePath(m.written)]
        : moduleDirs.map((d) => normalisePath(`${d}/${m.written}`)),
      loader: `every ${a.agent} process, as ${runAs.name}`,
      runAs,
    });
  }
  if (access.open) {
    const r = access.open;
    c.finding({
      check_id: "persistence.monitoring.remote_commands",
      subject: `${root}:system.run`,
      severity: byAccount(runAs),
      description: `${r.path}:${r.line}: ${r.setting ?? r.pattern} lets the server of ${a.agent} run any ` +
        `command through system.run, as ${runAs.name}.`,
      metadata: {
        path: r.path ?? root,
        line: r.line,
        agent: a.agent,
        rule: r.setting ?? r.pattern,
        run_as: runAs.name,
        run_as_from: from,
      },
      location: { path: r.path ?? root },
    });
  }
  const unsafe = conf.last.get("UnsafeUserParameters");
  const injected = conf.params.filter((p) => p.flexible && zabbixPositionals(p.command).length > 0);
  if (unsafe && atoi(unsafe.value) === 1 && injected.length > 0) {
    c.finding({
      check_id: "persistence.monitoring.remote_commands",
      subject: `${root}:UnsafeUserParameters`,
      severity: byAccount(runAs),
      description:
        `${unsafe.path}:${unsafe.line}: UnsafeUserParameters=1 lets the server put shell syntax into ` +
        `the $1…$9 of ${injected.length} flexible UserParameter(s), run through sh -c as ${runAs.name}.`,
      metadata: {
        path: unsafe.path,
        line: unsafe.line,
        agent: a.agent,
        user_parameters: injected.slice(0, MONITORING_LIMITS.metaLines).map((p) =>
          `${p.file.path}:${p.line} ${p.key}`
        ),
        run_as: runAs.name,
        run_as_from: from,
      },
      location: { path: unsafe.path },
    });
  }
  for (const f of conf.files) f.flush(c, a.agent, { commands_run_as: runAs.name, run_as_from: from });
}

/** What one NRPE configuration (its includes followed) sets; single settings keep their last value. */
interface NrpeConf {
  files: AgentFile[];
  commands: { file: AgentFile; line: number; name: string; command: string }[];
  last: Map<string, { value: string; path: string; line: number }>;
}

/** Reads an NRPE configuration as nrpe does: include= and include_file= files, include_dir= trees (*.cfg). */
function readNrpe(c: Collector, root: string): NrpeConf {
  const conf: NrpeConf = { files: [], commands: [], last: new Map() };
  const named = (value: string) => normalisePath(value.startsWith("/") ? value : `/${value}`);
  walkIncludes(c, `nrpe ${root}`, root, MONITORING_LIMITS, (path, text, include) => {
    const file = new AgentFile(path);
    conf.files.push(file);
    const parsed = parseNrpeConf(text);
    for (const l of parsed.lines) {
      if (l.name === "include_dir") {
        include(l.line, () => nrpeDirFiles(c, named(l.value)));
        continue;
      }
      if (l.name === "include" || l.name === "include_file") {
        include(l.line, () => [named(l.value)]);
        continue;
      }
      const name = nrpeCommandName(l.name);
      if (name !== undefined) conf.commands.push({ file, line: l.line, name, command: l.value.trim() });
      else conf.last.set(l.name, { value: l.value, path, line: l.line });
    }
    if (parsed.stopped !== undefined) {
      file.note(parsed.stopped, "malformed line: nrpe stops reading this file here");
    }
  });
  return conf;
}

/**
 * The files nrpe's include_dir= reads: every `*.cfg` file in the tree (dot directories left out), in name
 * order, at most MONITORING_LIMITS.depth directories down; a directory linked back up the tree is read once.
 */
function nrpeDirFiles(c: Collector, top: string): string[] {
  const out: string[] = [];
  const dirs = new Set<string>(); // by device and inode
  const visitDir = (dir: string, depth: number) => {
    const id = c.ctx.host.stat(dir);
    if (depth > MONITORING_LIMITS.depth || !id.ok || dirs.has(`${id.value.dev}:${id.value.ino}`)) return;
    dirs.add(`${id.value.dev}:${id.value.ino}`);
    const listing = c.listing(dir, true);
    if (!listing) return;
    for (const name of [...new Set([...listing.files, ...listing.dirs])].sort()) {
      const path = `${dir === "/" ? "" : dir}/${name}`;
      const st = c.ctx.host.stat(path);
      if (!st.ok) continue;
      if (st.value.isFile && name.length > 4 && name.endsWith(".cfg")) out.push(path);
      else if (st.value.isDirectory && !name.startsWith(".")) visitDir(path, depth + 1);
    }
  };
  visitDir(top, 0);
  return out;
}

/**
 * Whether the installed nrpe was built with argument support (`--enable-command-args`): its refusal message
 * tells; undefined when the program is missing or says neither.
 */
function nrpeTakesArguments(c: Collector, argv: readonly string[]): boolean | undefined {
  const program = argv[0]?.startsWith("/") ? argv[0] : "/usr/sbin/nrpe";
  const r = c.ctx.host.readBytes(program, 8 << 20);
  if (!r.ok) return undefined;
  const text = new TextDecoder("latin1").decode(r.value);
  if (text.includes("argument option is not enabled")) return true;
  if (text.includes("Request contained command arguments!")) return false;
  return undefined;
}

/** One NRPE configuration: its commands as entries (command_prefix in front), its argument settings judged. */
function nrpeInstance(c: Collector, root: string, service: AgentService | undefined): void {
  const conf = readNrpe(c, root);
  if (conf.files.length === 0) return;
  const start = service?.account ?? ROOT_ACCOUNT;
  const user = conf.last.get("nrpe_user");
  let runAs = start;
  let from = service ? `User=${start.name} in ${service.unit}` : NO_UNIT;
  if (start.uid === 0) {
    runAs = user ? accountNamed(c, user.value) : ROOT_ACCOUNT;
    from = user
      ? `nrpe_user=${user.value} in ${user.path}:${user.line}`
      : `${from}; no nrpe_user: nrpe keeps root`;
  }
  const prefix = conf.last.get("command_prefix")?.value.trim();
  const sudo = prefix !== undefined && commandName(prefix) === "sudo" && !/\s-(?:u|-user)\b/.test(prefix);
  const commandsAs = sudo ? ROOT_ACCOUNT : runAs;
  if (sudo) from = `${from}; command_prefix runs every command through sudo: judged as root`;
  for (const cmd of conf.commands) {
    const text = prefix ? `${prefix} ${cmd.command}` : cmd.command;
    cmd.file.entries.push({ line: cmd.line, text, runAs: commandsAs });
    cmd.file.note(cmd.line, `command[${cmd.name}]: /bin/sh -c ${text.slice(0, 200)}`);
  }
  const blame = conf.last.get("dont_blame_nrpe");
  const withArgs = conf.commands.filter((x) => nrpeArgMacros(`${prefix ?? ""} ${x.command}`).length > 0);
  if (blame && atoi(blame.value) === 1 && withArgs.length > 0) {
    const built = nrpeTakesArguments(c, service?.argv ?? []);
    const bash = conf.last.get("allow_bash_command_substitution");
    const nasty = conf.last.get("nasty_metachars");
    const shell = (bash !== undefined && atoi(bash.value) === 1) ||
      (nasty !== undefined && [";", "|", "&", "`"].some((ch) => !nasty.value.includes(ch)));
    const remote = shell && built !== false;
    c.finding({
      check_id: remote
        ? "persistence.monitoring.remote_commands"
        : "persistence.monitoring.argument_injection",
      subject: `${root}:dont_blame_nrpe`,
      severity: remote ? byAccount(commandsAs) : built === false ? "low" : "medium",
      description: `${blame.path}:${blame.line}: dont_blame_nrpe=1 lets clients pass arguments into ` +
        `${withArgs.length} command(s) using $ARGn$, run through /bin/sh -c as ${commandsAs.name}` +
        (shell ? ", with shell syntax allowed in them" : "") +
        (built === false
          ? " (the installed nrpe was built without argument support: inert until replaced)"
          : "") +
        ".",
      metadata: {
        path: blame.path,
        line: blame.line,
        agent: "nrpe",
        commands: withArgs.slice(0, MONITORING_LIMITS.metaLines).map((x) =>
          `${x.file.path}:${x.line} ${x.name}`
        ),
        run_as: commandsAs.name,
        run_as_from: from,
        arguments_supported: built === undefined ? "unknown" : String(built),
        ...(shell
          ? {
            shell_syntax: bash && atoi(bash.value) === 1
              ? "allow_bash_command_substitution=1"
              : "nasty_metachars",
          }
          : {}),
      },
      location: { path: blame.path },
    });
  }
  for (const f of conf.files) f.flush(c, "nrpe", { commands_run_as: commandsAs.name, run_as_from: from });
}

/** Every monitoring agent: snmpd and snmptrapd, the Zabbix agents, NRPE. */
export function monitoringSources(c: Collector): void {
  snmpSources(c);
  for (const a of ZABBIX_AGENTS) {
    const service = agentService(c, a.units);
    const flag = service ? optionValue(service.argv, "-c", a.long) : undefined;
    // The unit starts the agent on its -c file, or on the first default: the other files are other instances.
    const started = flag ? normalisePath(flag) : a.configs[0];
    for (const root of new Set([started, ...a.configs])) {
      zabbixInstance(c, a, root, root === started ? service : undefined);
    }
  }
  const nrpe = agentService(c, ["nagios-nrpe-server.service", "nrpe.service"]);
  const flag = nrpe ? optionValue(nrpe.argv, "-c", "--config") : undefined;
  const started = flag ? normalisePath(flag) : NRPE_CONFIGS[0];
  for (const root of new Set([started, ...NRPE_CONFIGS])) {
    nrpeInstance(c, root, root === started ? nrpe : undefined);
  }
}
