/** Flags: the network scanner. */
import { bool, csv, type FlagGroup, int, str } from "./spec.ts";

/** Socket inventory options. */
export const networkFlags = {
  title: "Network",
  flags: {
    maxSockets: int(
      "max-sockets",
      "Cap on per-socket findings, most severe kept first (0 = unlimited); a cap hit is a `truncated` warning.",
    ),
    networkListenOnly: bool(
      "network-listen-only",
      "Keep only listening TCP/UDP sockets (raw and packet socket checks always run).",
    ),
    networkProto: str(
      "network-proto",
      "Keep only tcp or only udp sockets (raw and packet socket checks always run).",
      "tcp|udp",
    ),
    networkStates: csv(
      "network-states",
      "Keep only TCP/UDP sockets in these states (TCP names such as LISTEN,ESTABLISHED; UDP is UNCONN " +
        "or ESTABLISHED; case-insensitive).",
      "STATES",
    ),
    networkAdvanced: bool(
      "network-advanced",
      "Also report every other TCP/UDP socket (connections, loopback listeners) with its owner (net.socket.open).",
    ),
    networkFanout: int("network-fanout", "Flag a process with N or more outbound TCP/UDP connections."),
    networkFanoutUnique: int(
      "network-fanout-unique",
      "Flag a process with outbound connections to N or more distinct remote addresses.",
    ),
    networkDebug: bool("network-debug", "Add the raw /proc/net line(s) to each socket finding (raw_lines)."),
  },
} as const satisfies FlagGroup;
