/** Flags: the network scanner. */
import { z } from "zod";
import { bool, csv, flag, type FlagGroup, int } from "./spec.ts";

/** Socket inventory options. */
export const networkFlags = {
  title: "Network",
  flags: {
    maxSockets: int("max-sockets", "Cap on socket findings (0 = unlimited).", 0, 0, undefined, "N", false),
    networkListenOnly: bool("network-listen-only", "Keep only listening sockets.", false),
    networkProto: flag({
      name: "network-proto",
      kind: "string",
      schema: z.enum(["tcp", "udp"]).optional(),
      help: "Read only tcp or only udp sockets.",
      value: "tcp|udp",
      available: false,
    }),
    networkStates: csv(
      "network-states",
      "Keep only these TCP states (e.g. LISTEN,ESTABLISHED).",
      "STATES",
      false,
    ),
    networkAdvanced: bool(
      "network-advanced",
      "Map every socket (not only listeners) to its owning process.",
      false,
    ),
    networkFanout: int(
      "network-fanout",
      "Flag a process with N or more connections.",
      100,
      1,
      undefined,
      "N",
      false,
    ),
    networkFanoutUnique: int(
      "network-fanout-unique",
      "Flag a process talking to N or more distinct remote addresses.",
      50,
      1,
      undefined,
      "N",
      false,
    ),
    networkDebug: bool("network-debug", "Add the raw /proc/net line to each socket finding.", false),
  },
} as const satisfies FlagGroup;
