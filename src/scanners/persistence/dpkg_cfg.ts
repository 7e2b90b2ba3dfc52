/** dpkg's options files (/etc/dpkg/dpkg.cfg, dpkg.cfg.d, ~/.dpkg.cfg): one long option per line, without `--`. */

/** One option line. */
export interface DpkgOption {
  line: number;
  name: string;
  /** The value with one pair of matching surrounding quotes removed; "" for a flag. */
  value: string;
}

/** Options whose value is a shell command dpkg runs (through `sh -c`) around every run. */
export const DPKG_HOOK_OPTIONS: ReadonlySet<string> = new Set(["pre-invoke", "post-invoke", "status-logger"]);

/**
 * Parses an options file as dpkg does: `#` lines and blank lines are skipped, the name is the leading run of
 * letters, digits and dashes, one separator (a space or `=`, or both) follows, then the value, trimmed, with a
 * pair of matching `"` or `'` removed. Lines whose name is empty are counted in `bad` (dpkg refuses them).
 */
export function parseDpkgCfg(text: string): { options: DpkgOption[]; bad: number } {
  const options: DpkgOption[] = [];
  let bad = 0;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, "");
    // trim() removes what `\s` matches; a `/\s+$/` was quadratic on a long run of whitespace inside the line.
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const name = line.match(/^[A-Za-z0-9-]+/)?.[0];
    if (!name) {
      bad++;
      continue;
    }
    let value = line.slice(name.length);
    if (value !== "") value = value.slice(1);
    if (value.startsWith("=")) value = value.slice(1);
    value = value.trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    }
    options.push({ line: i + 1, name, value });
  }
  return { options, bad };
}

/** Names dpkg reads in dpkg.cfg.d: letters, digits, `_` and `-` only. */
export function dpkgReadsName(name: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(name);
}
