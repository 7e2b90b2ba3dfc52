/** APT's package lists (/var/lib/apt/lists/*_Packages): which versions of a few packages the repositories offer. */

const NL = 0x0a;
const PACKAGE = new TextEncoder().encode("Package:");
const VERSION = new TextEncoder().encode("Version:");

function startsWith(data: Uint8Array, at: number, prefix: Uint8Array): boolean {
  if (at + prefix.length > data.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[at + i] !== prefix[i]) return false;
  return true;
}

const dec = new TextDecoder();

/**
 * The versions a Packages file lists for each of the `wanted` package names (name → versions), read from chunks
 * as a decompressor hands them over: only the unfinished last line of a chunk is kept between chunks, so a main
 * archive's list (tens of megabytes once decompressed) is never held whole. Stanzas are separated by blank
 * lines, and only their Package and Version fields are looked at; a line longer than `maxLine` bytes is skipped.
 */
export class ListedVersions {
  /** Name → versions found so far. */
  readonly found = new Map<string, Set<string>>();
  #current: string | undefined;
  #carry: Uint8Array | undefined;
  /** Inside an over-long line whose start was dropped: the input up to the next newline is skipped too. */
  #skipping = false;
  constructor(readonly wanted: ReadonlySet<string>, readonly maxLine = 1 << 20) {}

  /** Reads the complete lines of `chunk` (which may be reused by the caller after the call). */
  feed(chunk: Uint8Array): void {
    let data = chunk;
    if (this.#carry !== undefined) {
      data = new Uint8Array(this.#carry.length + chunk.length);
      data.set(this.#carry);
      data.set(chunk, this.#carry.length);
      this.#carry = undefined;
    }
    let start = 0;
    if (this.#skipping) {
      const end = data.indexOf(NL);
      if (end < 0) return;
      this.#skipping = false;
      start = end + 1;
    }
    while (start < data.length) {
      const end = data.indexOf(NL, start);
      if (end < 0) break;
      this.#line(data, start, end);
      start = end + 1;
    }
    if (start >= data.length) return;
    if (data.length - start <= this.maxLine) this.#carry = data.slice(start);
    else this.#skipping = true;
  }

  /** Reads the last line when the input does not end with a newline. */
  end(): Map<string, Set<string>> {
    if (this.#carry !== undefined) this.#line(this.#carry, 0, this.#carry.length);
    this.#carry = undefined;
    this.#skipping = false;
    return this.found;
  }

  #line(data: Uint8Array, start: number, end: number): void {
    if (end === start || (end === start + 1 && data[start] === 0x0d)) this.#current = undefined;
    else if (startsWith(data, start, PACKAGE)) {
      const name = dec.decode(data.subarray(start + PACKAGE.length, end)).trim();
      this.#current = this.wanted.has(name) ? name : undefined;
    } else if (this.#current !== undefined && startsWith(data, start, VERSION)) {
      const version = dec.decode(data.subarray(start + VERSION.length, end)).trim();
      const set = this.found.get(this.#current) ?? new Set<string>();
      set.add(version);
      this.found.set(this.#current, set);
    }
  }
}

/** The versions a whole Packages file lists for each of the `wanted` package names (see `ListedVersions`). */
export function listedVersions(data: Uint8Array, wanted: ReadonlySet<string>): Map<string, Set<string>> {
  const r = new ListedVersions(wanted, Infinity);
  r.feed(data);
  return r.end();
}

/** True for a list file holding a Packages index, compressed or not (`…_binary-amd64_Packages.lz4`). */
export function isPackagesList(name: string): boolean {
  return /_Packages(?:\.(?:gz|xz|lz4|zst))?$/.test(name);
}

const isDigit = (ch: string | undefined) => ch !== undefined && ch >= "0" && ch <= "9";

/** dpkg's character order in versions: `~` before the end, the end before letters, letters before the rest. */
function order(ch: string | undefined): number {
  if (ch === undefined || isDigit(ch)) return 0;
  if (/[A-Za-z]/.test(ch)) return ch.charCodeAt(0);
  if (ch === "~") return -1;
  return ch.charCodeAt(0) + 256;
}

/** Compares two upstream versions or revisions as dpkg does (alternating non-digit and digit runs). */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const d = order(a[i]) - order(b[j]);
      if (d !== 0) return d;
      i++;
      j++;
    }
    while (a[i] === "0") i++;
    while (b[j] === "0") j++;
    let first = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (first === 0) first = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (first !== 0) return first;
  }
  return 0;
}

function splitVersion(v: string): [number, string, string] {
  const colon = v.indexOf(":");
  const epoch = colon > 0 && /^\d+$/.test(v.slice(0, colon)) ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf("-");
  return dash > 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ""];
}

/** Compares two Debian versions (epoch, upstream version, revision) as `dpkg --compare-versions` does. */
export function compareDebVersions(a: string, b: string): number {
  const [ea, ua, ra] = splitVersion(a.trim());
  const [eb, ub, rb] = splitVersion(b.trim());
  if (ea !== eb) return ea < eb ? -1 : 1;
  return Math.sign(compareFragment(ua, ub)) || Math.sign(compareFragment(ra, rb));
}
