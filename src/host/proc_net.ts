/**
 * The one parser of /proc/net/{tcp,tcp6,udp,udp6,raw,raw6} and /proc/net/packet (the network and ioc scanners
 * read sockets through it). Bad lines are counted, never thrown; addresses are rendered by `net_address.ts`.
 */
import type { Host } from "./host.ts";
import { type ByteOrder, decodeIpv4Hex, decodeIpv6Hex } from "./net_address.ts";

/** Transport of an inet socket table. */
export type InetProto = "tcp" | "udp" | "raw";

/** The /proc/net file of a table (e.g. "tcp6"). */
export type InetTable = `${InetProto}` | `${InetProto}6`;

/** Every inet table, in reading order. */
export const INET_TABLES: readonly InetTable[] = ["tcp", "tcp6", "udp", "udp6", "raw", "raw6"];

/** TCP state names by the kernel's numeric code (include/net/tcp_states.h). */
export const TCP_STATES: Readonly<Record<number, string>> = {
  1: "ESTABLISHED",
  2: "SYN_SENT",
  3: "SYN_RECV",
  4: "FIN_WAIT1",
  5: "FIN_WAIT2",
  6: "TIME_WAIT",
  7: "CLOSE",
  8: "CLOSE_WAIT",
  9: "LAST_ACK",
  10: "LISTEN",
  11: "CLOSING",
  12: "NEW_SYN_RECV",
};

/** Every state name a TCP/UDP socket can have here (what --network-states accepts). */
export const SOCKET_STATES = [...new Set([...Object.values(TCP_STATES), "UNCONN"])] as [string, ...string[]];

/** One socket of an inet table. */
export interface InetSocket {
  table: InetTable;
  proto: InetProto;
  family: 4 | 6;
  localAddress: string;
  /** Port (TCP/UDP) or IP protocol number (raw sockets). */
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** State name: TCP names; UDP and raw sockets are UNCONN (not connected) or ESTABLISHED (connected). */
  state: string;
  uid: number;
  /** Socket inode; 0 for sockets no process holds (TIME_WAIT, orphans). */
  inode: number;
  /** The line as read, for `--network-debug`. */
  raw: string;
}

/** What a parser returns: the entries and how many non-empty, non-header lines it could not parse. */
export interface Parsed<T> {
  entries: T[];
  bad: number;
}

const INET_LINE =
  /^\s*\d+:\s+([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]{2})\s+[0-9A-Fa-f]{8}:[0-9A-Fa-f]{8}\s+[0-9A-Fa-f]{2}:[0-9A-Fa-f]{8,16}\s+[0-9A-Fa-f]{8}\s+(\d+)\s+-?\d+\s+(\d+)(?:\s|$)/;

function stateName(proto: InetProto, code: number): string {
  if (proto === "tcp") return TCP_STATES[code] ?? `0x${code.toString(16).padStart(2, "0").toUpperCase()}`;
  return code === 1 ? "ESTABLISHED" : "UNCONN";
}

/** Parses one inet table (`table` names the file: tcp, tcp6, udp, udp6, raw or raw6). */
export function parseInetTable(
  text: string,
  table: InetTable,
  order: ByteOrder = "little",
): Parsed<InetSocket> {
  const family = table.endsWith("6") ? 6 : 4;
  const proto = table.replace("6", "") as InetProto;
  const decode = family === 6 ? decodeIpv6Hex : decodeIpv4Hex;
  const entries: InetSocket[] = [];
  let bad = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "" || /^\s*sl\s/.test(line)) continue;
    const m = INET_LINE.exec(line);
    const local = m ? decode(m[1], order) : undefined;
    const remote = m ? decode(m[3], order) : undefined;
    if (!m || local === undefined || remote === undefined) {
      bad++;
      continue;
    }
    entries.push({
      table,
      proto,
      family,
      localAddress: local,
      localPort: parseInt(m[2], 16),
      remoteAddress: remote,
      remotePort: parseInt(m[4], 16),
      state: stateName(proto, parseInt(m[5], 16)),
      uid: Number(m[6]),
      inode: Number(m[7]),
      raw: line.trim(),
    });
  }
  return { entries, bad };
}

/**
 * The byte order of the words /proc/net prints, from /sys/kernel/cpu_byteorder (little when unreadable, as
 * on every architecture this runs on in practice).
 */
export function procNetByteOrder(host: Host): ByteOrder {
  const r = host.readText("/sys/kernel/cpu_byteorder", 64);
  return r.ok && r.value.trim() === "big" ? "big" : "little";
}

/** The socket with inode `inode` in one inet table's text, or undefined (also when `inode` is 0). */
export function findInetSocket(
  text: string,
  table: InetTable,
  inode: number,
  order: ByteOrder = "little",
): InetSocket | undefined {
  if (inode === 0) return undefined;
  return parseInetTable(text, table, order).entries.find((s) => s.inode === inode);
}

/** One AF_PACKET socket from /proc/net/packet. */
export interface PacketSocket {
  /** SOCK_RAW (3) sees link-layer headers; SOCK_DGRAM (2) does not. */
  type: number;
  /** Ethertype it receives (3 = ETH_P_ALL: every frame, i.e. a capture). */
  ethertype: number;
  /** Interface index it is bound to (0 = all interfaces). */
  ifindex: number;
  running: boolean;
  uid: number;
  inode: number;
  raw: string;
}

const PACKET_LINE =
  /^\s*[0-9a-fA-F]+\s+\d+\s+(\d+)\s+([0-9a-fA-F]{1,4})\s+(\d+)\s+([01])\s+\d+\s+(\d+)\s+(\d+)\s*$/;

/** Parses /proc/net/packet. */
export function parsePacketTable(text: string): Parsed<PacketSocket> {
  const entries: PacketSocket[] = [];
  let bad = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "" || /^\s*sk\s/.test(line)) continue;
    const m = PACKET_LINE.exec(line);
    if (!m) {
      bad++;
      continue;
    }
    entries.push({
      type: Number(m[1]),
      ethertype: parseInt(m[2], 16),
      ifindex: Number(m[3]),
      running: m[4] === "1",
      uid: Number(m[5]),
      inode: Number(m[6]),
      raw: line.trim(),
    });
  }
  return { entries, bad };
}

/** Well-known ethertypes for readable metadata. */
export const ETHERTYPES: Readonly<Record<number, string>> = {
  0x0003: "ETH_P_ALL",
  0x0800: "IPv4",
  0x0806: "ARP",
  0x86dd: "IPv6",
  0x888e: "EAPOL",
  0x88cc: "LLDP",
  0x8035: "RARP",
};

/** True for a listening socket: TCP in LISTEN, or a UDP socket bound and not connected. */
export function isListening(s: InetSocket): boolean {
  return (s.proto === "tcp" && s.state === "LISTEN") || (s.proto === "udp" && s.state === "UNCONN");
}

/**
 * Tables of other socket kinds whose lines carry the socket's inode, with its field (0-based, split on
 * whitespace): every socket a process can hold that is in no inet or packet table is in one of these, in the
 * namespace it was made in.
 */
export const OTHER_SOCKET_TABLES = {
  unix: 6,
  netlink: 9,
  icmp: 9,
  icmp6: 9,
  udplite: 9,
  udplite6: 9,
} as const;

/** A table of OTHER_SOCKET_TABLES. */
export type OtherSocketTable = keyof typeof OTHER_SOCKET_TABLES;

/** The socket inodes of one table of OTHER_SOCKET_TABLES (its header line skipped; 0, unowned, left out). */
export function parseSocketInodes(text: string, table: OtherSocketTable): Parsed<number> {
  const field = OTHER_SOCKET_TABLES[table];
  const entries: number[] = [];
  let bad = 0;
  const lines = text.split("\n");
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i].trim().split(/\s+/);
    if (fields.length === 1 && fields[0] === "") continue;
    const inode = fields[field];
    if (inode === undefined || !/^\d{1,15}$/.test(inode)) {
      bad++;
      continue;
    }
    if (inode !== "0") entries.push(Number(inode));
  }
  return { entries, bad };
}
