/** The executable of a process: fileless (memfd), deleted, or in a place someone other than root can write. */
import type { ScanContext } from "../../core/context.ts";
import type { Severity } from "../../core/severity.ts";
import { writerText } from "../../host/location.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import type { Findings } from "./collect.ts";
import { type IocEnv, locationMeta, originText, processMeta, runsAsRoot } from "./common.ts";
import { judgeProcessFile } from "./ns_location.ts";

/** The check of each non-system location kind, for a process's executable. */
const EXE_BY_KIND = {
  world_writable: "ioc.process.exe_world_writable",
  temp: "ioc.process.exe_in_temp",
  home: "ioc.process.exe_in_home",
  user_writable: "ioc.process.exe_user_writable",
} as const;

/** Judges the executable of `p` (seen under `prefix`, its root when in another mount namespace). */
export function checkExe(ctx: ScanContext, p: ProcessInfo, prefix: string, env: IocEnv, out: Findings): void {
  if (p.exe === null) return;
  const base = processMeta(p);
  const subject = p.exe;
  const at = { location: { path: p.exe, pid: p.pid } };
  if (p.exeMemfd || !p.exe.startsWith("/")) {
    const runc = /^\/memfd:runc_cloned:/.test(p.exe);
    out.add({
      check_id: "ioc.process.fileless_exe",
      subject,
      ...(runc ? { severity: "medium" as const } : {}),
      description: `pid ${p.pid} (${p.comm}) runs from ${p.exe}: no file on disk backs its code.` +
        (runc ? " The memfd name is runc's own self-clone; confirm it belongs to a container start." : ""),
      metadata: {
        ...base,
        memfd: p.exeMemfd,
        ...(runc ? { severity_reason: "runc self-clone memfd name" } : {}),
      },
      ...at,
    }, p);
    return;
  }
  const loc = judgeProcessFile(env, p, p.exe, prefix);
  if (p.exeDeleted) {
    let severity: Severity = "high";
    let why = "the file was unlinked while the process kept running";
    const now = ctx.host.stat(prefix + p.exe);
    if (loc.kind !== "system") {
      severity = "critical";
      why = `it ran from a ${loc.kind.replace("_", "-")} location (${loc.because}) and was then deleted`;
    } else if (now.ok && now.value.isFile && env.judge.rootOwned(p.exe, prefix)) {
      severity = "low";
      why =
        "a root-owned file is back at the same system path: most likely a package upgrade, restart pending";
    }
    out.add({
      check_id: "ioc.process.deleted_exe",
      subject,
      severity,
      description: `pid ${p.pid} (${p.comm}) runs ${p.exe}, which has been deleted: ${why}.`,
      metadata: { ...base, ...locationMeta(loc), replaced_on_disk: now.ok, severity_reason: why },
      ...at,
    }, p);
    return;
  }
  if (loc.kind === "system") return;
  const asRoot = runsAsRoot(p);
  out.add({
    check_id: EXE_BY_KIND[loc.kind],
    subject,
    ...(loc.kind === "user_writable" && asRoot ? { severity: "high" as const } : {}),
    description: `pid ${p.pid} (${p.comm}) runs ${p.exe}${originText(loc)}; ` +
      (loc.kind === "home" ? `${loc.because} is a home directory.` : `${writerText(loc, env.names)}.`),
    metadata: {
      ...base,
      ...locationMeta(loc),
      ...(loc.kind === "user_writable"
        ? { severity_reason: asRoot ? "runs as root" : "runs as a non-root user" }
        : {}),
    },
    ...at,
  }, p);
}
