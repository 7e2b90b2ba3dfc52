/**
 * Where container runtimes keep their configuration on the host, as data: the paths the runtime-configuration
 * reader (`runtime_configs.ts`) reads, and a cheap test of whether any is there, so a scan of a host without
 * containers never loads that reader and its schemas.
 */
import type { Host } from "../../host/host.ts";

/** Docker's daemon configuration (it may move the data root). */
export const DOCKER_DAEMON_JSON = "/etc/docker/daemon.json";
/** Docker's data root when daemon.json does not move it. */
export const DOCKER_DEFAULT_ROOT = "/var/lib/docker";
/** Podman's sqlite state files (root's; rootless users keep theirs under ~/.local/share/containers/storage). */
export const PODMAN_DBS = ["/var/lib/containers/storage/db.sql"];
/** Podman's older BoltDB state, which the reader does not parse. */
export const PODMAN_BOLT = "/var/lib/containers/storage/libpod/bolt_state.db";

/** Runtime sockets owned by root (a world-writable one is root for everyone). */
export const ROOT_RUNTIME_SOCKETS: readonly string[] = [
  "/run/docker.sock",
  "/var/run/docker.sock",
  "/run/containerd/containerd.sock",
  "/run/crio/crio.sock",
  "/run/podman/podman.sock",
  "/run/k3s/containerd/containerd.sock",
  "/run/buildkit/buildkitd.sock",
];

/**
 * Whether any runtime state the reader knows of exists (lstat only): a moved Docker root is named in
 * daemon.json, so its presence counts.
 */
export function runtimeStatePresent(host: Host): boolean {
  return [DOCKER_DAEMON_JSON, DOCKER_DEFAULT_ROOT, ...PODMAN_DBS, PODMAN_BOLT].some((p) => host.lstat(p).ok);
}
