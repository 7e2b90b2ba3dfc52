/** Helpers shared by the network finding builders: grouping, owners, subjects and common metadata. */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft, Metadata } from "../../core/finding.ts";
import { inContainer } from "../../host/procfs.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import type { Seen } from "./collect.ts";
import { cmdlineText, ownerMetadata } from "./owners.ts";
import type { InetSocket } from "../../host/proc_net.ts";
import type { NetView } from "./views.ts";

/** The subject suffix naming a non-host namespace ("@container:<id12>"), empty for the host. */
export const at = (view: NetView) => (view.label === "" ? "" : `@${view.label}`);

/** Metadata naming a non-host namespace. */
export function viewMeta(view: NetView): Metadata {
  return view.label === "" ? {} : { netns: view.label };
}

/** True when --container-id is unset or one of the owners belongs to that container. */
export function keepOwner(ctx: ScanContext, owners: ProcessInfo[]): boolean {
  const id = ctx.config.containerId;
  return id === undefined || owners.some((o) => inContainer(o, id));
}

/** A draft plus the order key used by --max-sockets (most severe first). */
export interface Ranked {
  draft: FindingDraft;
  rank: number;
}

/** Metadata common to TCP/UDP socket findings (with the raw lines under --network-debug). */
export function socketMeta(ctx: ScanContext, group: Seen<InetSocket>[], owners: ProcessInfo[]): Metadata {
  const s = group[0].socket;
  const meta: Metadata = {
    protocol: s.proto,
    family: s.family === 6 ? "ipv6" : "ipv4",
    state: s.state,
    local_address: s.localAddress,
    local_port: s.localPort,
    uid: s.uid,
    ...viewMeta(group[0].view),
    ...ownerMetadata(owners),
  };
  if (ctx.config.networkDebug) meta.raw_lines = group.map((g) => g.socket.raw);
  return meta;
}

/**
 * `exe (pid N: "command line")` of the first owner, plus how many others hold the socket, or a phrase saying
 * none was found.
 */
export function describeOwner(owners: ProcessInfo[]): string {
  if (owners.length === 0) return "a process that could not be identified";
  const o = owners[0];
  const cmd = cmdlineText(o);
  const line = cmd.length > 120 ? cmd.slice(0, 120) + "…" : cmd;
  const others = new Set(owners.map((x) => x.pid)).size - 1;
  return `${o.exe ?? o.comm} (pid ${o.pid}: ${JSON.stringify(line)})` +
    (others > 0 ? ` and ${others} other process(es)` : "");
}

/** Groups sockets by a key, keeping first-seen order. */
export function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const g = m.get(k);
    if (g) g.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/** The owners of several inodes, deduplicated, lowest pid first. */
export function ownersOf(map: Map<number, ProcessInfo[]>, inodes: number[]): ProcessInfo[] {
  const seen = new Map<number, ProcessInfo>();
  for (const i of inodes) for (const p of map.get(i) ?? []) seen.set(p.pid, p);
  return [...seen.values()].sort((a, b) => a.pid - b.pid);
}
