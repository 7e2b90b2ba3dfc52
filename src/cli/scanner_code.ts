/**
 * The code of a scan's scanners, loaded where they run: the scan worker, or this thread when no worker can
 * start. Built-in scanners come from their own modules (`src/scanners/loaders.ts`, only those named), then the
 * plugins of `--plugin-dir`, then extra modules (tests).
 */
import type { Config } from "../core/config.ts";
import type { Scanner } from "../core/scanner.ts";
import { loadScanners } from "../scanners/loaders.ts";

/** The scanners named in `names` that the built-ins, the plugins and `modules` provide, by name. */
export async function loadScannerCode(
  names: readonly string[],
  config: Config,
  modules: readonly string[],
): Promise<Map<string, Scanner>> {
  const all: Scanner[] = await loadScanners(names);
  if (config.pluginDir !== undefined) {
    // Loaded only for a scan with plugins: their protocol's schemas would bring zod into this isolate.
    const plugins = (await import("../plugins/load.ts")).loadPlugins(config);
    if (plugins.ok) all.push(...plugins.value.scanners);
  }
  for (const url of modules) {
    const mod = await import(url) as { scanners?: Scanner[] };
    all.push(...(mod.scanners ?? []));
  }
  return new Map(all.filter((s) => names.includes(s.name)).map((s) => [s.name, s]));
}
