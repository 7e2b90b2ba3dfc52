/**
 * Network-facing daemons and their confinement: a daemon outside the AppArmor profile meant for it, or in the
 * SELinux domain of an administrator's shell, is signal (`mac.unconfined_daemon`); one the distribution ships
 * without any profile or policy module is a hardening gap (`mac.daemon.no_profile`, --hardening).
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft, Metadata } from "../../core/finding.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { bindScope, hostPort } from "../../host/net_address.ts";
import { isListening } from "../../host/proc_net.ts";
import { procSnapshot } from "../proc_snapshot.ts";
import { socketTables } from "../network/collect.ts";
import { ownersByInode } from "../network/owners.ts";
import { parseAppArmorLabel, profileFileFor } from "./apparmor.ts";
import type { AppArmorState } from "./state.ts";
import { type Provenance, weakenedMode } from "./declared.ts";

function labelOf(ctx: ScanContext, pid: number, aa: boolean): string | undefined {
  const paths = aa
    ? [`/proc/${pid}/attr/apparmor/current`, `/proc/${pid}/attr/current`]
    : [`/proc/${pid}/attr/current`];
  for (const path of paths) {
    const r = ctx.host.readText(path, 4096);
    if (r.ok) return r.value;
  }
  return undefined;
}

/** Processes with a listening socket on a non-loopback address, with their endpoints. */
function networkFacing(ctx: ScanContext): Map<number, { p: ProcessInfo; endpoints: string[] }> {
  const owners = ownersByInode(procSnapshot(ctx).processes);
  const out = new Map<number, { p: ProcessInfo; endpoints: string[] }>();
  for (const { socket: s } of socketTables(ctx).inet) {
    if (!isListening(s) || bindScope(s.localAddress) === "loopback") continue;
    for (const p of owners.get(s.inode) ?? []) {
      const e = out.get(p.pid) ?? { p, endpoints: [] };
      e.endpoints.push(`${s.proto}/${hostPort(s.localAddress, s.localPort)}`);
      out.set(p.pid, e);
    }
  }
  return out;
}

/**
 * How a daemon stands: confined; outside the profile meant for it (signal); or without any profile the
 * distribution ships (a hardening gap).
 */
type Standing = { kind: "confined" } | { kind: "escaped"; why: string } | { kind: "no_profile"; why: string };

function apparmorStanding(
  ctx: ScanContext,
  exe: string,
  label: string,
  aa: AppArmorState,
  prov: Provenance,
): Standing {
  const l = parseAppArmorLabel(label);
  if (!l.unconfined) return { kind: "confined" };
  if (l.profile !== undefined) {
    // Judged by every file declaring the profile, the package's first: a second file (or one no package
    // installed) declaring it unconfined does not make unconfined the stock mode.
    const decls = aa.declared.get(l.profile) ?? [];
    const weakened = weakenedMode(decls, "unconfined", prov);
    if (decls.length > 0 && !weakened) {
      const files = decls.filter((d) => d.flags.includes("unconfined")).map((d) => d.file).join(", ");
      return { kind: "no_profile", why: `its profile ${l.profile} is shipped in unconfined mode (${files})` };
    }
    return {
      kind: "escaped",
      why: `its profile ${l.profile} was switched to unconfined mode` + (weakened ? `: ${weakened.why}` : ""),
    };
  }
  const decls = aa.declared.get(exe) ?? [];
  const d = decls.find((x) => x.file === profileFileFor(exe)) ?? decls[0];
  const file = d?.file ?? profileFileFor(exe);
  const loaded = aa.profiles?.names.includes(exe) ?? false;
  if (!loaded && !d && !ctx.host.stat(file).ok) {
    return { kind: "no_profile", why: "no AppArmor profile is available for it" };
  }
  const name = file.slice(file.lastIndexOf("/") + 1);
  const cause = aa.disabled.has(name)
    ? `its profile ${file} is disabled (disable/${name})`
    : loaded
    ? "its profile is loaded but does not confine it (loaded after the daemon started, or the daemon was " +
      "started outside it)"
    : `its profile ${file} is not loaded`;
  return { kind: "escaped", why: cause };
}

function selinuxStanding(label: string): Standing {
  const type = label.replace(/\0/g, "").trim().split(":")[2];
  if (type === "unconfined_t") {
    return {
      kind: "escaped",
      why: "it runs in unconfined_t, the domain of an administrator's login, not of a service",
    };
  }
  if (type === "unconfined_service_t") {
    return { kind: "no_profile", why: "no SELinux policy module confines it (unconfined_service_t)" };
  }
  return { kind: "confined" };
}

/** Drafts for the network-facing daemons (no_profile ones only with --hardening). */
export function* unconfinedDaemons(
  ctx: ScanContext,
  mac: "selinux" | "apparmor",
  aa: AppArmorState,
  meta: Metadata,
  prov: Provenance,
): Generator<FindingDraft> {
  const byExe = new Map<
    string,
    { label: string; standing: Standing; pids: number[]; endpoints: Set<string> }
  >();
  for (const { p, endpoints } of [...networkFacing(ctx).values()].sort((a, b) => a.p.pid - b.p.pid)) {
    const label = labelOf(ctx, p.pid, mac === "apparmor");
    if (label === undefined) continue;
    const exe = p.exe ?? p.comm;
    const standing = mac === "apparmor"
      ? apparmorStanding(ctx, exe, label, aa, prov)
      : selinuxStanding(label);
    const e = byExe.get(exe) ??
      { label: label.replace(/\0/g, "").trim(), standing, pids: [], endpoints: new Set<string>() };
    if (e.standing.kind === "confined" || standing.kind === "escaped") e.standing = standing;
    e.pids.push(p.pid);
    for (const ep of endpoints) e.endpoints.add(ep);
    byExe.set(exe, e);
  }
  for (const [exe, e] of [...byExe].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const s = e.standing;
    const where =
      `${exe} (pid ${e.pids[0]}) listens on ${[...e.endpoints].sort().join(", ")} (${mac} label ` +
      `"${e.label}")`;
    const metadata: Metadata = {
      ...meta,
      exe,
      label: e.label,
      pids: e.pids.map(String),
      endpoints: [...e.endpoints].sort(),
    };
    yield {
      check_id: "mac.unconfined_daemon",
      subject: exe,
      passed: s.kind !== "escaped",
      description: s.kind === "escaped"
        ? `${where} and runs outside its confinement: ${s.why}.`
        : `${where}.`,
      metadata,
      location: { pid: e.pids[0] },
    };
    if (ctx.config.hardening) {
      yield {
        check_id: "mac.daemon.no_profile",
        subject: exe,
        passed: s.kind !== "no_profile",
        description: s.kind === "no_profile" ? `${where}: ${s.why}.` : `${where}.`,
        metadata,
        location: { pid: e.pids[0] },
      };
    }
  }
}
