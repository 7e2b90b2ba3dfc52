/**
 * Dynamic-linker hijacking findings: /etc/ld.so.preload, and the LD_* variables of each process judged by every
 * copy the environment holds (the loader and getenv disagree on duplicates, see `ldOccurrences`).
 */
import type { ScanContext } from "../../core/context.ts";
import type { Severity } from "../../core/severity.ts";
import { LD_SO_PRELOAD, parsePreloadFile } from "../../host/ld_so_preload.ts";
import type { LocationJudge } from "../../host/location.ts";
import { environEntries, parseStat } from "../../host/proc_stat.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import type { Findings } from "./collect.ts";
import { type IocEnv, processAt, processMeta, programSubject } from "./common.ts";
import { judgeEntries, LD_VARS, ldEntries, ldOccurrences, type LdVar, untrusted } from "./ld_env.ts";

/**
 * Bytes of /proc/<pid>/environ read: all an exec can pass. The kernel takes arguments and environment together
 * up to a quarter of the stack limit and never more than 6 MiB (three quarters of _STK_LIM), so an LD_PRELOAD
 * behind megabytes of padding is still read (at 256 KiB it was not: the hostile-host review hid one so). The
 * buffer grows with what is read, not with this bound.
 */
export const MAX_ENVIRON_BYTES = 8 << 20;
/** Bytes of /etc/ld.so.preload read. */
export const PRELOAD_BYTES = 8 << 20;
/** Characters of one value kept in metadata. */
const MAX_VALUE_CHARS = 4096;

/** Checks /etc/ld.so.preload (host-wide). */
export function checkPreloadFile(ctx: ScanContext, judge: LocationJudge, out: Findings): void {
  const path = LD_SO_PRELOAD;
  // ld.so reads the whole file (it maps it): so does this, up to a bound no real preload list comes near, and a
  // file past it is reported even when what was read names nothing (entries padded past 64 KiB hid once).
  const r = ctx.host.readText(path, PRELOAD_BYTES);
  if (!r.ok) {
    if (r.reason !== "missing") ctx.warn("ld_so_preload_unreadable", `${path}: ${r.message}`);
    return;
  }
  const entries = parsePreloadFile(r.value).map((e) => e.path);
  if (entries.length === 0 && !r.truncated) return;
  const judged = judgeEntries(entries, judge);
  const notRoot = entries.filter((e) => {
    const st = ctx.host.stat(e);
    return st.ok && st.value.uid !== 0;
  });
  const bad = judged.filter(untrusted).map((j) => j.entry);
  const allTrusted = judged.every((j) => j.trusted);
  let severity: Severity = "high";
  let why = "a system-wide preload is present";
  if (bad.length > 0 || notRoot.length > 0) {
    severity = "critical";
    why = "a preloaded library is in a writable or user location, or not owned by root";
  } else if (allTrusted && ctx.config.iocEnvTrust) {
    severity = "medium";
    why = "every library is root-owned in a system library directory (--ioc-env-trust)";
  }
  out.add(
    {
      check_id: "ioc.ld_so_preload.entries",
      subject: path,
      severity,
      description: `${path} preloads ${entries.join(", ") || "nothing in its first 8 MiB"} into every ` +
        `dynamically linked program: ${why}.${
          r.truncated ? " It is larger than 8 MiB: the rest was not read." : ""
        }`,
      metadata: {
        path,
        entries,
        missing: entries.filter((e) => !ctx.host.exists(e)),
        untrusted_entries: bad,
        not_root_owned: notRoot,
        all_trusted: allTrusted,
        severity_reason: why,
        ...(r.truncated ? { truncated: true } : {}),
      },
      location: { path },
    },
    undefined,
    { entries: entries.join(" ") },
  );
}

const LD_CHECK: Record<LdVar, string> = {
  LD_PRELOAD: "ioc.process.ld_preload",
  LD_AUDIT: "ioc.process.ld_audit",
  LD_LIBRARY_PATH: "ioc.process.ld_library_path",
};

const clip = (v: string) => v.slice(0, MAX_VALUE_CHARS);

/** Which copy each reader uses, as metadata and words. */
function copies(values: readonly string[]) {
  const loader = values[values.length - 1];
  const getenv = values[0];
  return {
    meta: { loader_value: clip(loader), getenv_value: clip(getenv), occurrences: values.length },
    differ: values.some((v) => v !== getenv),
  };
}

function judgeVariable(
  ctx: ScanContext,
  p: ProcessInfo,
  prefix: string,
  env: IocEnv,
  out: Findings,
  name: LdVar,
  values: readonly string[],
  truncated: boolean,
): void {
  // Every copy counts: glibc's loader takes the last, musl's loader and getenv the first.
  const set = [...new Set(values.filter((v) => v !== ""))];
  if (set.length === 0) return;
  const judged = judgeEntries(set.flatMap((v) => ldEntries(name, v)), env.judge, prefix);
  const bad = [...new Set(judged.filter(untrusted).map((j) => j.entry))];
  const allTrusted = judged.length > 0 && judged.every((j) => j.trusted);
  const loads = name !== "LD_LIBRARY_PATH";
  let severity: Severity = loads ? "high" : "medium";
  let why = loads
    ? "a library is injected into the process"
    : "libraries are searched in extra directories first";
  if (bad.length > 0) {
    severity = loads ? "critical" : "high";
    why = "an entry is in a temp, world-writable or home location, or relative to the current directory";
  } else if (allTrusted && ctx.config.iocEnvTrust) {
    severity = "info";
    why = "every entry is root-owned in a system library directory (--ioc-env-trust)";
  }
  const { meta, differ } = copies(values);
  const shown = differ
    ? `${name} set ${values.length} times (the loader uses ${
      JSON.stringify(meta.loader_value.slice(0, 200))
    }, ` +
      `getenv sees ${JSON.stringify(meta.getenv_value.slice(0, 200))})`
    : `${name}=${set[0].slice(0, 300)}`;
  out.add(
    {
      check_id: LD_CHECK[name],
      subject: programSubject(p),
      severity,
      description: `pid ${p.pid} (${p.comm}) has ${shown}: ${why}.`,
      metadata: {
        ...processMeta(p),
        variable: name,
        values: set.map(clip),
        ...meta,
        untrusted_entries: bad,
        env_trusted: allTrusted,
        severity_reason: why,
        ...(truncated ? { environ_truncated: true } : {}),
      },
      ...processAt(p),
    },
    p,
    { [name]: set.join(" ") },
  );
}

function checkDuplicates(p: ProcessInfo, occurrences: Map<string, string[]>, out: Findings): void {
  const dup = [...occurrences].filter(([, values]) => values.length > 1).sort(([a], [b]) => a < b ? -1 : 1);
  if (dup.length === 0) return;
  const differing = dup.filter(([, values]) => copies(values).differ).map(([name]) => name);
  const severity: Severity = differing.length > 0 ? "high" : "low";
  const why = differing.length > 0
    ? `the copies of ${
      differing.join(", ")
    } differ: the dynamic loader uses the last, getenv and tools that ` +
      "read the first see something else"
    : "the copies are identical: nothing is hidden, but no shell or service manager writes an environment so";
  const [name, values] = dup.find(([n]) => differing.includes(n)) ?? dup[0];
  out.add(
    {
      check_id: "ioc.process.ld_env_duplicate",
      subject: programSubject(p),
      severity,
      description: `pid ${p.pid} (${p.comm}) has ${
        dup.map(([n, v]) => `${n} ×${v.length}`).join(", ")
      } in its environment: ${why}.`,
      metadata: {
        ...processMeta(p),
        variables: dup.map(([n]) => n),
        differing_variables: differing,
        variable: name,
        values: values.slice(0, 16).map(clip),
        ...copies(values).meta,
        severity_reason: why,
      },
      ...processAt(p),
    },
    p,
    Object.fromEntries(dup.map(([n, v]) => [n, v.join(" ")])),
  );
}

/** Reads the environment of `p` once and judges its LD_* variables and their duplicates. */
export function checkLdEnv(
  ctx: ScanContext,
  p: ProcessInfo,
  prefix: string,
  env: IocEnv,
  out: Findings,
): void {
  // The block's size is in /proc/<pid>/stat: one past the budget is skipped unread rather than spent on.
  const stat = ctx.host.readText(`/proc/${p.pid}/stat`, 4096);
  const cap = env.reads.cap(MAX_ENVIRON_BYTES, stat.ok ? parseStat(stat.value)?.envBytes : undefined);
  if (cap === 0) {
    env.reads.short.environ.push(p.pid);
    return;
  }
  const r = ctx.host.readBytes(`/proc/${p.pid}/environ`, cap);
  if (!r.ok) {
    if (r.reason === "denied") env.environDenied++;
    return;
  }
  env.reads.spend(r.value.length);
  if (r.truncated) (cap < MAX_ENVIRON_BYTES ? env.reads.short.environ : env.environTruncated).push(p.pid);
  const occurrences = ldOccurrences(environEntries(r.value));
  for (const name of LD_VARS) {
    const values = occurrences.get(name);
    if (values) judgeVariable(ctx, p, prefix, env, out, name, values, r.truncated);
  }
  checkDuplicates(p, occurrences, out);
}
