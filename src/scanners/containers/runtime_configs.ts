/**
 * The containers the host's runtimes are configured to run, read from their state on disk (so it works on a
 * mounted image, and for containers that are stopped now but start at boot): Docker's per-container
 * config.v2.json and hostconfig.json under its data root, and Podman's container configurations in its sqlite
 * state (db.sql; the older BoltDB state is not read, which is reported). The containers scanner's cgroup view
 * sees only what runs; the persistence scanner uses this reader for containers that come back by themselves.
 */
import { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import type { Host } from "../../host/host.ts";
import { sqliteOpenName } from "../../host/rpm_db.ts";
import { DOCKER_DAEMON_JSON, DOCKER_DEFAULT_ROOT, PODMAN_BOLT, PODMAN_DBS } from "./runtime_state.ts";

/** One bind mount of a container: host path → container path. */
export interface ConfiguredMount {
  source: string;
  destination: string;
  readOnly: boolean;
}

/** A container as its runtime's configuration describes it. */
export interface ConfiguredContainer {
  runtime: "docker" | "podman";
  id: string;
  name: string;
  image: string;
  /** The command it runs (entrypoint and arguments joined), when recorded. */
  command: string;
  /** "always", "unless-stopped", "on-failure", "no" or "". */
  restart: string;
  privileged: boolean;
  mounts: ConfiguredMount[];
  /** Host namespaces it shares ("pid", "network", "ipc", "uts"). */
  hostNamespaces: string[];
  capAdd: string[];
  /** Where the configuration was read. */
  path: string;
}

/** What the reader found, and what it could not read. */
export interface RuntimeConfigs {
  containers: ConfiguredContainer[];
  problems: string[];
}

const MAX_JSON = 4 << 20;
const MAX_CONTAINERS = 5000;

const DaemonJson = z.object({ "data-root": z.string().optional(), graph: z.string().optional() })
  .passthrough();
const DockerConfig = z.object({
  ID: z.string().optional(),
  Name: z.string().optional(),
  Config: z.object({
    Image: z.string().optional(),
    Cmd: z.array(z.string()).nullish(),
    Entrypoint: z.array(z.string()).nullish(),
  }).passthrough().optional(),
  MountPoints: z.record(
    z.string(),
    z.object({
      Source: z.string().optional(),
      Destination: z.string().optional(),
      RW: z.boolean().optional(),
    })
      .passthrough(),
  ).nullish(),
}).passthrough();
const DockerHostConfig = z.object({
  Binds: z.array(z.string()).nullish(),
  Privileged: z.boolean().optional(),
  RestartPolicy: z.object({ Name: z.string().optional() }).passthrough().nullish(),
  PidMode: z.string().optional(),
  NetworkMode: z.string().optional(),
  IpcMode: z.string().optional(),
  UTSMode: z.string().optional(),
  CapAdd: z.array(z.string()).nullish(),
  Mounts: z.array(
    z.object({
      Type: z.string().optional(),
      Source: z.string().optional(),
      Target: z.string().optional(),
      ReadOnly: z.boolean().optional(),
    })
      .passthrough(),
  ).nullish(),
}).passthrough();
const PodmanConfig = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  rootfsImageName: z.string().optional(),
  command: z.array(z.string()).nullish(),
  entrypoint: z.array(z.string()).nullish(),
  privileged: z.boolean().optional(),
  restart_policy: z.string().optional(),
  spec: z.object({
    mounts: z.array(
      z.object({
        destination: z.string().optional(),
        type: z.string().optional(),
        source: z.string().optional(),
        options: z.array(z.string()).nullish(),
      })
        .passthrough(),
    ).nullish(),
    linux: z.object({ namespaces: z.array(z.object({ type: z.string() }).passthrough()).nullish() })
      .passthrough().nullish(),
    process: z.object({
      capabilities: z.object({ bounding: z.array(z.string()).nullish() }).passthrough().nullish(),
    })
      .passthrough().nullish(),
  }).passthrough().nullish(),
}).passthrough();

function readJson<T extends z.ZodTypeAny>(
  host: Host,
  path: string,
  schema: T,
  problems: string[],
): z.infer<T> | undefined {
  const r = host.readText(path, MAX_JSON);
  if (!r.ok) {
    if (r.reason !== "missing") problems.push(`${path}: ${r.message}`);
    return undefined;
  }
  if (r.truncated) {
    problems.push(`${path}: larger than ${MAX_JSON >> 20} MiB, not read`);
    return undefined;
  }
  try {
    const parsed = schema.safeParse(JSON.parse(r.value));
    if (parsed.success) return parsed.data;
    problems.push(
      `${path}: not a configuration this reader knows (${parsed.error.issues[0]?.message ?? "invalid"})`,
    );
  } catch (e) {
    problems.push(`${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return undefined;
}

/** Splits a Docker bind ("/src:/dst[:opts]"); named volumes (no leading slash) are not host paths. */
export function parseBind(bind: string): ConfiguredMount | undefined {
  const parts = bind.split(":");
  if (parts.length < 2 || !parts[0].startsWith("/")) return undefined;
  return { source: parts[0], destination: parts[1], readOnly: (parts[2] ?? "").split(",").includes("ro") };
}

/** Docker's data root: daemon.json's data-root (or the old graph key), else /var/lib/docker. */
function dockerRoot(host: Host, problems: string[]): string {
  const d = readJson(host, DOCKER_DAEMON_JSON, DaemonJson, problems);
  const root = d?.["data-root"] ?? d?.graph;
  return root?.startsWith("/") ? root : DOCKER_DEFAULT_ROOT;
}

function dockerContainers(host: Host, problems: string[]): ConfiguredContainer[] {
  const dir = `${dockerRoot(host, problems)}/containers`;
  const ls = host.readDir(dir, MAX_CONTAINERS);
  if (!ls.ok) {
    if (ls.reason !== "missing") problems.push(`${dir}: ${ls.message}`);
    return [];
  }
  if (ls.truncated) problems.push(`${dir}: more than ${MAX_CONTAINERS} containers, the rest not read`);
  const out: ConfiguredContainer[] = [];
  for (const e of ls.value.filter((x) => x.isDirectory).map((x) => x.name).sort()) {
    const cfg = readJson(host, `${dir}/${e}/config.v2.json`, DockerConfig, problems);
    const hc = readJson(host, `${dir}/${e}/hostconfig.json`, DockerHostConfig, problems);
    if (!cfg && !hc) continue;
    const mounts: ConfiguredMount[] = [];
    for (const b of hc?.Binds ?? []) {
      const m = parseBind(b);
      if (m) mounts.push(m);
    }
    for (const m of hc?.Mounts ?? []) {
      if ((m.Type ?? "bind") === "bind" && m.Source?.startsWith("/")) {
        mounts.push({ source: m.Source, destination: m.Target ?? "", readOnly: m.ReadOnly === true });
      }
    }
    for (const m of Object.values(cfg?.MountPoints ?? {})) {
      if (
        m.Source?.startsWith("/") &&
        !mounts.some((x) => x.source === m.Source && x.destination === m.Destination)
      ) {
        mounts.push({ source: m.Source, destination: m.Destination ?? "", readOnly: m.RW === false });
      }
    }
    const shared = [["pid", hc?.PidMode], ["network", hc?.NetworkMode], ["ipc", hc?.IpcMode], [
      "uts",
      hc?.UTSMode,
    ]]
      .filter(([, v]) => v === "host").map(([k]) => k as string);
    out.push({
      runtime: "docker",
      id: cfg?.ID ?? e,
      name: (cfg?.Name ?? "").replace(/^\//, ""),
      image: cfg?.Config?.Image ?? "",
      command: [...(cfg?.Config?.Entrypoint ?? []), ...(cfg?.Config?.Cmd ?? [])].join(" "),
      restart: hc?.RestartPolicy?.Name ?? "",
      privileged: hc?.Privileged === true,
      mounts,
      hostNamespaces: shared,
      capAdd: hc?.CapAdd ?? [],
      path: `${dir}/${e}`,
    });
  }
  return out;
}

function podmanContainers(host: Host, dbPath: string, problems: string[]): ConfiguredContainer[] {
  if (!host.lstat(dbPath).ok) return [];
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(sqliteOpenName(host, dbPath), { readOnly: true });
  } catch (e) {
    problems.push(`${dbPath}: ${e instanceof Error ? e.message : String(e)}`);
    return [];
  }
  const out: ConfiguredContainer[] = [];
  try {
    for (const row of db.prepare("SELECT JSON FROM ContainerConfig LIMIT ?").iterate(MAX_CONTAINERS)) {
      const text = (row as { JSON?: unknown }).JSON;
      if (typeof text !== "string" || text.length > MAX_JSON) continue;
      let parsed;
      try {
        parsed = PodmanConfig.safeParse(JSON.parse(text));
      } catch {
        problems.push(`${dbPath}: a container configuration is not JSON`);
        continue;
      }
      if (!parsed.success) continue;
      const c = parsed.data;
      const mounts = (c.spec?.mounts ?? []).filter((m) => m.type === "bind" && m.source?.startsWith("/"))
        .map((m) => ({
          source: m.source!,
          destination: m.destination ?? "",
          readOnly: (m.options ?? []).includes("ro"),
        }));
      const own = new Set((c.spec?.linux?.namespaces ?? []).map((n) => n.type));
      const shared = c.spec?.linux?.namespaces
        ? ["pid", "network", "ipc", "uts"].filter((n) => !own.has(n))
        : [];
      out.push({
        runtime: "podman",
        id: c.id ?? "",
        name: c.name ?? "",
        image: c.rootfsImageName ?? "",
        command: [...(c.entrypoint ?? []), ...(c.command ?? [])].join(" "),
        restart: c.restart_policy ?? "",
        privileged: c.privileged === true,
        mounts,
        hostNamespaces: shared,
        capAdd: [],
        path: dbPath,
      });
    }
  } catch (e) {
    problems.push(`${dbPath}: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    db.close();
  }
  return out;
}

/** Every container Docker and Podman (root's sqlite state) are configured with. Never throws. */
export function readRuntimeConfigs(host: Host): RuntimeConfigs {
  const problems: string[] = [];
  const containers = [
    ...dockerContainers(host, problems),
    ...PODMAN_DBS.flatMap((p) => podmanContainers(host, p, problems)),
  ];
  if (host.lstat(PODMAN_BOLT).ok && !PODMAN_DBS.some((p) => host.lstat(p).ok)) {
    problems.push(`${PODMAN_BOLT}: Podman's BoltDB state is not read (only its sqlite state, db.sql)`);
  }
  return { containers, problems };
}
