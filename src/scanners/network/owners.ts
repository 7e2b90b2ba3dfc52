/** Socket owners: which processes hold a socket inode, and which programs are expected to hold raw sockets. */
import type { Metadata } from "../../core/finding.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";

/** Maps each socket inode to the processes holding it, lowest pid first. Inode 0 (no owner) is never mapped. */
export function ownersByInode(processes: readonly ProcessInfo[]): Map<number, ProcessInfo[]> {
  const map = new Map<number, ProcessInfo[]>();
  for (const p of [...processes].sort((a, b) => a.pid - b.pid)) {
    for (const inode of p.socketInodes) {
      if (inode === 0) continue;
      const list = map.get(inode);
      if (list) list.push(p);
      else map.set(inode, [p]);
    }
  }
  return map;
}

/** The short program name of an owner: basename of its exe, else its comm. */
export function programName(p: ProcessInfo): string {
  if (p.exe !== null && !p.exe.startsWith("/memfd:")) return p.exe.slice(p.exe.lastIndexOf("/") + 1);
  return p.comm;
}

/** Owners listed by name in a finding at most (their pids are all listed). */
const MAX_OWNERS_SHOWN = 32;
/** Characters of one owner's command line kept. */
const MAX_CMDLINE_CHARS = 512;
const MAX_ARGV_ITEMS = 32;

/** A process's command line as one string ("python3 /opt/mon.py"), capped; `[comm]` when it has none. */
export function cmdlineText(p: ProcessInfo): string {
  const text = p.cmdline.length > 0 ? p.cmdline.join(" ") : `[${p.comm}]`;
  return text.length > MAX_CMDLINE_CHARS ? text.slice(0, MAX_CMDLINE_CHARS) + "…" : text;
}

/**
 * Owner metadata for a finding: the first owner's pid, exe, comm, argv, uid and container; every owner's pid, and
 * for up to 32 of them the executable and command line in the same order (`owner_exes`, `owner_cmdlines`), so
 * that two instances of one interpreter holding sockets are told apart; `exe_deleted`/`exe_memfd` when the first
 * owner's program no longer exists on disk.
 */
export function ownerMetadata(owners: readonly ProcessInfo[]): Metadata {
  if (owners.length === 0) return { owner_found: false };
  const unique = [...new Map(owners.map((o) => [o.pid, o])).values()];
  const first = unique[0];
  const shown = unique.slice(0, MAX_OWNERS_SHOWN);
  return {
    owner_found: true,
    pid: first.pid,
    exe: first.exe,
    comm: first.comm,
    argv: first.cmdline.slice(0, MAX_ARGV_ITEMS).map((a) => a.slice(0, MAX_CMDLINE_CHARS)),
    owner_uid: first.uid,
    container_id: first.containerId,
    owner_pids: unique.map((o) => String(o.pid)),
    owner_exes: shown.map((o) => o.exe ?? `[${o.comm}]`),
    owner_cmdlines: shown.map(cmdlineText),
    ...(first.exeDeleted ? { exe_deleted: true } : {}),
    ...(first.exeMemfd ? { exe_memfd: true } : {}),
  };
}

/** Programs that open AF_PACKET sockets on stock hosts (DHCP, 802.1X, LLDP, VRRP, router advertisements). */
export const EXPECTED_PACKET_OWNERS: ReadonlySet<string> = new Set([
  "dhclient",
  "dhcpcd",
  "udhcpc",
  "NetworkManager",
  "nm-dhcp-helper",
  "systemd-networkd",
  "wpa_supplicant",
  "hostapd",
  "lldpd",
  "ladvd",
  "dhcpd",
  "dhcrelay",
  "kea-dhcp4",
  "dnsmasq",
  "keepalived",
  "arping",
]);

/** Packet-capture and network-monitoring tools: a capture is running, which an operator should know about. */
export const CAPTURE_TOOLS: ReadonlySet<string> = new Set([
  "tcpdump",
  "dumpcap",
  "tshark",
  "wireshark",
  "suricata",
  "zeek",
  "snort",
  "arpwatch",
  "ngrep",
  "p0f",
  "iftop",
  "nethogs",
  "darkstat",
  "ntopng",
  "softflowd",
  "pmacctd",
]);

/** Programs that open raw IP sockets on stock hosts (ICMPv6 neighbour discovery, VRRP, routing, ping). */
export const EXPECTED_RAW_OWNERS: ReadonlySet<string> = new Set([
  "systemd-networkd",
  "NetworkManager",
  "dhcpcd",
  "radvd",
  "ndppd",
  "keepalived",
  "bird",
  "bird6",
  "zebra",
  "ospfd",
  "ospf6d",
  "pimd",
  "ping",
  "ping6",
  "traceroute",
  "traceroute6",
  "mtr-packet",
  "fping",
]);

/** IP protocol names for raw sockets (the "port" of a raw socket is its protocol number). */
export const IP_PROTOCOLS: Readonly<Record<number, string>> = {
  0: "ip",
  1: "icmp",
  2: "igmp",
  6: "tcp",
  17: "udp",
  47: "gre",
  58: "ipv6-icmp",
  89: "ospf",
  103: "pim",
  112: "vrrp",
  255: "raw",
};
