/**
 * IP addresses: decoding the hex words /proc/net prints (each 32-bit word in the CPU's byte order) and rendering
 * addresses as text (IPv6 in RFC 5952 form, IPv4-mapped IPv6 as `::ffff:a.b.c.d`). The one formatter of the
 * project: the network and ioc scanners render /proc/net sockets with it, the trace renders connect events.
 */

/** Byte order of the 32-bit words /proc/net prints (the CPU's; /sys/kernel/cpu_byteorder says which). */
export type ByteOrder = "little" | "big";

const HEX8 = /^[0-9A-Fa-f]{8}$/;
const HEX32 = /^[0-9A-Fa-f]{32}$/;

/** The four bytes of one 32-bit word printed by the kernel with `%08X` in host order, in memory order. */
function wordBytes(hex: string, order: ByteOrder): number[] {
  const b = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return order === "little" ? b.reverse() : b;
}

/** Decodes an 8-hex-digit /proc/net IPv4 address ("0100007F" on x86 → "127.0.0.1"); undefined if malformed. */
export function decodeIpv4Hex(hex: string, order: ByteOrder = "little"): string | undefined {
  if (!HEX8.test(hex)) return undefined;
  return formatIpv4(wordBytes(hex, order));
}

/**
 * Decodes a 32-hex-digit /proc/net IPv6 address (four 32-bit words, each in host byte order) into its 16 bytes
 * in network order; undefined if malformed.
 */
export function decodeIpv6Bytes(hex: string, order: ByteOrder = "little"): number[] | undefined {
  if (!HEX32.test(hex)) return undefined;
  return [0, 8, 16, 24].flatMap((i) => wordBytes(hex.slice(i, i + 8), order));
}

/** Four bytes in network order, from `offset`, as dotted-quad text ("127.0.0.1"). */
export function formatIpv4(bytes: ArrayLike<number>, offset = 0): string {
  return Array.from({ length: 4 }, (_, i) => bytes[offset + i]).join(".");
}

/** True when 16 bytes are an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 2.5.5.2). */
export function isIpv4Mapped(bytes: ArrayLike<number>): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/**
 * Renders 16 bytes (network order) as RFC 5952 text: lower-case hex, no leading zeros, the longest run (first
 * on a tie) of two or more zero groups written as "::", and IPv4-mapped addresses as `::ffff:a.b.c.d`.
 *
 * @example formatIpv6([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) // "fe80::1"
 */
export function formatIpv6(bytes: ArrayLike<number>): string {
  const groups = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]);
  if (isIpv4Mapped(bytes)) return `::ffff:${formatIpv4(bytes, 12)}`;
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/** Decodes and renders a /proc/net IPv6 address; undefined if malformed. */
export function decodeIpv6Hex(hex: string, order: ByteOrder = "little"): string | undefined {
  const bytes = decodeIpv6Bytes(hex, order);
  return bytes && formatIpv6(bytes);
}

/** Where a socket is bound, as seen from the network. */
export type BindScope = "wildcard" | "loopback" | "address";

/** Classifies a rendered local address: all-zero is wildcard; 127/8, ::1 and ::ffff:127/104 are loopback. */
export function bindScope(address: string): BindScope {
  if (address === "0.0.0.0" || address === "::" || address === "::ffff:0.0.0.0") return "wildcard";
  if (address === "::1") return "loopback";
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (/^127\.\d+\.\d+\.\d+$/.test(v4)) return "loopback";
  return "address";
}

/** Host:port text with IPv6 addresses in brackets ("[::1]:631"). */
export function hostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
