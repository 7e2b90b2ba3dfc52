/**
 * network: TCP/UDP listeners rated by exposure, connections to miner/C2 ports, per-process fan-out, and raw and
 * packet sockets (sniffers), each with its owning process, across every network namespace on the host.
 */
import type { CheckInput } from "../../core/catalogue.ts";
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft, Metadata } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { severityRank } from "../../core/severity.ts";
import { inContainer, procSnapshot } from "../../host/procfs.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { bindScope, hostPort } from "./ip.ts";
import { type Seen, socketTables } from "./collect.ts";
import {
  CAPTURE_TOOLS,
  EXPECTED_PACKET_OWNERS,
  EXPECTED_RAW_OWNERS,
  IP_PROTOCOLS,
  isExpectedProgram,
  ownerMetadata,
  ownersByInode,
} from "./owners.ts";
import { ORDINARY_PRIVILEGED, sensitiveService, SUSPICIOUS_PORTS } from "./ports.ts";
import { ETHERTYPES, type InetSocket, type InetTable, isListening, type PacketSocket } from "./proc_net.ts";
import type { NetView } from "./views.ts";

const NAME = "network";

const check = (c: Omit<CheckInput, "scanner" | "category">): CheckInput => ({
  ...c,
  scanner: NAME,
  category: "network_socket",
});

const checks: CheckInput[] = [
  check({
    id: "net.listen.exposed",
    title: "Service reachable from the network",
    severity: "info",
    rationale: "A socket bound to a wildcard or non-loopback address is part of the host's attack surface. " +
      "Ordinary services are information; an unknown service on a privileged port is rated low.",
    remediation:
      "Bind services that only local clients use to 127.0.0.1/::1, stop unused ones, and filter the " +
      "rest with a host firewall.",
    mitre: ["T1133"],
  }),
  check({
    id: "net.listen.sensitive",
    title: "Sensitive service reachable from the network",
    severity: "medium",
    rationale:
      "Remote shells, unauthenticated data stores, container and cluster APIs, remote desktops and " +
      "UDP amplifiers are prime targets when they face the network.",
    remediation: "Bind the service to loopback or a private interface, require authentication and TLS, or " +
      "firewall the port; remove plaintext remote shells.",
    mitre: ["T1133", "T1190"],
  }),
  check({
    id: "net.listen.suspicious_port",
    title: "Listener on a port favoured by miners and backdoors",
    severity: "medium",
    rationale: "Ports such as 4444, 1337, 31337 and stratum pool ports are defaults of exploit kits, bind " +
      "shells and mining proxies; a listener there deserves a look at its owner.",
    remediation:
      "Identify the owning program (exe, cmdline, parent); if it is not a known service, preserve " +
      "evidence and isolate the host.",
    mitre: ["T1571"],
    confidence: "heuristic",
  }),
  check({
    id: "net.connection.suspicious_port",
    title: "Outbound connection to a port favoured by miners and C2",
    severity: "medium",
    rationale:
      "Coin miners talk stratum to pools on ports such as 3333, 5555, 7777 or 14444; C2 kits default " +
      "to ports such as 4444.",
    remediation: "Check the owning program and the remote address against threat intelligence; kill and " +
      "preserve the binary if it is a miner or implant.",
    mitre: ["T1571", "T1496"],
    confidence: "heuristic",
  }),
  check({
    id: "net.fanout.connections",
    title: "Process with many outbound connections",
    severity: "medium",
    rationale: "Scanners, worms and DDoS bots open many outbound connections at once.",
    remediation:
      "Check what the program is and where it connects; raise --network-fanout if it is a known proxy.",
    mitre: ["T1046", "T1498"],
    confidence: "heuristic",
  }),
  check({
    id: "net.fanout.remote_hosts",
    title: "Process talking to many distinct remote hosts",
    severity: "medium",
    rationale: "Contacting many distinct hosts is typical of scanning, spreading and spam bots.",
    remediation:
      "Check what the program is and where it connects; raise --network-fanout-unique if expected.",
    mitre: ["T1046"],
    confidence: "heuristic",
  }),
  check({
    id: "net.socket.open",
    title: "Open socket",
    severity: "info",
    rationale: "Inventory of every TCP/UDP socket with its owner (--network-advanced).",
    remediation: "None needed; use it to correlate connections with processes.",
  }),
  check({
    id: "net.raw_socket.unexpected",
    title: "Raw IP socket held by an unexpected program",
    severity: "high",
    rationale:
      "Raw sockets see and forge whole IP packets: ICMP and TCP backdoors listen for magic packets on " +
      "them. Only routing, VRRP, neighbour-discovery and ping tools need them on ordinary hosts.",
    remediation:
      "Identify the program; if it is not a known network daemon, preserve it and isolate the host.",
    mitre: ["T1205", "T1040"],
  }),
  check({
    id: "net.packet_socket.sniffer",
    title: "Packet socket held by an unexpected program (sniffer)",
    severity: "high",
    rationale:
      "An AF_PACKET socket captures link-layer traffic (credentials, sessions) and is how BPF-filter " +
      "backdoors wait for magic packets. DHCP clients, 802.1X and LLDP daemons are the normal owners; " +
      "a known capture tool is rated medium.",
    remediation: "Identify the program; stop captures nobody started; preserve and isolate if it is unknown.",
    mitre: ["T1040", "T1205.002"],
  }),
];

function wantTable(ctx: ScanContext, table: InetTable): boolean {
  const p = ctx.config.networkProto;
  return table.startsWith("raw") || p === undefined || table.startsWith(p);
}

const at = (view: NetView) => (view.label === "" ? "" : `@${view.label}`);

function viewMeta(view: NetView): Metadata {
  return view.label === "" ? {} : { netns: view.label };
}

/** TCP/UDP sockets kept by --network-listen-only, --network-states and --container-id. */
function keepInet(ctx: ScanContext, s: InetSocket, owners: ProcessInfo[]): boolean {
  const c = ctx.config;
  if (s.proto === "raw") return false;
  if (c.networkListenOnly && !isListening(s)) return false;
  if (c.networkStates.length > 0 && !c.networkStates.some((st) => st.toUpperCase() === s.state)) return false;
  return keepOwner(ctx, owners);
}

function keepOwner(ctx: ScanContext, owners: ProcessInfo[]): boolean {
  const id = ctx.config.containerId;
  return id === undefined || owners.some((o) => inContainer(o, id));
}

/** A draft plus the order key used by --max-sockets (most severe first). */
interface Ranked {
  draft: FindingDraft;
  rank: number;
}

function socketMeta(ctx: ScanContext, group: Seen<InetSocket>[], owners: ProcessInfo[]): Metadata {
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

function listenerDraft(ctx: ScanContext, group: Seen<InetSocket>[], owners: ProcessInfo[]): Ranked[] {
  const { socket: s, view } = group[0];
  const proto = s.proto as "tcp" | "udp";
  const scope = bindScope(s.localAddress);
  const exposed = scope !== "loopback";
  const privileged = s.localPort > 0 && s.localPort < 1024;
  const subject = `${s.table}:${hostPort(s.localAddress, s.localPort)}${at(view)}`;
  const meta = { ...socketMeta(ctx, group, owners), bind_scope: scope, exposed, privileged_port: privileged };
  const location = owners[0] ? { pid: owners[0].pid } : undefined;
  const out: Ranked[] = [];
  const suspicious = SUSPICIOUS_PORTS.get(s.localPort);
  if (suspicious !== undefined) {
    const severity = exposed ? "medium" : "low";
    out.push({
      rank: severityRank(severity),
      draft: {
        check_id: "net.listen.suspicious_port",
        subject,
        severity,
        description:
          `${describeOwner(owners)} listens on ${hostPort(s.localAddress, s.localPort)}/${proto}, ` +
          `a port known as: ${suspicious}.`,
        metadata: { ...meta, port_note: suspicious },
        location,
      },
    });
  }
  const svc = sensitiveService(proto, s.localPort);
  if (svc) {
    out.push({
      rank: exposed ? severityRank(svc.severity) : -1,
      draft: {
        check_id: "net.listen.sensitive",
        subject,
        passed: !exposed,
        severity: svc.severity,
        description:
          `${svc.service} (${svc.why}) is reachable on ${hostPort(s.localAddress, s.localPort)}/${proto}` +
          ` (${scope === "wildcard" ? "all interfaces" : "a non-loopback address"}), owned by ${
            describeOwner(owners)
          }.`,
        metadata: { ...meta, service: svc.service, service_risk: svc.why },
        location,
      },
    });
    return out;
  }
  if (suspicious !== undefined) return out;
  const unknownPrivileged = privileged && !ORDINARY_PRIVILEGED.has(s.localPort);
  out.push({
    rank: exposed ? (unknownPrivileged ? severityRank("low") : 0) : -1,
    draft: {
      check_id: "net.listen.exposed",
      subject,
      passed: !exposed,
      severity: unknownPrivileged ? "low" : "info",
      description: `${describeOwner(owners)} accepts ${proto} on ${hostPort(s.localAddress, s.localPort)}` +
        ` (${scope === "wildcard" ? "all interfaces" : "a non-loopback address"})` +
        (unknownPrivileged ? "; a privileged port with no well-known service." : "."),
      metadata: meta,
      location,
    },
  });
  return out;
}

function describeOwner(owners: ProcessInfo[]): string {
  if (owners.length === 0) return "a process that could not be identified";
  const o = owners[0];
  return `${o.exe ?? o.comm} (pid ${o.pid})`;
}

/** Groups sockets by a key, keeping first-seen order. */
function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const g = m.get(k);
    if (g) g.push(it);
    else m.set(k, [it]);
  }
  return m;
}

function ownersOf(map: Map<number, ProcessInfo[]>, inodes: number[]): ProcessInfo[] {
  const seen = new Map<number, ProcessInfo>();
  for (const i of inodes) for (const p of map.get(i) ?? []) seen.set(p.pid, p);
  return [...seen.values()].sort((a, b) => a.pid - b.pid);
}

const OUTBOUND_STATES = new Set(["ESTABLISHED", "SYN_SENT"]);

/** Connections (non-listening sockets) whose local port is not a listening port of their namespace. */
function outbound(all: Seen<InetSocket>[], kept: Seen<InetSocket>[]): Seen<InetSocket>[] {
  const listening = new Set(
    all.filter((x) => isListening(x.socket)).map((x) =>
      `${x.view.label}|${x.socket.proto}|${x.socket.localPort}`
    ),
  );
  return kept.filter((x) =>
    OUTBOUND_STATES.has(x.socket.state) && x.socket.remotePort !== 0 &&
    !listening.has(`${x.view.label}|${x.socket.proto}|${x.socket.localPort}`)
  );
}

function connectionDrafts(
  ctx: ScanContext,
  out: Seen<InetSocket>[],
  map: Map<number, ProcessInfo[]>,
): Ranked[] {
  const suspicious = out.filter((x) => SUSPICIOUS_PORTS.has(x.socket.remotePort));
  const groups = groupBy(
    suspicious,
    (x) => `${x.socket.table}:${hostPort(x.socket.remoteAddress, x.socket.remotePort)}${at(x.view)}`,
  );
  return [...groups].map(([subject, group]) => {
    const s = group[0].socket;
    const owners = ownersOf(map, group.map((g) => g.socket.inode));
    const note = SUSPICIOUS_PORTS.get(s.remotePort)!;
    return {
      rank: severityRank("medium"),
      draft: {
        check_id: "net.connection.suspicious_port",
        subject,
        description:
          `${describeOwner(owners)} is connected to ${hostPort(s.remoteAddress, s.remotePort)}/${s.proto}` +
          `, a port known as: ${note}.`,
        metadata: {
          ...socketMeta(ctx, group, owners),
          remote_address: s.remoteAddress,
          remote_port: s.remotePort,
          connections: group.length,
          port_note: note,
        },
        location: owners[0] ? { pid: owners[0].pid } : undefined,
      },
    };
  });
}

function fanoutDrafts(
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

function inventoryDrafts(
  ctx: ScanContext,
  kept: Seen<InetSocket>[],
  map: Map<number, ProcessInfo[]>,
): Ranked[] {
  const conns = kept.filter((x) => !isListening(x.socket));
  const groups = groupBy(conns, (x) => {
    const s = x.socket;
    return `${s.table}:${hostPort(s.localAddress, s.localPort)}->${hostPort(s.remoteAddress, s.remotePort)}${
      at(x.view)
    }`;
  });
  return [...groups].map(([subject, group]) => {
    const s = group[0].socket;
    const owners = ownersOf(map, group.map((g) => g.socket.inode));
    return {
      rank: 0,
      draft: {
        check_id: "net.socket.open",
        subject,
        description: `${s.proto} ${s.state} ${hostPort(s.localAddress, s.localPort)} -> ` +
          `${hostPort(s.remoteAddress, s.remotePort)}, owned by ${describeOwner(owners)}.`,
        metadata: {
          ...socketMeta(ctx, group, owners),
          remote_address: s.remoteAddress,
          remote_port: s.remotePort,
        },
        location: owners[0] ? { pid: owners[0].pid } : undefined,
      },
    };
  });
}

function rawDrafts(
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
    const { x, owners } = group[0];
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

function packetDrafts(
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
    const { x, owners } = group[0];
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
  const { packet, anyTable } = tables;
  const inet = tables.inet.filter((x) => wantTable(ctx, x.socket.table));
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
export const network: Scanner = {
  name: NAME,
  summary:
    "Listening sockets rated by exposure, miner/C2 ports, fan-out, raw and packet sockets, with owners.",
  slow: false,
  enabledByDefault: () => true,
  checks,
  needs: ["root"],
  run,
};
