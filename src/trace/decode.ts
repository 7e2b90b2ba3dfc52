/**
 * Decodes ring-buffer records (bpf/events.h) into typed events. A record is accepted only when its header
 * has the known version, a known type, a size equal to that type's size and equal to the record's length;
 * anything else is counted as malformed with a reason and never misread.
 */
import {
  ARGS_LEN,
  COMM_LEN,
  CONNECT,
  ConnectFlag,
  EVENT_LAYOUT_VERSION,
  EventType,
  EXEC,
  ExecFlag,
  HEADER,
  PATH_LEN,
} from "./layout.ts";
import { formatIpv4, formatIpv6, isIpv4Mapped } from "../host/net_address.ts";

/** A decoded exec event. Strings are decoded as UTF-8 with invalid bytes replaced. */
export interface ExecEvent {
  type: "exec";
  tsNs: bigint;
  pid: number;
  tid: number;
  ppid: number;
  uid: number;
  gid: number;
  /** null when unset (4294967295). */
  loginuid: number | null;
  cgroupId: bigint;
  comm: string;
  filename: string;
  /** What the kernel actually ran (the interpreter of a #! script); "" when the hook cannot see it. */
  interp: string;
  argv: string[];
  /** argc as the kernel counted it; 0 when the hook cannot see it. */
  argc: number;
  argsTruncated: boolean;
  argsUnreadable: boolean;
  filenameTruncated: boolean;
  hook: number;
}

/** A decoded connect event (AF_INET or AF_INET6 only). */
export interface ConnectEvent {
  type: "connect";
  tsNs: bigint;
  pid: number;
  tid: number;
  ppid: number;
  uid: number;
  family: 2 | 10;
  /** Textual address; an IPv4-mapped IPv6 address is given as IPv4 with `v4mapped` set. */
  daddr: string;
  v4mapped: boolean;
  dport: number;
  /** connect's result (0, or a negative errno such as -115 EINPROGRESS) when the hook saw it, else null. */
  ret: number | null;
  comm: string;
  cgroupId: bigint;
  hook: number;
}

/** Any decoded event. */
export type TraceEvent = ExecEvent | ConnectEvent;

/** Why a record was rejected. */
export type MalformedReason = "short" | "version" | "type" | "size" | "family";

/** The outcome of decoding one record. */
export type DecodeResult = { ok: true; event: TraceEvent } | {
  ok: false;
  reason: MalformedReason;
  detail: string;
};

const utf8 = new TextDecoder();

function cString(bytes: Uint8Array, off: number, len: number): string {
  const field = bytes.subarray(off, off + len);
  const end = field.indexOf(0);
  return utf8.decode(end < 0 ? field : field.subarray(0, end));
}

/** Splits NUL-separated argv bytes; a trailing NUL ends the last argument. */
export function splitArgs(bytes: Uint8Array): string[] {
  if (bytes.length === 0) return [];
  const body = bytes[bytes.length - 1] === 0 ? bytes.subarray(0, bytes.length - 1) : bytes;
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= body.length; i++) {
    if (i === body.length || body[i] === 0) {
      out.push(utf8.decode(body.subarray(start, i)));
      start = i + 1;
    }
  }
  return out;
}

/** Decodes one record. Never throws. */
export function decodeEvent(bytes: Uint8Array): DecodeResult {
  if (bytes.length < HEADER.SIZE) {
    return { ok: false, reason: "short", detail: `${bytes.length} bytes, shorter than the 16-byte header` };
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint16(HEADER.version, true);
  if (version !== EVENT_LAYOUT_VERSION) {
    return {
      ok: false,
      reason: "version",
      detail: `layout version ${version}, expected ${EVENT_LAYOUT_VERSION}`,
    };
  }
  const type = v.getUint16(HEADER.type, true);
  const size = v.getUint32(HEADER.size, true);
  const expected = type === EventType.exec ? EXEC.SIZE : type === EventType.connect ? CONNECT.SIZE : -1;
  if (expected < 0) return { ok: false, reason: "type", detail: `unknown event type ${type}` };
  if (size !== expected || bytes.length !== expected) {
    return {
      ok: false,
      reason: "size",
      detail: `type ${type}: header size ${size}, record ${bytes.length} bytes, expected ${expected}`,
    };
  }
  const tsNs = v.getBigUint64(HEADER.ts, true);
  if (type === EventType.exec) {
    const flags = v.getUint32(EXEC.flags, true);
    const argsLen = Math.min(v.getUint32(EXEC.argsLen, true), ARGS_LEN);
    const loginuid = v.getUint32(EXEC.loginuid, true);
    return {
      ok: true,
      event: {
        type: "exec",
        tsNs,
        pid: v.getUint32(EXEC.pid, true),
        tid: v.getUint32(EXEC.tid, true),
        ppid: v.getUint32(EXEC.ppid, true),
        uid: v.getUint32(EXEC.uid, true),
        gid: v.getUint32(EXEC.gid, true),
        loginuid: loginuid === 0xffffffff ? null : loginuid,
        cgroupId: v.getBigUint64(EXEC.cgroupId, true),
        comm: cString(bytes, EXEC.comm, COMM_LEN),
        filename: cString(bytes, EXEC.filename, PATH_LEN),
        interp: cString(bytes, EXEC.interp, PATH_LEN),
        argv: splitArgs(bytes.subarray(EXEC.args, EXEC.args + argsLen)),
        argc: v.getUint32(EXEC.argc, true),
        argsTruncated: (flags & ExecFlag.argsTruncated) !== 0,
        argsUnreadable: (flags & ExecFlag.argsUnreadable) !== 0,
        filenameTruncated: (flags & ExecFlag.filenameTruncated) !== 0,
        hook: v.getUint32(EXEC.hook, true),
      },
    };
  }
  const family = v.getUint16(CONNECT.family, true);
  if (family !== 2 && family !== 10) {
    return { ok: false, reason: "family", detail: `connect event with address family ${family}` };
  }
  const addr = bytes.slice(CONNECT.daddr, CONNECT.daddr + 16);
  const mapped = family === 10 && isIpv4Mapped(addr);
  const daddr = family === 2 ? formatIpv4(addr) : mapped ? formatIpv4(addr, 12) : formatIpv6(addr);
  const flags = v.getUint32(CONNECT.flags, true);
  return {
    ok: true,
    event: {
      type: "connect",
      tsNs,
      pid: v.getUint32(CONNECT.pid, true),
      tid: v.getUint32(CONNECT.tid, true),
      ppid: v.getUint32(CONNECT.ppid, true),
      uid: v.getUint32(CONNECT.uid, true),
      family,
      daddr,
      v4mapped: mapped,
      dport: v.getUint16(CONNECT.dport, true),
      ret: (flags & ConnectFlag.resultKnown) !== 0 ? v.getInt32(CONNECT.ret, true) : null,
      comm: cString(bytes, CONNECT.comm, COMM_LEN),
      cgroupId: v.getBigUint64(CONNECT.cgroupId, true),
      hook: v.getUint32(CONNECT.hook, true),
    },
  };
}

/** Counts of what a Decoder saw. */
export interface DecoderStats {
  decoded: number;
  malformed: number;
  malformedByReason: Record<MalformedReason, number>;
  /** The first malformed record's explanation, for the report. */
  firstMalformed: string | null;
}

/** A decoder that keeps counts across records. */
export class Decoder {
  readonly stats: DecoderStats = {
    decoded: 0,
    malformed: 0,
    malformedByReason: { short: 0, version: 0, type: 0, size: 0, family: 0 },
    firstMalformed: null,
  };

  /** Decodes one record; returns the event, or null (counted) when it is malformed. */
  decode(bytes: Uint8Array): TraceEvent | null {
    const r = decodeEvent(bytes);
    if (r.ok) {
      this.stats.decoded++;
      return r.event;
    }
    this.stats.malformed++;
    this.stats.malformedByReason[r.reason]++;
    this.stats.firstMalformed ??= r.detail;
    return null;
  }
}
