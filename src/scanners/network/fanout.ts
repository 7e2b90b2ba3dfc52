/** Per-process fan-out: many outbound connections, or many distinct remote addresses. */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import type { Seen } from "./collect.ts";
import { at, describeOwner, groupBy, viewMeta } from "./drafting.ts";
import { ownerMetadata } from "./owners.ts";
import type { InetSocket } from "../../host/proc_net.ts";
import type { NetView } from "./views.ts";

/** Fan-out findings over outbound connections, one per program (and namespace) over a threshold. */
export function fanoutDrafts(
  ctx: ScanContext,
  out: Seen<InetSocket>[],
  map: Map<number, ProcessInfo[]>,
): FindingDraft[] {
  const perProcess = new Map<
    number,
    { p: ProcessInfo; view: NetView; total: number; remotes: Set<string> }
  >();
  for (const x of out) {
    const owner = map.get(x.socket.inode)?.[0];
    if (!owner) continue;
    const e = perProcess.get(owner.pid) ?? { p: owner, view: x.view, total: 0, remotes: new Set<string>() };
    e.total++;
    e.remotes.add(x.socket.remoteAddress);
    perProcess.set(owner.pid, e);
  }
  const drafts: FindingDraft[] = [];
  const limits = [
    { id: "net.fanout.connections", value: (e: { total: number }) => e.total, min: ctx.config.networkFanout },
    {
      id: "net.fanout.remote_hosts",
      value: (e: { remotes: Set<string> }) => e.remotes.size,
      min: ctx.config.networkFanoutUnique,
    },
  ];
  for (const limit of limits) {
    const hits = [...perProcess.values()].filter((e) => limit.value(e) >= limit.min);
    const bySubject = groupBy(hits, (e) => `${e.p.exe ?? e.p.comm}${at(e.view)}`);
    for (const [subject, group] of bySubject) {
      const top = group.reduce((a, b) => (limit.value(b) > limit.value(a) ? b : a));
      drafts.push({
        check_id: limit.id,
        subject,
        description:
          `${describeOwner([top.p])} has ${top.total} outbound connection(s) to ${top.remotes.size} ` +
          `distinct address(es) (threshold ${limit.min}).`,
        metadata: {
          ...ownerMetadata([top.p]),
          ...viewMeta(top.view),
          outbound_connections: top.total,
          distinct_remote_addresses: top.remotes.size,
          threshold: limit.min,
          processes_over_threshold: group.map((e) => String(e.p.pid)),
        },
        location: { pid: top.p.pid },
      });
    }
  }
  return drafts;
}
