/**
 * PAM configuration as Linux-PAM reads it: /etc/pam.d/<service> (falling back to the vendor directory
 * /usr/lib/pam.d), or /etc/pam.conf when /etc/pam.d does not exist. Lines are `[-]type control module [args]`,
 * `#` starts a comment anywhere, a trailing backslash continues a line, the type and control keywords are
 * case-insensitive, `[value=action …]` controls and `[…]` arguments may hold blanks. `include`, `substack` and
 * Debian's `@include` are resolved into one stack per service and type.
 */
import type { Host } from "../../host/host.ts";

/** Bytes of one PAM file read: the library reads any size, and no real file comes near. */
const PAM_FILE_BYTES = 16 << 20;

/** The four PAM management groups. */
export const PAM_TYPES = ["auth", "account", "password", "session"] as const;

/** A PAM management group. */
export type PamType = typeof PAM_TYPES[number];

/** What a control says to do with one return value. */
export type PamAction = "ignore" | "bad" | "die" | "ok" | "done" | "reset" | number;

/** A line's control: a value → action table, or an include/substack of another file. */
export type PamControl =
  | { kind: "actions"; text: string; actions: ReadonlyMap<string, PamAction> }
  | { kind: "include" | "substack"; text: string };

/** One configuration line. */
export interface PamRule {
  path: string;
  line: number;
  type: PamType;
  /** A leading `-`: the line is skipped silently when the module is missing. */
  dash: boolean;
  control: PamControl;
  /** The module path as written (or the included file for include/substack). */
  module: string;
  args: string[];
}

/** A statement of a file: a rule, or Debian's `@include` (all types). */
export type PamStatement = { rule: PamRule } | { atInclude: string; path: string; line: number };

/** The parse of one file. */
export interface PamFile {
  statements: PamStatement[];
  /** Lines PAM would reject (it skips them and logs an error). */
  problems: string[];
}

const KEYWORD_CONTROLS: Record<string, [string, PamAction][]> = {
  required: [["success", "ok"], ["new_authtok_reqd", "ok"], ["ignore", "ignore"], ["default", "bad"]],
  requisite: [["success", "ok"], ["new_authtok_reqd", "ok"], ["ignore", "ignore"], ["default", "die"]],
  sufficient: [["success", "done"], ["new_authtok_reqd", "done"], ["default", "ignore"]],
  optional: [["success", "ok"], ["new_authtok_reqd", "ok"], ["default", "ignore"]],
};

/** Splits a line into words, keeping `[…]` groups (with their blanks) as one word. */
function words(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /[ \t]/.test(line[i])) i++;
    if (i >= line.length) break;
    let w = "";
    if (line[i] === "[") {
      let depth = 0;
      for (; i < line.length; i++) {
        const c = line[i];
        if (c === "\\" && line[i + 1] === "]") {
          w += "]";
          i++;
          continue;
        }
        w += c;
        if (c === "[") depth++;
        else if (c === "]" && --depth === 0) {
          i++;
          break;
        }
      }
      if (depth !== 0) return undefined;
    } else {
      while (i < line.length && !/[ \t]/.test(line[i])) w += line[i++];
    }
    out.push(w);
  }
  return out;
}

/** Parses a `[value=action …]` control; undefined when it is malformed. */
export function parseBracketControl(text: string): Map<string, PamAction> | undefined {
  const body = text.slice(1, -1).trim();
  const out = new Map<string, PamAction>();
  for (const pair of body.split(/[ \t]+/).filter((p) => p !== "")) {
    const m = pair.match(/^([A-Za-z_]+)=([A-Za-z]+|[0-9]+)$/);
    if (!m) return undefined;
    const a = m[2].toLowerCase();
    const action: PamAction | undefined = /^[0-9]+$/.test(a)
      ? Number(a)
      : ["ignore", "bad", "die", "ok", "done", "reset"].includes(a)
      ? a as PamAction
      : undefined;
    if (action === undefined) return undefined;
    out.set(m[1].toLowerCase(), action);
  }
  return out;
}

/** Parses a control word. */
export function parseControl(word: string): PamControl | undefined {
  if (word.startsWith("[")) {
    const actions = parseBracketControl(word);
    return actions ? { kind: "actions", text: word, actions } : undefined;
  }
  const k = word.toLowerCase();
  if (k === "include" || k === "substack") return { kind: k, text: k };
  const table = KEYWORD_CONTROLS[k];
  return table ? { kind: "actions", text: k, actions: new Map(table) } : undefined;
}

/** Logical lines: comments cut at `#`, backslash continuations joined, CRs dropped; with their first line. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const lines = text.split("\n");
  let acc = "";
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    let raw = lines[i].replace(/\r$/, "");
    if (acc === "") start = i + 1;
    const hash = raw.indexOf("#");
    if (hash >= 0) raw = raw.slice(0, hash);
    if (raw.endsWith("\\")) {
      acc += raw.slice(0, -1) + " ";
      continue;
    }
    const full = (acc + raw).trim();
    acc = "";
    if (full !== "") out.push({ line: start, text: full });
  }
  if (acc.trim() !== "") out.push({ line: start, text: acc.trim() });
  return out;
}

/** Parses one pam.d file (or pam.conf with `withService`, returning the service of each statement). */
export function parsePamText(
  text: string,
  path: string,
  withService = false,
): PamFile & { services: string[] } {
  const statements: PamStatement[] = [];
  const services: string[] = [];
  const problems: string[] = [];
  for (const l of logicalLines(text)) {
    let w = words(l.text);
    if (w === undefined) {
      problems.push(`${path}:${l.line}: unbalanced [ ]`);
      continue;
    }
    let service = "";
    if (withService) {
      service = w[0].toLowerCase();
      w = w.slice(1);
    }
    if (w.length === 0) continue;
    if (w[0] === "@include") {
      if (w.length < 2) problems.push(`${path}:${l.line}: @include without a file`);
      else {
        statements.push({ atInclude: w[1], path, line: l.line });
        services.push(service);
      }
      continue;
    }
    const dash = w[0].startsWith("-");
    const type = (dash ? w[0].slice(1) : w[0]).toLowerCase();
    if (!(PAM_TYPES as readonly string[]).includes(type)) {
      problems.push(`${path}:${l.line}: unknown type ${JSON.stringify(w[0])}`);
      continue;
    }
    if (w.length < 3) {
      problems.push(`${path}:${l.line}: no module`);
      continue;
    }
    const control = parseControl(w[1]);
    if (!control) {
      problems.push(`${path}:${l.line}: bad control ${JSON.stringify(w[1])}`);
      continue;
    }
    const args = w.slice(3).map((a) => a.startsWith("[") && a.endsWith("]") ? a.slice(1, -1) : a);
    statements.push({
      rule: { path, line: l.line, type: type as PamType, dash, control, module: w[2], args },
    });
    services.push(service);
  }
  return { statements, problems, services };
}

/** The system and vendor PAM directories and the single-file fallback. */
export const PAM_DIRS = { etc: "/etc/pam.d", vendor: "/usr/lib/pam.d", conf: "/etc/pam.conf" } as const;

/** One item of a resolved stack: a rule, or a substack with its own items. */
export type StackItem = { rule: PamRule } | { substack: StackItem[]; rule: PamRule };

/** Rules and included files of one resolved stack past which the rest is not resolved. */
export const MAX_STACK_ITEMS = 1024;

/** Reads PAM files through the Host once each and resolves stacks. */
export class PamConfig {
  readonly #host: Host;
  readonly #files = new Map<string, PamFile | undefined>();
  /** pam.conf statements by service, when /etc/pam.d does not exist. */
  readonly #conf: Map<string, PamStatement[]> | undefined;
  /** Problems met while reading and resolving (for collection warnings). */
  readonly problems: string[] = [];
  /** Whether /etc/pam.d exists (else /etc/pam.conf is used). */
  readonly usesPamD: boolean;

  constructor(host: Host) {
    this.#host = host;
    const d = host.stat(PAM_DIRS.etc);
    this.usesPamD = d.ok && d.value.isDirectory;
    if (!this.usesPamD) {
      this.#conf = new Map();
      const r = host.readText(PAM_DIRS.conf, PAM_FILE_BYTES);
      if (r.ok) {
        const p = parsePamText(r.value, PAM_DIRS.conf, true);
        this.problems.push(...p.problems);
        p.statements.forEach((s, i) => {
          const svc = p.services[i];
          this.#conf!.set(svc, [...(this.#conf!.get(svc) ?? []), s]);
        });
      }
    }
  }

  /** Service names: files of /etc/pam.d and the vendor directory (or the services of pam.conf), sorted. */
  services(): string[] {
    if (this.#conf) return [...this.#conf.keys()].sort();
    const names = new Set<string>();
    for (const dir of [PAM_DIRS.etc, PAM_DIRS.vendor]) {
      const r = this.#host.readDir(dir, 5000);
      if (!r.ok) continue;
      if (r.truncated) this.problems.push(`${dir}: more than 5000 entries; the rest were not read`);
      for (const e of r.value) if (!e.isDirectory && !e.name.startsWith(".")) names.add(e.name);
    }
    return [...names].sort();
  }

  /** The path a service name or include target is read from, or undefined when there is none. */
  locate(name: string): string | undefined {
    if (name.startsWith("/")) return name;
    if (name.includes("/")) return undefined;
    for (const dir of [PAM_DIRS.etc, PAM_DIRS.vendor]) {
      const p = `${dir}/${name}`;
      const l = this.#host.lstat(p);
      if (l.ok) return p;
    }
    return undefined;
  }

  /** The parsed file at `path` (undefined when it cannot be read; the reason is a problem). */
  file(path: string): PamFile | undefined {
    if (!this.#files.has(path)) {
      const r = this.#host.readText(path, PAM_FILE_BYTES);
      let parsed: PamFile | undefined;
      if (r.ok) {
        parsed = parsePamText(r.value, path);
        this.problems.push(...parsed.problems);
        if (r.truncated) {
          this.problems.push(`${path} larger than ${PAM_FILE_BYTES >> 20} MiB: only the start was read`);
        }
      } else if (r.reason !== "missing") this.problems.push(`${path}: ${r.message}`);
      this.#files.set(path, parsed);
    }
    return this.#files.get(path);
  }

  /** The statements of a service (its file, or its pam.conf lines). */
  statementsOf(name: string): PamStatement[] | undefined {
    if (this.#conf) return this.#conf.get(name);
    const path = this.locate(name);
    return path === undefined ? undefined : this.file(path)?.statements;
  }

  /** Every file read so far, with its parse. */
  filesRead(): [string, PamFile][] {
    return [...this.#files].filter((e): e is [string, PamFile] => e[1] !== undefined);
  }

  /**
   * The stack of one type for a service, with include and @include inlined and substacks nested (at most 16
   * levels; a loop or a missing file is a problem, resolved as an empty stack as PAM fails that part).
   */
  stack(service: string, type: PamType): StackItem[] {
    // Real stacks hold tens of rules; files that include the next one several times each would resolve to
    // billions (PAM itself would hang on them). Past the bound the rest is left out, and said.
    let items = 0;
    // Each problem once per stack, however many paths lead to it.
    const said = new Set<string>();
    const problem = (text: string) => {
      if (said.has(text)) return;
      said.add(text);
      this.problems.push(text);
    };
    const resolve = (name: string, trail: string[]): StackItem[] => {
      // Every file inlined counts, as every rule does: an include of a file with no rule of this type still
      // costs a visit (and such files fanning out would be visited billions of times).
      if (++items > MAX_STACK_ITEMS) return [];
      if (trail.includes(name) || trail.length > 16) {
        problem(
          `PAM ${type} stack of ${service}: ${name} ${
            trail.includes(name) ? "includes itself" : "nested too deep"
          }`,
        );
        return [];
      }
      const statements = trail.length === 0 ? this.statementsOf(name) : this.#included(name);
      if (statements === undefined) {
        if (trail.length > 0) problem(`PAM ${type} stack of ${service}: ${name} cannot be read`);
        return [];
      }
      const out: StackItem[] = [];
      for (const s of statements) {
        if (items >= MAX_STACK_ITEMS) break;
        if ("atInclude" in s) {
          out.push(...resolve(s.atInclude, [...trail, name]));
          continue;
        }
        if (s.rule.type !== type) continue;
        if (s.rule.control.kind === "include") out.push(...resolve(s.rule.module, [...trail, name]));
        else if (s.rule.control.kind === "substack") {
          out.push({ substack: resolve(s.rule.module, [...trail, name]), rule: s.rule });
        } else out.push({ rule: s.rule });
        items++;
      }
      return out;
    };
    const stack = resolve(service, []);
    if (items >= MAX_STACK_ITEMS) {
      this.problems.push(
        `PAM ${type} stack of ${service}: more than ${MAX_STACK_ITEMS} rules and included files once its ` +
          "includes are inlined; the rest were not checked",
      );
    }
    return stack;
  }

  #included(name: string): PamStatement[] | undefined {
    const path = this.locate(name);
    if (path === undefined) return undefined;
    return this.file(path)?.statements;
  }
}

/** Every rule of a stack, substacks flattened, with the substack lines themselves. */
export function flatten(items: readonly StackItem[]): PamRule[] {
  return items.flatMap((i) => "substack" in i ? [i.rule, ...flatten(i.substack)] : [i.rule]);
}

/** The module's name without directory and `.so` ("pam_unix"). */
export function moduleName(module: string): string {
  return module.slice(module.lastIndexOf("/") + 1).replace(/\.so$/, "");
}
