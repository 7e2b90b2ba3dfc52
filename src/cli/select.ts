/** Which scanners run: defaults and gates, --enable/--disable, --fast-scan. */
import type { ScannerInfo } from "../core/scanner.ts";
import { type Config, ConfigSchema } from "../core/config.ts";

let defaults: Config | undefined;

/**
 * True when a setting of `config` asked for this scanner (`--ioc-exec-trace`, `--integrity`, `--yara-rules`…): it
 * runs with this config but not with the defaults. A preset such as `--fast-scan` never drops such a request.
 */
export function requestedBySetting(scanner: ScannerInfo, config: Config): boolean {
  defaults ??= ConfigSchema.parse({});
  return scanner.enabledByDefault(config) && !scanner.enabledByDefault(defaults);
}

/**
 * The scanners to run, in registry order: those named by --enable, else those on by default or asked for by a
 * setting; --fast-scan leaves out slow scanners unless they were named or asked for; --disable wins over all.
 */
export function selectScanners<S extends ScannerInfo>(all: readonly S[], config: Config): S[] {
  const explicit = new Set(config.enable);
  return all.filter((s) => {
    if (config.disable.includes(s.name)) return false;
    if (explicit.size > 0) return explicit.has(s.name);
    if (!s.enabledByDefault(config)) return false;
    return !(config.fastScan && s.slow && !requestedBySetting(s, config));
  });
}
