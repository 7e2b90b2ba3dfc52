/** Raw IP and AF_PACKET sockets: sniffers and magic-packet backdoors, unless held by an expected daemon. */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft, Metadata } from "../../core/finding.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import type { Seen } from "./collect.ts";
import { at, describeOwner, groupBy, keepOwner, ownersOf, viewMeta } from "./drafting.ts";
import {
  CAPTURE_TOOLS,
  EXPECTED_PACKET_OWNERS,
  EXPECTED_RAW_OWNERS,
  IP_PROTOCOLS,
  ownerMetadata,
} from "./owners.ts";
import { isExpectedProgram } from "../../host/location.ts";
import { ETHERTYPES, type InetSocket, type PacketSocket } from "../../host/proc_net.ts";

/** Raw-socket findings, one per (table, IP protocol, owner program, namespace). */
export function rawDrafts(
  ctx: ScanContext,
  raw: Seen<InetSocket>[],
  map: Map<number, ProcessInfo[]>,
): FindingDraft[] {
  const rows = raw.map((x) => ({ x, owners: ownersOf(map, [x.socket.inode]) })).filter((r) =>
    keepOwner(ctx, r.owners)
  );
  const groups = groupBy(rows, ({ x, owners }) => {
    const proto = IP_PROTOCOLS[x.socket.localPort] ?? `proto${x.socket.localPort}`;
    return `${x.socket.table}:${proto}:${owners[0] ? owners[0].exe ?? owners[0].comm : "unknown"}${
      at(x.view)
    }`;
  });
  return [...groups].map(([subject, group]) => {
    const { x } = group[0];
    const owners = ownersOf(map, group.map((g) => g.x.socket.inode));
    const expected = owners.length > 0 && owners.every((o) => isExpectedProgram(o, EXPECTED_RAW_OWNERS));
    const proto = IP_PROTOCOLS[x.socket.localPort] ?? `proto${x.socket.localPort}`;
    const meta: Metadata = {
      family: x.socket.family === 6 ? "ipv6" : "ipv4",
      ip_protocol: x.socket.localPort,
      ip_protocol_name: proto,
      local_address: x.socket.localAddress,
      sockets: group.length,
      uid: x.socket.uid,
      ...viewMeta(x.view),
      ...ownerMetadata(owners),
    };
    if (ctx.config.networkDebug) meta.raw_lines = group.map((g) => g.x.socket.raw);
    return {
      check_id: "net.raw_socket.unexpected",
      subject,
      passed: expected,
      severity: owners.length === 0 ? "medium" : "high",
      description: owners.length === 0
        ? `A raw ${proto} socket is open but no process holding it was found (it exited during the scan, lives ` +
          `in a process this scan could not read, or is hidden).`
        : `${
          describeOwner(owners)
        } holds a raw ${proto} socket and is not a known routing or diagnostics daemon.`,
      metadata: meta,
      location: owners[0] ? { pid: owners[0].pid } : undefined,
    };
  });
}

/** Packet-socket findings, one per (ethertype, owner program, namespace). */
export function packetDrafts(
  ctx: ScanContext,
  packets: Seen<PacketSocket>[],
  map: Map<number, ProcessInfo[]>,
): FindingDraft[] {
  const rows = packets.map((x) => ({ x, owners: ownersOf(map, [x.socket.inode]) }))
    .filter((r) => keepOwner(ctx, r.owners));
  const ethName = (n: number) => ETHERTYPES[n] ?? `0x${n.toString(16).padStart(4, "0")}`;
  const groups = groupBy(
    rows,
    ({ x, owners }) =>
      `packet:${ethName(x.socket.ethertype)}:${owners[0] ? owners[0].exe ?? owners[0].comm : "unknown"}${
        at(x.view)
      }`,
  );
  return [...groups].map(([subject, group]) => {
    const { x } = group[0];
    const owners = ownersOf(map, group.map((g) => g.x.socket.inode));
    const expected = owners.length > 0 && owners.every((o) => isExpectedProgram(o, EXPECTED_PACKET_OWNERS));
    const tool = owners.length > 0 && owners.every((o) => isExpectedProgram(o, CAPTURE_TOOLS));
    const all = x.socket.ethertype === 0x0003;
    const meta: Metadata = {
      socket_type: x.socket.type === 3 ? "raw" : x.socket.type === 2 ? "dgram" : String(x.socket.type),
      ethertype: ethName(x.socket.ethertype),
      captures_all_protocols: all,
      ifindex: x.socket.ifindex,
      running: x.socket.running,
      sockets: group.length,
      uid: x.socket.uid,
      known_capture_tool: tool,
      ...viewMeta(x.view),
      ...ownerMetadata(owners),
    };
    if (ctx.config.networkDebug) meta.raw_lines = group.map((g) => g.x.socket.raw);
    const what = all ? "every frame (ETH_P_ALL)" : `${ethName(x.socket.ethertype)} frames`;
    return {
      check_id: "net.packet_socket.sniffer",
      subject,
      passed: expected,
      severity: owners.length === 0 || tool ? "medium" : "high",
      description: owners.length === 0
        ? `A packet socket receiving ${what} is open but no process holding it was found (it exited during the ` +
          `scan, lives in a process this scan could not read, or is hidden).`
        : tool
        ? `${describeOwner(owners)} is capturing ${what}: a packet capture is running.`
        : `${
          describeOwner(owners)
        } holds a packet socket receiving ${what} and is not a known DHCP, 802.1X or ` +
          `LLDP daemon.`,
      metadata: meta,
      location: owners[0] ? { pid: owners[0].pid } : undefined,
    };
  });
}
