/** Findings about TCP/UDP sockets: listeners rated by exposure, connections to suspicious ports, inventory. */
import type { ScanContext } from "../../core/context.ts";
import { severityRank } from "../../core/severity.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import type { Seen } from "./collect.ts";
import { at, describeOwner, groupBy, ownersOf, type Ranked, socketMeta } from "./drafting.ts";
import { bindScope, hostPort } from "../../host/net_address.ts";
import { ORDINARY_PRIVILEGED, sensitiveService, SUSPICIOUS_PORTS } from "./ports.ts";
import { type InetSocket, isListening } from "../../host/proc_net.ts";

/** Rates one listening endpoint (all sockets bound to the same address and port in one namespace). */
export function listenerDraft(ctx: ScanContext, group: Seen<InetSocket>[], owners: ProcessInfo[]): Ranked[] {
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
    // Inside a container's namespace, 0.0.0.0 only reaches the container network; published ports are rated
    // on the host namespace's listener (docker-proxy and the like).
    const severity = view.label === "" ? svc.severity : "low";
    const reach = view.label === ""
      ? ""
      : ` inside ${view.label}'s network namespace (container network only)`;
    out.push({
      rank: exposed ? severityRank(severity) : -1,
      draft: {
        check_id: "net.listen.sensitive",
        subject,
        passed: !exposed,
        severity,
        description:
          `${svc.service} (${svc.why}) is reachable on ${hostPort(s.localAddress, s.localPort)}/${proto}` +
          ` (${scope === "wildcard" ? "all interfaces" : "a non-loopback address"})${reach}, owned by ${
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

const OUTBOUND_STATES = new Set(["ESTABLISHED", "SYN_SENT"]);

/** An address with an IPv4-mapped IPv6 prefix removed ("::ffff:10.0.0.1" → "10.0.0.1"). */
function plainAddress(address: string): string {
  return address.toLowerCase().startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/**
 * True when a listener bound to `bound` receives connections to the local address `local`. The kernel gives an
 * accepted socket the listener's port and the address the client reached: the bound address itself, or any
 * address for a wildcard bind (0.0.0.0 takes IPv4 only, :: takes IPv6 and, unless IPV6_V6ONLY, IPv4 too, seen
 * as ::ffff:a.b.c.d in the tcp6 table).
 */
function accepts(bound: string, local: string): boolean {
  const b = plainAddress(bound);
  const l = plainAddress(local);
  if (b === "::") return true;
  if (b === "0.0.0.0") return !l.includes(":");
  return b === l;
}

/**
 * Connections (non-listening sockets) that are not accepted from a listener of their namespace: a socket counts
 * as accepted only when a listener of the same protocol and port is bound to its local address (or to a
 * wildcard that covers it). A local port alone decides nothing: a client bound to 127.0.0.3:41000 beside a
 * listener on 127.0.0.2:41000 connects out like any other (the red-team's decoy).
 */
export function outbound(all: Seen<InetSocket>[], kept: Seen<InetSocket>[]): Seen<InetSocket>[] {
  const listening = new Map<string, string[]>();
  for (const x of all) {
    if (!isListening(x.socket)) continue;
    const key = `${x.view.label}|${x.socket.proto}|${x.socket.localPort}`;
    const list = listening.get(key);
    if (list) list.push(x.socket.localAddress);
    else listening.set(key, [x.socket.localAddress]);
  }
  return kept.filter((x) => {
    if (!OUTBOUND_STATES.has(x.socket.state) || x.socket.remotePort === 0) return false;
    const bound = listening.get(`${x.view.label}|${x.socket.proto}|${x.socket.localPort}`) ?? [];
    return !bound.some((b) => accepts(b, x.socket.localAddress));
  });
}

/** Outbound connections to miner/C2 favourite ports, one finding per remote endpoint. */
export function connectionDrafts(
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

/**
 * --network-advanced: one info finding per TCP/UDP socket not already reported as an exposed listener, i.e.
 * every connection and every loopback listener, each with its owner.
 */
export function inventoryDrafts(
  ctx: ScanContext,
  kept: Seen<InetSocket>[],
  map: Map<number, ProcessInfo[]>,
): Ranked[] {
  const rest = kept.filter((x) => !isListening(x.socket) || bindScope(x.socket.localAddress) === "loopback");
  const groups = groupBy(rest, (x) => {
    const s = x.socket;
    const remote = isListening(s) ? "" : `->${hostPort(s.remoteAddress, s.remotePort)}`;
    return `${s.table}:${hostPort(s.localAddress, s.localPort)}${remote}${at(x.view)}`;
  });
  return [...groups].map(([subject, group]) => {
    const s = group[0].socket;
    const owners = ownersOf(map, group.map((g) => g.socket.inode));
    const remote = isListening(s) ? "" : ` -> ${hostPort(s.remoteAddress, s.remotePort)}`;
    return {
      rank: 0,
      draft: {
        check_id: "net.socket.open",
        subject,
        description: `${s.proto} ${s.state} ${hostPort(s.localAddress, s.localPort)}${remote}, owned by ` +
          `${describeOwner(owners)}.`,
        metadata: {
          ...socketMeta(ctx, group, owners),
          ...(isListening(s) ? {} : { remote_address: s.remoteAddress, remote_port: s.remotePort }),
        },
        location: owners[0] ? { pid: owners[0].pid } : undefined,
      },
    };
  });
}
