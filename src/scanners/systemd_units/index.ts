/**
 * systemd_units: one exposure score per long-running root service (weighted sandboxing table), and services
 * whose Exec lines run programs from temporary, home or writable locations or carry payload patterns.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { severityRank } from "../../core/severity.ts";
import {
  type Account,
  type Accounts,
  loadAccounts,
  ROOT_ACCOUNT,
  UNKNOWN_ACCOUNT,
} from "../persistence/accounts.ts";
import { assessEntry, type Assessment, pathRisk } from "../persistence/assess.ts";
import { exposureOf, runsUnprivileged } from "./exposure.ts";
import { type LoadedUnit, loadUnits } from "./loader.ts";
import { EXEC_KEYS, lastValue, listValues, parseBoolean, parseExecLine } from "./unit_file.ts";
import { SYSTEMD_UNITS_INFO } from "../info/systemd_units.ts";

/** Exposure below this is a passed check (the service is reasonably confined). */
export const EXPOSURE_PASS_BELOW = 5.0;
/** Exposure from which a locally defined root service is reported as low rather than info. */
export const EXPOSURE_LOW_FROM = 8.0;

function runAsOf(u: LoadedUnit, accounts: Accounts, flags: string): Account {
  if (flags.includes("+") || flags.includes("!")) return ROOT_ACCOUNT;
  if (parseBoolean(lastValue(u.sections, "Service", "DynamicUser")) === true) return UNKNOWN_ACCOUNT;
  const user = lastValue(u.sections, "Service", "User");
  if (user === undefined || user === "root" || user === "0") return ROOT_ACCOUNT;
  return accounts.byName.get(user) ?? (/^\d+$/.test(user) ? accounts.byUid.get(Number(user)) : undefined) ??
    UNKNOWN_ACCOUNT;
}

/**
 * Assesses every Exec line of a service, and where its unit file and drop-ins live (root runs what they say, so
 * a file in a temporary directory or one another account can change is as bad as the program itself);
 * undefined when nothing is suspicious.
 */
export function assessUnitExec(
  ctx: ScanContext,
  u: LoadedUnit,
  accounts: Accounts,
): { assessment: Assessment; commands: string[] } | undefined {
  let worst: Assessment | undefined;
  const indicators: Assessment["indicators"] = [];
  const commands: string[] = [];
  for (const key of EXEC_KEYS) {
    for (const value of listValues(u.sections, "Service", key)) {
      const { flags, command } = parseExecLine(value);
      const a = assessEntry(ctx.host, command, runAsOf(u, accounts, flags), accounts);
      if (!a) continue;
      commands.push(`${key}=${value}`);
      indicators.push(...a.indicators);
      if (!worst || severityRank(a.severity) > severityRank(worst.severity)) worst = a;
    }
  }
  for (const file of [u.linkTarget ?? u.path, ...u.dropIns]) {
    const risk = pathRisk(ctx.host, file, ROOT_ACCOUNT, accounts);
    if (!risk) continue;
    indicators.push({ kind: "untrusted_path", name: `unit_file_${risk}`, path: file });
    worst ??= { indicators: [], worst: "untrusted_path", severity: "high" };
    if (severityRank(worst.severity) < severityRank("high")) worst = { ...worst, severity: "high" };
  }
  return worst ? { assessment: { ...worst, indicators }, commands } : undefined;
}

function unitMeta(u: LoadedUnit) {
  return { unit: u.name, path: u.path, vendor: u.vendor, drop_ins: u.dropIns };
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const loaded = loadUnits(ctx, [".service"]);
  if (loaded.dirs.length === 0) {
    ctx.skip(`no systemd unit directory under ${ctx.host.root}: systemd is not the init system here`);
    return;
  }
  const accounts = loadAccounts(ctx);
  for (const u of loaded.units) {
    await ctx.checkpoint();
    const exec = assessUnitExec(ctx, u, accounts);
    if (exec) {
      yield {
        check_id: "systemd.unit.untrusted_exec",
        subject: u.name,
        severity: exec.assessment.severity,
        description: `${u.name} runs ${exec.commands.join("; ").slice(0, 500)}`,
        metadata: {
          ...unitMeta(u),
          run_as: lastValue(u.sections, "Service", "User") ?? "root",
          commands: exec.commands.slice(0, 20),
          indicators: exec.assessment.indicators.map((i) => i.path ? `${i.name}:${i.path}` : i.name),
        },
        location: { path: u.path },
      };
    }
    const execStart = listValues(u.sections, "Service", "ExecStart");
    const type = lastValue(u.sections, "Service", "Type") ?? "simple";
    const pulledInBy = loaded.pulledInBy.get(u.name);
    if (execStart.length === 0 || type === "oneshot" || runsUnprivileged(u.sections) || !pulledInBy) continue;
    if (/^tty/.test(lastValue(u.sections, "Service", "StandardInput") ?? "")) continue;
    const e = exposureOf(u.sections);
    const passed = e.score < EXPOSURE_PASS_BELOW;
    const severity = !u.vendor && e.score >= EXPOSURE_LOW_FROM ? "low" : "info";
    yield {
      check_id: "systemd.unit.exposure",
      subject: u.name,
      passed,
      severity,
      title: `${u.name} runs as root with exposure ${e.score.toFixed(1)}/10`,
      description:
        `${u.name} (Type=${type}) runs as root; missing sandboxing: ${e.missing.join(", ") || "none"}` +
        (e.partial.length > 0 ? `; partly set: ${e.partial.join(", ")}` : "") + ".",
      metadata: {
        ...unitMeta(u),
        type,
        exposure: e.score,
        pulled_in_by: pulledInBy,
        missing: e.missing,
        partial: e.partial,
        exec_start: execStart.slice(0, 5),
      },
      location: { path: u.path },
    };
  }
}

/** The systemd_units scanner. */
export const systemdUnits: Scanner = { ...SYSTEMD_UNITS_INFO, run };
