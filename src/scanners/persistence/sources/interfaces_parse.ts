/**
 * A parser for ifupdown's /etc/network/interfaces: the commands its `up`, `pre-up`, `post-up`, `down`,
 * `pre-down` and `post-down` options run as root when an interface changes state, and the files it includes.
 */
import { scriptLines } from "../cron.ts";

/** One command an interface stanza runs. */
export interface InterfaceCommand {
  line: number;
  /** The option (`up`, `post-down`…). */
  hook: string;
  /** The interface of the stanza (`iface eth0 inet dhcp` → eth0), or "" outside a stanza. */
  iface: string;
  command: string;
}

/** What the file runs and includes. */
export interface InterfacesFile {
  commands: InterfaceCommand[];
  /** `source` globs and `source-directory` directories, as written. */
  includes: { line: number; kind: "source" | "source-directory"; pattern: string }[];
}

const HOOKS = new Set(["up", "pre-up", "post-up", "down", "pre-down", "post-down"]);

/** Parses an interfaces file (backslash continuations joined, `#` comment lines dropped). Never throws. */
export function parseInterfaces(text: string): InterfacesFile {
  const out: InterfacesFile = { commands: [], includes: [] };
  let iface = "";
  for (const { line: start, text: raw } of scriptLines(text)) {
    const line = raw.replace(/\s+/g, " ");
    const m = /^(\S+)(?:\s+(.*))?$/.exec(line);
    if (!m) continue;
    const key = m[1];
    const rest = (m[2] ?? "").trim();
    if (key === "iface") iface = rest.split(/\s+/)[0] ?? "";
    else if (["auto", "mapping", "allow-hotplug", "rename"].includes(key) || key.startsWith("allow-")) {
      iface = "";
    } else if (key === "source" || key === "source-directory") {
      if (rest !== "") out.includes.push({ line: start, kind: key, pattern: rest });
    } else if (HOOKS.has(key) && rest !== "") {
      out.commands.push({ line: start, hook: key, iface, command: rest });
    }
  }
  return out;
}
