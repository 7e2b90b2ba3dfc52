/**
 * The event layout of bpf/events.h, mirrored for the decoder. Any change here goes with a change there and a
 * bump of EVENT_LAYOUT_VERSION; tests/trace/layout_test.ts pins every offset against the header text.
 */

/** The layout version this decoder understands. */
export const EVENT_LAYOUT_VERSION = 1;

/** Event types (enum event_type). */
export const EventType = { exec: 1, connect: 2 } as const;

/** Which program produced an event (enum hook_id). */
export const HookId = {
  execTpBtf: 1,
  execTracepoint: 2,
  connectFexit: 3,
  connectTpBtf: 4,
  connectTracepoint: 5,
} as const;

/** Array lengths. */
export const COMM_LEN = 16;
/** Length of filename and interp. */
export const PATH_LEN = 256;
/** Bytes of argv kept. */
export const ARGS_LEN = 512;

/** exec_event.flags bits. */
export const ExecFlag = { argsTruncated: 0x1, filenameTruncated: 0x2, argsUnreadable: 0x4 } as const;
/** connect_event.flags bits. */
export const ConnectFlag = { resultKnown: 0x1 } as const;

/** Indexes of the `stats` map (enum stat_index). */
export const Stat = { ringbufFull: 0, rateLimitedExec: 1, rateLimitedConnect: 2 } as const;
/** Entries in the `stats` map. */
export const STAT_MAX = 4;

/** Header offsets (struct event_header, 16 bytes). */
export const HEADER = { version: 0, type: 2, size: 4, ts: 8, SIZE: 16 } as const;

/** struct exec_event offsets. */
export const EXEC = {
  pid: 16,
  tid: 20,
  ppid: 24,
  uid: 28,
  gid: 32,
  loginuid: 36,
  cgroupId: 40,
  flags: 48,
  argsLen: 52,
  argc: 56,
  hook: 60,
  comm: 64,
  filename: 80,
  interp: 336,
  args: 592,
  SIZE: 1104,
} as const;

/** struct connect_event offsets. */
export const CONNECT = {
  pid: 16,
  tid: 20,
  ppid: 24,
  uid: 28,
  family: 32,
  dport: 34,
  ret: 36,
  flags: 40,
  hook: 44,
  daddr: 48,
  comm: 64,
  cgroupId: 80,
  SIZE: 88,
} as const;

/** Map names in the object. */
export const MAPS = { events: "events", stats: "stats", config: "trace_cfg" } as const;
