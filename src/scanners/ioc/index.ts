/**
 * ioc: per-process indicators of compromise from the shared /proc snapshot (deleted or fileless executables,
 * executables and mapped libraries in writable places, dynamic-linker hijacking, kernel-thread disguises, known
 * bad names, reverse shells, hidden pids) and the host-wide /etc/ld.so.preload. One finding per (check, program
 * or library) with the pids in metadata; `--ioc-allow` substrings downgrade to info, `--ioc-env-trust` trusts
 * root-owned system libraries. The scanner's own process and helpers are not in the snapshot (src/host/self.ts).
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import { inContainer } from "../../host/procfs.ts";
import { procSnapshot } from "../proc_snapshot.ts";
import { loadUsers } from "../../host/proc_users.ts";
import { homeDirs, LocationJudge } from "../../host/location.ts";
import { loadIdNames } from "../fs_common.ts";
import { loadAllowlist } from "./allow.ts";
import { Findings } from "./collect.ts";
import {
  argvMeta,
  basename,
  type IocEnv,
  processAt,
  processMeta,
  programSubject,
  ReadBudget,
  rootPrefix,
} from "./common.ts";
import { checkExe } from "./exe.ts";
import { checkHidden, startSweep } from "./hidden_check.ts";
import { checkProcOvermounts } from "./proc_overmount.ts";
import { checkLdEnv, checkPreloadFile, MAX_ENVIRON_BYTES } from "./ld_check.ts";
import { checkMaps, MapsState } from "./maps.ts";
import { kthreadMasquerade } from "./masquerade.ts";
import { matchKnownNames, stratumUrl } from "./names.ts";
import { NamespacePaths } from "./ns_location.ts";
import { ChannelGraph, MAX_HOPS, relayedShell } from "./relay.ts";
import { InetIndex, reverseShell, type ShellSocket } from "./reverse_shell.ts";
import { IOC_INFO } from "../info/ioc.ts";

export { MAX_ENVIRON_BYTES };

function checkNames(p: ProcessInfo, out: Findings): void {
  const names = [p.comm, basename(p.exe ?? ""), basename(p.cmdline[0] ?? "")].filter((n) => n !== "");
  const known = matchKnownNames(names);
  const pool = stratumUrl(p.cmdline);
  const subject = programSubject(p);
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
      ...processAt(p),
    }, p);
  }
  const tools = known.filter((k) => k.kind === "tool");
  if (tools.length > 0) {
    out.add({
      check_id: "ioc.process.attack_tool",
      subject,
      description: `pid ${p.pid} (${p.comm}): ${tools.map((k) => k.note).join("; ")}.`,
      metadata: { ...processMeta(p), matched: tools.map((k) => k.name) },
      ...processAt(p),
    }, p);
  }
}

/** Said of a socket read through its holder's descriptor because no /proc/net table lists it. */
const UNLISTED_NOTE =
  " The socket is in no /proc/net table of a network namespace a process is in (it was read" +
  " through its holder's descriptor): it was made in a namespace that no process is in any more.";

/** How many sockets a finding names in its description (metadata.sockets has them all). */
const SOCKETS_DESCRIBED = 8;

/** Connected sockets first, then listeners, then the rest, so a decoy cannot push the connection out of view. */
function socketRank(s: ShellSocket): number {
  return s.state === "ESTABLISHED" ? 0 : s.state === "LISTEN" ? 1 : 2;
}

/**
 * Sockets a process holds in a network namespace no process is in (InetIndex.unlistedOf): one finding per
 * process and namespace, naming its sockets. One in a named namespace (`ip netns`, kept by a bind mount) is not
 * hidden from an administrator who lists those: low.
 */
function checkUnlistedSockets(p: ProcessInfo, inet: InetIndex, out: Findings): void {
  const byNs = new Map<string, ShellSocket[]>();
  for (const s of inet.unlistedOf(p)) {
    const ns = s.netns ?? "";
    const list = byNs.get(ns);
    if (list) list.push(s);
    else byNs.set(ns, [s]);
  }
  for (const [ns, list] of byNs) {
    list.sort((a, b) => socketRank(a) - socketRank(b));
    const text = list.map((s) => `${s.proto} ${s.local} ↔ ${s.remote} (${s.state})`);
    const more = text.length > SOCKETS_DESCRIBED ? ` and ${text.length - SOCKETS_DESCRIBED} more` : "";
    const name = inet.descriptors.netnsName(ns || null);
    const first = list[0];
    out.add({
      check_id: "ioc.process.socket_unlisted_netns",
      // One finding per program and namespace: processes of one program in two such namespaces (one named,
      // one not) are two facts, not one merged at the worse severity.
      subject: `${programSubject(p)}@${name ?? (ns || "netns")}`,
      description:
        `pid ${p.pid} (${p.comm}) holds ${text.length === 1 ? "socket" : `${text.length} sockets`} ` +
        `${text.slice(0, SOCKETS_DESCRIBED).join(", ")}${more}.` +
        (name === undefined
          ? UNLISTED_NOTE
          : ` The ${
            text.length === 1 ? "socket is" : "sockets are"
          } in the named network namespace ${name} ` +
            `(${ns}), which no process is in; \`ip netns exec ${name} ss -anp\` lists ${
              text.length === 1 ? "it" : "them"
            }.`),
      ...(name === undefined ? {} : { severity: "low" as const }),
      metadata: {
        ...processMeta(p),
        proto: first.proto,
        local: first.local,
        remote: first.remote,
        state: first.state,
        sockets: text,
        ...(ns ? { netns: ns } : {}),
        ...(name === undefined ? {} : { netns_name: name }),
      },
      ...processAt(p),
    }, p);
  }
}

/** Reverse shells on their own socket, or behind a pty or pipe relay. */
function checkShell(p: ProcessInfo, inet: InetIndex, graph: ChannelGraph, out: Findings): void {
  const shell = reverseShell(inet, p);
  if (shell) {
    out.add({
      check_id: "ioc.process.reverse_shell",
      subject: programSubject(p),
      description:
        `pid ${p.pid} (${p.comm}) is a ${shell.kind} ${
          shell.on === "stdio" ? "with stdin on" : "holding, on a descriptor of its own, a connected"
        } ${shell.socket.proto} socket ${shell.socket.local} ↔ ${shell.socket.remote} (${shell.socket.state}).` +
        (shell.socket.unlisted ? UNLISTED_NOTE : ""),
      metadata: {
        ...processMeta(p),
        kind: shell.kind,
        proto: shell.socket.proto,
        local: shell.socket.local,
        remote: shell.socket.remote,
        state: shell.socket.state,
        ...(shell.socket.unlisted ? { socket_namespace: "unlisted" } : {}),
        ...(shell.socket.netns ? { netns: shell.socket.netns } : {}),
        stdio: shell.stdio.map((s) => s ?? "closed"),
        on: shell.on,
      },
      ...processAt(p),
    }, p);
    return;
  }
  const relayed = relayedShell(graph, p);
  if (!relayed) return;
  const { input, output } = relayed;
  const r = input.relay;
  out.add(
    {
      check_id: "ioc.process.reverse_shell_relay",
      subject: programSubject(p),
      description: `pid ${p.pid} (${p.comm}) is a shell on a ${relayed.channel} whose other end is held by ` +
        `pid ${r.pid} (${r.exe ?? r.comm}${
          input.viaParent ? ", the parent of the pty's holder" : ""
        }) with ` +
        `${input.socket.proto} socket ${input.socket.local} ↔ ${input.socket.remote} (${input.socket.state})` +
        (output.relay.pid !== r.pid
          ? `; its output goes to pid ${output.relay.pid} (${output.relay.comm})`
          : "") +
        "." + (input.socket.unlisted ? UNLISTED_NOTE : ""),
      metadata: {
        ...processMeta(p),
        channel: relayed.channel,
        pairing: input.pairing,
        stdio: p.stdio.map((s) => s ?? "closed"),
        relay_pid: r.pid,
        relay_comm: r.comm,
        relay_exe: r.exe,
        relay_argv: argvMeta(r),
        relay_uid: r.uid,
        relay_via_parent: input.viaParent,
        output_relay_pid: output.relay.pid,
        relay_through: input.through.map((t) => String(t.pid)),
        proto: input.socket.proto,
        local: input.socket.local,
        remote: input.socket.remote,
        state: input.socket.state,
        ...(input.socket.unlisted ? { socket_namespace: "unlisted" } : {}),
        ...(input.socket.netns ? { netns: input.socket.netns } : {}),
      },
      ...processAt(p),
    },
    p,
    { relay: `${r.exe ?? ""} ${r.cmdline.join(" ")}` },
  );
}

function warnAfter(ctx: ScanContext, env: IocEnv, exeDenied: string[]): void {
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
      }: LD_* variables past the cap are not seen`,
    );
  }
}

/** The share of the scanner's time budget the per-process checks may use: the rest reports what was found. */
const PROCESS_LOOP_SHARE = 0.75;

/** How many pids a finding lists (metadata has them all up to this). */
const PIDS_LISTED = 200;

/** Processes not examined in full, because of the read budget or the time budget: a finding. */
function checkIncomplete(env: IocEnv, notChecked: ProcessInfo[], relayCut: number[], out: Findings): void {
  const { environ, maps } = env.reads.short;
  if (environ.length === 0 && maps.length === 0 && notChecked.length === 0 && relayCut.length === 0) return;
  const parts = [
    ...(notChecked.length > 0 ? [`${notChecked.length} process(es) not checked at all (time budget)`] : []),
    ...(relayCut.length > 0
      ? [
        `the pipe or FIFO chain of ${relayCut.length} shell(s) not followed to its end (more than ${MAX_HOPS} ` +
        "relays on the way, or a relay holding too many descriptors)",
      ]
      : []),
    ...(environ.length > 0 ? [`the environment of ${environ.length} process(es) not read in full`] : []),
    ...(maps.length > 0 ? [`the memory map of ${maps.length} process(es) not read in full`] : []),
  ];
  const some = (pids: number[]) => pids.slice(0, 10).join(", ") + (pids.length > 10 ? ", …" : "");
  const first = [...notChecked.map((p) => p.pid), ...relayCut, ...environ, ...maps];
  out.add({
    check_id: "ioc.scan.incomplete",
    subject: "/proc",
    description: `ioc stopped short: ${parts.join("; ")} (e.g. pid ${some(first)}). Their LD_* variables, ` +
      "mapped libraries or more were not judged.",
    metadata: {
      processes_not_checked: notChecked.slice(0, PIDS_LISTED).map((p) => `${p.pid} (${p.comm})`),
      processes_not_checked_count: notChecked.length,
      environ_not_read: environ.slice(0, PIDS_LISTED).map(String),
      environ_not_read_count: environ.length,
      maps_not_read: maps.slice(0, PIDS_LISTED).map(String),
      maps_not_read_count: maps.length,
      relay_chains_not_followed: relayCut.slice(0, PIDS_LISTED).map(String),
      read_budget_left: env.reads.left,
    },
    location: { path: "/proc" },
  }, undefined);
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const t0 = performance.now();
  const c = ctx.config;
  const allow = loadAllowlist(c.iocAllow, c.iocAllowFile);
  if (allow.error) ctx.warn("ioc_allow_file_unreadable", allow.error);
  const out = new Findings(allow.patterns);
  const users = loadUsers(ctx.host);
  const judge = new LocationJudge(ctx.host, homeDirs(users.entries));
  checkPreloadFile(ctx, judge, out);
  checkProcOvermounts(ctx, out);
  const snap = procSnapshot(ctx);
  if (snap.listed.size === 0) {
    yield* out.drafts();
    ctx.skip(
      `no readable /proc under ${ctx.host.root}: process indicators need a live procfs (only /etc/ld.so.preload and the mount table were checked)`,
    );
    return;
  }
  const selfMnt = ctx.host.isLive ? ctx.host.readLink("/proc/self/ns/mnt") : undefined;
  const env: IocEnv = {
    judge,
    names: loadIdNames(ctx.host),
    selfMnt: selfMnt?.ok ? selfMnt.value : null,
    ns: new NamespacePaths(ctx),
    environDenied: 0,
    environTruncated: [],
    reads: new ReadBudget(),
  };
  const inet = new InetIndex(ctx);
  const graph = new ChannelGraph(ctx.host, snap.processes, inet);
  const maps = new MapsState(ctx);
  // The pid sweep runs on its own thread while the listed processes are checked here.
  const sweep = ctx.host.isLive ? startSweep(ctx, snap.listed) : undefined;
  const exeDenied: string[] = [];
  // The per-process checks stop before the scanner is cut off, so what they found is still reported.
  const stopAt = t0 + ctx.budgetSeconds * 1000 * PROCESS_LOOP_SHARE;
  const notChecked: ProcessInfo[] = [];
  for (const p of snap.processes) {
    await ctx.checkpoint();
    if (p.kernelThread) continue;
    if (c.containerId !== undefined && !inContainer(p, c.containerId)) continue;
    if (ctx.budgetSeconds > 0 && performance.now() > stopAt) {
      notChecked.push(p);
      continue;
    }
    const prefix = rootPrefix(env, p);
    const masq = kthreadMasquerade(p);
    if (masq) {
      out.add({
        check_id: "ioc.process.kthread_masquerade",
        subject: programSubject(p),
        description: `pid ${p.pid}: ${masq}, but it is a user-space process (exe ${p.exe ?? "unreadable"}).`,
        metadata: { ...processMeta(p), reason: masq },
        ...processAt(p),
      }, p);
    }
    const zombie = p.state === "Z" || p.state === "X";
    if (p.exe === null && !zombie) exeDenied.push(`${p.pid} (${p.comm})`);
    checkExe(ctx, p, prefix, env, out);
    checkNames(p, out);
    checkShell(p, inet, graph, out);
    checkUnlistedSockets(p, inet, out);
    checkLdEnv(ctx, p, prefix, env, out);
    if (!zombie) checkMaps(ctx, p, prefix, env, maps, out);
  }
  warnAfter(ctx, env, exeDenied);
  inet.descriptors.warnSkipped();
  maps.warn(ctx);
  checkIncomplete(env, notChecked, [...graph.cut].sort((a, b) => a - b), out);
  const byPid = new Map(snap.processes.map((p) => [p.pid, p]));
  const withParent = (d: FindingDraft): FindingDraft => {
    const parent = typeof d.metadata?.ppid === "number" ? byPid.get(d.metadata.ppid) : undefined;
    return parent
      ? { ...d, metadata: { ...d.metadata, parent_comm: parent.comm, parent_exe: parent.exe } }
      : d;
  };
  // Yielded before waiting for the pid sweep: a sweep that outlasts the budget loses only its own findings.
  // The sweep's findings are of their own check, so a separate collector merges nothing differently.
  yield* [...out.drafts()].map(withParent);
  if (!sweep) return;
  const hidden = new Findings(allow.patterns);
  await checkHidden(ctx, snap.listed, hidden, sweep);
  yield* [...hidden.drafts()].map(withParent);
}

/** The ioc scanner. */
export const ioc: Scanner = { ...IOC_INFO, run };
