/**
 * /etc/login.defs: the shadow suite's settings (uid ranges, password ageing, hash method, umask). Parsed as
 * shadow's getdef.c does: `NAME value` per line, `#` comments, surrounding quotes dropped, the last
 * occurrence of a name wins.
 */

/** Settings read from login.defs (names as written, upper case). */
export type LoginDefs = ReadonlyMap<string, string>;

/** Parses login.defs text into name → value (the last occurrence wins). Never throws. */
export function parseLoginDefs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    // The name by a regex, the value by slice: a `[ \t]+(.*)$` backtracked quadratically on a line with a
    // carriage return in the middle, which shadow's getdef.c keeps as part of the value (so does this).
    const m = line.match(/^([A-Za-z0-9_]+)[ \t]/);
    if (!m) continue;
    let value = line.slice(m[1].length).trim();
    const q = value.match(/^"([^"]*)"/);
    if (q) value = q[1];
    else value = value.split(/[ \t]/)[0];
    out.set(m[1], value);
  }
  return out;
}

/** An integer setting (decimal, or octal with a leading 0 as strtol reads it), or the default. */
export function defInt(defs: LoginDefs, name: string, fallback: number): number {
  const v = defs.get(name);
  if (v === undefined) return fallback;
  if (/^0[0-7]+$/.test(v)) return parseInt(v, 8);
  if (/^-?[0-9]+$/.test(v)) return Number(v);
  return fallback;
}

/** The uid ranges that separate system accounts from people's accounts. */
export interface UidRanges {
  uidMin: number;
  uidMax: number;
  sysUidMax: number;
}

/** UID_MIN, UID_MAX and SYS_UID_MAX with shadow's defaults (1000, 60000, UID_MIN - 1). */
export function uidRanges(defs: LoginDefs): UidRanges {
  const uidMin = defInt(defs, "UID_MIN", 1000);
  return {
    uidMin,
    uidMax: defInt(defs, "UID_MAX", 60000),
    sysUidMax: defInt(defs, "SYS_UID_MAX", uidMin - 1),
  };
}
