/**
 * PHP calls of a command or code runner by a name held in a string: through a variable (`$f = 'sys'.'tem';
 * $f($_POST['x'])`, `$f = 'sys'; $f .= 'tem'; $f(…)`) or as another function's callback
 * (`call_user_func('sys'.'tem', …)`, `array_map(strrev('metsys'), [$_GET['c']])`). Assignments are followed in
 * the order of the text (`=` and `.=`, a variable's known value usable in later ones; an expression is read as
 * PHP reads it, so a `;` inside a string does not end it); names are evaluated by `phpStringValue`, nothing is
 * run. One pass per kind over the text, every expression bounded and all of them charged to one budget of
 * steps, so the time is linear in the file's size and malformed input gives nothing.
 */
import {
  MAX_EXPR,
  MAX_VALUE,
  phpBudget,
  phpStringBuilt,
  phpStringPrefix,
  phpStringValue,
} from "./php_strings.ts";

/** PHP functions that run a command or code and can be called by a name held in a string. */
export const RUNNER_NAMES: ReadonlySet<string> = new Set([
  "system",
  "exec",
  "passthru",
  "shell_exec",
  "popen",
  "proc_open",
  "pcntl_exec",
  "assert",
  "create_function",
  "call_user_func",
  "call_user_func_array",
]);

/** Functions that call a callback they are given by name, with the index of that argument. */
const CALLBACK_ARG = new Map<string, number>([
  ["call_user_func", 0],
  ["call_user_func_array", 0],
  ["forward_static_call", 0],
  ["forward_static_call_array", 0],
  ["array_map", 0],
  ["array_filter", 1],
  ["array_walk", 1],
  ["array_walk_recursive", 1],
  ["array_reduce", 1],
  ["usort", 1],
  ["uasort", 1],
  ["uksort", 1],
  ["register_shutdown_function", 0],
  ["ob_start", 0],
]);

/** A runner called by a name the file holds in a string. */
export interface RunnerCall {
  /** Through a variable (`$f(…)`) or as another function's callback (`array_map($f, …)`). */
  via: "variable" | "callback";
  /** Offset of the call in the text. */
  index: number;
  /** The call: its head and arguments, at most 200 characters. */
  match: string;
  /** The arguments' text (at most 200 characters, up to the first `;`), where request input is looked for. */
  args: string;
  /** The name was built (not one plain literal): nothing but hiding needs that. */
  built: boolean;
}

/** Variables whose value is followed; variables that held a runner's name; calls reported. */
const MAX_VARS = 1000;
const MAX_RUNNER_VARS = 50;
const MAX_PENDING = 200;
const MAX_CALLS = 50;

/** An assignment (`$v = …`, `$v .= …`, other compound operators) or a call of a function taking a callback. */
const SITES = new RegExp(
  String.raw`(?<![\w$])\$(\w{1,64})\s*([-+*/%^|&.]|\?\?|\*\*|<<|>>)?=(?![=>])|(?<![\w$>:\\])\\?(` +
    [...CALLBACK_ARG.keys()].join("|") + String.raw`)\s*\(`,
  "gi",
);
/** A call through a variable: `$f(`, `$f (`. */
const VARIABLE_CALL = /(?<![\w$])\$(\w{1,64})\s*\(/g;

/**
 * The text of argument `want` of the call whose `(` ends at `open`, found within 2 × MAX_EXPR characters
 * (quotes and brackets respected), or undefined. `pay` is charged the characters read.
 */
function argument(text: string, open: number, want: number, pay: (n: number) => void): string | undefined {
  const end = Math.min(text.length, open + 2 * MAX_EXPR);
  let [depth, n, start, quote] = [0, 0, open, ""];
  let i = open;
  for (; i < end; i++) {
    const c = text[i];
    if (quote !== "") {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (depth > 0) depth -= c === ")" || c === "]" || c === "}" ? 1 : 0;
    else if (c === "," && n < want) [n, start] = [n + 1, i + 1];
    else if (c === "," || c === ")" || c === ";" || c === "]" || c === "}") break;
  }
  pay(i - open);
  return i < end && n === want && (text[i] === "," || text[i] === ")") ? text.slice(start, i) : undefined;
}

/**
 * The calls of a runner through a variable or as a callback, by a name evaluated from constants: those `keep`
 * accepts (all by default), at most MAX_CALLS of them, in the order of the text.
 */
export function runnerCalls(text: string, keep: (c: RunnerCall) => boolean = () => true): RunnerCall[] {
  const budget = phpBudget();
  const pay = (n: number) => void (budget.steps -= n);
  const values = new Map<string, string>(); // variable → its value as far as the text goes
  const builtValue = new Map<string, boolean>(); // variable → that value was built
  const runners = new Map<string, boolean>(); // variable that ever held a runner's name → one was built
  const pending: { name: string; call: Omit<RunnerCall, "built"> }[] = [];
  const calls: RunnerCall[] = [];
  const add = (c: RunnerCall) => void (calls.length < MAX_CALLS && keep(c) && calls.push(c));
  const isRunner = (v: string | undefined) => v !== undefined && RUNNER_NAMES.has(v.trim().toLowerCase());
  const callAt = (index: number, open: number) => {
    const args = text.slice(open, open + 200).split(";")[0];
    return { index, args, match: (text.slice(index, open) + args).slice(0, 200) };
  };
  for (const m of text.matchAll(SITES)) {
    if (budget.steps <= 0 || calls.length >= MAX_CALLS) break;
    const at = m.index + m[0].length;
    if (m[3] !== undefined) {
      const arg = argument(text, at, CALLBACK_ARG.get(m[3].toLowerCase())!, pay);
      if (arg === undefined) continue;
      const plain = /^\s*\$(\w{1,64})\s*$/.exec(arg);
      if (plain && pending.length < MAX_PENDING) {
        pending.push({ name: plain[1], call: { via: "callback", ...callAt(m.index, at) } });
      } else if (!plain && isRunner(phpStringValue(arg, { vars: values, budget }))) {
        add({ via: "callback", built: phpStringBuilt(arg), ...callAt(m.index, at) });
      }
      continue;
    }
    // The expression is read as far as it goes; a statement's end (or a call's or a list's) must follow it.
    const [name, op] = [m[1], m[2]];
    const read = op === undefined || op === "."
      ? phpStringPrefix(text.slice(at, at + MAX_EXPR), { vars: values, budget })
      : undefined;
    const ends = read !== undefined && /^(?:;|\?>|\)|,|$)/.test(text.slice(at + read.end, at + read.end + 2));
    const expr = ends ? text.slice(at, at + read!.end) : "";
    const piece = ends ? read!.value : undefined;
    const before = values.get(name);
    const value = op === undefined
      ? piece
      : op === "." && before !== undefined && piece !== undefined
      ? before + piece
      : undefined;
    const plain = /^\s*\$(\w{1,64})\s*$/.exec(expr);
    const built = op !== undefined || (plain ? builtValue.get(plain[1]) ?? true : phpStringBuilt(expr));
    if (value === undefined || value.length > MAX_VALUE) {
      values.delete(name);
      continue;
    }
    if (values.has(name) || values.size < MAX_VARS) {
      values.set(name, value);
      builtValue.set(name, built);
    }
    if (isRunner(value) && (runners.has(name) || runners.size < MAX_RUNNER_VARS)) {
      runners.set(name, (runners.get(name) ?? false) || built);
    }
  }
  for (const p of pending) {
    if (runners.has(p.name)) add({ ...p.call, built: runners.get(p.name)! });
  }
  if (runners.size > 0) {
    for (const m of text.matchAll(VARIABLE_CALL)) {
      if (calls.length >= MAX_CALLS) break;
      if (!runners.has(m[1])) continue;
      add({ via: "variable", built: runners.get(m[1])!, ...callAt(m.index, m.index + m[0].length) });
    }
  }
  return calls.sort((a, b) => a.index - b.index);
}
