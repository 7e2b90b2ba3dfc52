/** The network scanner's checks (catalogue entries). */
import type { CheckInput } from "../../core/catalogue.ts";

/** The scanner name. */
export const NAME = "network";

const check = (c: Omit<CheckInput, "scanner" | "category">): CheckInput => ({
  ...c,
  scanner: NAME,
  category: "network_socket",
});

/** Every check the network scanner can emit. */
export const checks: CheckInput[] = [
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
    rationale:
      "Inventory (--network-advanced) of every TCP/UDP socket not reported as an exposed listener: " +
      "connections and loopback listeners, each with its owning process.",
    remediation: "None needed; use it to correlate connections with processes.",
  }),
  check({
    id: "net.raw_socket.unexpected",
    title: "Raw IP socket held by an unexpected program",
    severity: "high",
    rationale:
      "Raw sockets see and forge whole IP packets: ICMP and TCP backdoors listen for magic packets on " +
      "them. Only routing, VRRP, neighbour-discovery and ping tools need them on ordinary hosts. High: outside those " +
      "tools, a raw socket is how a packet-triggered backdoor waits.",
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
      "a known capture tool is rated medium. High: outside those daemons, capturing every packet is what sniffers " +
      "and magic-packet backdoors do.",
    remediation: "Identify the program; stop captures nobody started; preserve and isolate if it is unknown.",
    mitre: ["T1040", "T1205.002"],
  }),
];
