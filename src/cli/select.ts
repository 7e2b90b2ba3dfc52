/** Which scanners run: defaults and gates, --enable/--disable, --fast-scan. */
import type { Scanner } from "../core/scanner.ts";
import type { Config } from "../core/config.ts";

/** The scanners to run, in registry order. */
export function selectScanners(all: readonly Scanner[], config: Config): Scanner[] {
  const explicit = new Set(config.enable);
  return all.filter((s) => {
    if (config.disable.includes(s.name)) return false;
    if (explicit.size > 0) return explicit.has(s.name);
    if (!s.enabledByDefault(config)) return false;
    return !(config.fastScan && s.slow);
  });
}
