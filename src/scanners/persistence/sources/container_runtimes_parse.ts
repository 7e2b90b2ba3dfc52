/**
 * Readers for the container engines' configuration files that name host programs: the string values of a TOML
 * file by table and key (containerd's config.toml, CRI-O's crio.conf, Podman's containers.conf), Docker's
 * daemon.json, and OCI hook files (hooks.d/*.json). Pure, never throw, linear in their input.
 */

/** One key of a TOML file with its string values (one, or those of an array), where it was written. */
export interface TomlStrings {
  /** The table (`[a.b]` header; "" before any), as written without the brackets. */
  table: string;
  key: string;
  values: string[];
  line: number;
}

/** A bound on how many lines one array value may span. */
const MAX_ARRAY_LINES = 200;
const STRING = /"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)'/g;

/**
 * `line` up to a `#` comment outside quotes: a `#` anywhere (TOML), or only at the start or after a blank
 * (`afterBlank`: YAML, where `a#b` is a plain value).
 */
export function stripHashComment(line: string, afterBlank = false): string {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote === '"' && ch === "\\") i++;
    else if (quote !== "" && ch === quote) quote = "";
    else if (quote === "" && (ch === '"' || ch === "'")) quote = ch;
    else if (
      quote === "" && ch === "#" && (!afterBlank || i === 0 || line[i - 1] === " " || line[i - 1] === "\t")
    ) {
      return line.slice(0, i);
    }
  }
  return line;
}

function unescape(s: string): string {
  return s.replace(
    /\\(["\\/bfnrt])/g,
    (_m, c: string) => ({ b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" })[c] ?? c,
  );
}

/**
 * Every `key = "string"` and `key = ["string", …]` (an array may span lines) of a TOML file, with its table. Other
 * values (numbers, booleans, inline tables) are left out; quoted keys lose their quotes. Enough TOML for the
 * program paths engines read, not a validator.
 */
export function tomlStrings(text: string): TomlStrings[] {
  const out: TomlStrings[] = [];
  const lines = text.split("\n");
  let table = "";
  for (let i = 0; i < lines.length; i++) {
    const line = stripHashComment(lines[i]).trim();
    if (line === "") continue;
    const header = /^\[\[?\s*([^\]]*?)\s*\]\]?$/.exec(line);
    if (header) {
      table = header[1].replace(/\s*\.\s*/g, ".");
      continue;
    }
    const kv = /^("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    const key = kv[1].replace(/^["']|["']$/g, "");
    let value = kv[2];
    const start = i;
    if (value.startsWith("[")) {
      // Brackets outside strings, counted once per line: an array ends where they balance.
      const depthOf = (v: string) => {
        let d = 0;
        for (const ch of v.replace(STRING, "")) d += ch === "[" ? 1 : ch === "]" ? -1 : 0;
        return d;
      };
      let depth = depthOf(value);
      while (depth > 0 && i + 1 < lines.length && i - start < MAX_ARRAY_LINES) {
        const next = stripHashComment(lines[++i]).trim();
        depth += depthOf(next);
        value += " " + next;
      }
    } else if (!/^["']/.test(value)) continue;
    const values = [...value.matchAll(STRING)].map((m) => m[1] !== undefined ? unescape(m[1]) : m[2]);
    out.push({ table, key, values, line: start + 1 });
  }
  return out;
}

/** A program an engine runs, from a JSON configuration: the path and its arguments as one command line. */
export interface ConfiguredProgram {
  /** What names it ("runtimes.nvidia.path", "userland-proxy-path", "hook"). */
  setting: string;
  command: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The JSON object `text` holds, or undefined when it is not JSON or not an object. */
export function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const doc: unknown = JSON.parse(text);
    return isRecord(doc) ? doc : undefined;
  } catch {
    return undefined;
  }
}

const strings = (v: unknown): string[] => Array.isArray(v) ? v.filter((x) => typeof x === "string") : [];

/**
 * The host programs Docker's daemon.json makes dockerd run as root: each runtime's `path` (with its
 * `runtimeArgs`), started for every container that uses it, and `userland-proxy-path`, started for every
 * published port. undefined when the text is not a JSON object (dockerd refuses to start then).
 */
export function dockerDaemonPrograms(text: string): ConfiguredProgram[] | undefined {
  const doc = jsonObject(text);
  if (doc === undefined) return undefined;
  const out: ConfiguredProgram[] = [];
  if (isRecord(doc.runtimes)) {
    for (const [name, r] of Object.entries(doc.runtimes)) {
      if (isRecord(r) && typeof r.path === "string" && r.path !== "") {
        out.push({
          setting: `runtimes.${name}.path`,
          command: [r.path, ...strings(r.runtimeArgs)].join(" "),
        });
      }
    }
  }
  const proxy = doc["userland-proxy-path"];
  if (typeof proxy === "string" && proxy !== "") out.push({ setting: "userland-proxy-path", command: proxy });
  return out;
}

/**
 * The program of an OCI hook file (hooks.d/*.json, version 1.0.0, or the older `hook`/`stage` form): its path and
 * arguments after the first (the program's own name), and the stages it runs at. undefined when the file names
 * no program.
 */
export function ociHookProgram(text: string): { command: string; stages: string[] } | undefined {
  const doc = jsonObject(text);
  if (doc === undefined) return undefined;
  const hook = isRecord(doc.hook) ? doc.hook : undefined;
  const path = typeof hook?.path === "string"
    ? hook.path
    : typeof doc.hook === "string"
    ? doc.hook
    : undefined;
  if (path === undefined || path === "") return undefined;
  const args = strings(hook?.args).slice(1);
  return { command: [path, ...args].join(" "), stages: [...strings(doc.stages), ...strings(doc.stage)] };
}
