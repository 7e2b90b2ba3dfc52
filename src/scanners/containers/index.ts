/**
 * containers: whether the scanned system is itself a container, the containers running on it (from cgroups)
 * with their runtime and pids, privileged or host-namespace containers, runtime sockets mounted into
 * containers, and world-writable runtime sockets.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { type Severity, severityRank } from "../../core/severity.ts";
import { parseMountinfo } from "../../host/mountinfo.ts";
import { procSnapshot } from "../proc_snapshot.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { containerFromCgroup, type ContainerRef } from "./cgroup.ts";
import { groupMembers } from "./groups.ts";
import { selfContainer } from "./self.ts";
import { CONTAINERS_INFO } from "../info/containers.ts";
import { ROOT_RUNTIME_SOCKETS } from "./runtime_state.ts";
import { DANGEROUS_CAPS, fullMask, groupCaps, namespacedGroups, who } from "./privilege.ts";

const SOCKET_NAMES = ["docker.sock", "containerd.sock", "crio.sock", "podman.sock", "buildkitd.sock"];

/** One container and its processes. */
interface Container {
  ref: ContainerRef;
  processes: ProcessInfo[];
}

function inventory(processes: readonly ProcessInfo[]): Container[] {
  const byId = new Map<string, Container>();
  for (const p of [...processes].sort((a, b) => a.pid - b.pid)) {
    const ref = containerFromCgroup(p.cgroup);
    if (!ref) continue;
    const c = byId.get(ref.id);
    if (c) c.processes.push(p);
    else byId.set(ref.id, { ref, processes: [p] });
  }
  return [...byId.values()].sort((a, b) => (a.ref.id < b.ref.id ? -1 : a.ref.id > b.ref.id ? 1 : 0));
}

function shortId(ref: ContainerRef): string {
  return /^[0-9a-f]{64}$/.test(ref.id) ? ref.id.slice(0, 12) : ref.id;
}

/** The container's first process: the lowest pid whose parent is outside the container. */
function initOf(c: Container): ProcessInfo {
  const pids = new Set(c.processes.map((p) => p.pid));
  return c.processes.find((p) => !pids.has(p.ppid)) ?? c.processes[0];
}

const NS_SEVERITY: Readonly<Record<string, Severity>> = {
  pid: "high",
  net: "medium",
  ipc: "low",
  uts: "low",
};

function* containerDrafts(ctx: ScanContext, c: Container, host: ProcessInfo | undefined, full: bigint) {
  const init = initOf(c);
  const id12 = shortId(c.ref);
  const subject = `${c.ref.runtime}:${id12}`;
  const base = {
    container_id: c.ref.id,
    runtime: c.ref.runtime,
    ...(c.ref.podUid ? { pod_uid: c.ref.podUid } : {}),
    init_pid: init.pid,
    init_exe: init.exe,
  };
  yield {
    check_id: "container.inventory.running",
    subject,
    title: `Container running: ${c.ref.runtime} ${id12}`,
    description: `${c.ref.runtime} container ${id12} runs ${c.processes.length} process(es); first: ` +
      `${init.exe ?? init.comm} (pid ${init.pid}).`,
    metadata: {
      ...base,
      pids: c.processes.slice(0, 200).map((p) => String(p.pid)),
      process_count: c.processes.length,
      cmdline: init.cmdline.slice(0, 32).join(" "),
    },
    location: { pid: init.pid },
  } satisfies FindingDraft;

  // Every process counts, not only the first: `docker exec --privileged` runs a process with the full bounding
  // set in the container's cgroup and namespaces while its first process keeps the reduced set.
  const { caps, unreadable } = groupCaps(ctx, c.processes, full);
  if (unreadable.length > 0) {
    ctx.warn(
      "proc_unreadable_status",
      `/proc/{${unreadable.slice(0, 10).map((p) => p.pid).join(",")}}/status: capabilities of ` +
        `${unreadable.length} process(es) of container ${id12} not checked`,
    );
  }
  if (caps.length > 0) {
    const fullProcs = caps.filter((x) => x.full);
    const named = fullProcs[0] ?? caps.find((x) => x.proc.pid === init.pid) ?? caps[0];
    const notFirst = named.proc.pid !== init.pid ? `, not its first process ${who(init)}` : "";
    yield {
      check_id: "container.privileged",
      subject,
      passed: fullProcs.length === 0,
      description: `Container ${id12} (${c.ref.runtime}) runs ${who(named.proc)}${notFirst} with the full ` +
        `capability bounding set: it can escape to the host.`,
      metadata: {
        ...base,
        cap_bnd: named.bnd.toString(16).padStart(16, "0"),
        privileged_pids: fullProcs.slice(0, 200).map((x) => String(x.proc.pid)),
        ...(unreadable.length > 0
          ? { unchecked_pids: unreadable.slice(0, 200).map((p) => String(p.pid)) }
          : {}),
      },
      location: { pid: named.proc.pid },
    } satisfies FindingDraft;
    if (fullProcs.length === 0) {
      const held = new Set(caps.flatMap((x) => x.risky));
      const risky = DANGEROUS_CAPS.filter((cap) => held.has(cap));
      const holders = caps.filter((x) => x.risky.length > 0);
      const first = holders[0];
      yield {
        check_id: "container.dangerous_caps",
        subject,
        passed: risky.length === 0,
        description: `Container ${id12} (${c.ref.runtime}) can use ${risky.join(", ")}` +
          (first
            ? ` (${who(first.proc)}${holders.length > 1 ? ` and ${holders.length - 1} more` : ""}).`
            : "."),
        metadata: {
          ...base,
          capabilities: risky,
          pids: holders.slice(0, 200).map((x) => String(x.proc.pid)),
        },
        location: { pid: first?.proc.pid ?? init.pid },
      } satisfies FindingDraft;
    }
  }

  if (host) {
    const kinds = Object.keys(NS_SEVERITY).filter((k) =>
      init.namespaces[k] && init.namespaces[k] === host.namespaces[k]
    );
    const checked = Object.keys(NS_SEVERITY).filter((k) => init.namespaces[k] && host.namespaces[k]);
    if (checked.length > 0) {
      const worst = kinds.map((k) => NS_SEVERITY[k]).sort((a, b) => severityRank(b) - severityRank(a))[0];
      yield {
        check_id: "container.host_namespace",
        subject,
        passed: kinds.length === 0,
        severity: worst ?? "medium",
        description: `Container ${id12} (${c.ref.runtime}) shares the host's ${
          kinds.join(", ")
        } namespace(s).`,
        metadata: { ...base, shared_namespaces: kinds, compared_namespaces: checked },
        location: { pid: init.pid },
      } satisfies FindingDraft;
    }
  }

  const mi = ctx.host.readText(`/proc/${init.pid}/mountinfo`, 4 << 20);
  if (mi.ok) {
    const sockets = parseMountinfo(mi.value).mounts.map((m) => m.mountpoint)
      .filter((mp) => SOCKET_NAMES.includes(mp.slice(mp.lastIndexOf("/") + 1)));
    yield {
      check_id: "container.runtime_socket.mounted",
      subject,
      passed: sockets.length === 0,
      description:
        `Container ${id12} (${c.ref.runtime}) has the runtime socket ${sockets.join(", ")} mounted: ` +
        `it controls the host's containers and can become root on the host.`,
      metadata: { ...base, mountpoints: [...new Set(sockets)] },
      location: { pid: init.pid },
    } satisfies FindingDraft;
  }
}

/**
 * Processes in pid and mount namespaces of their own, in the host's user namespace, that no container cgroup
 * names: judged on their bounding sets like a container's. One finding per pid namespace.
 */
function* namespacedDrafts(
  ctx: ScanContext,
  processes: readonly ProcessInfo[],
  host: ProcessInfo,
  found: readonly Container[],
  full: bigint,
): Generator<FindingDraft> {
  const inContainer = new Set(found.flatMap((c) => c.processes.map((p) => p.pid)));
  const containerOfNs = new Map(found.map((c) => [initOf(c).namespaces.pid, c] as const));
  for (const g of namespacedGroups(processes, host, inContainer)) {
    const { caps, unreadable } = groupCaps(ctx, g.processes, full);
    const first = g.processes[0];
    const inode = /\[(\d+)\]/.exec(g.pidNs)?.[1] ?? g.pidNs;
    if (unreadable.length > 0) {
      ctx.warn(
        "proc_unreadable_status",
        `/proc/{${unreadable.slice(0, 10).map((p) => p.pid).join(",")}}/status: capabilities of ` +
          `${unreadable.length} process(es) in pid namespace ${inode} not checked`,
      );
    }
    const privileged = caps.filter((x) => x.full || x.risky.length > 0);
    const named = privileged.find((x) => x.full) ?? privileged[0];
    const sharedWith = containerOfNs.get(g.pidNs);
    yield {
      check_id: "container.unlisted_namespaces",
      subject: `pidns:${inode}`,
      passed: named === undefined,
      description: named === undefined
        ? `Processes in pid namespace ${inode} keep no escape-prone capability.`
        : `${who(named.proc)} runs in its own ${g.own.join(", ")} namespaces with ` +
          (named.full ? "the full capability bounding set" : named.risky.join(", ")) +
          `, in cgroup ${first.cgroup.trim().split("\n")[0]}: a container no runtime's cgroup names` +
          (sharedWith ? ` (the pid namespace of container ${sharedWith.ref.id.slice(0, 12)})` : "") + ".",
      metadata: {
        pid_namespace: g.pidNs,
        own_namespaces: g.own,
        pids: g.processes.slice(0, 200).map((p) => String(p.pid)),
        process_count: g.processes.length,
        privileged_pids: privileged.slice(0, 200).map((x) => String(x.proc.pid)),
        ...(named
          ? {
            pid: named.proc.pid,
            exe: named.proc.exe,
            cap_bnd: named.bnd.toString(16).padStart(16, "0"),
            capabilities: named.full ? ["ALL"] : named.risky,
            cgroup: named.proc.cgroup.trim(),
          }
          : {}),
        ...(sharedWith ? { container_id: sharedWith.ref.id } : {}),
      },
      location: { pid: (named?.proc ?? first).pid },
    };
  }
}

function runtimeSocketPaths(ctx: ScanContext): { path: string; rootless: boolean }[] {
  const out = ROOT_RUNTIME_SOCKETS.map((path) => ({ path, rootless: false }));
  const users = ctx.host.readDir("/run/user", 10_000);
  if (users.ok) {
    for (
      const uid of users.value.map((e) => e.name).filter((n) => /^\d+$/.test(n)).sort((a, b) =>
        Number(a) - Number(b)
      )
    ) {
      out.push({ path: `/run/user/${uid}/podman/podman.sock`, rootless: true });
      out.push({ path: `/run/user/${uid}/docker.sock`, rootless: true });
    }
  }
  return out;
}

/** The non-root members of the group owning a group-writable root runtime socket. */
function groupDraft(ctx: ScanContext, path: string, st: Deno.FileInfo): FindingDraft | undefined {
  const gid = st.gid ?? 0;
  if (gid === 0 || ((st.mode ?? 0) & 0o020) === 0) return undefined;
  const group = ctx.host.readText("/etc/group", 4 << 20);
  const passwd = ctx.host.readText("/etc/passwd", 4 << 20);
  if (!group.ok) {
    if (group.reason !== "missing") ctx.warn("group_unreadable", `/etc/group: ${group.message}`);
    return undefined;
  }
  const g = groupMembers(group.value, passwd.ok ? passwd.value : "", gid);
  if (!g) return undefined;
  const users = g.members.filter((m) => m !== "root");
  return {
    check_id: "container.runtime_socket.group_members",
    subject: path,
    passed: users.length === 0,
    description:
      `Members of group ${g.name} (${users.join(", ")}) can write to ${path}: they can become root ` +
      `through the container runtime.`,
    metadata: { path, group: g.name, gid, members: users },
    location: { path },
  };
}

function* socketDrafts(ctx: ScanContext): Generator<FindingDraft> {
  const seen = new Set<string>();
  for (const { path, rootless } of runtimeSocketPaths(ctx)) {
    const st = ctx.host.stat(path);
    if (!st.ok) {
      if (st.reason !== "missing") ctx.warn("runtime_socket_unreadable", `${path}: ${st.message}`);
      continue;
    }
    if (!st.value.isSocket) continue;
    const key = `${st.value.dev}:${st.value.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const mode = (st.value.mode ?? 0) & 0o7777;
    const worldWritable = (mode & 0o002) !== 0;
    yield {
      check_id: "container.runtime_socket.world_writable",
      subject: path,
      passed: !worldWritable,
      severity: rootless ? "high" : "critical",
      description: `${path} is writable by every local user (mode ${mode.toString(8).padStart(4, "0")}): ` +
        (rootless ? "any user can take over this user's containers." : "any user can become root."),
      metadata: {
        path,
        mode: mode.toString(8).padStart(4, "0"),
        uid: st.value.uid,
        gid: st.value.gid,
        rootless,
      },
      location: { path },
    };
    const group = rootless ? undefined : groupDraft(ctx, path, st.value);
    if (group) yield group;
  }
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const self = selfContainer(ctx);
  if (self.verdict !== "host") {
    yield {
      check_id: "container.self.inside",
      subject: "",
      title: self.verdict === "container"
        ? "The scanned system is a container"
        : "The scanned system may be a container (weak evidence only)",
      description: `Evidence: ${[...self.strong, ...self.weak].join("; ")}.`,
      metadata: { verdict: self.verdict, strong_evidence: self.strong, weak_evidence: self.weak },
    };
  }
  const snap = procSnapshot(ctx);
  const init = snap.processes.find((p) => p.pid === 1);
  const host = init && Object.keys(init.namespaces).length > 0 ? init : undefined;
  const found = inventory(snap.processes);
  if (!host && (found.length > 0 || snap.processes.some((p) => Object.keys(p.namespaces).length > 0))) {
    ctx.warn(
      "proc_unreadable_ns",
      "namespaces of pid 1 unreadable: host-namespace sharing and containers without a runtime cgroup not checked",
    );
  }
  const full = fullMask(ctx);
  for (const c of found) {
    await ctx.checkpoint();
    yield* containerDrafts(ctx, c, host, full);
  }
  if (host) yield* namespacedDrafts(ctx, snap.processes, host, found, full);
  yield* socketDrafts(ctx);
}

/** The containers scanner. */
export const containers: Scanner = { ...CONTAINERS_INFO, run };
