/**
 * Decoders of the binary login records: `struct utmp` (utmp, wtmp, btmp) and `struct lastlog`, natively, in
 * the byte order and layout of the host that wrote them. glibc uses 384-byte utmp records and 292-byte lastlog
 * records with 32-bit times on x86-64 and 32-bit hosts, and 400/296 bytes with 64-bit times where it has no
 * 32-bit compatibility layout (aarch64); the layout and byte order are detected from the records themselves.
 *
 * ```ts
 * const { records } = parseUtmp(bytes);
 * records.filter((r) => r.type === UT.USER_PROCESS).map((r) => `${r.user}@${r.host}`);
 * ```
 */

/** ut_type values. */
export const UT = {
  EMPTY: 0,
  RUN_LVL: 1,
  BOOT_TIME: 2,
  NEW_TIME: 3,
  OLD_TIME: 4,
  INIT_PROCESS: 5,
  LOGIN_PROCESS: 6,
  USER_PROCESS: 7,
  DEAD_PROCESS: 8,
  ACCOUNTING: 9,
} as const;

/** A record layout: its size and where the fields that move between layouts are. */
export interface UtmpLayout {
  name: "time32" | "time64";
  size: number;
  timeOffset: number;
  addrOffset: number;
  /** The size of the matching lastlog record, and where its line field starts. */
  lastlogSize: number;
  lastlogLine: number;
}

/** The two layouts glibc writes on Linux. */
export const LAYOUTS: readonly UtmpLayout[] = [
  { name: "time32", size: 384, timeOffset: 340, addrOffset: 348, lastlogSize: 292, lastlogLine: 4 },
  { name: "time64", size: 400, timeOffset: 344, addrOffset: 360, lastlogSize: 296, lastlogLine: 8 },
];

/** The layout of the scanning host (time64 on 64-bit ARM, time32 elsewhere). */
export function nativeLayout(): UtmpLayout {
  return Deno.build.arch === "aarch64" ? LAYOUTS[1] : LAYOUTS[0];
}

/** One decoded record. */
export interface UtmpRecord {
  /** Index of the record in what was read. */
  index: number;
  type: number;
  pid: number;
  line: string;
  id: string;
  user: string;
  host: string;
  /** Seconds since the epoch. */
  time: number;
  /** The source address ("" when none). */
  addr: string;
  /** Every byte is zero: a record wiped in place. */
  zeroed: boolean;
}

const dec = new TextDecoder();

function cstr(b: Uint8Array, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const end = s.indexOf(0);
  return dec.decode(end < 0 ? s : s.subarray(0, end));
}

function address(b: Uint8Array, off: number): string {
  const a = b.subarray(off, off + 16);
  if (a.every((x) => x === 0)) return "";
  if (a.subarray(4).every((x) => x === 0)) return [...a.subarray(0, 4)].join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((a[i] << 8) | a[i + 1]);
  // RFC 5952: the longest run of two or more zero groups becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** How plausible the first records are under a layout and byte order (higher is better). */
function score(bytes: Uint8Array, layout: UtmpLayout, little: boolean): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let s = 0;
  const n = Math.min(32, Math.floor(bytes.length / layout.size));
  for (let i = 0; i < n; i++) {
    const o = i * layout.size;
    const type = dv.getInt16(o, little);
    if (type < 0 || type > 9) {
      s -= 2;
      continue;
    }
    if (type === 0) continue;
    const t = layout.name === "time32"
      ? dv.getInt32(o + layout.timeOffset, little)
      : Number(dv.getBigInt64(o + layout.timeOffset, little));
    if (t > 315_532_800 && t < 4_102_444_800) s += 2; // 1980 … 2100
    if (bytes[o + 2] === 0 && bytes[o + 3] === 0) s += 1; // the padding after ut_type
  }
  if (bytes.length % layout.size === 0) s += 1;
  if (n === 0 && bytes.length > 0) s -= 1;
  return s;
}

/** The layout and byte order of a record file, judged from its first records. */
export function detectLayout(bytes: Uint8Array): { layout: UtmpLayout; little: boolean } {
  const native = nativeLayout();
  let best = { layout: native, little: true, score: -Infinity };
  for (const layout of [native, ...LAYOUTS.filter((l) => l !== native)]) {
    for (const little of [true, false]) {
      const s = score(bytes, layout, little);
      if (s > best.score) best = { layout, little, score: s };
    }
  }
  return { layout: best.layout, little: best.little };
}

/** The decoded records of a utmp/wtmp/btmp file, and the bytes of a truncated last record. */
export interface UtmpParse {
  records: UtmpRecord[];
  layout: UtmpLayout;
  little: boolean;
  /** Bytes after the last whole record (a truncated tail), ignored. */
  trailing: number;
}

/**
 * Decodes utmp records; `layout`/`little` are detected when not given. `leading` bytes are skipped first
 * (a tail read that starts inside a record). Never throws.
 */
export function parseUtmp(
  bytes: Uint8Array,
  opts: { layout?: UtmpLayout; little?: boolean; leading?: number; maxRecords?: number } = {},
): UtmpParse {
  const body = bytes.subarray(Math.min(opts.leading ?? 0, bytes.length));
  const detected = opts.layout && opts.little !== undefined
    ? { layout: opts.layout, little: opts.little }
    : detectLayout(body);
  const { layout, little } = detected;
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const count = Math.min(Math.floor(body.length / layout.size), opts.maxRecords ?? Infinity);
  const records: UtmpRecord[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * layout.size;
    const rec = body.subarray(o, o + layout.size);
    const time = layout.name === "time32"
      ? dv.getInt32(o + layout.timeOffset, little)
      : Number(dv.getBigInt64(o + layout.timeOffset, little));
    records.push({
      index: i,
      type: dv.getInt16(o, little),
      pid: dv.getInt32(o + 4, little),
      line: cstr(rec, 8, 32),
      id: cstr(rec, 40, 4),
      user: cstr(rec, 44, 32),
      host: cstr(rec, 76, 256),
      time,
      addr: address(rec, layout.addrOffset),
      zeroed: isZero(rec),
    });
  }
  return {
    records,
    layout,
    little,
    trailing: body.length - Math.floor(body.length / layout.size) * layout.size,
  };
}

/** One lastlog slot. */
export interface LastlogEntry {
  /** Seconds since the epoch; 0 when the account never logged in. */
  time: number;
  line: string;
  host: string;
}

/** Decodes one lastlog slot (as read from offset uid × record size); undefined when it is short. */
export function parseLastlogSlot(
  bytes: Uint8Array,
  layout: UtmpLayout,
  little: boolean,
): LastlogEntry | undefined {
  if (bytes.length < layout.lastlogSize) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const time = layout.name === "time32" ? dv.getInt32(0, little) : Number(dv.getBigInt64(0, little));
  return { time, line: cstr(bytes, layout.lastlogLine, 32), host: cstr(bytes, layout.lastlogLine + 32, 256) };
}

/** Encodes one record (tests and self-test fixtures write wtmp files with it). */
export function encodeUtmp(
  r: Partial<Omit<UtmpRecord, "index" | "zeroed">> & { type: number },
  layout: UtmpLayout = LAYOUTS[0],
  little = true,
): Uint8Array {
  const b = new Uint8Array(layout.size);
  const dv = new DataView(b.buffer);
  const enc = new TextEncoder();
  dv.setInt16(0, r.type, little);
  dv.setInt32(4, r.pid ?? 0, little);
  b.set(enc.encode(r.line ?? "").subarray(0, 32), 8);
  b.set(enc.encode(r.id ?? "").subarray(0, 4), 40);
  b.set(enc.encode(r.user ?? "").subarray(0, 32), 44);
  b.set(enc.encode(r.host ?? "").subarray(0, 256), 76);
  if (layout.name === "time32") dv.setInt32(layout.timeOffset, r.time ?? 0, little);
  else dv.setBigInt64(layout.timeOffset, BigInt(r.time ?? 0), little);
  const v4 = (r.addr ?? "").match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
  if (v4) b.set(v4.slice(1).map(Number), layout.addrOffset);
  return b;
}

/** Encodes one lastlog slot. */
export function encodeLastlog(e: LastlogEntry, layout: UtmpLayout = LAYOUTS[0], little = true): Uint8Array {
  const b = new Uint8Array(layout.lastlogSize);
  const dv = new DataView(b.buffer);
  if (layout.name === "time32") dv.setInt32(0, e.time, little);
  else dv.setBigInt64(0, BigInt(e.time), little);
  const enc = new TextEncoder();
  b.set(enc.encode(e.line).subarray(0, 32), layout.lastlogLine);
  b.set(enc.encode(e.host).subarray(0, 256), layout.lastlogLine + 32);
  return b;
}
