/**
 * Host programs container engines run as root, outside any container, whenever a container starts: Docker's
 * runtimes and userland proxy (daemon.json), containerd's runtime binaries, shims and stream processors
 * (config.toml and its imports), CRI-O's runtimes and conmon (crio.conf, crio.conf.d), Podman's runtimes and
 * conmon (containers.conf, containers.conf.d), and OCI hooks (hooks.d/*.json of Podman and CRI-O, run at
 * container create, start or stop). Pointing one of these at a planted program runs it as root with every
 * container, with no unit, cron line or process of its own in between.
 */
import { DOCKER_DAEMON_JSON } from "../../containers/runtime_state.ts";
import { expandGlob } from "../../ssh/sshd_config.ts";
import { ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, type Entry, normalisePath } from "../collect.ts";
import {
  type ConfiguredProgram,
  dockerDaemonPrograms,
  ociHookProgram,
  tomlStrings,
} from "./container_runtimes_parse.ts";

const TECHNIQUE = "T1543";

/** containerd's configuration (its `imports` are followed one level). */
export const CONTAINERD_CONFIG = "/etc/containerd/config.toml";
/** CRI-O's configuration files, in the order it reads them. */
const CRIO_CONFIGS = ["/etc/crio/crio.conf"];
const CRIO_DROPINS = "/etc/crio/crio.conf.d";
/** Podman's (containers-common) configuration files: the packaged defaults, the administrator's, drop-ins. */
const PODMAN_CONFIGS = ["/usr/share/containers/containers.conf", "/etc/containers/containers.conf"];
const PODMAN_DROPINS = ["/usr/share/containers/containers.conf.d", "/etc/containers/containers.conf.d"];
/** OCI hook directories Podman and CRI-O read when their configuration names none. */
export const OCI_HOOK_DIRS = ["/usr/share/containers/oci/hooks.d", "/etc/containers/oci/hooks.d"];

/** Which TOML keys name a program, by engine: a test on the table and the key. */
const CONTAINERD_PROGRAM = (table: string, key: string) =>
  key === "BinaryName" || key === "runtime_engine" || (key === "shim" && /(?:^|\.)linux"?$/.test(table)) ||
  (key === "runtime" && /(?:^|\.)linux"?$/.test(table)) ||
  (key === "path" && table.startsWith("stream_processors"));
const CRIO_PROGRAM = (_table: string, key: string) => key === "runtime_path" || key === "conmon";
const PODMAN_PROGRAM = (table: string, key: string) =>
  table === "engine.runtimes" || (table === "engine" && key === "conmon_path");

/** One configuration file's programs as a point; returns the OCI hook directories it names (`hooks_dir`). */
function tomlPoint(
  c: Collector,
  path: string,
  engine: string,
  isProgram: (table: string, key: string) => boolean,
): { hooksDirs: string[]; imports: string[] } {
  const out = { hooksDirs: [] as string[], imports: [] as string[] };
  const f = c.read(path);
  if (!f) return out;
  const entries: Entry[] = [];
  const settings: string[] = [];
  for (const kv of tomlStrings(f.text)) {
    if (kv.key === "hooks_dir") out.hooksDirs.push(...kv.values);
    else if (kv.key === "imports" && kv.table === "") out.imports.push(...kv.values);
    else if (isProgram(kv.table, kv.key)) {
      // Podman lists candidate paths for a runtime and uses the first that exists: each is judged.
      for (const v of kv.values) if (v !== "") entries.push({ line: kv.line, text: v, runAs: ROOT_ACCOUNT });
      settings.push(`${kv.table ? `${kv.table}.` : ""}${kv.key}@${kv.line}`);
    }
  }
  c.point({
    kind: "container_runtime",
    path,
    entries,
    meta: { technique: TECHNIQUE, engine, settings: settings.slice(0, 50) },
  });
  return out;
}

/** A JSON configuration's programs as a point. */
function jsonPoint(
  c: Collector,
  path: string,
  engine: string,
  programs: ConfiguredProgram[],
  extra = {},
): void {
  c.point({
    kind: "container_runtime",
    path,
    entries: programs.map((p) => ({ line: 0, text: p.command, runAs: ROOT_ACCOUNT })),
    meta: { technique: TECHNIQUE, engine, settings: programs.map((p) => p.setting).slice(0, 50), ...extra },
  });
}

/** The `.conf` files of a drop-in directory, by name. */
function dropIns(c: Collector, dir: string): string[] {
  return c.list(dir).filter((n) => n.endsWith(".conf")).map((n) => `${dir}/${n}`);
}

/** Every engine's configuration files and the OCI hooks they (or the defaults) point at. */
export function containerRuntimeSources(c: Collector): void {
  const daemon = c.read(DOCKER_DAEMON_JSON);
  if (daemon) {
    const programs = dockerDaemonPrograms(daemon.text);
    if (programs === undefined) {
      c.ctx.warn(
        "persistence_unreadable",
        `${DOCKER_DAEMON_JSON}: not a JSON object (dockerd refuses to start)`,
      );
    } else jsonPoint(c, DOCKER_DAEMON_JSON, "docker", programs);
  }
  const problems: string[] = [];
  const { imports } = tomlPoint(c, CONTAINERD_CONFIG, "containerd", CONTAINERD_PROGRAM);
  for (const pattern of imports.slice(0, 32)) {
    const abs = normalisePath(pattern.startsWith("/") ? pattern : `/etc/containerd/${pattern}`);
    for (const file of expandGlob(c.ctx.host, abs, problems)) {
      if (file !== CONTAINERD_CONFIG) tomlPoint(c, file, "containerd", CONTAINERD_PROGRAM);
    }
  }
  const hooksDirs = new Set(OCI_HOOK_DIRS);
  for (const path of [...CRIO_CONFIGS, ...dropIns(c, CRIO_DROPINS)]) {
    for (const d of tomlPoint(c, path, "cri-o", CRIO_PROGRAM).hooksDirs) hooksDirs.add(normalisePath(d));
  }
  for (const path of [...PODMAN_CONFIGS, ...PODMAN_DROPINS.flatMap((d) => dropIns(c, d))]) {
    for (const d of tomlPoint(c, path, "podman", PODMAN_PROGRAM).hooksDirs) hooksDirs.add(normalisePath(d));
  }
  for (const dir of hooksDirs) {
    for (const name of c.list(dir).filter((n) => n.endsWith(".json"))) {
      const path = `${dir}/${name}`;
      const f = c.read(path);
      if (!f) continue;
      const hook = ociHookProgram(f.text);
      if (hook) {
        jsonPoint(c, path, "oci-hook", [{ setting: "hook", command: hook.command }], { stages: hook.stages });
      }
    }
  }
  for (const p of problems.slice(0, 10)) c.ctx.warn("persistence_unreadable", p);
}
