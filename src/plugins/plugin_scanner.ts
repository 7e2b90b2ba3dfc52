/**
 * External scanner plugins (`--plugin-dir DIR`): every trusted executable in DIR becomes a Scanner named
 * `plugin_<name>` with one catalogue check `plugin.<name>.finding`. It runs without a shell, with an argument
 * array, a cleared environment, a timeout and an output cap; anything wrong becomes a scanner error.
 */
import type { CheckInput } from "../core/catalogue.ts";
import type { ScanContext } from "../core/context.ts";
import type { FindingDraft } from "../core/finding.ts";
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import type { Scanner } from "../core/scanner.ts";
import { runProgram } from "../host/exec.ts";
import { checkTrustedDir, untrustedReason } from "../host/trusted_files.ts";
import { parsePluginOutput, PLUGIN_PROTOCOL } from "./protocol.ts";

/** Most plugins loaded from one directory. */
export const MAX_PLUGINS = 32;
/** Output cap per plugin (stdout and stderr each). */
export const PLUGIN_OUTPUT_CAP = 4 << 20;

/** A discovered plugin. */
export interface PluginInfo {
  /** Scanner-safe name derived from the file name. */
  name: string;
  /** Real path of the executable (what is run). */
  path: string;
}

/** Discovery result: the plugins and warnings for the report. */
export interface Discovered {
  plugins: PluginInfo[];
  warnings: string[];
}

/** The plugin name for a file name: lower-case, extension dropped, other characters as `_`; undefined if unusable. */
export function pluginName(file: string): string | undefined {
  const base = file.replace(/\.[A-Za-z0-9]{1,8}$/, "").toLowerCase().replace(/[^a-z0-9_]/g, "_");
  return /^[a-z][a-z0-9_]{0,39}$/.test(base) ? base : undefined;
}

/**
 * Lists the executables of a plugin directory, applying the rules-directory trust checks to the directory
 * (refusal is exit 3) and to each executable (an untrusted one refuses the directory too, unless
 * `--rules-insecure-ok` accepts it with a warning). Symlinks, non-executables and special files are left out.
 */
export function discoverPlugins(dir: string, insecureOk: boolean): Result<Discovered> {
  const trusted = checkTrustedDir(dir, { insecureOk, what: "plugin directory" });
  if (!trusted.ok) return fail(ExitCode.Rules, trusted.message);
  const warnings = [...trusted.value.warnings];
  let names: string[];
  try {
    names = [...Deno.readDirSync(trusted.value.real)].map((e) => e.name).sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0
    );
  } catch (e) {
    return fail(
      ExitCode.Rules,
      `plugin directory ${dir} cannot be listed (${e instanceof Error ? e.message : e})`,
    );
  }
  const plugins: PluginInfo[] = [];
  const seen = new Set<string>();
  for (const file of names) {
    const path = `${trusted.value.real}/${file}`;
    let st: Deno.FileInfo;
    try {
      st = Deno.lstatSync(path);
    } catch {
      continue;
    }
    if (!st.isFile || ((st.mode ?? 0) & 0o111) === 0) continue;
    const name = pluginName(file);
    if (!name) {
      warnings.push(
        `${path}: file name cannot be turned into a plugin name (start with a letter; letters, digits, _)`,
      );
      continue;
    }
    if (seen.has(name)) {
      warnings.push(`${path}: another plugin is already named ${name}; left out`);
      continue;
    }
    const why = untrustedReason(st);
    if (why) {
      if (!insecureOk) {
        return fail(
          ExitCode.Rules,
          `refusing plugin ${path}: ${why}. Make it root-owned and not group/world-writable, or pass --rules-insecure-ok`,
        );
      }
      warnings.push(`${path} is ${why}; accepted because of --rules-insecure-ok`);
    }
    if (plugins.length >= MAX_PLUGINS) {
      warnings.push(`more than ${MAX_PLUGINS} plugins in ${dir}; the rest are left out`);
      break;
    }
    seen.add(name);
    plugins.push({ name, path });
  }
  return ok({ plugins, warnings });
}

/** The scanner name of a plugin. */
export function pluginScannerName(name: string): string {
  return `plugin_${name}`;
}

/** The one check id of a plugin. */
export function pluginCheckId(name: string): string {
  return `plugin.${name}.finding`;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

function tail(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes).replace(CONTROL, " ").trim();
  return text.length > 300 ? "…" + text.slice(-300) : text;
}

/** Options for plugin scanners. */
export interface PluginRunOptions {
  /** Per-plugin time limit in milliseconds. */
  timeoutMs: number;
  /** Output cap in bytes. */
  maxOutputBytes?: number;
}

/** Adapts a plugin into a Scanner. */
export function pluginScanner(info: PluginInfo, opts: PluginRunOptions): Scanner {
  const scanner = pluginScannerName(info.name);
  const checkId = pluginCheckId(info.name);
  const checks: CheckInput[] = [{
    id: checkId,
    scanner,
    title: `Reported by plugin ${info.name}`,
    severity: "medium",
    category: "other",
    rationale: `A finding reported by the external plugin ${info.path}.`,
    remediation: "See the finding's description; the plugin's author documents what to do.",
    confidence: "heuristic",
  }];
  async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
    const timeoutMs = Math.max(1000, Math.min(opts.timeoutMs, ctx.budgetSeconds * 1000 - 500));
    const cap = opts.maxOutputBytes ?? PLUGIN_OUTPUT_CAP;
    const out = await runProgram(info.path, [
      "--sys-scan-plugin",
      String(PLUGIN_PROTOCOL),
      "--root",
      ctx.host.root,
    ], {
      timeoutMs,
      maxOutputBytes: cap,
      env: { SYS_SCAN_PLUGIN_PROTOCOL: String(PLUGIN_PROTOCOL), SYS_SCAN_ROOT: ctx.host.root },
    });
    const err = tail(out.stderr);
    if (out.timedOut) {
      throw new Error(`plugin ${info.name} did not finish within ${timeoutMs / 1000}s and was killed`);
    }
    if (out.truncated) throw new Error(`plugin ${info.name} wrote more than ${cap} bytes; output discarded`);
    if (out.code !== 0) {
      throw new Error(
        `plugin ${info.name} exited with ${out.code === null ? "a signal" : `status ${out.code}`}${
          err ? `: ${err}` : ""
        }`,
      );
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(out.stdout);
    } catch {
      throw new Error(`plugin ${info.name} wrote invalid UTF-8 on stdout`);
    }
    const parsed = parsePluginOutput(text);
    if (!parsed.ok) throw new Error(`plugin ${info.name}: ${parsed.error}`);
    for (const r of parsed.records) {
      if (r.type === "skip") ctx.skip(r.reason);
      else if (r.type === "warning") ctx.warn(r.code, r.detail);
      else if (r.type === "passed") yield { check_id: checkId, subject: r.subject, passed: true };
      else {
        yield {
          check_id: checkId,
          subject: r.subject,
          ...(r.title !== undefined ? { title: r.title } : {}),
          ...(r.description !== undefined ? { description: r.description } : {}),
          ...(r.severity !== undefined ? { severity: r.severity } : {}),
          ...(r.metadata !== undefined ? { metadata: r.metadata } : {}),
          ...(r.location !== undefined ? { location: r.location } : {}),
          tags: [...(r.tags ?? []), "plugin"],
        };
      }
    }
  }
  return {
    name: scanner,
    summary: `External plugin ${info.path}.`,
    slow: false,
    enabledByDefault: () => true,
    checks,
    needs: [],
    run,
  };
}
