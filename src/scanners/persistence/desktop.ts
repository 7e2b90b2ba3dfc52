/** A parser for XDG autostart `.desktop` files: the [Desktop Entry] keys that decide what runs at login. */

/** What an autostart entry runs. */
export interface DesktopEntry {
  /** Exec= with field codes (%f, %u…) removed; undefined when absent. */
  exec?: string;
  /** Line of Exec=. */
  execLine: number;
  /** Hidden=true or X-GNOME-Autostart-enabled=false: the entry is switched off. */
  disabled: boolean;
}

/** Parses a .desktop file; keys outside [Desktop Entry] and localized keys are ignored. */
export function parseDesktopEntry(text: string): DesktopEntry {
  let section = "";
  const out: DesktopEntry = { execLine: 0, disabled: false };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const sec = line.match(/^\[(.+)\]$/);
    if (sec) {
      section = sec[1];
      continue;
    }
    if (section !== "Desktop Entry") continue;
    // The key by a regex, the value by slice: a `\s*(.*)$` backtracked quadratically on a line with a carriage
    // return in the middle, which is kept as part of the value.
    const m = line.match(/^([A-Za-z0-9-]+)\s*=/);
    if (!m) continue;
    const key = m[1];
    const value = line.slice(m[0].length).trimStart();
    if (key === "Exec" && out.exec === undefined) {
      out.exec = value.replace(/%[fFuUdDnNickvm%]/g, (c) => c === "%%" ? "%" : "").trim();
      out.execLine = i + 1;
    } else if (key === "Hidden" && value.trim().toLowerCase() === "true") out.disabled = true;
    else if (key === "X-GNOME-Autostart-enabled" && value.trim().toLowerCase() === "false") {
      out.disabled = true;
    }
  }
  return out;
}
