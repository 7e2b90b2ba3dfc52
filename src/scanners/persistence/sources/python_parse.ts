/**
 * Python start-up code: the lines of a `.pth` file that Python executes (those starting with `import` followed by
 * a space or tab, as site.py decides), and the primitives of start-up code that do more than set up imports.
 */

/** One executed line of a .pth file. */
export interface PthLine {
  line: number;
  code: string;
}

/** A parsed .pth file: executed lines and the number of path lines. */
export interface PthFile {
  imports: PthLine[];
  paths: number;
}

/** Parses a .pth file as site.py reads it (comments skipped; `import ` / `import\t` lines are executed). */
export function parsePth(text: string): PthFile {
  const out: PthFile = { imports: [], paths: 0 };
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (line.startsWith("#") || line.trim() === "") return;
    if (line.startsWith("import ") || line.startsWith("import\t")) {
      out.imports.push({ line: i + 1, code: line });
    } else out.paths++;
  });
  return out;
}

/** What start-up code may not do without being reported, as data: name and pattern. */
export const STARTUP_PRIMITIVES: readonly { name: string; re: RegExp }[] = [
  {
    name: "runs_command",
    re:
      /\bos\s*\.\s*(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?|posix_spawnp?)\b|\bsubprocess\b|\bpty\s*\.\s*spawn\b|\bcommands\s*\.\s*getoutput\b/,
  },
  {
    name: "runs_code",
    re: /(?:^|[^.\w])(?:exec|eval|compile)\s*\(|\bmarshal\s*\.\s*loads\b|\bpickle\s*\.\s*loads\b|\bruncode\b/,
  },
  {
    name: "decodes_data",
    re:
      /\bb(?:64|32|16|85)decode\b|\bbase64\b|\bzlib\s*\.\s*decompress\b|\bcodecs\s*\.\s*decode\b|\bbytes\s*\.\s*fromhex\b|\blzma\s*\.\s*decompress\b|\bbz2\s*\.\s*decompress\b|\brot_?13\b/,
  },
  {
    name: "network",
    re:
      /\bsocket\b|\burllib\b|\burlopen\b|\bhttp\s*\.\s*client\b|\brequests\b|\bftplib\b|\btelnetlib\b|\bparamiko\b/,
  },
  { name: "dynamic_import", re: /__import__\s*\(\s*(?!["'][\w.]+["']\s*\))/ },
];

/** The primitives a piece of start-up code uses (names from STARTUP_PRIMITIVES). */
export function startupPrimitives(code: string): string[] {
  return STARTUP_PRIMITIVES.filter((p) => p.re.test(code)).map((p) => p.name);
}
