/**
 * world_writable: world-writable files and sticky-less world-writable directories in system trees, set-id
 * interpreters, file capabilities (decoded), and with --fs-hygiene writable directories in root's PATH and
 * set-id hard links outside the system directories.
 *
 * This file walks the census and reports the writable entries; the other checks live beside it:
 * `setid_interpreter.ts`, `capabilities.ts`, `root_path.ts` and `hardlinks.ts` (the last two with
 * --fs-hygiene); the catalogue is `checks.ts`.
 */
import type { ScanContext } from "../../core/context.ts";
import type { FindingDraft } from "../../core/finding.ts";
import type { Scanner } from "../../core/scanner.ts";
import type { Severity } from "../../core/severity.ts";
import type { CensusEntry } from "../../host/census.ts";
import type { WalkEntry } from "../../host/walker.ts";
import { under } from "../../host/location.ts";
import { entryTimes, isSetidProgram, octalMode } from "../fs_common.ts";
import { censusCuts, fsCensus, reportCensusWarnings, WW_SCRATCH_SCOPE } from "../fs_census.ts";
import { capabilityFinding } from "./capabilities.ts";
import { WORLD_WRITABLE } from "./checks.ts";
import { hardlinkFindings, type SetidLink } from "./hardlinks.ts";
import { rootPathFindings } from "./root_path.ts";
import { InterpreterIndex, setidInterpreter } from "./setid_interpreter.ts";
import { WORLD_WRITABLE_INFO } from "../info/world_writable.ts";

/** A world-writable file is high when it runs or is loaded (executable, library, program or system tree). */
function rwxSeverity(e: WalkEntry): Severity {
  if ((e.mode & 0o111) !== 0 || /\.so(\.|$)/.test(e.name)) return "high";
  if (/\/(s?bin|lib|lib32|lib64|libx32|libexec)\//.test(e.path)) return "high";
  if (["/etc", "/boot", "/root"].some((d) => under(e.path, d))) return "high";
  return "medium";
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
  yield* censusCuts(
    census,
    [WORLD_WRITABLE, WW_SCRATCH_SCOPE],
    "fs.census.incomplete",
    "world-writable files, set-id interpreters and file capabilities",
  );
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
export const worldWritable: Scanner = { ...WORLD_WRITABLE_INFO, run };
