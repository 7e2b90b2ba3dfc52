/** Host identity for report meta: host name, OS release, kernel, the invoking user. */
import type { Host } from "./host.ts";
import { loadUsers } from "./proc_users.ts";

/** Parses os-release text (KEY=value, optional quotes, comments). Malformed lines are ignored. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = line.match(/^([A-Z0-9_]+)=(.*)$/);
    if (!m) continue;
    let v = m[2].trim();
    if (
      (v.startsWith('"') && v.endsWith('"') && v.length >= 2) ||
      (v.startsWith("'") && v.endsWith("'") && v.length >= 2)
    ) {
      v = v.slice(1, -1).replace(/\\(["'\\$`])/g, "$1");
    }
    out[m[1]] = v;
  }
  return out;
}

/** Identity of the scanned host and of the invoking process. */
export interface Identity {
  hostname: string;
  kernel: string;
  arch: string;
  os_id: string;
  os_pretty?: string;
  os_version?: string;
  uid: number;
  euid: number;
  user?: string;
}

/**
 * Reads the identity. Host name and OS come from the scan root; kernel, arch and user from the running system.
 * `problems` receives why os-release could not be read when it exists but is not a readable file (a FIFO, a
 * link out of the root): the OS fields are then empty, and that must not pass unsaid.
 */
export function readIdentity(host: Host, live: Host, problems: string[] = []): Identity {
  let hostname = "";
  if (host.isLive) {
    try {
      hostname = Deno.hostname();
    } catch {
      hostname = "";
    }
  }
  if (hostname === "") {
    const h = host.readText("/etc/hostname", 256);
    hostname = h.ok ? h.value.trim() : "unknown";
  }
  let osText = host.readText("/etc/os-release", 64 << 10);
  if (!osText.ok) {
    const first = osText;
    osText = host.readText("/usr/lib/os-release", 64 << 10);
    if (!osText.ok) {
      for (const [path, r] of [["/etc/os-release", first], ["/usr/lib/os-release", osText]] as const) {
        if (!r.ok && r.reason !== "missing") problems.push(`${path}: ${r.message}`);
      }
    }
  }
  const os = osText.ok ? parseOsRelease(osText.value) : {};
  const release = live.readText("/proc/sys/kernel/osrelease", 256);
  const uid = Deno.uid() ?? -1;
  const user = loadUsers(live).names.get(uid);
  return {
    hostname,
    kernel: release.ok ? release.value.trim() : Deno.osRelease(),
    arch: Deno.build.arch,
    os_id: os.ID ?? "",
    ...(os.PRETTY_NAME ? { os_pretty: os.PRETTY_NAME } : {}),
    ...(os.VERSION_ID ? { os_version: os.VERSION_ID } : {}),
    uid,
    euid: uid,
    ...(user !== undefined ? { user } : {}),
  };
}
