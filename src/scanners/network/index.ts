/**
 * network: TCP/UDP listeners rated by exposure, connections to miner/C2 ports, per-process fan-out, and raw and
 * packet sockets (sniffers), each with its owning process, across every network namespace on the host.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { procSnapshot } from "../proc_snapshot.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { type Seen, socketTables } from "./collect.ts";
import { at, groupBy, keepOwner, ownersOf, type Ranked } from "./drafting.ts";
import { fanoutDrafts } from "./fanout.ts";
import { hostPort } from "../../host/net_address.ts";
import { connectionDrafts, inventoryDrafts, listenerDraft, outbound } from "./listeners.ts";
import { ownersByInode } from "./owners.ts";
import { type InetSocket, type InetTable, isListening } from "../../host/proc_net.ts";
import { packetDrafts, rawDrafts } from "./sniffers.ts";
import { NETWORK_INFO } from "../info/network.ts";

function wantTable(ctx: ScanContext, table: InetTable): boolean {
  const p = ctx.config.networkProto;
  return table.startsWith("raw") || p === undefined || table.startsWith(p);
}

/** TCP/UDP sockets kept by --network-listen-only, --network-states and --container-id. */
function keepInet(ctx: ScanContext, s: InetSocket, owners: ProcessInfo[]): boolean {
  const c = ctx.config;
  if (s.proto === "raw") return false;
  if (c.networkListenOnly && !isListening(s)) return false;
  if (c.networkStates.length > 0 && !c.networkStates.some((st) => st.toUpperCase() === s.state)) return false;
  return keepOwner(ctx, owners);
}

/** Applies --max-sockets to per-socket findings (most severe kept first); passed checks are never capped. */
function capSockets(ctx: ScanContext, ranked: Ranked[]): FindingDraft[] {
  const max = ctx.config.maxSockets;
  const failing = ranked.filter((r) => !r.draft.passed);
  const passing = ranked.filter((r) => r.draft.passed).map((r) => r.draft);
  if (max === 0 || failing.length <= max) return [...failing.map((r) => r.draft), ...passing];
  const id = (d: FindingDraft) => `${d.check_id}:${d.subject}`;
  const kept = [...failing].sort((a, b) => b.rank - a.rank || (id(a.draft) < id(b.draft) ? -1 : 1)).slice(
    0,
    max,
  );
  ctx.warn("truncated", `${failing.length - max} socket finding(s) not reported (--max-sockets ${max})`);
  return [...kept.map((r) => r.draft), ...passing];
}

function sortDrafts(drafts: FindingDraft[]): FindingDraft[] {
  const id = (d: FindingDraft) => `${d.check_id}\0${d.subject}`;
  return drafts.sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const snap = procSnapshot(ctx);
  const tables = socketTables(ctx);
  const { anyTable } = tables;
  // Sockets of the scanner's own process and helpers are the scan's, not the host's (src/host/self.ts).
  const own = new Set(snap.own.flatMap((p) => p.socketInodes));
  const packet = tables.packet.filter((x) => !own.has(x.socket.inode));
  const inet = tables.inet.filter((x) => wantTable(ctx, x.socket.table) && !own.has(x.socket.inode));
  if (!anyTable) {
    ctx.skip(
      `no readable /proc/net tables under ${ctx.host.root}: sockets are only visible on a running system`,
    );
    return;
  }
  await ctx.checkpoint();
  const map = ownersByInode(snap.processes);
  const owned = (x: Seen<InetSocket>) => ownersOf(map, [x.socket.inode]);
  const kept = inet.filter((x) => keepInet(ctx, x.socket, owned(x)));
  const ranked: Ranked[] = [];
  const listeners = groupBy(
    kept.filter((x) => isListening(x.socket)),
    (x) => `${x.socket.table}:${hostPort(x.socket.localAddress, x.socket.localPort)}${at(x.view)}`,
  );
  for (const group of listeners.values()) {
    ranked.push(...listenerDraft(ctx, group, ownersOf(map, group.map((g) => g.socket.inode))));
  }
  const out = outbound(inet, kept);
  ranked.push(...connectionDrafts(ctx, out, map));
  if (ctx.config.networkAdvanced) ranked.push(...inventoryDrafts(ctx, kept, map));
  await ctx.checkpoint();
  const drafts = [
    ...capSockets(ctx, ranked),
    ...fanoutDrafts(ctx, out, map),
    ...rawDrafts(ctx, inet.filter((x) => x.socket.proto === "raw"), map),
    ...packetDrafts(ctx, packet, map),
  ];
  yield* sortDrafts(drafts);
}

/** The network scanner. */
export const network: Scanner = { ...NETWORK_INFO, run };
