/** Builds synthetic ring-buffer records in the layout of bpf/events.h, for decoder and aggregation tests. */
import { ARGS_LEN, CONNECT, EVENT_LAYOUT_VERSION, EventType, EXEC, HEADER } from "../../src/trace/layout.ts";

const enc = new TextEncoder();

function header(
  buf: Uint8Array,
  type: number,
  size: number,
  ts = 123456789n,
  version = EVENT_LAYOUT_VERSION,
) {
  const v = new DataView(buf.buffer);
  v.setUint16(HEADER.version, version, true);
  v.setUint16(HEADER.type, type, true);
  v.setUint32(HEADER.size, size, true);
  v.setBigUint64(HEADER.ts, ts, true);
}

/** Fields of a synthetic exec record. */
export interface ExecSpec {
  pid?: number;
  tid?: number;
  ppid?: number;
  uid?: number;
  gid?: number;
  loginuid?: number;
  cgroupId?: bigint;
  flags?: number;
  argc?: number;
  hook?: number;
  comm?: string;
  filename?: string;
  interp?: string;
  argv?: string[];
  /** Raw args bytes (overrides argv). */
  args?: Uint8Array;
  version?: number;
}

/** An exec record. */
export function execRecord(s: ExecSpec = {}): Uint8Array {
  const buf = new Uint8Array(EXEC.SIZE);
  header(buf, EventType.exec, EXEC.SIZE, 123456789n, s.version);
  const v = new DataView(buf.buffer);
  v.setUint32(EXEC.pid, s.pid ?? 100, true);
  v.setUint32(EXEC.tid, s.tid ?? s.pid ?? 100, true);
  v.setUint32(EXEC.ppid, s.ppid ?? 1, true);
  v.setUint32(EXEC.uid, s.uid ?? 0, true);
  v.setUint32(EXEC.gid, s.gid ?? 0, true);
  v.setUint32(EXEC.loginuid, s.loginuid ?? 0xffffffff, true);
  v.setBigUint64(EXEC.cgroupId, s.cgroupId ?? 1n, true);
  v.setUint32(EXEC.flags, s.flags ?? 0, true);
  v.setUint32(EXEC.argc, s.argc ?? (s.argv?.length ?? 0), true);
  v.setUint32(EXEC.hook, s.hook ?? 1, true);
  buf.set(enc.encode(s.comm ?? "true").subarray(0, 15), EXEC.comm);
  buf.set(enc.encode(s.filename ?? "/bin/true").subarray(0, 255), EXEC.filename);
  buf.set(enc.encode(s.interp ?? "").subarray(0, 255), EXEC.interp);
  const args = s.args ?? enc.encode((s.argv ?? ["true"]).map((a) => a + "\0").join(""));
  const used = Math.min(args.length, ARGS_LEN);
  buf.set(args.subarray(0, used), EXEC.args);
  v.setUint32(EXEC.argsLen, used, true);
  return buf;
}

/** Fields of a synthetic connect record. */
export interface ConnectSpec {
  pid?: number;
  ppid?: number;
  uid?: number;
  family?: number;
  dport?: number;
  ret?: number;
  flags?: number;
  daddr?: number[];
  comm?: string;
}

/** A connect record. */
export function connectRecord(s: ConnectSpec = {}): Uint8Array {
  const buf = new Uint8Array(CONNECT.SIZE);
  header(buf, EventType.connect, CONNECT.SIZE);
  const v = new DataView(buf.buffer);
  v.setUint32(CONNECT.pid, s.pid ?? 200, true);
  v.setUint32(CONNECT.tid, s.pid ?? 200, true);
  v.setUint32(CONNECT.ppid, s.ppid ?? 1, true);
  v.setUint32(CONNECT.uid, s.uid ?? 0, true);
  v.setUint16(CONNECT.family, s.family ?? 2, true);
  v.setUint16(CONNECT.dport, s.dport ?? 443, true);
  v.setInt32(CONNECT.ret, s.ret ?? 0, true);
  v.setUint32(CONNECT.flags, s.flags ?? 0, true);
  v.setUint32(CONNECT.hook, 4, true);
  buf.set(s.daddr ?? [127, 0, 0, 1], CONNECT.daddr);
  buf.set(enc.encode(s.comm ?? "curl"), CONNECT.comm);
  return buf;
}
