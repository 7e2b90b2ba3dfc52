/**
 * Decoders of the binary login records: `struct utmp` (utmp, wtmp, btmp) and `struct lastlog`, natively, in
 * the byte order and layout of the host that wrote them. glibc uses 384-byte utmp records and 292-byte lastlog
 * records with 32-bit times on x86-64 and 32-bit hosts, and 400/296 bytes with 64-bit times where it has no
 * 32-bit compatibility layout (aarch64). Files are read in the scanning host's layout unless their records leave
 * no doubt they come from another architecture (detectLayout).
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

const MIN_TIME = 315_532_800; // 1980
const MAX_TIME = 4_102_444_800; // 2100

/** The byte order of the scanning host (Deno runs on little-endian x86-64 and aarch64). */
export const NATIVE_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function timeAt(dv: DataView, o: number, layout: UtmpLayout, little: boolean): number {
  return layout.name === "time32" ? dv.getInt32(o, little) : Number(dv.getBigInt64(o, little));
}

/** Whether ut_type and the two padding bytes after it can be a record's under a byte order. */
function typeFits(bytes: Uint8Array, dv: DataView, o: number, little: boolean): boolean {
  const type = dv.getInt16(o, little);
  return type >= 0 && type <= 9 && bytes[o + 2] === 0 && bytes[o + 3] === 0;
}

/**
 * What one record says about a layout and byte order: true when it reads as a record (a known ut_type, zero
 * padding, a time between 1980 and 2100), false when it cannot be one, undefined when it says nothing (an
 * EMPTY slot, all zero bytes).
 */
function recordFits(
  bytes: Uint8Array,
  dv: DataView,
  o: number,
  layout: UtmpLayout,
  little: boolean,
): boolean | undefined {
  if (!typeFits(bytes, dv, o, little)) return false;
  if (dv.getInt16(o, little) === 0) return undefined;
  const t = timeAt(dv, o + layout.timeOffset, layout, little);
  return t > MIN_TIME && t < MAX_TIME;
}

/** Records that read as records (good) and that cannot be records (bad) under one layout and byte order. */
interface Fit {
  good: number;
  bad: number;
}

/** A layout and byte order, and whether it is the scanning host's. */
export interface Choice {
  layout: UtmpLayout;
  little: boolean;
  native: boolean;
}

/** Bytes to skip at the start of `bytes` read from file offset `start` so that records start on whole records. */
export function leadingBytes(start: number, layout: UtmpLayout): number {
  return (layout.size - (start % layout.size)) % layout.size;
}

/**
 * The host's layout unless the evidence is overwhelming: not one record reads as a record natively while another
 * layout reads (nearly) all of them — a copy from another architecture.
 */
function choose(fitOf: (layout: UtmpLayout, little: boolean) => Fit): Choice {
  const native = nativeLayout();
  const home = { layout: native, little: NATIVE_LITTLE, native: true };
  if (fitOf(native, NATIVE_LITTLE).good > 0) return home;
  let best: (Fit & Choice) | undefined;
  for (const layout of LAYOUTS) {
    for (const little of [true, false]) {
      if (layout === native && little === NATIVE_LITTLE) continue;
      const f = fitOf(layout, little);
      if (f.good > 0 && f.bad * 10 <= f.good && (!best || f.good > best.good)) {
        best = { ...f, layout, little, native: false };
      }
    }
  }
  return best ? { layout: best.layout, little: best.little, native: false } : home;
}

/**
 * The layout and byte order to read a utmp/wtmp/btmp file in: the host's own — login programs write nothing
 * else, and glibc, util-linux `last` and `utmpdump` read only the native struct — unless not one record of
 * `bytes` reads natively while another layout reads (nearly) all of them. A few foreign records planted at the
 * head of a native file (to make a layout guess lose the real ones) therefore never switch it. `start` is the
 * file offset `bytes` were read from (records are aligned on the start of the file).
 */
export function detectLayout(bytes: Uint8Array, start = 0): Choice {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return choose((layout, little) => {
    const f = { good: 0, bad: 0 };
    for (let o = leadingBytes(start, layout); o + layout.size <= bytes.length; o += layout.size) {
      const ok = recordFits(bytes, dv, o, layout, little);
      if (ok === true) f.good++;
      else if (ok === false) f.bad++;
    }
    return f;
  });
}

/**
 * The layout and byte order of lastlog, judged from its own slots (`bytes` read from its start), by the rule of
 * detectLayout: a slot that is not all zero reads as a login when its time is between 1980 and 2100.
 */
export function detectLastlogLayout(bytes: Uint8Array): Choice {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return choose((layout, little) => {
    const f = { good: 0, bad: 0 };
    for (let o = 0; o + layout.lastlogSize <= bytes.length; o += layout.lastlogSize) {
      if (isZero(bytes.subarray(o, o + layout.lastlogSize))) continue;
      const t = timeAt(dv, o, layout, little);
      if (t > MIN_TIME && t < MAX_TIME) f.good++;
      else f.bad++;
    }
    return f;
  });
}

/** Records that are not records in the layout a file was read in. */
export interface Undecodable {
  /** Records (not all zero) whose ut_type or its padding is impossible in that layout and byte order. */
  count: number;
  /** Of those, the ones that read as records in the other byte order: written byte-swapped, on purpose. */
  swapped: number;
  /** The first few swapped records, decoded in their own byte order. */
  swappedSamples: UtmpRecord[];
}

/** The decoded records of a utmp/wtmp/btmp file, and the bytes of a truncated last record. */
export interface UtmpParse {
  records: UtmpRecord[];
  layout: UtmpLayout;
  little: boolean;
  /** The layout and byte order are the scanning host's. */
  native: boolean;
  /** Records that do not decode in that layout. */
  undecodable: Undecodable;
  /** Bytes after the last whole record (a truncated tail), ignored. */
  trailing: number;
}

function decode(body: Uint8Array, dv: DataView, o: number, i: number, layout: UtmpLayout, little: boolean) {
  const rec = body.subarray(o, o + layout.size);
  return {
    index: i,
    type: dv.getInt16(o, little),
    pid: dv.getInt32(o + 4, little),
    line: cstr(rec, 8, 32),
    id: cstr(rec, 40, 4),
    user: cstr(rec, 44, 32),
    host: cstr(rec, 76, 256),
    time: timeAt(dv, o + layout.timeOffset, layout, little),
    addr: address(rec, layout.addrOffset),
    zeroed: isZero(rec),
  };
}

/**
 * Decodes utmp records; `layout`/`little` are detected (detectLayout) when not given. `leading` bytes are
 * skipped first (a tail read that starts inside a record). Never throws.
 */
export function parseUtmp(
  bytes: Uint8Array,
  opts: { layout?: UtmpLayout; little?: boolean; leading?: number; maxRecords?: number } = {},
): UtmpParse {
  const body = bytes.subarray(Math.min(opts.leading ?? 0, bytes.length));
  const detected = opts.layout && opts.little !== undefined
    ? {
      layout: opts.layout,
      little: opts.little,
      native: opts.layout === nativeLayout() && opts.little === NATIVE_LITTLE,
    }
    : detectLayout(body);
  const { layout, little, native } = detected;
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const count = Math.min(Math.floor(body.length / layout.size), opts.maxRecords ?? Infinity);
  const records: UtmpRecord[] = [];
  const undecodable: Undecodable = { count: 0, swapped: 0, swappedSamples: [] };
  for (let i = 0; i < count; i++) {
    const o = i * layout.size;
    const r = decode(body, dv, o, i, layout, little);
    records.push(r);
    if (r.zeroed || typeFits(body, dv, o, little)) continue;
    undecodable.count++;
    if (recordFits(body, dv, o, layout, !little) === true) {
      undecodable.swapped++;
      if (undecodable.swappedSamples.length < 5) {
        undecodable.swappedSamples.push(decode(body, dv, o, i, layout, !little));
      }
    }
  }
  return {
    records,
    layout,
    little,
    native,
    undecodable,
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
