/**
 * containers: whether the scanned system is itself a container, the containers running on it (from cgroups)
 * with their runtime and pids, privileged or host-namespace containers, runtime sockets mounted into
 * containers, and world-writable runtime sockets.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import { type Severity, severityRank } from "../../core/severity.ts";
import { CAPABILITY_NAMES, decodeCapMask } from "../../host/capabilities.ts";
import { parseMountinfo } from "../../host/mountinfo.ts";
import { procSnapshot } from "../proc_snapshot.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { containerFromCgroup, type ContainerRef } from "./cgroup.ts";
import { groupMembers } from "./groups.ts";
import { selfContainer } from "./self.ts";
import { CONTAINERS_INFO } from "../info/containers.ts";
import { ROOT_RUNTIME_SOCKETS } from "./runtime_state.ts";

const SOCKET_NAMES = ["docker.sock", "containerd.sock", "crio.sock", "podman.sock", "buildkitd.sock"];

/** Escape-prone capabilities (beyond Docker's default set). */
export const DANGEROUS_CAPS: readonly string[] = [
  "CAP_SYS_ADMIN",
  "CAP_SYS_MODULE",
  "CAP_SYS_PTRACE",
  "CAP_SYS_RAWIO",
  "CAP_DAC_READ_SEARCH",
  "CAP_BPF",
];

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

/** The full capability mask of this kernel (from cap_last_cap), as a bigint. */
function fullMask(ctx: ScanContext): bigint {
  const r = ctx.host.readText("/proc/sys/kernel/cap_last_cap", 64);
  const last = r.ok && /^\d+$/.test(r.value.trim()) ? Number(r.value.trim()) : CAPABILITY_NAMES.length - 1;
  return (1n << BigInt(last + 1)) - 1n;
}

function capBnd(ctx: ScanContext, pid: number): bigint | undefined {
  const r = ctx.host.readText(`/proc/${pid}/status`, 16 << 10);
  const m = r.ok ? /^CapBnd:\s*([0-9a-fA-F]{1,16})\s*$/m.exec(r.value) : null;
  return m ? BigInt("0x" + m[1]) : undefined;
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

  const bnd = capBnd(ctx, init.pid);
  if (bnd === undefined) {
    ctx.warn(
      "proc_unreadable_status",
      `/proc/${init.pid}/status: capabilities of container ${id12} not checked`,
    );
  } else {
    const privileged = (bnd & full) === full;
    const caps = decodeCapMask(bnd.toString(16));
    yield {
      check_id: "container.privileged",
      subject,
      passed: !privileged,
      description:
        `Container ${id12} (${c.ref.runtime}) has the full capability bounding set: it can escape ` +
        `to the host.`,
      metadata: { ...base, cap_bnd: bnd.toString(16).padStart(16, "0") },
      location: { pid: init.pid },
    } satisfies FindingDraft;
    if (!privileged) {
      const risky = DANGEROUS_CAPS.filter((cap) => caps.includes(cap));
      yield {
        check_id: "container.dangerous_caps",
        subject,
        passed: risky.length === 0,
        description: `Container ${id12} (${c.ref.runtime}) can use ${risky.join(", ")}.`,
        metadata: { ...base, capabilities: risky },
        location: { pid: init.pid },
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
  if (found.length > 0 && !host) {
    ctx.warn("proc_unreadable_ns", "namespaces of pid 1 unreadable: host-namespace sharing not checked");
  }
  const full = fullMask(ctx);
  for (const c of found) {
    await ctx.checkpoint();
    yield* containerDrafts(ctx, c, host, full);
  }
  yield* socketDrafts(ctx);
}

/** The containers scanner. */
export const containers: Scanner = { ...CONTAINERS_INFO, run };
