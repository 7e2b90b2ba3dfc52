/**
 * `sys-scan fleet REPORT... | --dir DIR [--db FILE] [--format json|md|html] [--output FILE] [--pub KEY] ...`:
 * ingests many hosts' reports into the fleet store and writes the fleet analysis. Exit 0 when written; 1 when
 * `--pub` was given and a report did not verify (it is left out); 2 for unusable input; 5 when the output
 * cannot be written.
 */
import { defaultStatePath } from "../../baseline/sqlite.ts";
import { ExitCode, type ExitCodeValue, fail, ok, type Result } from "../../core/result.ts";
import { analyze, parseRareThreshold } from "../../fleet/analyze.ts";
import { renderFleetHtml } from "../../fleet/html.ts";
import { type HostFrom, ingest } from "../../fleet/ingest.ts";
import { INPUT_LIMITS } from "../../fleet/input.ts";
import { fleetMarkdown } from "../../fleet/markdown.ts";
import { reportFiles, type Verifier } from "../../fleet/read.ts";
import { FleetStore } from "../../fleet/store.ts";
import { jsonText } from "../../output/json.ts";
import { openOutput } from "../../output/writer.ts";
import { loadPublicKey, parseSignature, verifyBytes } from "../../security/sign.ts";
import { TOOL_VERSION } from "../../core/version.ts";
import { trimTrailing } from "../../host/text_trim.ts";
import { sanitizeText } from "../text.ts";
import { parseCommandArgs } from "./command_args.ts";

const USAGE =
  "usage: sys-scan fleet REPORT... | --dir DIR [--db FILE] [--format json|md|html] [--output FILE] " +
  "[--pub KEY] [--rare-threshold N|P%] [--spread-min N] [--top N] [--max-items N] [--hosts-per-item N] " +
  "[--host-from report|dir] [--max-report-mib N]";

/** Injectable pieces for tests. */
export interface FleetDeps {
  now?: () => Date;
  stderr?: (line: string) => void;
  env?: (k: string) => string | undefined;
}

function intFlag(
  name: string,
  text: string | undefined,
  def: number,
  min: number,
  max: number,
): Result<number> {
  if (text === undefined) return ok(def);
  if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) {
    return fail(
      ExitCode.Usage,
      `fleet: --${name} must be a whole number from ${min} to ${max}, got "${text}"`,
    );
  }
  return ok(Number(text));
}

async function makeVerifier(pubPath: string): Promise<Result<Verifier>> {
  const pub = await loadPublicKey(pubPath);
  if (!pub.ok) return pub;
  return ok(async (bytes, reportPath) => {
    const sigPath = `${reportPath}.sig`;
    let text: string;
    try {
      const st = await Deno.lstat(sigPath);
      if (!st.isFile) return { ok: false, reason: `${sigPath} is not a regular file` };
      if (st.size > 64 << 10) return { ok: false, reason: `${sigPath} is too large for a signature file` };
      text = await Deno.readTextFile(sigPath);
    } catch (e) {
      return {
        ok: false,
        reason: e instanceof Deno.errors.NotFound
          ? `not signed (no ${sigPath})`
          : `${sigPath}: ${(e as Error).message}`,
      };
    }
    const sig = parseSignature(text);
    if (!sig.ok) return { ok: false, reason: `${sigPath}: ${sig.error.message}` };
    const v = await verifyBytes(bytes, sig.value, pub.value);
    return v.ok ? { ok: true, signer: pub.value.fingerprint } : { ok: false, reason: v.error.message };
  });
}

async function* inputs(
  positionals: string[],
  dirs: string[],
  skipped: (path: string, reason: string) => void,
): AsyncGenerator<string> {
  for (const p of positionals) {
    let real = p;
    try {
      real = await Deno.realPath(p);
    } catch {
      // readReport says why it cannot be read
    }
    yield real;
  }
  for (const d of dirs) yield* reportFiles(trimTrailing(d, "/") || "/", skipped);
}

/** Runs the fleet subcommand. */
export async function fleetCommand(
  args: readonly string[],
  deps: FleetDeps = {},
): Promise<Result<ExitCodeValue>> {
  const parsed = parseCommandArgs("fleet", USAGE, args, {
    dir: { type: "string", multiple: true },
    db: { type: "string" },
    format: { type: "string" },
    output: { type: "string" },
    pub: { type: "string" },
    "rare-threshold": { type: "string" },
    "spread-min": { type: "string" },
    top: { type: "string" },
    "max-items": { type: "string" },
    "hosts-per-item": { type: "string" },
    "host-from": { type: "string" },
    "max-report-mib": { type: "string" },
  }, Number.MAX_SAFE_INTEGER);
  if (!parsed.ok) return parsed;
  const { values: v, positionals } = parsed.value;
  const format = v.format ?? "json";
  if (format !== "json" && format !== "md" && format !== "html") {
    return fail(ExitCode.Usage, `fleet: --format must be json, md or html, got "${format}"`);
  }
  const dirs = v.dir ?? [];
  if (positionals.length === 0 && dirs.length === 0) {
    return fail(ExitCode.Usage, `fleet needs report files or --dir DIR; ${USAGE}`);
  }
  const rare = parseRareThreshold(v["rare-threshold"] ?? "5%");
  if (!rare) {
    return fail(
      ExitCode.Usage,
      `fleet: --rare-threshold must be a host count (3) or a share of the fleet (5%), got "${
        v["rare-threshold"]
      }"`,
    );
  }
  const hostFrom = (v["host-from"] ?? "report") as HostFrom;
  if (hostFrom !== "report" && hostFrom !== "dir") {
    return fail(ExitCode.Usage, `fleet: --host-from must be report or dir, got "${v["host-from"]}"`);
  }
  const nums = {
    spreadMin: intFlag("spread-min", v["spread-min"], 2, 1, 1e9),
    top: intFlag("top", v.top, 10, 1, 10_000),
    maxItems: intFlag("max-items", v["max-items"], 100, 0, 1e9),
    hostsPerItem: intFlag("hosts-per-item", v["hosts-per-item"], 10, 0, 10_000),
    maxMib: intFlag("max-report-mib", v["max-report-mib"], INPUT_LIMITS.reportBytes >> 20, 1, 4096),
  };
  for (const r of Object.values(nums)) if (!r.ok) return r;
  const n = Object.fromEntries(Object.entries(nums).map(([k, r]) => [k, r.ok ? r.value : 0])) as Record<
    keyof typeof nums,
    number
  >;
  for (const d of dirs) {
    try {
      if (!Deno.statSync(d).isDirectory) return fail(ExitCode.Usage, `fleet: --dir ${d} is not a directory`);
    } catch (e) {
      return fail(ExitCode.Usage, `fleet: --dir ${d}: ${(e as Error).message}`);
    }
  }
  const verify = v.pub ? await makeVerifier(v.pub) : undefined;
  if (verify && !verify.ok) return verify;
  const env = deps.env ?? ((k: string) => Deno.env.get(k));
  const stderr = deps.stderr ?? ((line: string) => console.error(line));
  const warn = (m: string) => stderr(`sys-scan: fleet: ${sanitizeText(m)}`);
  const now = deps.now ?? (() => new Date());
  const opened = FleetStore.open(v.db ?? defaultStatePath(Deno.uid() ?? 0, env, "fleet.db"));
  if (!opened.ok) return opened;
  using store = opened.value;
  const started = now();
  const runId = store.beginRun(started.toISOString());
  const dirProblems: string[] = [];
  const t0 = performance.now();
  const counts = await ingest(
    store,
    inputs(positionals, dirs, (path, reason) => {
      if (dirProblems.length < 100) dirProblems.push(`${path}: ${reason}`);
      warn(`${path}: ${reason}`);
    }),
    {
      runId,
      maxBytes: n.maxMib << 20,
      now: started,
      hostFrom,
      verify: verify?.ok ? verify.value : undefined,
      warn,
    },
  );
  store.finishRun(runId, now().toISOString(), {
    files: counts.files,
    ingested: counts.ingested,
    duplicates: counts.duplicates,
    skipped: counts.skipped + counts.unverified + counts.conflicts,
  });
  const ingestMs = Math.round(performance.now() - t0);
  const summary = {
    ...counts,
    run_id: runId,
    compared_run_id: null,
    previous_run_id: null,
    ingest_ms: ingestMs,
  };
  const report = analyze(store, summary, {
    rare: rare,
    spreadMin: n.spreadMin,
    top: n.top,
    maxItems: n.maxItems,
    hostsPerItem: n.hostsPerItem,
    now: started,
    toolVersion: TOOL_VERSION,
    warnings: dirProblems,
  });
  const out = openOutput(v.output);
  if (!out.ok) return out;
  await out.value.write(
    format === "md"
      ? fleetMarkdown(report)
      : format === "html"
      ? renderFleetHtml(report)
      : jsonText(report, true),
  );
  const c = await out.value.commit();
  if (!c.ok) return c;
  if (counts.unverified > 0) {
    warn(`${counts.unverified} report(s) did not verify with ${v.pub} and were left out`);
    return ok(ExitCode.Threshold);
  }
  return ok(ExitCode.Ok);
}
