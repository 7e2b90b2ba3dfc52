/**
 * Net-SNMP's agents: what snmpd and snmptrapd run because their configuration says so. The files are those
 * read_config.c reads — snmpd.conf, snmpd.local.conf, snmp.conf and snmp.local.conf in every directory of the
 * default search path (and the persistent directory), the files of `-c`, their includeFile/includeDir/
 * includeSearch lines — with `[snmpd]` context switches honoured, so a line hidden in snmp.conf counts. snmpd's
 * extend/exec/sh/pass/pass_persist/…fix programs run when a request asks for their OID, as the account snmpd
 * drops to (agentuser, else `-u` of its unit or /etc/default/snmpd, else root); its dlmod objects and embedded
 * Perl run while it reads its configuration, as root; snmptrapd's traphandle programs run as the account that
 * started it for every matching trap.
 */
import { type Account, ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, normalisePath } from "../collect.ts";
import { parseEnvFile } from "../env_files.ts";
import { matchPatterns } from "../patterns.ts";
import { perlCommands } from "./daemon_hooks_parse.ts";
import { distinctDirs, subdirs } from "./hook_files.ts";
import {
  accountNamed,
  AgentFile,
  agentService,
  commandWords,
  loadedObject,
  MONITORING_LIMITS,
  optionValue,
} from "./monitoring_agents.ts";
import { parseSnmpConf, snmpHook, type SnmpLine } from "./monitoring_parse.ts";

/** The configuration types each daemon has handlers for (a `[type]` switch to another is an error). */
const KNOWN_TYPES = { snmpd: ["snmpd", "snmp"], snmptrapd: ["snmptrapd", "snmp"] } as const;
/** Persistent directories (Debian's, RHEL's, the source build's): their files are read like configuration. */
const PERSISTENT_DIRS = ["/var/lib/snmp", "/var/lib/net-snmp", "/var/net-snmp"];

/** The default SNMPCONFPATH of Debian, RHEL and source builds, and root's ~/.snmp. */
function confDirs(c: Collector): string[] {
  const multiarch = subdirs(c, "/usr/lib", /-linux-gnu/).map((t) => `/usr/lib/${t}/snmp`);
  return distinctDirs(c, [
    "/etc/snmp",
    "/usr/share/snmp",
    ...multiarch,
    "/usr/lib64/snmp",
    "/usr/lib/snmp",
    "/usr/local/etc/snmp",
    "/usr/local/share/snmp",
    "/usr/local/lib/snmp",
    "/root/.snmp",
  ]);
}

/** Where a relative `dlmod` path is looked for (NAME.so in each), as Debian, RHEL and source builds set it. */
function dlmodDirs(c: Collector): string[] {
  const multiarch = subdirs(c, "/usr/lib", /-linux-gnu/).map((t) => `/usr/lib/${t}/snmp/dlmod`);
  return [...multiarch, "/usr/lib64/snmp/dlmod", "/usr/local/lib/snmp/dlmod"];
}

/** A file to read with the context its lines start in. */
interface ConfFile {
  path: string;
  context: string;
}

/** A hook found while reading, kept until the account snmpd drops to is known. */
interface Pending {
  file: AgentFile;
  line: number;
  command: string;
  /** `start`: run while the configuration is read (the starting account); `drop`: run on request. */
  phase: "start" | "drop";
}

/** What a daemon's configuration walk found. */
interface Walk {
  files: AgentFile[];
  pending: Pending[];
  modules: { file: AgentFile; line: number; written: string }[];
  user?: { value: string; path: string; line: number };
}

/** The files `l` (an include line) names, each with the context it is read in. */
function includeTargets(c: Collector, l: SnmpLine, from: string, dirs: readonly string[]): ConfFile[] {
  const value = l.value;
  if (l.token === "includefile") {
    const dir = from.slice(0, from.lastIndexOf("/")) || "/";
    return [{ path: normalisePath(value.startsWith("/") ? value : `${dir}/${value}`), context: l.context }];
  }
  if (l.token === "includedir") {
    const dir = normalisePath(value.startsWith("/") ? value : `/${value}`);
    return c.list(dir, true)
      .filter((n) => !n.startsWith(".") && n.length > 5 && n.endsWith(".conf"))
      .map((n) => ({ path: `${dir}/${n}`, context: l.context }))
      .filter((f) => {
        const st = c.ctx.host.stat(f.path);
        return st.ok && st.value.isFile;
      });
  }
  if (l.token === "includesearch") {
    const base = value.endsWith(".conf") ? value.slice(0, -5) : value;
    if (base.includes("/")) return [];
    return dirs.flatMap((d) => [`${d}/${base}.conf`, `${d}/${base}.local.conf`]).map((path) => ({
      path,
      context: l.context,
    }));
  }
  return [];
}

/** Reads `roots` and what they include, collecting `daemon`'s hooks. */
function walk(c: Collector, daemon: "snmpd" | "snmptrapd", roots: ConfFile[], dirs: readonly string[]): Walk {
  const out: Walk = { files: [], pending: [], modules: [] };
  const seen = new Set<string>();
  const visit = (f: ConfFile, depth: number) => {
    const key = `${f.context}:${f.path}`;
    if (seen.has(key)) return;
    if (seen.size >= MONITORING_LIMITS.files) {
      c.ctx.warn(
        "truncated",
        `${daemon}: more than ${MONITORING_LIMITS.files} configuration files: ${f.path} not read`,
      );
      return;
    }
    seen.add(key);
    const text = c.read(f.path)?.text;
    if (text === undefined) return;
    const file = new AgentFile(f.path);
    out.files.push(file);
    for (const l of parseSnmpConf(text, f.context, KNOWN_TYPES[daemon])) {
      if (l.token.startsWith("include")) {
        if (depth >= MONITORING_LIMITS.depth) {
          file.note(
            l.line,
            `${l.token} not followed: includes nested deeper than ${MONITORING_LIMITS.depth}`,
          );
          continue;
        }
        for (const inc of includeTargets(c, l, f.path, dirs)) visit(inc, depth + 1);
        continue;
      }
      const hook = snmpHook(daemon, l);
      if (!hook) continue;
      if (hook.type === "command") {
        out.pending.push({ file, line: l.line, command: hook.command, phase: "drop" });
        file.note(l.line, `${l.token} ${hook.name}: runs ${hook.command.slice(0, 200)}`);
      } else if (hook.type === "module") {
        out.modules.push({ file, line: l.line, written: hook.path });
      } else if (hook.type === "perl") {
        const commands = perlCommands(hook.code);
        if (commands.length === 0 && matchPatterns(hook.code).length > 0) commands.push(hook.code);
        for (const command of commands) out.pending.push({ file, line: l.line, command, phase: "start" });
        file.note(l.line, "perl: embedded Perl evaluated while the configuration is read");
      } else if (hook.type === "perl_file") {
        out.pending.push({ file, line: l.line, command: hook.path, phase: "start" });
        file.note(l.line, `perlInitFile ${hook.path}: Perl run while the configuration is read`);
      } else out.user = { value: hook.user, path: f.path, line: l.line };
    }
  };
  for (const r of roots) visit(r, 0);
  return out;
}

/** The command line /etc/default/snmpd gives Debian's init script (used when no systemd unit starts snmpd). */
function defaultsArgv(c: Collector): string[] {
  const f = c.read("/etc/default/snmpd", 64 << 10);
  const opts = f ? parseEnvFile(f.text).assignments.filter((a) => a.name === "SNMPDOPTS").at(-1) : undefined;
  return opts ? ["snmpd", ...commandWords(opts.value)] : [];
}

/** The configuration files a daemon reads before includes: the search path's, the persistent ones, `-c`'s. */
function rootFiles(
  c: Collector,
  daemon: string,
  argv: readonly string[],
  dirs: readonly string[],
): ConfFile[] {
  const roots: ConfFile[] = [];
  if (!argv.includes("-C")) {
    const persistent = distinctDirs(c, PERSISTENT_DIRS);
    for (const dir of [...dirs, ...persistent.filter((d) => !dirs.includes(d))]) {
      for (const type of [daemon, "snmp"]) {
        if (persistent.includes(dir)) {
          for (let n = 0; n <= 10; n++) roots.push({ path: `${dir}/${type}.${n}.conf`, context: type });
        }
        roots.push({ path: `${dir}/${type}.conf`, context: type }, {
          path: `${dir}/${type}.local.conf`,
          context: type,
        });
      }
    }
  }
  for (const p of (optionValue(argv, "-c") ?? "").split(",").filter((p) => p.trim() !== "")) {
    roots.push({ path: normalisePath(p.startsWith("/") ? p.trim() : `/${p.trim()}`), context: daemon });
  }
  return roots.filter((r) => c.ctx.host.stat(r.path).ok);
}

/** One Net-SNMP daemon: its configuration read, its hooks made entries with the accounts they run as. */
function snmpDaemon(c: Collector, daemon: "snmpd" | "snmptrapd"): void {
  const service = agentService(c, [`${daemon}.service`]);
  const argv = service?.argv ?? (daemon === "snmpd" ? defaultsArgv(c) : []);
  const dirs = confDirs(c);
  const w = walk(c, daemon, rootFiles(c, daemon, argv, dirs), dirs);
  if (w.files.length === 0) return;
  const start: Account = service?.account ?? ROOT_ACCOUNT;
  const startFrom = service
    ? `${service.unit}${start.uid === 0 ? " (no User=: started as root)" : ` (User=${start.name})`}`
    : "no systemd unit starts it: judged as started by root";
  let drop = start;
  let dropFrom = startFrom;
  const dashU = daemon === "snmpd" ? optionValue(argv, "-u") : undefined;
  if (w.user) {
    drop = accountNamed(c, w.user.value);
    dropFrom = `agentuser in ${w.user.path}:${w.user.line}`;
  } else if (dashU !== undefined && start.uid === 0) {
    drop = accountNamed(c, dashU);
    dropFrom = `-u ${dashU} in ${service ? service.unit : "/etc/default/snmpd"}`;
  } else if (daemon === "snmpd" && start.uid === 0) {
    dropFrom = `${startFrom}; neither -u nor agentuser names an account, so snmpd keeps root`;
  }
  for (const p of w.pending) {
    p.file.entries.push({ line: p.line, text: p.command, runAs: p.phase === "start" ? start : drop });
  }
  const dlmod = dlmodDirs(c);
  for (const m of w.modules) {
    loadedObject(c, m.file, {
      agent: daemon,
      line: m.line,
      directive: "dlmod",
      written: m.written,
      candidates: m.written.startsWith("/")
        ? [normalisePath(m.written)]
        : dlmod.map((d) => `${d}/${m.written}.so`),
      loader: `${daemon} while it reads its configuration, as ${start.name}`,
      runAs: start,
    });
  }
  for (const f of w.files) {
    f.flush(c, daemon, {
      commands_run_as: drop.name,
      run_as_from: dropFrom,
      ...(start !== drop ? { loads_as: start.name } : {}),
    });
  }
}

/** snmpd and snmptrapd. */
export function snmpSources(c: Collector): void {
  snmpDaemon(c, "snmpd");
  snmpDaemon(c, "snmptrapd");
}
