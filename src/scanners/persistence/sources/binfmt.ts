/**
 * binfmt_misc: registrations that make the kernel hand matching programs to an interpreter — those of binfmt.d
 * (registered at every boot by systemd-binfmt) and those live in /proc/sys/fs/binfmt_misc. Judged by where the
 * interpreter lives and whether the registration catches this system's own programs.
 */
import { homeDirs, LocationJudge, pathLocation } from "../../../host/location.ts";
import { pathComponents } from "../../../host/host.ts";
import { parseMountinfo } from "../../../host/mountinfo.ts";
import type { Collector } from "../collect.ts";
import { normalisePath } from "../collect.ts";
import { packageOwnedLocation } from "../owners.ts";
import {
  type BinfmtRegistration,
  matchesHead,
  nativeHeads,
  parseBinfmtFile,
  parseLiveEntry,
} from "./binfmt_parse.ts";
import { judgeUnpackaged } from "./hook_files.ts";
import { confFiles } from "./shared.ts";

/** binfmt.d directories, highest precedence first (a name in an earlier one hides the same name later). */
export const BINFMT_DIRS = [
  "/etc/binfmt.d",
  "/run/binfmt.d",
  "/usr/local/lib/binfmt.d",
  "/usr/lib/binfmt.d",
  "/lib/binfmt.d",
];
/** The live registrations. */
export const BINFMT_LIVE = "/proc/sys/fs/binfmt_misc";
/** Programs whose ELF header tells this system's architecture. */
const NATIVE_PROBES = ["/bin/sh", "/usr/bin/sh", "/usr/bin/env", "/bin/ls", "/usr/bin/ls"];

/** One registration and where it was found. */
interface Found {
  path: string;
  reg: BinfmtRegistration;
}

/** The heads of this system's programs, from the first ELF program found in the scanned root. */
function nativeProbe(c: Collector): { what: string; head: Uint8Array }[] {
  for (const p of NATIVE_PROBES) {
    const r = c.ctx.host.readRange(p, 0, 20);
    if (r.ok && r.value.bytes.length >= 20 && r.value.bytes[0] === 0x7f) return nativeHeads(r.value.bytes);
  }
  return nativeHeads(undefined);
}

/** Why an interpreter path is untrusted by its location alone, or undefined. */
function locationReason(judge: LocationJudge, path: string): string | undefined {
  const loc = judge.judge(path);
  if (loc.kind === "world_writable" || loc.kind === "temp") {
    return `${loc.kind.replace("_", "-")} (${loc.because})`;
  }
  if (loc.kind === "home") return `in a home directory (${loc.because})`;
  if (loc.kind === "user_writable") return `changeable by a user other than root (${loc.because})`;
  if (pathComponents(path).some((x) => x.startsWith("."))) return "in a hidden directory";
  // A place that does not exist here (an image without its /tmp) is judged by its name.
  const named = pathLocation(path, judge.homes);
  return named ? `in a ${named} directory` : undefined;
}

/** binfmt.d files and live registrations. */
export function binfmtSources(c: Collector): void {
  const found: Found[] = [];
  const files: string[] = [];
  for (const path of confFiles(c, BINFMT_DIRS)) {
    const f = c.read(path);
    if (!f) continue;
    const parsed = parseBinfmtFile(f.text);
    if (parsed.bad > 0) {
      c.ctx.warn("binfmt_malformed", `${path}: ${parsed.bad} line(s) that are not registrations`);
    }
    files.push(path);
    for (const reg of parsed.registrations) found.push({ path, reg });
    c.point({ kind: "binfmt", path, entries: [], meta: pointMeta(parsed.registrations) });
  }
  for (const name of liveMounted(c) ? c.list(BINFMT_LIVE) : []) {
    if (name === "register" || name === "status") continue;
    const path = `${BINFMT_LIVE}/${name}`;
    const f = c.read(path, 16 << 10);
    if (!f) continue;
    const reg = parseLiveEntry(name, f.text);
    if (!reg) {
      c.ctx.warn("binfmt_malformed", `${path}: not a binfmt_misc entry`);
      continue;
    }
    found.push({ path, reg });
    c.point({
      kind: "binfmt",
      path,
      entries: [],
      meta: pointMeta([reg]),
      ...(reg.enabled ? {} : { inert: true }),
    });
  }
  judgeUnpackaged(c, files, "binfmt.d registration file");
  if (found.length > 0) judgeRegistrations(c, found);
}

/**
 * Whether to read the live registrations: on the live host only when binfmt_misc is mounted at its place (only
 * then are there any; listing the directory otherwise would trigger systemd's automount). Under --root, the
 * image's copy is read when it has one (a collected /proc).
 */
function liveMounted(c: Collector): boolean {
  if (!c.ctx.host.isLive) return true;
  const mi = c.ctx.host.readText("/proc/self/mountinfo", 4 << 20);
  return mi.ok &&
    parseMountinfo(mi.value).mounts.some((m) => m.mountpoint === BINFMT_LIVE && m.fstype === "binfmt_misc");
}

function pointMeta(regs: BinfmtRegistration[]) {
  return {
    technique: "T1546",
    registrations: regs.slice(0, 50).map((r) =>
      `${r.name} (${r.type}) → ${r.interpreter}${r.flags ? ` [${r.flags}]` : ""}`
    ),
  };
}

function judgeRegistrations(c: Collector, found: Found[]): void {
  const judge = new LocationJudge(c.ctx.host, homeDirs([...c.accounts.byName.values()]));
  const heads = nativeProbe(c);
  const unowned: Found[] = [];
  for (const f of found) {
    if (!f.reg.enabled) continue;
    const interpreter = normalisePath(f.reg.interpreter);
    const where = locationReason(judge, interpreter);
    const hijacks = [...new Set(heads.filter((h) => matchesHead(f.reg, h.head)).map((h) => h.what))];
    if (where) emit(c, f, "persistence.binfmt.untrusted_interpreter", where, hijacks);
    if (hijacks.length > 0) {
      emit(
        c,
        f,
        "persistence.binfmt.native_hijack",
        `its magic matches ${hijacks.join(" and ")}`,
        hijacks,
        where,
      );
    }
    if (!where && packageOwnedLocation(interpreter)) unowned.push(f);
  }
  c.owners.ask(unowned.map((f) => normalisePath(f.reg.interpreter)), (o) => {
    if (o.tool === undefined) return;
    for (const f of unowned) {
      if (o.ownerOf(normalisePath(f.reg.interpreter)) !== undefined) continue;
      emit(
        c,
        f,
        "persistence.binfmt.untrusted_interpreter",
        `no ${o.tool} package installed the interpreter`,
        [],
      );
    }
  });
}

function emit(
  c: Collector,
  f: Found,
  check: string,
  reason: string,
  hijacks: string[],
  alsoWhere?: string,
): void {
  const r = f.reg;
  c.finding({
    check_id: check,
    subject: `${f.path}:${r.name}`,
    ...(alsoWhere ? { severity: "critical" as const } : {}),
    description: `binfmt_misc registration ${r.name} (${f.path}${r.line > 0 ? `:${r.line}` : ""}) runs ` +
      `${r.interpreter}: ${reason}${alsoWhere ? `; the interpreter is ${alsoWhere}` : ""}.`,
    metadata: {
      path: f.path,
      line: r.line,
      name: r.name,
      type: r.type,
      offset: r.offset,
      interpreter: r.interpreter,
      flags: r.flags,
      reason,
      ...(hijacks.length > 0 ? { matches: hijacks } : {}),
    },
    location: { path: f.path },
  });
}
