/**
 * Simple INI files as GLib's key-file reader and its kin read them (.pkla files, dnf plugin configuration,
 * LightDM's and SDDM's configuration): `[section]` headers, `key=value` lines, `#` and `;` comments, no
 * continuation lines and no interpolation. Python's configparser dialect (fail2ban) is another reader.
 */

/** One section: its header's line, and each key's last value and the line that set it. */
export interface KeyFileSection {
  section: string;
  line: number;
  keys: Map<string, string>;
  /** The line (1-based) of each key's last assignment. */
  keyLines: Map<string, number>;
}

/** Parses a key file into its sections in order (keys before any header are dropped). Never throws. */
export function parseIni(text: string): KeyFileSection[] {
  const out: KeyFileSection[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const sec = line.match(/^\[(.*)\]$/);
    if (sec) out.push({ section: sec[1], line: i + 1, keys: new Map(), keyLines: new Map() });
    else if (out.length > 0 && line.includes("=")) {
      const eq = line.indexOf("=");
      const key = line.slice(0, eq).trim();
      out[out.length - 1].keys.set(key, line.slice(eq + 1).trim());
      out[out.length - 1].keyLines.set(key, i + 1);
    }
  });
  return out;
}
