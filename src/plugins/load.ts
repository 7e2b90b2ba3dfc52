/**
 * Loading the plugins a config asks for (`--plugin-dir`). Plugins are scanners, not a pipeline step: they are
 * found before scanner selection, then selected, budgeted and catalogued like the built-in ones, so loading
 * them is part of preparing the scan.
 */
import type { Config } from "../core/config.ts";
import type { CollectionWarning } from "../core/context.ts";
import { ok, type Result } from "../core/result.ts";
import type { Scanner } from "../core/scanner.ts";
import { discoverPlugins, pluginScanner } from "./plugin_scanner.ts";

/** The plugins of a scan: their scanners, the directory's warnings, and `meta.plugins`. */
export interface PluginSet {
  scanners: Scanner[];
  warnings: CollectionWarning[];
  /** Keys for the report's `meta` (none without plugins). */
  meta: Record<string, unknown>;
}

/** No plugins. */
export const NO_PLUGINS: PluginSet = { scanners: [], warnings: [], meta: {} };

/** Discovers the plugins of `--plugin-dir` as scanners. An untrusted directory is exit 3. */
export function loadPlugins(config: Config): Result<PluginSet> {
  if (config.pluginDir === undefined) return ok(NO_PLUGINS);
  const found = discoverPlugins(config.pluginDir, config.rulesInsecureOk);
  if (!found.ok) return found;
  const scanners = found.value.plugins.map((p) =>
    pluginScanner(p, { timeoutMs: config.pluginTimeout * 1000 })
  );
  return ok({
    scanners,
    warnings: found.value.warnings.map((detail) => ({ scanner: "plugins", code: "plugin_dir", detail })),
    meta: scanners.length > 0
      ? { plugins: scanners.map((p) => ({ scanner: p.name, summary: p.summary })) }
      : {},
  });
}
