/**
 * Is the scanned system itself a container? Strong signals (runtime files, pid 1's environment, cgroup,
 * runtime-managed mounts, a container init) decide; weak ones (a stale /.dockerenv, an unusual pid 1) only
 * make it "possible", because images built with Docker and then booted as VMs keep /.dockerenv.
 */
import type { ScanContext } from "../../core/context.ts";
import { readExeLink } from "../../host/exe_link.ts";
import type { Host } from "../../host/host.ts";
import { parseMountinfo } from "../../host/mountinfo.ts";
import { parseEnviron, parseStat } from "../../host/proc_stat.ts";
import { containerFromCgroup } from "./cgroup.ts";

/** The verdict and the evidence behind it. */
export interface SelfContainer {
  verdict: "container" | "possible" | "host";
  strong: string[];
  weak: string[];
}

/** pid 1 programs that only run as a container's init. */
export const CONTAINER_INITS: ReadonlySet<string> = new Set([
  "tini",
  "docker-init",
  "dumb-init",
  "catatonit",
  "pause",
]);

/** pid 1 programs of ordinary (host) systems. */
export const HOST_INITS: ReadonlySet<string> = new Set([
  "systemd",
  "init",
  "openrc-init",
  "runit",
  "runit-init",
  "s6-svscan",
  "busybox",
  "upstart",
]);

const RUNTIME_MOUNTS = ["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"];
const RUNTIME_STORES = [
  "/var/lib/docker/",
  "/var/lib/containers/",
  "/var/lib/containerd/",
  "/var/lib/rancher/",
];

function pid1Name(host: Host): string | undefined {
  const exe = readExeLink(host, 1);
  if (exe) return exe.path.split("/").pop();
  const stat = host.readText("/proc/1/stat", 4096);
  return stat.ok ? parseStat(stat.value)?.comm : undefined;
}

/** Collects the evidence from the scan root. */
export function detectSelfContainer(host: Host): SelfContainer {
  const strong: string[] = [];
  const weak: string[] = [];
  if (host.exists("/run/.containerenv")) strong.push("/run/.containerenv exists (podman/buildah)");
  if (host.exists("/var/run/secrets/kubernetes.io/serviceaccount")) {
    strong.push("a Kubernetes service account is mounted");
  }
  const env = host.readBytes("/proc/1/environ", 64 << 10);
  const container = env.ok ? parseEnviron(env.value).get("container") : undefined;
  if (container) strong.push(`pid 1 runs with container=${container}`);
  const cgroup = host.readText("/proc/1/cgroup", 16 << 10);
  const ref = cgroup.ok ? containerFromCgroup(cgroup.value) : undefined;
  if (ref) strong.push(`pid 1's cgroup names a ${ref.runtime} container`);
  let mountinfo = host.readText("/proc/1/mountinfo", 4 << 20);
  if (!mountinfo.ok) mountinfo = host.readText("/proc/self/mountinfo", 4 << 20);
  if (mountinfo.ok) {
    const mounts = parseMountinfo(mountinfo.value).mounts;
    const managed = mounts.filter((m) => RUNTIME_MOUNTS.includes(m.mountpoint)).map((m) => m.mountpoint);
    if (managed.length > 0) strong.push(`runtime-managed bind mounts: ${[...new Set(managed)].join(", ")}`);
    const root = mounts.filter((m) => m.mountpoint === "/").pop();
    if (root?.fstype === "overlay" && root.options.some((o) => RUNTIME_STORES.some((s) => o.includes(s)))) {
      strong.push("the root filesystem is an overlay from a container image store");
    }
  }
  const init = pid1Name(host);
  if (init !== undefined && CONTAINER_INITS.has(init)) strong.push(`pid 1 is ${init}, a container init`);
  else if (init !== undefined && !HOST_INITS.has(init)) weak.push(`pid 1 is ${init}, not a system init`);
  if (host.exists("/.dockerenv")) weak.push("/.dockerenv exists");
  const verdict = strong.length > 0 ? "container" : weak.length > 0 ? "possible" : "host";
  return { verdict, strong, weak };
}

/** The detection for this scan, computed once (containers and mac both use it). */
export function selfContainer(ctx: ScanContext): SelfContainer {
  return ctx.shared.memo("self-container", () => detectSelfContainer(ctx.host));
}
