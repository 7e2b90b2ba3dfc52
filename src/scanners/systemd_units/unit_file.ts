/**
 * systemd unit file syntax: sections, `Key=value` assignments (every assignment kept in order, so list settings
 * accumulate and an empty assignment resets them, as systemd does), continuation lines and comments.
 */

/** Section name → key → every assignment in order ("" is a reset). */
export type UnitSections = Map<string, Map<string, string[]>>;

/** One `Key=value` assignment of a unit file, with the section it is in and the line it starts on. */
export interface UnitAssignment {
  section: string;
  key: string;
  value: string;
  line: number;
}

/**
 * Every assignment of a unit file or drop-in, in order, with its 1-based line (continuation lines joined, comment
 * lines inside a continuation skipped, as systemd does). Lines outside a section or without `=` are counted in
 * `bad`. Never throws.
 */
export function unitAssignments(text: string): { assignments: UnitAssignment[]; bad: number } {
  const assignments: UnitAssignment[] = [];
  let section: string | undefined;
  let bad = 0;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i].replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (line.endsWith("\\") && i + 1 < lines.length) {
      // The pieces are joined once at the end: re-slicing the growing line for each piece was quadratic.
      const pieces: string[] = [];
      while (line.endsWith("\\") && i + 1 < lines.length) {
        const next = lines[++i].replace(/\r$/, "").trim();
        if (next.startsWith("#") || next.startsWith(";")) continue;
        pieces.push(line.slice(0, -1));
        line = next;
      }
      pieces.push(line);
      line = pieces.join(" ");
    }
    if (line.endsWith("\\")) line = line.slice(0, -1);
    const sec = line.match(/^\[([^\]]+)\]$/);
    if (sec) {
      section = sec[1];
      continue;
    }
    const eq = line.indexOf("=");
    if (section === undefined || eq <= 0) {
      bad++;
      continue;
    }
    assignments.push({
      section,
      key: line.slice(0, eq).trim(),
      value: line.slice(eq + 1).trim(),
      line: start,
    });
  }
  return { assignments, bad };
}

/** Parses a unit file or drop-in. Never throws; lines outside a section or without `=` are counted in `bad`. */
export function parseUnitFile(text: string): { sections: UnitSections; bad: number } {
  const sections: UnitSections = new Map();
  const { assignments, bad } = unitAssignments(text);
  for (const a of assignments) {
    const keys = sections.get(a.section) ?? new Map<string, string[]>();
    keys.set(a.key, [...(keys.get(a.key) ?? []), a.value]);
    sections.set(a.section, keys);
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
