/**
 * Readers for the command-line tools' configuration files that name programs the tool runs: a kubeconfig's
 * credential plugins (`exec` command and arguments, a legacy auth provider's `cmd-path`) in YAML or JSON, and
 * a Docker client config.json's credential helpers. Pure, never throw, linear in their input.
 */

import { jsonObject, stripHashComment } from "./container_runtimes_parse.ts";

/** A program a kubeconfig makes kubectl (or the kubelet, or any client-go program) run, and its line. */
export interface KubeExec {
  line: number;
  command: string;
  args: string[];
}

/** A YAML or JSON scalar at the start of `s` (quotes removed), or undefined. Linear: no backtracking pattern. */
function scalar(s: string): string | undefined {
  const t = s.trimStart();
  if (t === "") return undefined;
  if (t[0] === '"') {
    const m = /^"((?:[^"\\]|\\.)*)"/.exec(t);
    return m ? m[1].replace(/\\(.)/g, "$1") : undefined;
  }
  if (t[0] === "'") {
    const m = /^'((?:[^']|'')*)'/.exec(t);
    return m ? m[1].replace(/''/g, "'") : undefined;
  }
  if (/^[,{}[\]#]/.test(t)) return undefined;
  const end = t.search(/[,{}\]#]/);
  return (end < 0 ? t : t.slice(0, end)).trim();
}

/** The items of a flow sequence (`[a, "b c"]`) starting at `s`, up to its `]`, or undefined when `s` does not open one. */
function flowItems(s: string): string[] | undefined {
  const t = s.trimStart();
  if (!t.startsWith("[")) return undefined;
  const out: string[] = [];
  let i = 1;
  while (i < t.length) {
    while (i < t.length && (t[i] === " " || t[i] === "\t" || t[i] === ",")) i++;
    if (i >= t.length || t[i] === "]") break;
    const rest = t.slice(i);
    const quoted = /^"((?:[^"\\]|\\.)*)"|^'((?:[^']|'')*)'/.exec(rest);
    if (quoted) {
      out.push(quoted[1] !== undefined ? quoted[1].replace(/\\(.)/g, "$1") : quoted[2].replace(/''/g, "'"));
      i += quoted[0].length;
      continue;
    }
    let end = i;
    while (end < t.length && t[end] !== "," && t[end] !== "]") end++;
    const item = t.slice(i, end).trim();
    if (item !== "") out.push(item);
    i = end;
  }
  return out;
}

/** `line` up to a YAML comment: a `#` at the start or after a blank, outside quotes. */
const uncomment = (line: string) => stripHashComment(line, true);

const KEY = /(?:^|[\s{,])["']?(command|cmd-path|args)["']?\s*:(?!:)/g;

/**
 * The programs of a kubeconfig: every `command` and `cmd-path` value, with the `args` that follow it (a block
 * sequence under `args:`, or a flow one), in block YAML, flow YAML or JSON alike. A kubeconfig has no other keys
 * of those names, so no structure is needed to find them, and no spelling hides one.
 */
export function kubeconfigPrograms(text: string): KubeExec[] {
  const out: KubeExec[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = uncomment(lines[i].replace(/\r$/, ""));
    for (const m of line.matchAll(KEY)) {
      const rest = line.slice((m.index ?? 0) + m[0].length);
      if (m[1] === "args") {
        const last = out.at(-1);
        if (last === undefined) continue;
        const flow = flowItems(rest);
        if (flow) {
          last.args.push(...flow);
          continue;
        }
        if (rest.trim() !== "" && !rest.trim().startsWith("#")) continue;
        // A block sequence: the `- item` lines that follow, at any indentation (YAML allows the key's own).
        while (i + 1 < lines.length && /^\s*-(?:\s|$)/.test(lines[i + 1])) {
          const item = scalar(uncomment(lines[++i].replace(/\r$/, "")).replace(/^\s*-\s*/, ""));
          if (item !== undefined) last.args.push(item);
        }
        continue;
      }
      let value = scalar(rest);
      if (value === undefined || /^[|>][-+0-9]*$/.test(value)) {
        // The value on the lines that follow, more indented than the key: a block scalar (`|`, `>-`) or a
        // plain one started on the next line (`command:` then the program).
        const indent = /^\s*/.exec(line)![0].length;
        const more: string[] = [];
        while (i + 1 < lines.length) {
          const next = uncomment(lines[i + 1].replace(/\r$/, ""));
          const own = /^\s*/.exec(next)![0].length;
          if (next.trim() !== "" && own <= indent) break;
          i++;
          if (next.trim() !== "") more.push(next.trim());
        }
        value = more.join(" ");
      }
      if (value !== "") out.push({ line: i + 1, command: value, args: [] });
    }
  }
  return out;
}

/**
 * The credential helpers a Docker client config.json names: `credsStore` and each `credHelpers` value, as the
 * suffix of the `docker-credential-<name>` program the client runs on login, pull and push. undefined when the
 * text is not a JSON object.
 */
export function dockerCredentialHelpers(text: string): string[] | undefined {
  const d = jsonObject(text);
  if (d === undefined) return undefined;
  const out = new Set<string>();
  if (typeof d.credsStore === "string" && d.credsStore !== "") out.add(d.credsStore);
  if (typeof d.credHelpers === "object" && d.credHelpers !== null) {
    for (const v of Object.values(d.credHelpers)) if (typeof v === "string" && v !== "") out.add(v);
  }
  return [...out];
}
