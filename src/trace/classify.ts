/** Pure classification used by the trace findings: destinations, executable locations, risky processes. */
import { homeOf, type LocationJudge, pathLocation } from "../host/location.ts";

/** Where a destination address lies. */
export type Scope = "loopback" | "private" | "link_local" | "multicast" | "unspecified" | "external";

function v4Parts(ip: string): number[] | null {
  const parts = ip.split(".");
  if (parts.length !== 4) return null;
  const n = parts.map(Number);
  return n.every((x, i) => Number.isInteger(x) && x >= 0 && x <= 255 && parts[i] !== "") ? n : null;
}

/** Classifies an IPv4 or IPv6 address (as the decoder formats them). */
export function addressScope(ip: string): Scope {
  const v4 = v4Parts(ip);
  if (v4) {
    const [a, b] = v4;
    if (a === 127) return "loopback";
    if (a === 0) return "unspecified";
    if (
      a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    ) {
      return "private";
    }
    if (a === 169 && b === 254) return "link_local";
    if (a >= 224 && a <= 239) return "multicast";
    if (a === 255) return "multicast";
    return "external";
  }
  const lower = ip.toLowerCase();
  if (lower === "::1") return "loopback";
  if (lower === "::") return "unspecified";
  if (/^fe[89ab]/.test(lower)) return "link_local";
  if (/^f[cd]/.test(lower)) return "private";
  if (lower.startsWith("ff")) return "multicast";
  return "external";
}

/** Ports where outbound connections are ordinary (web, DNS, NTP, mail submission, SSH, LDAP, Kerberos, proxies). */
export const COMMON_PORTS: ReadonlySet<number> = new Set([
  22,
  25,
  53,
  80,
  88,
  123,
  389,
  443,
  465,
  587,
  636,
  853,
  993,
  995,
  3128,
  8080,
  8443,
]);

/** Where an executable lives, when that is unusual for a program. */
export type ExecLocation = "memfd" | "deleted" | "temp" | "home" | "world_writable" | "user_writable" | null;

/**
 * Classifies an executable path: `exe` is /proc/<pid>/exe's target when known (it resolves fexecve). Temporary
 * trees and homes are the project's one list (host/location.ts); with a `judge`, a path in none of them is
 * also judged by the permissions of the file and its directories (world- or user-writable).
 */
export function execLocation(
  filename: string,
  exe: string | null,
  exeDeleted = false,
  judge?: LocationJudge,
): ExecLocation {
  if (exe?.startsWith("/memfd:") || filename.startsWith("/memfd:")) return "memfd";
  if (exeDeleted) return "deleted";
  const path = exe ?? filename;
  const byName = pathLocation(path);
  if (byName !== undefined || judge === undefined || !path.startsWith("/")) return byName ?? null;
  const judged = judge.judge(path).kind;
  return judged === "system" ? null : judged;
}

const SHELLS = new Set(["sh", "bash", "dash", "zsh", "ksh", "csh", "tcsh", "fish", "ash", "busybox"]);
const NET_TOOLS = new Set(["nc", "ncat", "netcat", "socat", "telnet"]);
const INTERPRETER =
  /^(python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|php[0-9.]*|node|nodejs|lua[0-9.]*|tclsh[0-9.]*|awk|gawk|mawk)$/;

/**
 * The area of a home directory an executable lives in: the home's first-level entry ("/root/.pyenv",
 * "/home/alice/bin"), or the file itself when it sits directly in the home directory.
 */
export function homeArea(path: string): string {
  const home = homeOf(path);
  if (home === undefined) return path;
  const rest = path.slice(home.length + 1);
  const slash = rest.indexOf("/");
  return slash < 0 ? path : `${home}/${rest.slice(0, slash)}`;
}

/** What kind of program a comm or basename names, when it matters for an outbound connection. */
export function processKind(name: string): "shell" | "interpreter" | "net_tool" | null {
  if (SHELLS.has(name)) return "shell";
  if (NET_TOOLS.has(name)) return "net_tool";
  if (INTERPRETER.test(name)) return "interpreter";
  return null;
}

/** The last component of a path. */
export function basename(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? path : path.slice(i + 1);
}
