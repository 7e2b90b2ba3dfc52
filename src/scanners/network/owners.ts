/** Socket owners: which processes hold a socket inode, and which programs are expected to hold raw sockets. */
import type { Metadata } from "../../core/finding.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { inProgramDir } from "../../host/location.ts";

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

/**
 * Owner metadata for a finding: the first owner's pid, exe, comm, uid and container, every owner pid, and
 * `exe_deleted`/`exe_memfd` when the program no longer exists on disk.
 */
export function ownerMetadata(owners: readonly ProcessInfo[]): Metadata {
  if (owners.length === 0) return { owner_found: false };
  const first = owners[0];
  return {
    owner_found: true,
    pid: first.pid,
    exe: first.exe,
    comm: first.comm,
    owner_uid: first.uid,
    container_id: first.containerId,
    owner_pids: [...new Set(owners.map((o) => String(o.pid)))],
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

/**
 * True when a process is one of `names`, running from a system directory, with its executable still on disk:
 * a look-alike in /tmp, a deleted binary or a memfd never counts as expected.
 */
export function isExpectedProgram(p: ProcessInfo, names: ReadonlySet<string>): boolean {
  if (p.exe === null || p.exeDeleted || p.exeMemfd) return false;
  return inProgramDir(p.exe) && names.has(p.exe.slice(p.exe.lastIndexOf("/") + 1));
}

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
