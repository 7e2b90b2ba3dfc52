/**
 * Injected code in a process's memory map (/proc/<pid>/maps): shared objects mapped from temporary, home, world-
 * or user-writable locations, deleted ones, and code mapped from a memfd. An LD_PRELOAD rootkit that scrubs its
 * environment afterwards still has its library mapped.
 *
 * Only executable file mappings count. Data mappings are how stock programs use files and shared memory (the
 * locale archive, fonts, a browser's /dev/shm and memfd regions, journald's files), and anonymous memory (a JIT's
 * code, the stack, [vdso]) names no file. A library in the same location as the process's own executable (a
 * program unpacked with its libraries in a home or /opt tree) is judged with the executable, not again.
 */
import type { ScanContext } from "../../core/context.ts";
import type { Metadata } from "../../core/finding.ts";
import type { Severity } from "../../core/severity.ts";
import { type Location, writerText } from "../../host/location.ts";
import { isExecutable, isFileBacked, MappedFileJudge, type Mapping, readMaps } from "../../host/proc_maps.ts";
import type { ProcessInfo } from "../../host/proc_types.ts";
import type { Findings } from "./collect.ts";
import {
  basename,
  type IocEnv,
  locationMeta,
  originText,
  processAt,
  processMeta,
  runsAsRoot,
} from "./common.ts";
import { judgeProcessFile } from "./ns_location.ts";

/** Bytes of /proc/<pid>/maps read per process (about 40,000 mappings; the default map count limit is 65,530). */
export const MAX_MAPS_BYTES = 4 << 20;
/** Distinct mapped files judged per process. */
const MAX_FILES_PER_PROCESS = 4096;

/** What the maps pass of one scan collected for its warnings. */
export class MapsState {
  readonly files: MappedFileJudge;
  readonly denied: string[] = [];
  readonly truncated: number[] = [];
  readonly malformed: { pid: number; lines: number }[] = [];

  constructor(ctx: ScanContext) {
    this.files = new MappedFileJudge(ctx.host);
  }

  /** Reports what could not be read or was cut, once per scan. */
  warn(ctx: ScanContext): void {
    const some = (xs: readonly (string | number)[]) =>
      xs.slice(0, 10).join(", ") + (xs.length > 10 ? ", …" : "");
    if (this.denied.length > 0) {
      ctx.warn(
        "proc_maps_unreadable",
        `memory maps of ${this.denied.length} process(es) not readable: ${some(this.denied)}`,
      );
    }
    if (this.truncated.length > 0) {
      ctx.warn(
        "truncated",
        `memory maps larger than ${MAX_MAPS_BYTES >> 20} MiB (or more than ${MAX_FILES_PER_PROCESS} mapped ` +
          `files) in pid(s) ${some(this.truncated)}: mappings past the cap are not judged`,
      );
    }
    if (this.malformed.length > 0) {
      ctx.warn(
        "proc_maps_malformed",
        `${this.malformed.reduce((n, m) => n + m.lines, 0)} malformed maps line(s) in pid(s) ${
          some(this.malformed.map((m) => m.pid))
        }`,
      );
    }
  }
}

/** The check of each non-system location kind, for a mapped library. */
const LIBRARY_BY_KIND = {
  world_writable: "ioc.process.library_world_writable",
  temp: "ioc.process.library_in_temp",
  home: "ioc.process.library_in_home",
  user_writable: "ioc.process.library_user_writable",
} as const;

/** The distinct executable file mappings of a process (first range of each file), its own executable left out. */
function codeFiles(entries: readonly Mapping[]): { files: Mapping[]; capped: boolean } {
  const seen = new Map<string, Mapping>();
  for (const m of entries) {
    if (!isExecutable(m) || !isFileBacked(m)) continue;
    const key = `${m.major}:${m.minor}:${m.inode}:${m.path}`;
    if (seen.has(key)) continue;
    if (seen.size >= MAX_FILES_PER_PROCESS) return { files: [...seen.values()], capped: true };
    seen.set(key, m);
  }
  return { files: [...seen.values()], capped: false };
}

/** .NET's W^X double mapping: a memfd of this name with libcoreclr mapped beside it. */
function dotnetDoubleMapping(name: string, files: readonly Mapping[]): boolean {
  return /^\/memfd:doublemapper( \(deleted\))?$/.test(name) &&
    files.some((f) => basename(f.path).startsWith("libcoreclr.so"));
}

/** Judges the code mapped into `p` (seen under `prefix`, its root when it lives in another mount namespace). */
export function checkMaps(
  ctx: ScanContext,
  p: ProcessInfo,
  prefix: string,
  env: IocEnv,
  state: MapsState,
  out: Findings,
): void {
  const cap = env.reads.cap(MAX_MAPS_BYTES);
  if (cap === 0) {
    env.reads.short.maps.push(p.pid);
    return;
  }
  const r = readMaps(ctx.host, p.pid, cap);
  if (!r.ok) {
    if (r.reason === "denied") state.denied.push(`${p.pid} (${p.comm})`);
    return;
  }
  env.reads.spend(r.bytes);
  if (r.maps.bad > 0) state.malformed.push({ pid: p.pid, lines: r.maps.bad });
  const { files, capped } = codeFiles(r.maps.entries);
  if (r.truncated && cap < MAX_MAPS_BYTES) env.reads.short.maps.push(p.pid);
  else if (r.truncated || capped) state.truncated.push(p.pid);
  const mnt = p.namespaces.mnt ?? `pid:${p.pid}`;
  const exeLoc = p.exe !== null && p.exe.startsWith("/") && !p.exeDeleted && !p.exeMemfd
    ? judgeProcessFile(env, p, p.exe, prefix)
    : undefined;
  for (const m of files) {
    const file = state.files.judge(p.pid, mnt, m);
    if (file.path === p.exe) continue;
    const base = {
      ...processMeta(p),
      library: file.path,
      mapping: `${m.start}-${m.end}`,
      mapping_perms: m.perms,
      inode: m.inode,
      device: `${m.major}:${m.minor}`,
    };
    if (file.memfd) {
      const dotnet = dotnetDoubleMapping(m.path, files);
      out.add({
        check_id: "ioc.process.memfd_code",
        subject: file.path,
        ...(dotnet ? { severity: "low" as const } : {}),
        description:
          `pid ${p.pid} (${p.comm}) executes code mapped from ${file.path}: no file on disk holds it.` +
          (dotnet ? " The name and libcoreclr beside it are the .NET runtime's W^X double mapping." : ""),
        metadata: {
          ...base,
          ...(dotnet ? { severity_reason: ".NET W^X double mapping (doublemapper)" } : {}),
        },
        ...processAt(p),
      }, p);
      continue;
    }
    const loc = judgeProcessFile(env, p, file.path, prefix);
    if (file.deleted) {
      deletedLibrary(ctx, p, prefix, env, file.path, loc, base, out);
      continue;
    }
    if (loc.kind === "system") continue;
    if (exeLoc && exeLoc.kind === loc.kind && exeLoc.because === loc.because) continue;
    const { severity, why } = librarySeverity(ctx, p, prefix, loc);
    out.add({
      check_id: LIBRARY_BY_KIND[loc.kind],
      subject: file.path,
      ...(severity ? { severity } : {}),
      description:
        `pid ${p.pid} (${p.comm}, ${p.exe ?? "exe unknown"}) has ${file.path}${
          originText(loc)
        } mapped as code; ` +
        (loc.kind === "home" ? `${loc.because} is a home directory` : writerText(loc, env.names)) +
        (why ? `: ${why}.` : "."),
      metadata: { ...base, ...locationMeta(loc), ...(why ? { severity_reason: why } : {}) },
      ...processAt(p),
    }, p);
  }
}

function librarySeverity(
  ctx: ScanContext,
  p: ProcessInfo,
  prefix: string,
  loc: Location,
): { severity?: Severity; why?: string } {
  if (!runsAsRoot(p)) return {};
  if (loc.kind === "user_writable") return { severity: "high", why: "the process runs as root" };
  if (loc.kind === "home" && loc.because !== undefined) {
    const owner = ctx.host.stat(prefix + loc.because);
    if (owner.ok && owner.value.uid !== 0) {
      return { severity: "high", why: "a root process runs code from a user's home: that user controls it" };
    }
  }
  return {};
}

function deletedLibrary(
  ctx: ScanContext,
  p: ProcessInfo,
  prefix: string,
  env: IocEnv,
  path: string,
  loc: Location,
  base: Metadata,
  out: Findings,
): void {
  let severity: Severity = "high";
  let why = "the file was deleted while the process kept it mapped";
  const now = ctx.host.stat(prefix + path);
  if (loc.kind !== "system") {
    severity = "critical";
    why = `it was mapped from a ${loc.kind.replace("_", "-")} location (${loc.because}) and then deleted`;
  } else if (now.ok && now.value.isFile && env.judge.rootOwned(path, prefix)) {
    severity = "low";
    why = "a root-owned file is back at the same system path: most likely a package upgrade, restart pending";
  }
  out.add({
    check_id: "ioc.process.library_deleted",
    subject: path,
    severity,
    description:
      `pid ${p.pid} (${p.comm}) has ${path} mapped as code, and that file has been deleted: ${why}.`,
    metadata: { ...base, ...locationMeta(loc), replaced_on_disk: now.ok, severity_reason: why },
    ...processAt(p),
  }, p);
}
