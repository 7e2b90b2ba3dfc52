/**
 * PAM configuration as Linux-PAM reads it: /etc/pam.d/<service> (falling back to the vendor directory
 * /usr/lib/pam.d), or /etc/pam.conf when /etc/pam.d does not exist. Lines are `[-]type control module [args]`,
 * read and split as libpam 1.5.2 does (./pam_line.ts: `#` comments, backslash continuations, `[…]` words);
 * the type and control keywords are case-insensitive. `include`, `substack` and Debian's `@include` are
 * resolved into one stack per service and type.
 */
import type { Host } from "../../host/host.ts";
import { assemblePamLines, type PamAction, pamWords, parsePamControl } from "./pam_line.ts";

/** Bytes of one PAM file read: the library reads any size, and no real file comes near. */
const PAM_FILE_BYTES = 16 << 20;

/** The four PAM management groups. */
export const PAM_TYPES = ["auth", "account", "password", "session"] as const;

/** A PAM management group. */
export type PamType = typeof PAM_TYPES[number];

export type { PamAction } from "./pam_line.ts";

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

/**
 * Parses a control word as `pamWords` gives it: a keyword (any case), include/substack, or else value=action
 * pairs read as libpam reads them (a malformed one is every value `bad`, with the error).
 */
export function parseControl(word: string): { control: PamControl; error?: string } {
  const k = word.toLowerCase();
  if (k === "include" || k === "substack") return { control: { kind: k, text: k } };
  const table = KEYWORD_CONTROLS[k];
  if (table) return { control: { kind: "actions", text: k, actions: new Map(table) } };
  const { actions, error } = parsePamControl(word);
  return { control: { kind: "actions", text: `[${word}]`, actions }, error };
}

/**
 * Parses one pam.d file (or pam.conf with `withService`, returning the service of each statement), its lines
 * and words as libpam 1.5.2 makes them (see ./pam_line.ts): text is taken as its UTF-8 bytes.
 */
export function parsePamText(
  text: string | Uint8Array,
  path: string,
  withService = false,
): PamFile & { services: string[] } {
  const statements: PamStatement[] = [];
  const services: string[] = [];
  const problems: string[] = [];
  const read = assemblePamLines(typeof text === "string" ? new TextEncoder().encode(text) : text);
  for (const n of read.notes.slice(0, 10)) problems.push(`${path}: ${n}`);
  for (const l of read.lines) {
    let w = pamWords(l.text);
    let service = "";
    if (withService) {
      service = (w[0] ?? "").toLowerCase();
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
    const { control, error } = parseControl(w[1]);
    // libpam keeps such a line with every value "bad"; so does the model.
    if (error) {
      problems.push(`${path}:${l.line}: bad control ${JSON.stringify(w[1])} (${error}): every result fails`);
    }
    statements.push({
      rule: { path, line: l.line, type: type as PamType, dash, control, module: w[2], args: w.slice(3) },
    });
    services.push(service);
  }
  if (read.end === "incomplete") {
    problems.push(
      `${path}:${read.endLine}: ends inside a backslash continuation: libpam fails the whole file`,
    );
  } else if (read.end === "loops") {
    problems.push(
      `${path}:${read.endLine}: a continuation fills libpam's line buffer: libpam loops forever here`,
    );
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
      const r = host.readBytes(PAM_DIRS.conf, PAM_FILE_BYTES);
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
      const r = this.#host.readBytes(path, PAM_FILE_BYTES);
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
