/** Which container (id, runtime, pod) a /proc/<pid>/cgroup text places a process in, for cgroup v1 and v2. */

/** Container runtimes recognised from cgroup paths. */
export type Runtime =
  | "docker"
  | "containerd"
  | "cri-o"
  | "podman"
  | "kubernetes"
  | "lxc"
  | "nspawn"
  | "unknown";

/** A process's container, as named by its cgroup. */
export interface ContainerRef {
  /** 64-hex container id, or the lxc/nspawn machine name. */
  id: string;
  runtime: Runtime;
  /** Kubernetes pod UID when the path is under kubepods. */
  podUid?: string;
}

const HEX64 = "[0-9a-f]{64}";
const SCOPES: readonly [RegExp, Runtime][] = [
  [new RegExp(`^docker-(${HEX64})\\.scope$`), "docker"],
  [new RegExp(`^cri-containerd-(${HEX64})\\.scope$`), "containerd"],
  [new RegExp(`^crio-(${HEX64})(?:\\.scope)?$`), "cri-o"],
  [new RegExp(`^libpod-(${HEX64})(?:\\.scope)?$`), "podman"],
];
const BARE = new RegExp(`^${HEX64}$`);
const POD = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/;

/** Decodes systemd unit-name escapes (`\x2d` → `-`). */
function unescapeUnit(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function fromPath(path: string): ContainerRef | undefined {
  const comps = path.split("/").filter((c) => c !== "");
  const pod = POD.exec(path)?.[1]?.replaceAll("_", "-");
  const kube = comps.some((c) => c.startsWith("kubepods"));
  const withPod = (ref: ContainerRef): ContainerRef => (pod ? { ...ref, podUid: pod } : ref);
  for (let i = comps.length - 1; i >= 0; i--) {
    const c = comps[i];
    for (const [re, runtime] of SCOPES) {
      const m = re.exec(c);
      if (m) return withPod({ id: m[1], runtime });
    }
    if (BARE.test(c)) {
      const parent = comps[i - 1] ?? "";
      const runtime: Runtime = parent === "docker" ? "docker" : kube ? "kubernetes" : "unknown";
      return withPod({ id: c, runtime });
    }
  }
  const lxc = path.match(/\/lxc\/([^/]+)|\/lxc\.payload[./]([^/]+)/);
  if (lxc) return { id: lxc[1] ?? lxc[2], runtime: "lxc" };
  const machine = comps.find((c) => /^machine-.+\.scope$/.test(c));
  if (machine) {
    const name = unescapeUnit(machine.slice("machine-".length, -".scope".length));
    if (!name.startsWith("qemu-")) return { id: name, runtime: "nspawn" };
  }
  return undefined;
}

/**
 * Parses a /proc/<pid>/cgroup text (lines `hierarchy:controllers:path`) and returns the container named by
 * the first line that names one. Podman's and CRI-O's `*-conmon-<id>` monitors run outside the container and
 * do not count.
 */
export function containerFromCgroup(text: string): ContainerRef | undefined {
  for (const line of text.split("\n")) {
    const first = line.indexOf(":");
    const second = first < 0 ? -1 : line.indexOf(":", first + 1);
    if (second < 0) continue;
    const ref = fromPath(line.slice(second + 1).trim());
    if (ref) return ref;
  }
  return undefined;
}
