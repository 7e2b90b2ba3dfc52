/**
 * world_writable: world-writable files and sticky-less world-writable directories in system trees, set-id
 * interpreters, file capabilities (decoded), and with --fs-hygiene writable directories in root's PATH and
 * set-id hard links outside the system directories.
 */
import type { CheckInput } from "../core/catalogue.ts";
import type { ScanContext } from "../core/context.ts";
import type { FindingDraft } from "../core/finding.ts";
import type { Scanner } from "../core/scanner.ts";
import type { Severity } from "../core/severity.ts";
import { readEntryHead, sha256Entry } from "../host/entry_io.ts";
import type { CensusEntry } from "../host/census.ts";
import type { WalkEntry } from "../host/walker.ts";
import { decodeFileCaps } from "../host/xattr.ts";
import { entryTimes, isSetidProgram, locationClass, octalMode, under } from "./fs_common.ts";
import { fsCensus, reportCensusWarnings, WORLD_WRITABLE, WW_SCRATCH_SCOPE } from "./fs_census.ts";
import { rootPathFindings } from "./root_path.ts";
import {
  DANGEROUS_CAPABILITIES,
  EXPECTED_FILE_CAPS,
  INTERPRETERS,
  isInterpreterName,
  isShellEscapeProgram,
  programNames,
} from "./suid_expected.ts";

const NAME = WORLD_WRITABLE;

/** Directories whose set-id files are system files (a hard link elsewhere is suspicious). */
export const SYSTEM_DIRS = [
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/opt",
  "/boot",
  "/etc",
];
/** Capabilities that are root in all but name; on an unexpected program they are critical. */
export const CRITICAL_CAPABILITIES: ReadonlySet<string> = new Set([
  "CAP_SETUID",
  "CAP_SETGID",
  "CAP_SYS_ADMIN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_SYS_MODULE",
  "CAP_SYS_PTRACE",
  "CAP_SETFCAP",
]);

const base = { scanner: NAME, category: "filesystem" as const };

const checks: CheckInput[] = [
  {
    ...base,
    id: "fs.world_writable.file",
    title: "World-writable file in a system directory",
    severity: "medium",
    rationale: "Any local user can change it: a writable program, library or configuration file runs the " +
      "attacker's code with the privileges of whoever uses it next.",
    remediation:
      "Remove the world-write bit (`chmod o-w FILE`) and check the file's content against its package.",
    mitre: ["T1222.002", "T1574"],
  },
  {
    ...base,
    id: "fs.world_writable.dir_no_sticky",
    title: "World-writable directory without the sticky bit",
    severity: "high",
    rationale: "Without the sticky bit any user can delete or replace other users' files in it, including " +
      "programs and configuration that privileged processes load.",
    remediation:
      "Remove the world-write bit (`chmod o-w DIR`), or add the sticky bit (`chmod +t DIR`) if it is " +
      "a shared scratch directory.",
    mitre: ["T1222.002"],
  },
  {
    ...base,
    category: "privilege_escalation_surface",
    id: "fs.setid.interpreter",
    title: "Set-id interpreter",
    severity: "critical",
    rationale:
      "A set-id shell or interpreter (or a renamed copy of one) gives every local user a shell with " +
      "its owner's privileges.",
    remediation: "Remove the file or its set-id bits (`chmod u-s,g-s FILE`) and investigate who created it.",
    mitre: ["T1548.001"],
  },
  {
    ...base,
    category: "privilege_escalation_surface",
    id: "fs.capability.file",
    title: "Program with file capabilities",
    severity: "medium",
    rationale:
      "File capabilities grant parts of root's power on exec without the set-uid bit, and do not show " +
      "up in a search for SUID files; cap_setuid, cap_sys_admin or cap_dac_override are root.",
    remediation: "Check why the program needs them; remove with `setcap -r FILE` unless a package set them.",
    mitre: ["T1548"],
  },
  {
    ...base,
    id: "fs.path.writable_dir",
    title: "Directory in root's PATH writable by other users",
    severity: "high",
    rationale:
      "A user who can write to a directory in root's PATH can plant a program that root runs by name.",
    remediation: "Make the directory and every parent owned by root and not group- or world-writable, or " +
      "remove it from the PATH in the file named in the finding.",
    mitre: ["T1574.007"],
  },
  {
    ...base,
    id: "fs.path.relative_entry",
    title: "Relative or empty entry in root's PATH",
    severity: "high",
    rationale:
      "An empty entry, `.` or a relative directory makes root run programs from whatever directory it " +
      "is in, e.g. a user's home or /tmp.",
    remediation: "Remove the entry from the PATH assignment in the file named in the finding.",
    mitre: ["T1574.007"],
  },
  {
    ...base,
    category: "privilege_escalation_surface",
    id: "fs.setid.hardlink",
    title: "Set-id file hard-linked outside the system directories",
    severity: "high",
    rationale:
      "A hard link keeps a set-id program (and its vulnerabilities) alive after the package upgrade " +
      "replaced it, and gives the attacker a copy in a directory they control.",
    remediation:
      "Remove the extra link (check `find / -xdev -samefile FILE`), and enable fs.protected_hardlinks=1.",
    mitre: ["T1548.001"],
  },
];

function rwxSeverity(e: WalkEntry): Severity {
  if ((e.mode & 0o111) !== 0 || /\.so(\.|$)/.test(e.name)) return "high";
  if (/\/(s?bin|lib|lib32|lib64|libx32|libexec)\//.test(e.path)) return "high";
  if (["/etc", "/boot", "/root"].some((d) => under(e.path, d))) return "high";
  return "medium";
}

/** Looks set-id programs up against the host's interpreters by (dev, inode) and by content. */
class InterpreterIndex {
  readonly #byIno = new Map<string, string>();
  readonly #bySize = new Map<number, { path: string; entry: WalkEntry }[]>();

  constructor(ctx: ScanContext) {
    for (const dir of ["/usr/bin", "/usr/local/bin", "/bin"]) {
      const list = ctx.host.readDir(dir, 20_000);
      if (!list.ok) continue;
      for (const d of list.value) {
        if (!isInterpreterName(d.name) || /-config$/.test(d.name)) continue;
        const path = `${dir}/${d.name}`;
        const st = ctx.host.stat(path);
        if (!st.ok || !st.value.isFile) continue;
        const key = `${st.value.dev}:${st.value.ino}`;
        if (this.#byIno.has(key)) continue;
        this.#byIno.set(key, path);
        const entry: WalkEntry = {
          path,
          realPath: ctx.host.resolve(path),
          name: d.name,
          depth: 0,
          kind: "file",
          mode: (st.value.mode ?? 0) & 0o7777,
          uid: st.value.uid ?? -1,
          gid: st.value.gid ?? -1,
          dev: st.value.dev ?? 0,
          ino: st.value.ino ?? 0,
          size: st.value.size,
          nlink: st.value.nlink ?? 1,
          mtime: null,
          ctime: null,
        };
        const same = this.#bySize.get(st.value.size) ?? [];
        same.push({ path, entry });
        this.#bySize.set(st.value.size, same);
      }
    }
  }

  /** The interpreter this file is (same inode or same content), or undefined. */
  identify(e: WalkEntry): string | undefined {
    const ino = this.#byIno.get(`${e.dev}:${e.ino}`);
    if (ino !== undefined) return ino;
    const candidates = this.#bySize.get(e.size);
    if (!candidates) return undefined;
    const mine = sha256Entry(e, 256 << 20);
    if (!mine.ok) return undefined;
    for (const c of candidates) {
      const theirs = sha256Entry(c.entry, 256 << 20);
      if (theirs.ok && theirs.value === mine.value) return c.path;
    }
    return undefined;
  }
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** The interpreter program named by a shebang line (`#!/usr/bin/env python3` → `python3`), or undefined. */
export function shebangProgram(head: Uint8Array): string | undefined {
  if (head[0] !== 0x23 || head[1] !== 0x21) return undefined;
  const nl = head.indexOf(0x0a);
  const line = new TextDecoder().decode(head.subarray(2, nl < 0 ? head.length : nl)).trim();
  const words = line.split(/\s+/).filter((w) => w !== "");
  if (words.length === 0) return undefined;
  let prog = words[0].slice(words[0].lastIndexOf("/") + 1);
  if (prog === "env") {
    const next = words.slice(1).find((w) => !w.startsWith("-") && !w.includes("="));
    if (next === undefined) return undefined;
    prog = next.slice(next.lastIndexOf("/") + 1);
  }
  return prog;
}

function setidInterpreter(
  e: WalkEntry,
  interpreters: InterpreterIndex,
  ctx: ScanContext,
): FindingDraft | undefined {
  const head = readEntryHead(e, 256);
  if (!head.ok) {
    ctx.warn("file_unreadable", head.message);
    return undefined;
  }
  const isElf = ELF_MAGIC.every((b, i) => head.value[i] === b);
  let reason: string | undefined;
  let severity: Severity | undefined;
  let interpreter: string | undefined;
  if (isElf) {
    const same = interpreters.identify(e);
    if (same !== undefined) {
      interpreter = same;
      reason = same === e.path ? "set-id interpreter" : `identical to the interpreter ${same}`;
    } else if (isInterpreterName(e.name)) {
      interpreter = e.name;
      reason = "set-id program named like an interpreter";
    }
  } else {
    const prog = shebangProgram(head.value);
    if (prog !== undefined && programNames(prog).some((n) => INTERPRETERS.has(n))) {
      interpreter = prog;
      severity = "high";
      reason =
        `set-id script run by ${prog} (Linux ignores set-id on scripts, but wrappers and sudo rules do not)`;
    }
  }
  if (reason === undefined) return undefined;
  return {
    check_id: "fs.setid.interpreter",
    subject: e.path,
    severity,
    description: `${e.path} (mode ${octalMode(e.mode)}, uid ${e.uid}): ${reason}.`,
    metadata: {
      path: e.path,
      mode: octalMode(e.mode),
      uid: e.uid,
      gid: e.gid,
      setuid: (e.mode & 0o4000) !== 0,
      setgid: (e.mode & 0o2000) !== 0,
      interpreter: interpreter ?? null,
      elf: isElf,
      reason,
      ...entryTimes(e),
    },
    location: { path: e.path },
  };
}

function capabilityFinding(e: WalkEntry, raw: Uint8Array, ctx: ScanContext): FindingDraft | undefined {
  const caps = decodeFileCaps(raw);
  if ("error" in caps) {
    ctx.warn("xattr_malformed", `${e.path}: ${caps.error}`);
    return undefined;
  }
  const all = [...new Set([...caps.permitted, ...caps.inheritable])].sort();
  const expected = EXPECTED_FILE_CAPS.get(e.path);
  const dangerous = all.filter((c) => DANGEROUS_CAPABILITIES.has(c));
  const critical = all.filter((c) => CRITICAL_CAPABILITIES.has(c));
  let severity: Severity;
  let reason: string;
  let passed = false;
  const loc = locationClass(e.path);
  if (expected !== undefined && all.every((c) => expected.includes(c))) {
    passed = true;
    severity = "info";
    reason = "capabilities this distribution sets on this program";
  } else if (loc !== undefined && all.length > 0) {
    severity = "critical";
    reason = `capabilities on a program in a ${loc} directory`;
  } else if (critical.length > 0 || (dangerous.length > 0 && isShellEscapeProgram(e.name))) {
    severity = "critical";
    reason = `root-equivalent capabilities (${(critical.length > 0 ? critical : dangerous).join(", ")})`;
  } else if (dangerous.length > 0) {
    severity = "high";
    reason = `privileged capabilities (${dangerous.join(", ")})`;
  } else {
    severity = "low";
    reason = all.length === 0 ? "empty capability sets" : "capabilities that do not give root";
  }
  return {
    check_id: "fs.capability.file",
    subject: e.path,
    passed,
    severity: passed ? undefined : severity,
    description: `${e.path} has file capabilities ${all.join(",") || "(none)"}${
      caps.effective ? "+ep" : ""
    }: ${reason}.`,
    metadata: {
      path: e.path,
      capabilities: all,
      permitted: caps.permitted,
      inheritable: caps.inheritable,
      effective: caps.effective,
      revision: caps.revision,
      rootid: caps.rootid,
      mode: octalMode(e.mode),
      uid: e.uid,
      reason,
      ...entryTimes(e),
    },
    location: { path: e.path },
  };
}

interface SetidLink {
  paths: string[];
  nlink: number;
  mode: number;
}

function hardlinkFindings(groups: Map<string, SetidLink>): FindingDraft[] {
  const out: FindingDraft[] = [];
  for (const g of groups.values()) {
    if (g.nlink < 2) continue;
    const paths = [...new Set(g.paths)].sort();
    const outside = paths.filter((p) => !SYSTEM_DIRS.some((d) => under(p, d)));
    const missing = g.nlink - paths.length;
    if (outside.length === 0 && missing <= 0) continue;
    const subject = outside[0] ?? paths[0];
    const severity: Severity | undefined = outside.length === 0 ? "medium" : undefined;
    const reason = outside.length > 0
      ? `hard link(s) outside the system directories: ${outside.join(", ")}`
      : `${missing} of ${g.nlink} links are outside the scanned directories`;
    out.push({
      check_id: "fs.setid.hardlink",
      subject,
      severity,
      description: `Set-id file (mode ${octalMode(g.mode)}) with ${g.nlink} links: ${reason}.`,
      metadata: {
        paths,
        nlink: g.nlink,
        mode: octalMode(g.mode),
        links_not_found: Math.max(0, missing),
        reason,
      },
      location: { path: subject },
    });
  }
  return out;
}

async function* run(ctx: ScanContext): AsyncGenerator<FindingDraft> {
  const limit = ctx.config.fsWorldWritableLimit;
  const hygiene = ctx.config.fsHygiene;
  const excludes = ctx.config.worldWritableExclude;
  const excluded = (p: string) => excludes.some((x) => p.includes(x));
  const interpreters = new InterpreterIndex(ctx);
  const links = new Map<string, SetidLink>();
  let wwFiles = 0;
  const noteLink = (e: CensusEntry) => {
    if (e.kind !== "file" || !isSetidProgram(e.mode) || e.nlink < 2) return;
    const key = `${e.dev}:${e.ino}`;
    const g = links.get(key) ?? { paths: [], nlink: e.nlink, mode: e.mode };
    g.paths.push(e.path);
    links.set(key, g);
  };

  /** Set-id interpreters and file capabilities of one regular file; set-id hard links are noted. */
  function* privilegeChecks(e: CensusEntry): Generator<FindingDraft> {
    if (isSetidProgram(e.mode)) {
      noteLink(e);
      const f = setidInterpreter(e, interpreters, ctx);
      if (f) yield f;
    }
    // Capabilities are granted on exec only: a file nobody can execute carries none that matter.
    if ((e.mode & 0o111) === 0) return;
    if (e.caps !== undefined) {
      const f = capabilityFinding(e, e.caps, ctx);
      if (f) yield f;
    } else if (e.capsError !== undefined) ctx.warn("xattr_unreadable", `${e.path}: ${e.capsError}`);
  }

  const census = await fsCensus(ctx);
  reportCensusWarnings(ctx, census, [WORLD_WRITABLE, WW_SCRATCH_SCOPE]);
  for (const e of census.entries) {
    if (!census.wants(WORLD_WRITABLE, e.path)) {
      if (e.kind === "file" && census.wants(WW_SCRATCH_SCOPE, e.path)) yield* privilegeChecks(e);
      continue;
    }
    if (e.kind === "dir") {
      if ((e.mode & 0o002) !== 0 && (e.mode & 0o1000) === 0 && e.reach) {
        yield {
          check_id: "fs.world_writable.dir_no_sticky",
          subject: e.path,
          description: `${e.path} (mode ${
            octalMode(e.mode)
          }, uid ${e.uid}) is world-writable without the sticky bit.`,
          metadata: { path: e.path, mode: octalMode(e.mode), uid: e.uid, gid: e.gid, ...entryTimes(e) },
          location: { path: e.path },
        };
      }
      continue;
    }
    if ((e.mode & 0o002) !== 0 && e.reach) {
      wwFiles++;
      if (limit > 0 && wwFiles === limit + 1) {
        ctx.warn(
          "truncated",
          `more than ${limit} world-writable files (--fs-world-writable-limit); the rest not reported`,
        );
      }
      if (limit === 0 || wwFiles <= limit) {
        yield {
          check_id: "fs.world_writable.file",
          subject: e.path,
          severity: rwxSeverity(e),
          description: `${e.path} (mode ${octalMode(e.mode)}, uid ${e.uid}) is writable by every user.`,
          metadata: {
            path: e.path,
            mode: octalMode(e.mode),
            uid: e.uid,
            gid: e.gid,
            size: e.size,
            ...entryTimes(e),
          },
          location: { path: e.path },
        };
      }
    }
    yield* privilegeChecks(e);
  }
  if (hygiene) {
    for (const f of rootPathFindings(ctx, excluded)) yield f;
    for (const f of hardlinkFindings(links)) yield f;
  }
}

/** The world_writable scanner. */
export const worldWritable: Scanner = {
  name: NAME,
  summary:
    "World-writable files and directories in system trees, set-id interpreters and file capabilities " +
    "(also in temp dirs); with --fs-hygiene root's PATH and set-id hard links. Reads the filesystem census " +
    "it shares with suid_sgid (a whole-tree walk, so --fast-scan skips it).",
  slow: true,
  heavy: true,
  enabledByDefault: () => true,
  checks,
  needs: ["root"],
  run,
};
