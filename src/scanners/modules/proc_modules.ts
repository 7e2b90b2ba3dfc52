/** Parsers for the kernel's live views of loaded modules: /proc/modules and the module tags of /proc/kallsyms. */
import { canonicalModuleName } from "./modules_dep.ts";
import { parseTaintLetters } from "./taint.ts";

/** One line of /proc/modules. */
export interface LoadedModule {
  /** The name as the kernel reports it (always with "_"). */
  name: string;
  size: number;
  refcount: number | undefined;
  usedBy: string[];
  /** Live, Loading or Unloading. */
  state: string;
  /** Taint letters of the module ("O", "E", …). */
  taint: string[];
}

/**
 * Parses /proc/modules: "name size refcnt deps state address [(taint)]". Malformed lines are returned in
 * `bad` (count) and skipped; names are canonicalised.
 */
export function parseProcModules(text: string): { modules: LoadedModule[]; bad: number } {
  const modules: LoadedModule[] = [];
  let bad = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || !/^[\w-]{1,64}$/.test(f[0]) || !/^\d+$/.test(f[1])) {
      bad++;
      continue;
    }
    const taintField = f.slice(6).find((x) => x.startsWith("(")) ?? "";
    modules.push({
      name: canonicalModuleName(f[0]),
      size: Number(f[1]),
      refcount: /^\d+$/.test(f[2]) ? Number(f[2]) : undefined,
      usedBy: f[3] === "-" ? [] : f[3].split(",").filter((x) => x !== ""),
      state: f[4],
      taint: parseTaintLetters(taintField),
    });
  }
  return { modules, bad };
}

/**
 * The module names tagged in /proc/kallsyms lines ("addr t sym\t[module]"), canonicalised. The kernel's own
 * pseudo-owners (`[bpf]` programs, `[__builtin__ftrace]`-style trampolines) are not modules and are left out.
 */
export function kallsymsModuleNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/\t\[([\w-]{1,64})\]/g)) {
    const name = m[1];
    if (name === "bpf" || name.startsWith("__builtin")) continue;
    out.add(canonicalModuleName(name));
  }
  return out;
}
