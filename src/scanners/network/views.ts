/**
 * Network namespaces to read. /proc/net only shows the reader's namespace, so the sockets of containers and
 * other namespaces are read through /proc/<pid>/net of one process in each namespace.
 */
import type { Host } from "../../host/host.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { programName } from "./owners.ts";

/** One network namespace and where its tables are. */
export interface NetView {
  /** "" for the host namespace; `container:<id12>` or `netns:<program>` otherwise (stable, used in ids). */
  label: string;
  /** The namespace link ("net:[4026531840]"), when known. */
  ns: string | null;
  /** Directories to try in order (`/proc/<pid>/net` of each member, lowest pid first, or `/proc/net`). */
  dirs: string[];
}

/** The host's network namespace: pid 1's, else (on the live host) the scanner's own. */
export function hostNetns(host: Host, processes: readonly ProcessInfo[]): string | null {
  const init = processes.find((p) => p.pid === 1)?.namespaces.net;
  if (init) return init;
  const self = host.readLink("/proc/self/ns/net");
  return self.ok ? self.value : null;
}

/** Groups processes by network namespace; without namespace information, one view of /proc/net. */
export function netViews(host: Host, processes: readonly ProcessInfo[]): NetView[] {
  const groups = new Map<string, ProcessInfo[]>();
  for (const p of [...processes].sort((a, b) => a.pid - b.pid)) {
    const ns = p.namespaces.net;
    if (!ns) continue;
    const g = groups.get(ns);
    if (g) g.push(p);
    else groups.set(ns, [p]);
  }
  const hostNs = hostNetns(host, processes);
  if (groups.size === 0 || (hostNs !== null && !groups.has(hostNs))) {
    groups.set(hostNs ?? "", []);
  }
  const views: NetView[] = [];
  for (const [ns, members] of groups) {
    const isHost = ns === hostNs || ns === "";
    const dirs = members.map((p) => `/proc/${p.pid}/net`);
    if (isHost) dirs.push("/proc/net");
    const rep = members[0];
    const label = isHost
      ? ""
      : rep.containerId !== null
      ? `container:${rep.containerId.slice(0, 12)}`
      : `netns:${programName(rep)}`;
    views.push({ label, ns: ns === "" ? null : ns, dirs });
  }
  views.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return views;
}

/** Where `ip netns` keeps its named network namespaces (bind mounts of nsfs). */
const NAMED_NETNS_DIRS = ["/run/netns", "/var/run/netns"];

/**
 * The named network namespaces (`ip netns add NAME`) by namespace ("net:[N]" → NAME): a namespace kept by a bind
 * mount, which `ip netns list` shows and `ip netns exec NAME ss` can list even when no process is in it.
 */
export function namedNetns(host: Host): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of NAMED_NETNS_DIRS) {
    const entries = host.readDir(dir, 4096);
    if (!entries.ok) continue;
    for (const e of entries.value) {
      const st = host.stat(`${dir}/${e.name}`);
      if (st.ok && st.value.ino !== null) out.set(`net:[${st.value.ino}]`, e.name);
    }
  }
  return out;
}
