/**
 * Containers as persistence: containers the runtime brings back by itself (restart policy `always` or
 * `unless-stopped`) that reach into the host — privileged, the host's root or runtime socket mounted, or
 * writable host system directories. Read through the containers scanner's reader of runtime configurations.
 */
import type { ConfiguredContainer } from "../../containers/runtime_configs.ts";
import { ROOT_RUNTIME_SOCKETS, runtimeStatePresent } from "../../containers/runtime_state.ts";
import type { Collector } from "../collect.ts";
import { normalisePath } from "../collect.ts";

/** Restart policies that start a container again without anyone asking (at boot, after it exits). */
export const SELF_STARTING = new Set(["always", "unless-stopped"]);
/** Host directories a container must not be able to write: changing them changes the host. */
const SENSITIVE_DIRS = [
  "/etc",
  "/root",
  "/boot",
  "/usr",
  "/lib/modules",
  "/var/spool/cron",
  "/home",
  "/var/lib/docker",
];
const SOCKET_NAMES = /(?:^|\/)(?:docker|containerd|crio|podman|buildkitd)\.sock$/;

/** What gives the container the host, most severe first, with whether it is critical. */
export function hostAccess(c: ConfiguredContainer): { reasons: string[]; critical: boolean } {
  const reasons: string[] = [];
  let critical = false;
  for (const m of c.mounts) {
    const src = normalisePath(m.source);
    if (src === "/") {
      reasons.push(
        `mounts the host's root filesystem at ${m.destination}${m.readOnly ? " (read-only)" : ""}`,
      );
      critical ||= !m.readOnly;
    } else if (
      SOCKET_NAMES.test(src) || ROOT_RUNTIME_SOCKETS.includes(src) || src === "/run/docker" ||
      src === "/var/run"
    ) {
      reasons.push(`mounts the runtime socket ${src}`);
      critical = true;
    } else if (
      !m.readOnly && SENSITIVE_DIRS.some((d) => src === d || (d !== "/usr" && src.startsWith(d + "/")))
    ) {
      reasons.push(`mounts ${src} writable`);
    }
  }
  if (c.privileged) reasons.unshift("runs privileged");
  return { reasons, critical };
}

/**
 * The runtime-configuration reader, loaded only on a host with runtime state (it brings its schemas). Its URL is
 * made at run time so a scan without containers does not parse it either.
 */
function configReader(): Promise<typeof import("../../containers/runtime_configs.ts")> {
  return import(new URL("../../containers/runtime_configs.ts", import.meta.url).href);
}

/** Every configured container is inventoried; self-starting ones with host access are findings. */
export async function containerSources(c: Collector): Promise<void> {
  if (!runtimeStatePresent(c.ctx.host)) return;
  const r = (await configReader()).readRuntimeConfigs(c.ctx.host);
  for (const p of r.problems.slice(0, 20)) c.ctx.warn("container_config_unreadable", p);
  for (const k of r.containers) {
    c.point({
      kind: "container",
      path: k.path,
      entries: [],
      meta: {
        technique: "T1610",
        runtime: k.runtime,
        container: k.name || k.id.slice(0, 12),
        image: k.image,
        command: k.command.slice(0, 300),
        restart: k.restart || "no",
        privileged: k.privileged,
        mounts: k.mounts.slice(0, 20).map((m) => `${m.source}:${m.destination}${m.readOnly ? ":ro" : ""}`),
        host_namespaces: k.hostNamespaces,
      },
    });
    if (!SELF_STARTING.has(k.restart)) continue;
    const access = hostAccess(k);
    if (access.reasons.length === 0) continue;
    const name = k.name || k.id.slice(0, 12);
    c.finding({
      check_id: "persistence.container.host_access_autostart",
      subject: `${k.runtime}:${k.id || name}`,
      ...(access.critical ? { severity: "critical" as const } : {}),
      description: `${k.runtime} container ${name} (image ${k.image || "unknown"}, restart ${k.restart}) ${
        access.reasons.join(", ")
      }; it runs: ${k.command.slice(0, 200) || "(the image's default)"}.`,
      metadata: {
        runtime: k.runtime,
        container_id: k.id,
        name,
        image: k.image,
        restart: k.restart,
        privileged: k.privileged,
        reasons: access.reasons,
        command: k.command.slice(0, 1000),
        mounts: k.mounts.slice(0, 20).map((m) => `${m.source}:${m.destination}${m.readOnly ? ":ro" : ""}`),
        host_namespaces: k.hostNamespaces,
        path: k.path,
      },
      location: { path: k.path },
    });
  }
}
