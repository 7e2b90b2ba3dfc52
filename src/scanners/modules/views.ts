/** Collects the kernel's and the disk's views of modules through the Host, reporting what could not be read. */
import type { Host } from "../../host/host.ts";
import { canonicalModuleName, parseModulesBuiltin, parseModulesDep } from "./modules_dep.ts";
import { type LoadedModule, parseProcModules } from "./proc_modules.ts";
import { parseTaintLetters } from "./taint.ts";

/** Byte caps for the view files. */
export const VIEW_CAPS = {
  procModules: 4 << 20,
  modulesDep: 32 << 20,
  modulesBuiltin: 4 << 20,
  kallsyms: 64 << 20,
  small: 4096,
  sysModuleEntries: 20_000,
} as const;

/** A problem met while collecting a view (becomes a collection warning). */
export interface ViewWarning {
  code: string;
  detail: string;
}

/** One /sys/module entry. */
export interface SysfsModule {
  /** True when the entry has `initstate`: a loadable module, not a built-in's parameter directory. */
  loadable: boolean;
  initstate: string | undefined;
  taint: string[];
}

/** Reads /proc/modules; undefined when the file is missing. */
export function readProcModules(host: Host, warnings: ViewWarning[]): LoadedModule[] | undefined {
  const r = host.readText("/proc/modules", VIEW_CAPS.procModules);
  if (!r.ok) {
    if (r.reason !== "missing") {
      warnings.push({ code: "modules_unreadable", detail: `/proc/modules: ${r.message}` });
    }
    return undefined;
  }
  if (r.truncated) {
    warnings.push({ code: "truncated", detail: `/proc/modules larger than ${VIEW_CAPS.procModules} bytes` });
  }
  const parsed = parseProcModules(r.value);
  if (parsed.bad > 0) {
    warnings.push({ code: "modules_unparsable", detail: `/proc/modules: ${parsed.bad} malformed lines` });
  }
  return parsed.modules;
}

/** Reads /sys/module: canonical name → entry; undefined when /sys/module is absent. */
export function readSysModule(host: Host, warnings: ViewWarning[]): Map<string, SysfsModule> | undefined {
  const dir = host.readDir("/sys/module", VIEW_CAPS.sysModuleEntries);
  if (!dir.ok) {
    if (dir.reason !== "missing") {
      warnings.push({ code: "sysfs_unreadable", detail: `/sys/module: ${dir.message}` });
    }
    return undefined;
  }
  if (dir.truncated) {
    warnings.push({
      code: "truncated",
      detail: `/sys/module has more than ${VIEW_CAPS.sysModuleEntries} entries`,
    });
  }
  const out = new Map<string, SysfsModule>();
  for (const e of dir.value) {
    if (e.name.includes("/")) continue;
    const base = `/sys/module/${e.name}`;
    const init = host.readText(`${base}/initstate`, VIEW_CAPS.small);
    const taint = init.ok ? host.readText(`${base}/taint`, VIEW_CAPS.small) : undefined;
    out.set(canonicalModuleName(e.name), {
      loadable: init.ok,
      initstate: init.ok ? init.value.trim() : undefined,
      taint: taint?.ok ? parseTaintLetters(taint.value) : [],
    });
  }
  return out;
}

/** The module index of one release: modules.dep and modules.builtin (each undefined when missing). */
export function readModuleIndex(
  host: Host,
  release: string,
  warnings: ViewWarning[],
): { dep: Map<string, string> | undefined; builtin: Set<string> | undefined } {
  const base = `/lib/modules/${release}`;
  const dep = host.readText(`${base}/modules.dep`, VIEW_CAPS.modulesDep);
  const builtin = host.readText(`${base}/modules.builtin`, VIEW_CAPS.modulesBuiltin);
  for (
    const [r, name, cap] of [[dep, "modules.dep", VIEW_CAPS.modulesDep], [
      builtin,
      "modules.builtin",
      VIEW_CAPS.modulesBuiltin,
    ]] as const
  ) {
    if (!r.ok) warnings.push({ code: "module_index_unreadable", detail: `${base}/${name}: ${r.message}` });
    else if (r.truncated) {
      warnings.push({ code: "truncated", detail: `${base}/${name} larger than ${cap} bytes` });
    }
  }
  return {
    dep: dep.ok ? parseModulesDep(dep.value) : undefined,
    builtin: builtin.ok ? parseModulesBuiltin(builtin.value) : undefined,
  };
}

/** The text of /proc/kallsyms; undefined when it cannot be read completely. */
export function readKallsyms(host: Host, warnings: ViewWarning[]): string | undefined {
  const r = host.readText("/proc/kallsyms", VIEW_CAPS.kallsyms);
  if (!r.ok) {
    if (r.reason !== "missing") {
      warnings.push({ code: "kallsyms_unreadable", detail: `/proc/kallsyms: ${r.message}` });
    }
    return undefined;
  }
  if (r.truncated) {
    warnings.push({
      code: "truncated",
      detail: `/proc/kallsyms larger than ${VIEW_CAPS.kallsyms} bytes; not compared`,
    });
    return undefined;
  }
  return r.value;
}

/**
 * The kernel release whose module tree to use: /proc/sys/kernel/osrelease, else (an image without /proc) the
 * only directory in /lib/modules. Undefined with a reason when neither works.
 */
export function findRelease(host: Host): { release: string; source: string } | { reason: string } {
  const os = host.readText("/proc/sys/kernel/osrelease", 256);
  if (os.ok && /^[\w.+~-]{1,128}$/.test(os.value.trim())) {
    return { release: os.value.trim(), source: "osrelease" };
  }
  const dir = host.readDir("/lib/modules", 1000);
  if (!dir.ok) {
    return { reason: `no kernel release: /proc/sys/kernel/osrelease and /lib/modules are both unavailable` };
  }
  const releases = dir.value.filter((e) => e.isDirectory || e.isSymlink).map((e) => e.name).sort();
  if (releases.length === 1) return { release: releases[0], source: "lib_modules" };
  if (releases.length === 0) return { reason: "no kernel release: /lib/modules is empty" };
  return {
    reason: `no running kernel to pick a release from, and /lib/modules holds ${releases.length} (${
      releases.slice(0, 5).join(", ")
    })`,
  };
}
