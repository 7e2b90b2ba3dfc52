/** Data tables: services that should not face the network, and ports favoured by miners and backdoors. */
import type { Severity } from "../../core/severity.ts";

/** A service that is risky when reachable from the network. */
export interface SensitiveService {
  /** First and last port (inclusive). */
  ports: readonly [number, number];
  protos: readonly ("tcp" | "udp")[];
  service: string;
  /** Severity when the service is bound to a wildcard or non-loopback address. */
  severity: Severity;
  why: string;
}

const one = (p: number): readonly [number, number] => [p, p];

/** Services rated when exposed; first match wins. */
export const SENSITIVE_SERVICES: readonly SensitiveService[] = [
  { ports: one(23), protos: ["tcp"], service: "telnet", severity: "high", why: "plaintext remote shell" },
  {
    ports: one(2323),
    protos: ["tcp"],
    service: "telnet-alt",
    severity: "high",
    why: "plaintext remote shell",
  },
  { ports: one(512), protos: ["tcp"], service: "rexec", severity: "high", why: "plaintext remote execution" },
  { ports: one(513), protos: ["tcp"], service: "rlogin", severity: "high", why: "host-trust remote login" },
  { ports: one(514), protos: ["tcp"], service: "rsh", severity: "high", why: "host-trust remote shell" },
  { ports: one(514), protos: ["udp"], service: "syslog", severity: "low", why: "accepts forged log lines" },
  { ports: one(21), protos: ["tcp"], service: "ftp", severity: "medium", why: "plaintext credentials" },
  {
    ports: one(69),
    protos: ["udp"],
    service: "tftp",
    severity: "medium",
    why: "unauthenticated file transfer",
  },
  { ports: one(19), protos: ["udp"], service: "chargen", severity: "medium", why: "reflection amplifier" },
  {
    ports: one(111),
    protos: ["tcp", "udp"],
    service: "rpcbind",
    severity: "medium",
    why: "RPC map leak, amplifier",
  },
  {
    ports: one(161),
    protos: ["udp"],
    service: "snmp",
    severity: "medium",
    why: "community strings, amplifier",
  },
  {
    ports: one(162),
    protos: ["udp"],
    service: "snmp-trap",
    severity: "low",
    why: "unauthenticated v1/v2c traps",
  },
  {
    ports: one(1900),
    protos: ["udp"],
    service: "ssdp",
    severity: "medium",
    why: "UPnP discovery, amplifier",
  },
  {
    ports: [137, 139],
    protos: ["tcp", "udp"],
    service: "netbios",
    severity: "medium",
    why: "Windows file sharing",
  },
  {
    ports: one(445),
    protos: ["tcp"],
    service: "smb",
    severity: "medium",
    why: "file sharing, wormable history",
  },
  { ports: one(873), protos: ["tcp"], service: "rsync", severity: "medium", why: "often anonymous modules" },
  {
    ports: one(2049),
    protos: ["tcp", "udp"],
    service: "nfs",
    severity: "medium",
    why: "host-trust file sharing",
  },
  {
    ports: one(2375),
    protos: ["tcp"],
    service: "docker-api",
    severity: "critical",
    why: "unauthenticated root",
  },
  {
    ports: one(2376),
    protos: ["tcp"],
    service: "docker-api-tls",
    severity: "medium",
    why: "root if a cert leaks",
  },
  { ports: [2379, 2380], protos: ["tcp"], service: "etcd", severity: "high", why: "cluster secrets store" },
  { ports: one(10250), protos: ["tcp"], service: "kubelet", severity: "high", why: "exec into any pod" },
  {
    ports: one(10255),
    protos: ["tcp"],
    service: "kubelet-readonly",
    severity: "medium",
    why: "unauthenticated pod data",
  },
  { ports: one(3306), protos: ["tcp"], service: "mysql", severity: "medium", why: "database" },
  { ports: one(5432), protos: ["tcp"], service: "postgresql", severity: "medium", why: "database" },
  { ports: one(1433), protos: ["tcp"], service: "mssql", severity: "medium", why: "database" },
  { ports: one(1521), protos: ["tcp"], service: "oracle", severity: "medium", why: "database" },
  {
    ports: [27017, 27019],
    protos: ["tcp"],
    service: "mongodb",
    severity: "high",
    why: "no authentication by default",
  },
  {
    ports: one(6379),
    protos: ["tcp"],
    service: "redis",
    severity: "high",
    why: "no authentication by default",
  },
  {
    ports: one(11211),
    protos: ["tcp", "udp"],
    service: "memcached",
    severity: "high",
    why: "no auth, amplifier",
  },
  {
    ports: [9200, 9300],
    protos: ["tcp"],
    service: "elasticsearch",
    severity: "high",
    why: "no auth by default",
  },
  { ports: one(9042), protos: ["tcp"], service: "cassandra", severity: "medium", why: "database" },
  {
    ports: [7000, 7001],
    protos: ["tcp"],
    service: "cassandra-internode",
    severity: "medium",
    why: "cluster traffic",
  },
  {
    ports: one(7199),
    protos: ["tcp"],
    service: "cassandra-jmx",
    severity: "high",
    why: "JMX code execution",
  },
  { ports: one(5984), protos: ["tcp"], service: "couchdb", severity: "medium", why: "database" },
  {
    ports: one(2181),
    protos: ["tcp"],
    service: "zookeeper",
    severity: "medium",
    why: "no authentication by default",
  },
  { ports: one(8086), protos: ["tcp"], service: "influxdb", severity: "medium", why: "database" },
  {
    ports: [5900, 5909],
    protos: ["tcp"],
    service: "vnc",
    severity: "high",
    why: "remote desktop, weak auth",
  },
  { ports: one(3389), protos: ["tcp"], service: "rdp", severity: "medium", why: "remote desktop" },
  {
    ports: [6000, 6063],
    protos: ["tcp"],
    service: "x11",
    severity: "high",
    why: "keystroke and screen capture",
  },
];

/** Ordinary services below 1024 whose exposure is information, not a problem. */
export const ORDINARY_PRIVILEGED: ReadonlySet<number> = new Set([
  22, // ssh
  25, // smtp
  53, // dns
  67, // dhcp server
  68, // dhcp client
  80, // http
  110, // pop3
  123, // ntp
  143, // imap
  443, // https
  465, // smtps
  546, // dhcpv6 client
  547, // dhcpv6 server
  587, // submission
  631, // ipp
  993, // imaps
  995, // pop3s
]);

/** Ports favoured by coin-miner pools (stratum) and by backdoors and C2 kits. */
export const SUSPICIOUS_PORTS: ReadonlyMap<number, string> = new Map([
  [1337, "backdoor favourite"],
  [3333, "stratum mining pool"],
  [4444, "Metasploit default handler, stratum"],
  [5555, "stratum mining pool, exposed ADB"],
  [6666, "IRC botnet C2, stratum"],
  [6667, "IRC botnet C2"],
  [7777, "stratum mining pool"],
  [12345, "NetBus backdoor"],
  [14433, "Monero pool (TLS)"],
  [14444, "Monero pool"],
  [31337, "Back Orifice, backdoor favourite"],
  [45700, "Monero pool"],
]);

/** The sensitive service on this port, if any. */
export function sensitiveService(proto: "tcp" | "udp", port: number): SensitiveService | undefined {
  return SENSITIVE_SERVICES.find((s) => s.protos.includes(proto) && port >= s.ports[0] && port <= s.ports[1]);
}
