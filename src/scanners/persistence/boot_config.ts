/**
 * Boot configuration text: /etc/default/grub-style shell assignments, the kernel command lines of grub.cfg
 * (`linux` lines), Boot Loader Specification entries (`options`), and the judgement of a kernel command line:
 * a replaced init, or a protection switched off.
 */
import { logicalLines } from "./env_files.ts";

/** One kernel command line found in a file. */
export interface CmdlineSource {
  line: number;
  /** The setting or stanza it came from: GRUB_CMDLINE_LINUX, linux, options… */
  key: string;
  cmdline: string;
}

/** The GRUB settings that become the kernel command line. */
export const GRUB_CMDLINE_KEYS =
  /^GRUB_CMDLINE_(?:LINUX|LINUX_DEFAULT|LINUX_RECOVERY|XEN|XEN_DEFAULT|LINUX_XEN_REPLACE|LINUX_XEN_REPLACE_DEFAULT)$/;

function unquote(value: string, vars: ReadonlyMap<string, string>): string {
  let out = "";
  let i = 0;
  const expand = (s: string) =>
    s.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (_, a, b) => vars.get(a ?? b) ?? "",
    );
  while (i < value.length) {
    const ch = value[i];
    if (ch === "'") {
      const end = value.indexOf("'", i + 1);
      out += value.slice(i + 1, end < 0 ? value.length : end);
      i = end < 0 ? value.length : end + 1;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < value.length && value[j] !== '"') j += value[j] === "\\" ? 2 : 1;
      out += expand(value.slice(i + 1, j).replace(/\\(["\\$`])/g, "$1"));
      i = j + 1;
    } else if (/\s/.test(ch) || ch === ";" || ch === "#") {
      break;
    } else {
      let j = i;
      while (j < value.length && !/[\s'";#]/.test(value[j])) j++;
      out += expand(value.slice(i, j));
      i = j;
    }
  }
  return out;
}

/**
 * Reads the GRUB_CMDLINE_* assignments of /etc/default/grub or a grub.d/*.cfg file (shell syntax: quotes,
 * `$VAR` and `${VAR}` expanded from earlier assignments, `export` allowed, comments), carrying `vars` across
 * files as grub-mkconfig does when it sources them in order. Other lines are left to the shell-line judgement.
 */
export function grubDefaults(text: string, vars: Map<string, string>): CmdlineSource[] {
  const out: CmdlineSource[] = [];
  for (const l of logicalLines(text)) {
    // The value is the rest of the line, taken by slice (a carriage return inside it kept, as in env_files.ts).
    const m = l.text.match(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/);
    if (!m) continue;
    const value = unquote(l.text.slice(m[0].length), vars);
    vars.set(m[1], value);
    if (GRUB_CMDLINE_KEYS.test(m[1])) out.push({ line: l.line, key: m[1], cmdline: value });
  }
  return out;
}

/** The kernel command lines of a grub.cfg (`linux`, `linuxefi`, `linux16` lines, after the kernel image). */
export function grubCfgCmdlines(text: string): CmdlineSource[] {
  const out: CmdlineSource[] = [];
  text.split("\n").forEach((raw, i) => {
    // The command and the image by a regex, the command line by slice: a `\s*(.*)$` backtracked quadratically
    // on a line with a carriage return in the middle, which is kept as part of the command line.
    const line = raw.trim();
    const m = line.match(/^(linux|linuxefi|linux16|multiboot2?|module2?)\s+\S+/);
    const cmdline = m ? line.slice(m[0].length).trim() : "";
    if (m && !cmdline.startsWith("#")) out.push({ line: i + 1, key: m[1], cmdline });
  });
  return out;
}

/** The kernel command line of a Boot Loader Specification entry (`options`), or of /etc/kernel/cmdline. */
export function blsCmdlines(text: string, whole = false): CmdlineSource[] {
  const out: CmdlineSource[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) return;
    if (whole) out.push({ line: i + 1, key: "cmdline", cmdline: line });
    else {
      // The rest of the line by slice (a `\s+(.*)$` backtracked quadratically on a carriage return in the middle).
      if (/^options\s/.test(line)) {
        out.push({ line: i + 1, key: "options", cmdline: line.slice("options".length).trim() });
      }
    }
  });
  return out;
}

/** Programs a kernel may be told to start as init (`init=`) or as the initramfs's init (`rdinit=`). */
export const STOCK_INITS: ReadonlySet<string> = new Set([
  "/sbin/init",
  "/usr/sbin/init",
  "/bin/init",
  "/lib/systemd/systemd",
  "/usr/lib/systemd/systemd",
  "/bin/systemd",
  "/sbin/upstart",
  "/sbin/openrc-init",
  "/init",
]);

/** Settings that switch a kernel protection off: name → the values that do. */
export const PROTECTION_OFF: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["module.sig_enforce", new Set(["0", "n", "N"])],
  ["lockdown", new Set(["none"])],
  ["security", new Set(["none"])],
  ["selinux", new Set(["0"])],
  ["enforcing", new Set(["0"])],
  ["apparmor", new Set(["0"])],
  ["ima_appraise", new Set(["off", "fix"])],
]);

/** What is wrong with a kernel command line. */
export interface CmdlineVerdict {
  /** `init=`/`rdinit=` values that are not a stock init. */
  inits: { param: string; program: string }[];
  /** Protections switched off, as `name=value`. */
  protectionsOff: string[];
}

/**
 * Judges a kernel command line: each word is `name[=value]`; quotes group words (double quotes as the kernel
 * does, single ones as GRUB's script does before it); words after `--` go to init and are not kernel parameters.
 */
export function judgeCmdline(cmdline: string): CmdlineVerdict {
  const inits: { param: string; program: string }[] = [];
  const protectionsOff: string[] = [];
  const words = cmdline.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
  for (const raw of words) {
    if (raw === "--") break;
    const word = raw.replace(/["']/g, "");
    const eq = word.indexOf("=");
    const name = eq < 0 ? word : word.slice(0, eq);
    const value = eq < 0 ? "" : word.slice(eq + 1);
    if ((name === "init" || name === "rdinit") && !STOCK_INITS.has(value)) {
      inits.push({ param: name, program: value });
    }
    const off = PROTECTION_OFF.get(name.replaceAll("-", "_"));
    if (off?.has(value)) protectionsOff.push(`${name}=${value}`);
  }
  return { inits, protectionsOff };
}
