/**
 * systemd unit file syntax: sections, `Key=value` assignments (every assignment kept in order, so list settings
 * accumulate and an empty assignment resets them, as systemd does), continuation lines and comments.
 */

/** Section name → key → every assignment in order ("" is a reset). */
export type UnitSections = Map<string, Map<string, string[]>>;

/** Parses a unit file or drop-in. Never throws; lines outside a section or without `=` are counted in `bad`. */
export function parseUnitFile(text: string): { sections: UnitSections; bad: number } {
  const sections: UnitSections = new Map();
  let current: Map<string, string[]> | undefined;
  let bad = 0;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    while (line.endsWith("\\") && i + 1 < lines.length) {
      const next = lines[++i].replace(/\r$/, "").trim();
      if (next.startsWith("#") || next.startsWith(";")) continue;
      line = line.slice(0, -1) + " " + next;
    }
    if (line.endsWith("\\")) line = line.slice(0, -1);
    const sec = line.match(/^\[([^\]]+)\]$/);
    if (sec) {
      current = sections.get(sec[1]) ?? new Map();
      sections.set(sec[1], current);
      continue;
    }
    const eq = line.indexOf("=");
    if (!current || eq <= 0) {
      bad++;
      continue;
    }
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const list = current.get(key) ?? [];
    list.push(value);
    current.set(key, list);
  }
  return { sections, bad };
}

/** Applies a drop-in on top of a unit: assignments are appended, so later ones win and empty ones reset. */
export function mergeSections(base: UnitSections, overlay: UnitSections): UnitSections {
  const out: UnitSections = new Map(
    [...base].map(([s, m]) => [s, new Map([...m].map(([k, v]) => [k, [...v]]))]),
  );
  for (const [section, keys] of overlay) {
    const target = out.get(section) ?? new Map<string, string[]>();
    for (const [key, values] of keys) target.set(key, [...(target.get(key) ?? []), ...values]);
    out.set(section, target);
  }
  return out;
}

/** The effective single value of a key (the last assignment; undefined when unset or reset by an empty one). */
export function lastValue(sections: UnitSections, section: string, key: string): string | undefined {
  const values = sections.get(section)?.get(key);
  if (!values || values.length === 0) return undefined;
  const v = values[values.length - 1];
  return v === "" ? undefined : v;
}

/** True when the key was assigned at all (an empty assignment counts: for some keys it is meaningful). */
export function isAssigned(sections: UnitSections, section: string, key: string): boolean {
  return (sections.get(section)?.get(key)?.length ?? 0) > 0;
}

/** The effective values of a list key: those after the last empty assignment. */
export function listValues(sections: UnitSections, section: string, key: string): string[] {
  const values = sections.get(section)?.get(key) ?? [];
  const reset = values.lastIndexOf("");
  return values.slice(reset + 1);
}

/** Parses a systemd boolean in every spelling systemd accepts; undefined for anything else. */
export function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (["1", "yes", "y", "true", "t", "on"].includes(v)) return true;
  if (["0", "no", "n", "false", "f", "off"].includes(v)) return false;
  return undefined;
}

/** An Exec*= line split into its prefixes (`@-:+!`) and the command line proper. */
export function parseExecLine(value: string): { flags: string; command: string } {
  const m = value.match(/^([@\-:+!|]*)\s*(.*)$/s);
  return { flags: m?.[1] ?? "", command: (m?.[2] ?? value).trim() };
}

/** Exec settings that run commands, in the order systemd runs them. */
export const EXEC_KEYS = [
  "ExecCondition",
  "ExecStartPre",
  "ExecStart",
  "ExecStartPost",
  "ExecReload",
  "ExecStop",
  "ExecStopPost",
] as const;
