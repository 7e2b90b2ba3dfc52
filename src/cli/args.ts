/** argv → validated, frozen Config, driven by the flag table (spelling) and core's settings schema (values). */
import { parseArgs } from "node:util";
import { atLeast } from "../core/severity.ts";
import { type AppError, ExitCode, fail, ok, type Result } from "../core/result.ts";
import { type Config, type ConfigKey, ConfigSchema } from "../core/config.ts";
import { flagByName, FLAGS } from "./flags/index.ts";
import type { FlagSpec } from "./flags/spec.ts";
import { type FileValues, loadConfigFile } from "./config_file.ts";

type ParseOptions = Record<string, { type: "string" | "boolean"; multiple?: boolean }>;

const usage = (message: string): Result<never> => fail(ExitCode.Usage, message);

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** The closest known flag name, for "did you mean" hints. */
export function suggestFlag(name: string): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const spec of Object.values(FLAGS) as FlagSpec[]) {
    const dist = editDistance(name, spec.name);
    if (dist < bestD) {
      bestD = dist;
      best = spec.name;
    }
  }
  return bestD <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

/** Gives `--ioc-exec-trace` (an optional-value flag) its implicit value when no number follows it. */
export function expandOptionalValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    out.push(a);
    if (a === "--") {
      out.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("--") || a.includes("=")) continue;
    const found = flagByName(a.slice(2));
    if (!found || found[1].kind !== "optional-int") continue;
    const next = argv[i + 1];
    if (next === undefined || !/^\d+$/.test(next)) out.push(String(found[1].implicit));
  }
  return out;
}

function parserOptions(): ParseOptions {
  const opts: ParseOptions = {};
  for (const spec of Object.values(FLAGS) as FlagSpec[]) {
    opts[spec.name] = spec.kind === "boolean"
      ? { type: "boolean" }
      : spec.kind === "csv"
      ? { type: "string", multiple: true }
      : { type: "string" };
  }
  return opts;
}

function explainParseError(e: unknown): AppError {
  const err = e as { code?: string; message?: string };
  const msg = err.message ?? String(e);
  const flagName = msg.match(/'(-{1,2}[^' ]+)/)?.[1] ?? "";
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const hint = suggestFlag(flagName.replace(/^-+/, ""));
      return {
        exit: ExitCode.Usage,
        message: `unknown flag ${flagName}${hint ? `; did you mean --${hint}?` : ""} (see sys-scan --help)`,
      };
    }
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const spec = flagByName(flagName.replace(/^-+/, ""))?.[1];
      if (spec?.kind === "boolean") {
        return { exit: ExitCode.Usage, message: `${flagName} takes no value; write just ${flagName}` };
      }
      return {
        exit: ExitCode.Usage,
        message: `${flagName} needs a value${spec?.value ? ` (${spec.value})` : ""}, e.g. ${flagName} ${
          spec?.value ?? "VALUE"
        } or ${flagName}=${spec?.value ?? "VALUE"}`,
      };
    }
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return {
        exit: ExitCode.Usage,
        message: `unexpected argument ${msg.match(/'([^']*)'/)?.[1] ?? ""}; flags start with --`,
      };
    default:
      return { exit: ExitCode.Usage, message: `cannot parse the command line: ${msg}` };
  }
}

function convert(spec: FlagSpec, raw: string | boolean | string[]): Result<unknown> {
  switch (spec.kind) {
    case "boolean":
      return ok(raw);
    case "csv":
      return ok((raw as string[]).flatMap((v) => v.split(",")).map((s) => s.trim()).filter((s) => s !== ""));
    case "int":
    case "optional-int": {
      const s = String(raw).trim();
      if (!/^-?\d{1,15}$/.test(s)) return usage(`--${spec.name} expects a whole number, got "${raw}"`);
      return ok(Number(s));
    }
    case "string":
      return ok(raw);
  }
}

/** Parses scan flags from argv (no subcommand) into raw Config-keyed values. */
export function parseFlags(argv: readonly string[]): Result<FileValues> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args: expandOptionalValues(argv),
      options: parserOptions(),
      strict: true,
      allowPositionals: false,
    }).values as typeof values;
  } catch (e) {
    return { ok: false, error: explainParseError(e) };
  }
  const out: FileValues = {};
  for (const [name, raw] of Object.entries(values)) {
    if (raw === undefined) continue;
    const [key, spec] = flagByName(name)!;
    const v = convert(spec, raw);
    if (!v.ok) return v;
    out[key] = v.value;
  }
  return ok(out);
}

/** Relations between flags that make a command line contradictory. */
export function checkRelations(c: Config, scannerNames: readonly string[]): Result<Config> {
  for (const list of ["enable", "disable"] as const) {
    for (const name of c[list]) {
      if (!scannerNames.includes(name)) {
        return usage(
          `--${list}: unknown scanner "${name.slice(0, 64)}"; known scanners: ${scannerNames.join(", ")}`,
        );
      }
    }
  }
  const both = c.enable.filter((n) => c.disable.includes(n));
  if (both.length > 0) return usage(`scanner ${both[0]} is in both --enable and --disable; keep one`);
  if (c.pretty && c.compact) return usage("--pretty and --compact contradict each other; keep one");
  const formats = [c.ndjson && "ndjson", c.sarif && "sarif", c.format].filter((f): f is string => !!f);
  if (new Set(formats).size > 1) {
    return usage(`more than one output format given (${[...new Set(formats)].join(", ")}); choose one`);
  }
  if (c.canonical && (c.ndjson || c.format === "ndjson")) {
    return usage(
      "--canonical applies to JSON reports; NDJSON is streamed in arrival order (drop one of them)",
    );
  }
  if (c.minSeverity && c.failOn && !atLeast(c.failOn, c.minSeverity)) {
    return usage(
      `--fail-on ${c.failOn} is below --min-severity ${c.minSeverity}: findings under ${c.minSeverity} are dropped, ` +
        `so use --fail-on ${c.minSeverity} or lower --min-severity`,
    );
  }
  if (c.signGpg && !c.output) {
    return usage("--sign-gpg needs --output FILE (the signature goes beside the report)");
  }
  if (c.sign && !c.output) return usage("--sign needs --output FILE (the signature goes beside the report)");
  if (c.seccompStrict && !c.seccomp) return usage("--seccomp-strict needs --seccomp");
  if (c.keepCapDac && !c.dropPriv) return usage("--keep-cap-dac only makes sense with --drop-priv");
  if (c.baselineUpdate && !c.baseline) return usage("--baseline-update needs --baseline");
  return ok(c);
}

/** Full path from argv to a frozen Config: flags, optional config file (flags win), schema, availability, relations. */
export async function buildConfig(
  argv: readonly string[],
  scannerNames: readonly string[],
): Promise<Result<Config>> {
  const cli = parseFlags(argv);
  if (!cli.ok) return cli;
  let merged: FileValues = cli.value;
  const configPath = cli.value.config;
  if (typeof configPath === "string") {
    const file = await loadConfigFile(configPath);
    if (!file.ok) return file;
    merged = { ...file.value, ...cli.value };
  }
  for (const [key, value] of Object.entries(merged)) {
    const spec = FLAGS[key as ConfigKey];
    if (spec.available === false && value !== false && !(Array.isArray(value) && value.length === 0)) {
      return usage(`--${spec.name} is not available in this build yet (see README, "Flags")`);
    }
  }
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? "");
    const spec = FLAGS[key as ConfigKey] as FlagSpec | undefined;
    const given = merged[key];
    return usage(
      `--${spec?.name ?? key}: ${issue.message}${
        given !== undefined ? ` (got ${JSON.stringify(given)})` : ""
      }`,
    );
  }
  const rel = checkRelations(parsed.data, scannerNames);
  if (!rel.ok) return rel;
  return ok(Object.freeze(rel.value));
}
