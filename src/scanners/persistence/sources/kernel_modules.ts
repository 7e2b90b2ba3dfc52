/**
 * Kernel modules loaded at boot and commands run when modules load: modules-load.d (every directory) and
 * /etc/modules naming a module that no installed kernel ships or whose file no package installed, and
 * modprobe.d `install`/`remove` commands that run something other than the blacklist idiom (`/bin/false`,
 * `/bin/true`) or modprobe itself.
 */
import { canonicalModuleName, parseModulesBuiltin, parseModulesDep } from "../../modules/modules_dep.ts";
import { ROOT_ACCOUNT } from "../accounts.ts";
import { assessEntry, entryDigest } from "../assess.ts";
import type { Collector, Entry } from "../collect.ts";
import { parseModprobeConf, parseModulesLoad } from "../modprobe.ts";
import { simpleCommands } from "../shell_words.ts";
import { globMatcher } from "../../../host/glob.ts";
import { unlessOwned, unlessProgramsOwned } from "./ownership.ts";
import { confFiles } from "./shared.ts";

const LOAD_DIRS = [
  "/etc/modules-load.d",
  "/run/modules-load.d",
  "/usr/local/lib/modules-load.d",
  "/usr/lib/modules-load.d",
  "/lib/modules-load.d",
];
const MODPROBE_DIRS = [
  "/etc/modprobe.d",
  "/run/modprobe.d",
  "/usr/local/lib/modprobe.d",
  "/usr/lib/modprobe.d",
  "/lib/modprobe.d",
];
const MODULE_ROOTS = ["/lib/modules", "/usr/lib/modules"];
/** Programs stock install/remove commands run: blocking a module, or loading and unloading modules. */
const BENIGN = new Set([
  "true",
  "false",
  "modprobe",
  "rmmod",
  "insmod",
  "lsmod",
  "grep",
  "xargs",
  "echo",
  "logger",
  "sysctl",
  "sleep",
  "test",
  "[",
  ":",
  "exit",
]);
const LIMITS = { indexBytes: 32 << 20, kernels: 32 } as const;

/** The module indexes of every installed kernel: indexed modules (name → file paths), built-ins and aliases. */
interface ModuleIndex {
  kernels: number;
  files: Map<string, string[]>;
  builtin: Set<string>;
  /** Alias patterns (fnmatch globs, as kmod matches them). */
  aliases: string[];
}

function moduleIndex(c: Collector, extraAliases: string[]): ModuleIndex {
  const index: ModuleIndex = { kernels: 0, files: new Map(), builtin: new Set(), aliases: [] };
  const seen = new Set<string>();
  for (const root of MODULE_ROOTS) {
    const st = c.ctx.host.stat(root);
    if (!st.ok || seen.has(`${st.value.dev}:${st.value.ino}`)) continue;
    seen.add(`${st.value.dev}:${st.value.ino}`);
    const r = c.ctx.host.readDir(root, 1000);
    for (
      const release of (r.ok ? r.value.filter((e) => e.isDirectory).map((e) => e.name).sort() : []).slice(
        0,
        LIMITS.kernels,
      )
    ) {
      const dep = c.ctx.host.readText(`${root}/${release}/modules.dep`, LIMITS.indexBytes);
      if (!dep.ok) continue;
      index.kernels++;
      for (const [name, rel] of parseModulesDep(dep.value)) {
        index.files.set(name, [...(index.files.get(name) ?? []), `${root}/${release}/${rel}`]);
      }
      const builtin = c.ctx.host.readText(`${root}/${release}/modules.builtin`, LIMITS.indexBytes);
      if (builtin.ok) { for (const name of parseModulesBuiltin(builtin.value)) index.builtin.add(name); }
      const alias = c.ctx.host.readText(`${root}/${release}/modules.alias`, LIMITS.indexBytes);
      for (const line of alias.ok ? alias.value.split("\n") : []) {
        const m = line.match(/^alias\s+(\S+)\s+\S+/);
        if (m) extraAliases.push(m[1]);
      }
    }
  }
  index.aliases = [...new Set(extraAliases)];
  return index;
}

/** The program of each simple command (basenames), for the benign judgement. */
function programs(command: string): string[] {
  return simpleCommands(command).map((words) => words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) ?? "")
    .filter((w) => w !== "").map((w) => w.slice(w.lastIndexOf("/") + 1));
}

/** modprobe.d commands and the modules loaded at boot. */
export function kernelModuleSources(c: Collector): void {
  const aliases: string[] = [];
  // Modules loaded along with another (softdep/weakdep): judged as the modules loaded at boot are.
  const softdeps: { path: string; module: string; line: number; via?: string }[] = [];
  for (const path of confFiles(c, MODPROBE_DIRS)) {
    const f = c.read(path);
    if (!f) continue;
    for (const line of f.text.split("\n")) {
      const m = line.trim().match(/^alias\s+(\S+)\s+\S+/);
      if (m) aliases.push(m[1]);
    }
    const parsed = parseModprobeConf(f.text);
    if (parsed.bad > 0) c.ctx.warn("modprobe_malformed", `${path}: ${parsed.bad} line(s) kmod ignores`);
    for (const s of parsed.softdeps) {
      for (const module of s.deps) softdeps.push({ path, module, line: s.line, via: s.module });
    }
    if (parsed.commands.length === 0) continue;
    const entries: Entry[] = parsed.commands.map((m) => ({
      line: m.line,
      text: m.command,
      runAs: ROOT_ACCOUNT,
    }));
    c.point({
      kind: "modprobe_command",
      path,
      entries,
      meta: { modules: parsed.commands.map((m) => `${m.directive} ${m.module}`) },
    });
    for (const m of parsed.commands) {
      unlessProgramsOwned(c, m.command, {
        path,
        line: m.line,
        kind: "modprobe_command",
        meta: { module: m.module },
      });
      const unusual = programs(m.command).filter((p) => !BENIGN.has(p));
      if (unusual.length === 0 || assessEntry(c.ctx.host, m.command, ROOT_ACCOUNT, c.accounts)) continue;
      c.finding({
        check_id: "persistence.modprobe.command",
        subject: `${path}:${entryDigest(`${m.directive} ${m.module}`)}`,
        description: `${path}:${m.line}: ${m.directive} ${m.module} runs ${unusual.join(", ")}: ${
          m.command.slice(0, 300)
        }`,
        metadata: {
          path,
          line: m.line,
          directive: m.directive,
          module: m.module,
          command: m.command.slice(0, 1000),
          programs: unusual,
        },
        location: { path },
      });
    }
  }
  const loads: { path: string; module: string; line: number; via?: string }[] = [];
  const files = confFiles(c, LOAD_DIRS);
  const etcModulesLinked = files.some((p) => {
    const link = c.ctx.host.readLink(p);
    return link.ok && (link.value === "../modules" || link.value === "/etc/modules");
  });
  if (!etcModulesLinked) files.push("/etc/modules");
  for (const path of files) {
    const f = c.read(path);
    if (!f) continue;
    const modules = parseModulesLoad(f.text);
    c.point({
      kind: "modules_load",
      path,
      entries: [],
      meta: { modules: modules.map((m) => m.module).slice(0, 100) },
    });
    for (const m of modules) loads.push({ path, module: m.module, line: m.line });
  }
  if (loads.length === 0 && softdeps.length === 0) return;
  const index = moduleIndex(c, aliases);
  if (index.kernels === 0) {
    // Soft dependencies load nothing at boot by themselves: only boot-time loads left unchecked are said.
    if (loads.length === 0) return;
    c.ctx.warn(
      "no_module_index",
      `no modules.dep under ${
        MODULE_ROOTS.join(" or ")
      }: ${loads.length} module(s) loaded at boot were not checked`,
    );
    return;
  }
  const dkms = c.ctx.host.stat("/var/lib/dkms").ok;
  for (const l of [...loads, ...softdeps]) {
    const name = canonicalModuleName(l.module);
    if (index.builtin.has(name)) continue;
    const moduleFiles = index.files.get(name);
    // A soft dependency the kernel does not have is simply not loaded (stock files name modules of older
    // kernels): only one whose file no package installed counts.
    if (!moduleFiles && l.via !== undefined) continue;
    if (!moduleFiles) {
      if (
        index.aliases.some((a) =>
          a === l.module || (/[*?[]/.test(a) && globMatcher(a, { path: true })(l.module))
        )
      ) {
        continue;
      }
      c.finding({
        check_id: "persistence.module_load.unknown",
        subject: `${l.path}:${entryDigest(name)}`,
        description: `${l.path}:${l.line} loads ${l.module} ${
          l.via ? `with ${l.via}` : "at boot"
        }, but no installed kernel's module index lists it.`,
        metadata: { path: l.path, line: l.line, module: l.module, kernels: index.kernels },
        location: { path: l.path },
      });
      continue;
    }
    for (const file of moduleFiles) {
      if (/(?:^|\/)dkms\//.test(file) || (dkms && /\/(?:extra|updates)\//.test(file))) continue;
      if (!c.ctx.host.lstat(file).ok) continue; // modprobe cannot load a file that is not there
      unlessOwned(c, file, {
        check_id: "persistence.module_load.unowned",
        subject: `${l.path}:${entryDigest(name)}`,
        description: `${l.path}:${l.line} loads ${l.module} ${
          l.via ? `with ${l.via}` : "at boot"
        } from ${file}, which no installed package provides.`,
        metadata: { path: l.path, line: l.line, module: l.module, module_file: file },
        location: { path: l.path },
      });
    }
  }
}
