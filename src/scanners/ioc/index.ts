/**
 * ioc: per-process indicators of compromise from the shared /proc snapshot (deleted or fileless executables,
 * executables in writable places, dynamic-linker hijacking, kernel-thread disguises, known bad names, reverse
 * shells, hidden pids) and the host-wide /etc/ld.so.preload. One finding per (check, program) with the pids in
 * metadata; `--ioc-allow` substrings downgrade to info, `--ioc-env-trust` trusts root-owned system libraries.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft, Metadata } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import type { Severity } from "../../core/severity.ts";
import { mappedRootId, parseEnviron, parseStat, parseStatus } from "../../host/proc_stat.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { inContainer, listPids, readProcess } from "../../host/procfs.ts";
import { procSnapshot } from "../proc_snapshot.ts";
import { loadUsers } from "../../host/proc_users.ts";
import {
  homeDirs,
  type Location,
  LocationJudge,
  ROOT_IDS,
  type RootIds,
  writerText,
} from "../../host/location.ts";
import { type IdNames, loadIdNames } from "../fs_common.ts";
import { loadAllowlist } from "./allow.ts";
import { IOC, IOC_CHECKS } from "./checks.ts";
import { Findings } from "./collect.ts";
import { findHidden, loadavgThreads, precheckSettles, threadCountsMatch } from "./hidden.ts";
import { judgeEntries, LD_VARS, ldEntries, parsePreloadFile, untrusted } from "./ld_env.ts";
import { kthreadMasquerade } from "./masquerade.ts";
import { matchKnownNames, stratumUrl } from "./names.ts";
import { reverseShell } from "./reverse_shell.ts";

/** Bytes of /proc/<pid>/environ read (the whole block of any sane process). */
export const MAX_ENVIRON_BYTES = 256 << 10;
const MAX_ARGV_ITEMS = 32;
const MAX_ARG_CHARS = 512;

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function locationMeta(loc: Location | undefined): Metadata {
  if (!loc) return {};
  return {
    location: loc.kind,
    location_reason: loc.because ?? null,
    location_mode: loc.mode ?? null,
    ...(loc.uid !== undefined ? { location_uid: loc.uid } : {}),
    ...(loc.gid !== undefined ? { location_gid: loc.gid } : {}),
  };
}

function processMeta(p: ProcessInfo): Metadata {
  return {
    pid: p.pid,
    ppid: p.ppid,
    comm: p.comm,
    uid: p.uid,
    euid: p.euid,
    start_ticks: p.startTicks,
    exe: p.exe,
    argv: p.cmdline.slice(0, MAX_ARGV_ITEMS).map((a) => a.slice(0, MAX_ARG_CHARS)),
    cwd: p.cwd,
    container_id: p.containerId,
  };
}

function checkPreloadFile(ctx: ScanContext, judge: LocationJudge, out: Findings): void {
  const path = "/etc/ld.so.preload";
  const r = ctx.host.readText(path, 64 << 10);
  if (!r.ok) {
    if (r.reason !== "missing") ctx.warn("ld_so_preload_unreadable", `${path}: ${r.message}`);
    return;
  }
  const entries = parsePreloadFile(r.value);
  if (entries.length === 0) return;
  const judged = judgeEntries(entries, judge);
  const notRoot = entries.filter((e) => {
    const st = ctx.host.stat(e);
    return st.ok && st.value.uid !== 0;
  });
  const bad = judged.filter(untrusted).map((j) => j.entry);
  const allTrusted = judged.every((j) => j.trusted);
  let severity: Severity = "high";
  let why = "a system-wide preload is present";
  if (bad.length > 0 || notRoot.length > 0) {
    severity = "critical";
    why = "a preloaded library is in a writable or user location, or not owned by root";
  } else if (allTrusted && ctx.config.iocEnvTrust) {
    severity = "medium";
    why = "every library is root-owned in a system library directory (--ioc-env-trust)";
  }
  out.add(
    {
      check_id: "ioc.ld_so_preload.entries",
      subject: path,
      severity,
      description: `${path} preloads ${entries.join(", ")} into every dynamically linked program: ${why}.`,
      metadata: {
        path,
        entries,
        missing: entries.filter((e) => !ctx.host.exists(e)),
        untrusted_entries: bad,
        not_root_owned: notRoot,
        all_trusted: allTrusted,
        severity_reason: why,
        ...(r.truncated ? { truncated: true } : {}),
      },
      location: { path },
    },
    undefined,
    { entries: entries.join(" ") },
  );
}

interface Env {
  judge: LocationJudge;
  names: IdNames;
  selfMnt: string | null;
  environDenied: number;
  /** pids whose environment block was larger than MAX_ENVIRON_BYTES. */
  environTruncated: number[];
}

/**
 * The ids root has inside the process's user namespace (read when the process lives in another mount
 * namespace): in a rootless or id-mapped container, files the container's root owns are not "user-writable".
 */
function rootIdsOf(ctx: ScanContext, pid: number, prefix: string): RootIds {
  if (prefix === "") return ROOT_IDS;
  const mapped = (file: string) => {
    const r = ctx.host.readText(`/proc/${pid}/${file}`, 64 << 10);
    const id = r.ok ? mappedRootId(r.value) : undefined;
    return id === undefined || id === 0 ? [0] : [0, id];
  };
  return { uids: mapped("uid_map"), gids: mapped("gid_map") };
}

function checkExe(ctx: ScanContext, p: ProcessInfo, prefix: string, env: Env, out: Findings): void {
  if (p.exe === null) return;
  const base = processMeta(p);
  const subject = p.exe;
  const at = { location: { path: p.exe, pid: p.pid } };
  if (p.exeMemfd || !p.exe.startsWith("/")) {
    const runc = /^\/memfd:runc_cloned:/.test(p.exe);
    out.add({
      check_id: "ioc.process.fileless_exe",
      subject,
      ...(runc ? { severity: "medium" as const } : {}),
      description: `pid ${p.pid} (${p.comm}) runs from ${p.exe}: no file on disk backs its code.` +
        (runc ? " The memfd name is runc's own self-clone; confirm it belongs to a container start." : ""),
      metadata: {
        ...base,
        memfd: p.exeMemfd,
        ...(runc ? { severity_reason: "runc self-clone memfd name" } : {}),
      },
      ...at,
    }, p);
    return;
  }
  const loc = env.judge.judge(p.exe, prefix, rootIdsOf(ctx, p.pid, prefix));
  if (p.exeDeleted) {
    let severity: Severity = "high";
    let why = "the file was unlinked while the process kept running";
    const now = ctx.host.stat(prefix + p.exe);
    if (loc.kind !== "system") {
      severity = "critical";
      why = `it ran from a ${loc.kind.replace("_", "-")} location (${loc.because}) and was then deleted`;
    } else if (now.ok && now.value.isFile && env.judge.rootOwned(p.exe, prefix)) {
      severity = "low";
      why =
        "a root-owned file is back at the same system path: most likely a package upgrade, restart pending";
    }
    out.add({
      check_id: "ioc.process.deleted_exe",
      subject,
      severity,
      description: `pid ${p.pid} (${p.comm}) runs ${p.exe}, which has been deleted: ${why}.`,
      metadata: { ...base, ...locationMeta(loc), replaced_on_disk: now.ok, severity_reason: why },
      ...at,
    }, p);
    return;
  }
  const byKind = {
    world_writable: "ioc.process.exe_world_writable",
    temp: "ioc.process.exe_in_temp",
    home: "ioc.process.exe_in_home",
    user_writable: "ioc.process.exe_user_writable",
  } as const;
  if (loc.kind === "system") return;
  const asRoot = p.euid === 0 || p.uid === 0;
  out.add({
    check_id: byKind[loc.kind],
    subject,
    ...(loc.kind === "user_writable" && asRoot ? { severity: "high" as const } : {}),
    description: `pid ${p.pid} (${p.comm}) runs ${p.exe}; ` +
      (loc.kind === "home" ? `${loc.because} is a home directory.` : `${writerText(loc, env.names)}.`),
    metadata: {
      ...base,
      ...locationMeta(loc),
      ...(loc.kind === "user_writable"
        ? { severity_reason: asRoot ? "runs as root" : "runs as a non-root user" }
        : {}),
    },
    ...at,
  }, p);
}

function checkLdEnv(ctx: ScanContext, p: ProcessInfo, prefix: string, env: Env, out: Findings): void {
  const r = ctx.host.readBytes(`/proc/${p.pid}/environ`, MAX_ENVIRON_BYTES);
  if (!r.ok) {
    if (r.reason === "denied") env.environDenied++;
    return;
  }
  if (r.truncated) env.environTruncated.push(p.pid);
  const vars = parseEnviron(r.value);
  for (const name of LD_VARS) {
    const value = vars.get(name);
    if (value === undefined || value === "") continue;
    const judged = judgeEntries(ldEntries(name, value), env.judge, prefix);
    const bad = judged.filter(untrusted).map((j) => j.entry);
    const allTrusted = judged.length > 0 && judged.every((j) => j.trusted);
    const preload = name === "LD_PRELOAD";
    let severity: Severity = preload ? "high" : "medium";
    let why = preload
      ? "a library is injected into the process"
      : "libraries are searched in extra directories first";
    if (bad.length > 0) {
      severity = preload ? "critical" : "high";
      why = "an entry is in a temp, world-writable or home location, or relative to the current directory";
    } else if (allTrusted && ctx.config.iocEnvTrust) {
      severity = "info";
      why = "every entry is root-owned in a system library directory (--ioc-env-trust)";
    }
    out.add(
      {
        check_id: preload ? "ioc.process.ld_preload" : "ioc.process.ld_library_path",
        subject: p.exe ?? `[${p.comm}]`,
        severity,
        description: `pid ${p.pid} (${p.comm}) has ${name}=${value.slice(0, 300)}: ${why}.`,
        metadata: {
          ...processMeta(p),
          variable: name,
          values: [value.slice(0, 4096)],
          untrusted_entries: bad,
          env_trusted: allTrusted,
          severity_reason: why,
          ...(r.truncated ? { environ_truncated: true } : {}),
        },
        location: { ...(p.exe ? { path: p.exe } : {}), pid: p.pid },
      },
      p,
      { [name]: value },
    );
  }
}

function checkNames(p: ProcessInfo, out: Findings): void {
  const names = [p.comm, basename(p.exe ?? ""), basename(p.cmdline[0] ?? "")].filter((n) => n !== "");
  const known = matchKnownNames(names);
  const pool = stratumUrl(p.cmdline);
  const subject = p.exe ?? `[${p.comm}]`;
  const at = { location: { ...(p.exe ? { path: p.exe } : {}), pid: p.pid } };
  const bad = known.filter((k) => k.kind !== "tool");
  if (bad.length > 0 || pool !== undefined) {
    const malware = bad.some((k) => k.kind === "malware");
    out.add({
      check_id: "ioc.process.miner",
      subject,
      severity: malware ? "critical" : "high",
      description: `pid ${p.pid} (${p.comm}): ` +
        [...bad.map((k) => k.note), ...(pool ? [`mining pool ${pool} in its arguments`] : [])].join("; ") +
        ".",
      metadata: {
        ...processMeta(p),
        matched: bad.map((k) => k.name),
        kinds: bad.map((k) => k.kind),
        pool: pool ?? null,
      },
      ...at,
    }, p);
  }
  const tools = known.filter((k) => k.kind === "tool");
  if (tools.length > 0) {
    out.add({
      check_id: "ioc.process.attack_tool",
      subject,
      description: `pid ${p.pid} (${p.comm}): ${tools.map((k) => k.note).join("; ")}.`,
      metadata: { ...processMeta(p), matched: tools.map((k) => k.name) },
      ...at,
    }, p);
  }
}

/** Time between hidden-process pre-check attempts. */
const PRECHECK_PAUSE_MS = 15;

/** True when /proc/loadavg's thread total equals the threads of the listed processes (nothing is hidden). */
function listedThreadsMatch(ctx: ScanContext, listed: ReadonlySet<number>): boolean {
  const total = () => {
    const t = ctx.host.readText("/proc/loadavg", 256);
    return t.ok ? loadavgThreads(t.value) : undefined;
  };
  const before = total();
  let threads = 0;
  for (const pid of listed) {
    const status = ctx.host.readText(`/proc/${pid}/status`, 16 << 10);
    const m = status.ok ? status.value.match(/^Threads:\s*(\d+)/m) : null;
    if (m) threads += Number(m[1]);
  }
  return threadCountsMatch(before, threads, total());
}

async function checkHidden(ctx: ScanContext, listed: ReadonlySet<number>, out: Findings): Promise<void> {
  const pidMaxText = ctx.host.readText("/proc/sys/kernel/pid_max", 64);
  const pidMax = pidMaxText.ok && /^\d+\s*$/.test(pidMaxText.value) ? Number(pidMaxText.value) : 4_194_304;
  const io = {
    exists: (pid: number) => ctx.host.lstat(`/proc/${pid}`).ok,
    probe: (pid: number) => {
      const st = ctx.host.readText(`/proc/${pid}/stat`, 4096);
      const status = ctx.host.readText(`/proc/${pid}/status`, 16 << 10);
      const s = st.ok ? parseStat(st.value) : undefined;
      const tgid = status.ok ? parseStatus(status.value).tgid : undefined;
      return s && tgid !== undefined ? { tgid, startTicks: s.startTicks } : undefined;
    },
    relist: () => {
      const l = listPids(ctx.host);
      return typeof l === "string" ? undefined : new Set(l);
    },
  };
  let now: ReadonlySet<number> | undefined = listed;
  const settled = await precheckSettles(
    () => now !== undefined && listedThreadsMatch(ctx, now),
    async () => {
      await new Promise((r) => setTimeout(r, PRECHECK_PAUSE_MS));
      now = io.relist();
    },
  );
  if (settled) return;
  const result = await findHidden(io, listed, pidMax, undefined, () => ctx.checkpoint());
  if (result.partial) {
    ctx.warn("truncated", `hidden-process probe covered pids ${result.from}..${result.to} of 1..${pidMax}`);
  }
  for (const pid of result.hidden) {
    const r = readProcess(ctx.host, pid);
    if (!r.ok) continue;
    const p = r.info;
    out.add({
      check_id: "ioc.process.hidden",
      subject: p.exe ?? `[${p.comm}]`,
      description:
        `pid ${pid} (${p.comm}) exists at /proc/${pid} but the /proc listing does not return it, twice.`,
      metadata: processMeta(p),
      location: { ...(p.exe ? { path: p.exe } : {}), pid },
    }, p);
  }
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const c = ctx.config;
  const allow = loadAllowlist(c.iocAllow, c.iocAllowFile);
  if (allow.error) ctx.warn("ioc_allow_file_unreadable", allow.error);
  const out = new Findings(allow.patterns);
  const users = loadUsers(ctx.host);
  const judge = new LocationJudge(ctx.host, homeDirs(users.entries));
  checkPreloadFile(ctx, judge, out);
  const snap = procSnapshot(ctx);
  if (snap.listed.size === 0) {
    yield* out.drafts();
    ctx.skip(
      `no readable /proc under ${ctx.host.root}: process indicators need a live procfs (only /etc/ld.so.preload was checked)`,
    );
    return;
  }
  const selfMnt = ctx.host.isLive ? ctx.host.readLink("/proc/self/ns/mnt") : undefined;
  const env: Env = {
    judge,
    names: loadIdNames(ctx.host),
    selfMnt: selfMnt?.ok ? selfMnt.value : null,
    environDenied: 0,
    environTruncated: [],
  };
  const exeDenied: string[] = [];
  for (const p of snap.processes) {
    await ctx.checkpoint();
    if (p.kernelThread) continue;
    if (c.containerId !== undefined && !inContainer(p, c.containerId)) continue;
    const mnt = p.namespaces.mnt;
    const prefix = env.selfMnt !== null && mnt !== undefined && mnt !== env.selfMnt
      ? `/proc/${p.pid}/root`
      : "";
    const masq = kthreadMasquerade(p);
    if (masq) {
      out.add({
        check_id: "ioc.process.kthread_masquerade",
        subject: p.exe ?? `[${p.comm}]`,
        description: `pid ${p.pid}: ${masq}, but it is a user-space process (exe ${p.exe ?? "unreadable"}).`,
        metadata: { ...processMeta(p), reason: masq },
        location: { ...(p.exe ? { path: p.exe } : {}), pid: p.pid },
      }, p);
    }
    if (p.exe === null && p.state !== "Z" && p.state !== "X") exeDenied.push(`${p.pid} (${p.comm})`);
    checkExe(ctx, p, prefix, env, out);
    checkNames(p, out);
    const shell = reverseShell(ctx.host, p);
    if (shell) {
      out.add({
        check_id: "ioc.process.reverse_shell",
        subject: p.exe ?? `[${p.comm}]`,
        description:
          `pid ${p.pid} (${p.comm}) is a ${shell.kind} with stdin on ${shell.socket.proto} socket ` +
          `${shell.socket.local} ↔ ${shell.socket.remote} (${shell.socket.state}).`,
        metadata: {
          ...processMeta(p),
          kind: shell.kind,
          proto: shell.socket.proto,
          local: shell.socket.local,
          remote: shell.socket.remote,
          state: shell.socket.state,
          stdio: shell.stdio.map((s) => s ?? "closed"),
        },
        location: { ...(p.exe ? { path: p.exe } : {}), pid: p.pid },
      }, p);
    }
    checkLdEnv(ctx, p, prefix, env, out);
  }
  if (exeDenied.length > 0) {
    const some = exeDenied.slice(0, 10).join(", ") + (exeDenied.length > 10 ? ", …" : "");
    ctx.warn("proc_exe_unreadable", `executable of ${exeDenied.length} process(es) not readable: ${some}`);
  }
  if (env.environDenied > 0) {
    ctx.warn(
      "proc_environ_unreadable",
      `${env.environDenied} process(es) whose environment could not be read`,
    );
  }
  if (env.environTruncated.length > 0) {
    ctx.warn(
      "truncated",
      `environment larger than ${MAX_ENVIRON_BYTES >> 10} KiB in pid(s) ${
        env.environTruncated.slice(0, 10).join(", ")
      }: ` +
        "LD_* variables past the cap are not seen",
    );
  }
  if (ctx.host.isLive) await checkHidden(ctx, snap.listed, out);
  const byPid = new Map(snap.processes.map((p) => [p.pid, p]));
  for (const d of out.drafts()) {
    const parent = typeof d.metadata?.ppid === "number" ? byPid.get(d.metadata.ppid) : undefined;
    yield parent
      ? { ...d, metadata: { ...d.metadata, parent_comm: parent.comm, parent_exe: parent.exe } }
      : d;
  }
}

/** The ioc scanner. */
export const ioc: Scanner = {
  name: IOC,
  summary: "Process indicators of compromise (deleted/fileless/writable executables, LD_* hijacking, " +
    "kernel-thread disguise, miners, reverse shells, hidden pids) and /etc/ld.so.preload.",
  slow: false,
  enabledByDefault: () => true,
  checks: IOC_CHECKS,
  needs: ["root (other users' exe, fd and environ)"],
  run,
};
