/** Flags: the network scanner. */
import { z } from "zod";
import { SOCKET_STATES } from "../../host/proc_net.ts";
import { bool, flag, type FlagGroup, int } from "./spec.ts";

/** Socket inventory options. */
export const networkFlags = {
  title: "Network",
  flags: {
    maxSockets: int(
      "max-sockets",
      "Cap on per-socket findings, most severe kept first (0 = unlimited); a cap hit is a `truncated` warning.",
      0,
      0,
    ),
    networkListenOnly: bool(
      "network-listen-only",
      "Keep only listening TCP/UDP sockets (raw and packet socket checks always run).",
    ),
    networkProto: flag({
      name: "network-proto",
      kind: "string",
      schema: z.enum(["tcp", "udp"]).optional(),
      help: "Keep only tcp or only udp sockets (raw and packet socket checks always run).",
      value: "tcp|udp",
    }),
    networkStates: flag({
      name: "network-states",
      kind: "csv",
      schema: z.array(
        z.string().transform((s) => s.toUpperCase()).pipe(
          z.enum(SOCKET_STATES, { message: `a state is one of ${SOCKET_STATES.join(", ")}` }),
        ),
      ).default([]),
      help:
        "Keep only TCP/UDP sockets in these states (TCP names such as LISTEN,ESTABLISHED; UDP is UNCONN " +
        "or ESTABLISHED; case-insensitive).",
      value: "STATES",
    }),
    networkAdvanced: bool(
      "network-advanced",
      "Also report every other TCP/UDP socket (connections, loopback listeners) with its owner (net.socket.open).",
    ),
    networkFanout: int(
      "network-fanout",
      "Flag a process with N or more outbound TCP/UDP connections.",
      100,
      1,
    ),
    networkFanoutUnique: int(
      "network-fanout-unique",
      "Flag a process with outbound connections to N or more distinct remote addresses.",
      50,
      1,
    ),
    networkDebug: bool("network-debug", "Add the raw /proc/net line(s) to each socket finding (raw_lines)."),
  },
} as const satisfies FlagGroup;
