/** Extracts the programs a udev rules file runs: RUN (not RUN{builtin}), PROGRAM and IMPORT{program}. */

/** One program a rule runs. */
export interface UdevProgram {
  line: number;
  key: string;
  /** The command line as written (udev substitutions such as $kernel or %k left in place). */
  command: string;
  /** The program was named without a directory (udev looks for it in its library directory). */
  relative?: boolean;
}

const RULE_KEY = /\b(RUN(?:\{program\})?|PROGRAM|IMPORT\{program\})\s*[+:!]?=+\s*"((?:[^"\\]|\\.)*)"/g;

/** Default directory for relative udev program names. */
export const UDEV_LIB_DIR = "/usr/lib/udev";

/** Parses a rules file; relative program names are resolved against /usr/lib/udev as udev does. */
export function parseUdevRules(text: string): UdevProgram[] {
  const out: UdevProgram[] = [];
  const lines = text.split("\n");
  let acc = "";
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, "");
    if (acc === "") start = i + 1;
    if (raw.endsWith("\\")) {
      acc += raw.slice(0, -1) + " ";
      continue;
    }
    const line = (acc + raw).trim();
    acc = "";
    if (line === "" || line.startsWith("#")) continue;
    for (const m of line.matchAll(RULE_KEY)) {
      const command = m[2].replace(/\\(.)/g, "$1").trim();
      if (command === "") continue;
      out.push({
        line: start,
        key: m[1],
        command: command.startsWith("/") ? command : `${UDEV_LIB_DIR}/${command}`,
        ...(command.startsWith("/") ? {} : { relative: true }),
      });
    }
  }
  return out;
}
