/**
 * Assessment of one persistence entry (a cron command, a unit's Exec line, an rc-file line…): content patterns
 * plus where the programs it runs live and who can change them. Shared by persistence and systemd_units.
 */
import type { Severity } from "../../core/severity.ts";
import { sha256Hex } from "../../host/hash.ts";
import { type Host, pathComponents } from "../../host/host.ts";
import {
  homeOf,
  inside,
  type Location,
  type LocationJudge,
  pathLocation,
  TEMP_DIRS,
} from "../../host/location.ts";
import { type Account, type Accounts, isUserHome } from "./accounts.ts";
import { matchPatterns, type PatternKind } from "./patterns.ts";
import { executedPaths } from "./shell_words.ts";

/** What makes an executed path untrusted. */
export type PathRiskName =
  | "temp_dir"
  | "other_home"
  | "world_writable_file"
  | "foreign_owner"
  | "writable_dir"
  | "hidden_path";

/** One reason an entry is suspicious. */
export interface Indicator {
  kind: PatternKind | "untrusted_path";
  name: string;
  /** The path concerned, for path indicators. */
  path?: string;
}

/** The verdict on one entry: every indicator, and the most severe kind with its severity. */
export interface Assessment {
  indicators: Indicator[];
  worst: Indicator["kind"];
  severity: Severity;
}

const KIND_ORDER: Indicator["kind"][] = [
  "reverse_shell",
  "download_exec",
  "encoded_payload",
  "untrusted_path",
];

function normalise(path: string): string {
  return "/" + pathComponents(path).join("/");
}

/** Owner uid and mode of a path, when it exists. */
function statOf(host: Host, path: string): { uid: number; mode: number } | undefined {
  const st = host.stat(path);
  if (!st.ok || st.value.uid === null || st.value.mode === null) return undefined;
  return { uid: st.value.uid, mode: st.value.mode };
}

/**
 * Why running `path` with the privileges of `runAs` is unsafe, or undefined. Temp directories always count;
 * another person's home counts; so does a file or parent directory that is world-writable (a sticky directory
 * is fine) or owned by an account other than root and `runAs`; so does an existing file under a hidden name (a
 * component starting with a dot) outside every home directory (see `hiddenOutsideHomes`; existing, because
 * words of a command, such as the regular expressions dracut passes to dracut_instmods, look like hidden paths). Group-writable bits are
 * not judged (many distributions give admin groups write access to /usr/local).
 */
export function pathRisk(
  host: Host,
  rawPath: string,
  runAs: Account,
  accounts: Accounts,
): PathRiskName | undefined {
  const path = normalise(rawPath);
  if (TEMP_DIRS.some((d) => inside(path, d))) return "temp_dir";
  for (const a of accounts.byName.values()) {
    if (a.uid !== 0 && a.uid !== runAs.uid && isUserHome(a) && inside(path, normalise(a.home))) {
      return "other_home";
    }
  }
  if (hiddenOutsideHomes(path, accounts) && host.lstat(path).ok) return "hidden_path";
  const foreign = (uid: number) => uid !== 0 && uid !== runAs.uid;
  const file = statOf(host, path);
  if (file) {
    if ((file.mode & 0o002) !== 0) return "world_writable_file";
    if (foreign(file.uid)) return "foreign_owner";
  }
  const parent = path.slice(0, path.lastIndexOf("/")) || "/";
  const dir = statOf(host, parent);
  if (dir && (((dir.mode & 0o002) !== 0 && (dir.mode & 0o1000) === 0) || foreign(dir.uid))) {
    return "writable_dir";
  }
  return undefined;
}

/**
 * True when a directory or file on the path is hidden (its name starts with a dot) outside every home directory:
 * `/usr/local/bin/.x`, `/var/lib/.cache/agent`. Dot directories inside homes (~/.local/bin, ~/.acme.sh) are how
 * per-user tools install themselves and are judged as homes instead.
 */
export function hiddenOutsideHomes(path: string, accounts: Accounts): boolean {
  if (!pathComponents(path).some((c) => c.startsWith(".") && c !== "." && c !== "..")) return false;
  const homes = [...accounts.byName.values()].filter((a) => a.uid === 0 || isUserHome(a)).map((a) =>
    normalise(a.home)
  );
  return homeOf(path, homes.filter((h) => h !== "/")) === undefined;
}

/** Libraries an LD_PRELOAD assignment in the line loads into every program (space- or colon-separated). */
export function preloadedPaths(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\bLD_PRELOAD\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S*))/g)) {
    out.push(...(m[1] ?? m[2] ?? m[3] ?? "").split(/[\s:]+/).filter((p) => p.startsWith("/")));
  }
  return out;
}

/**
 * Assesses one logical line that runs with `runAs`'s privileges; undefined when nothing is suspicious.
 * `scripts` gives the payload indicators of a program the line runs (a script's own lines, see
 * ./scripts.ts), so a clean-looking entry that runs a script holding a reverse shell is judged by it; `programs`
 * are those judged by location (a `PathBudget`'s share; by default every program the line runs or preloads), the
 * payload patterns always see the whole line.
 */
export function assessEntry(
  host: Host,
  text: string,
  runAs: Account,
  accounts: Accounts,
  scripts?: (path: string) => Indicator[],
  programs: readonly string[] = [...new Set([...executedPaths(text), ...preloadedPaths(text)])],
): Assessment | undefined {
  const indicators: Indicator[] = matchPatterns(text).map((h) => ({ kind: h.kind, name: h.name }));
  for (const path of programs) {
    const risk = pathRisk(host, path, runAs, accounts);
    if (risk) indicators.push({ kind: "untrusted_path", name: risk, path });
    if (scripts) indicators.push(...scripts(path));
  }
  if (indicators.length === 0) return undefined;
  const worst = KIND_ORDER.find((k) => indicators.some((i) => i.kind === k))!;
  let severity: Severity = "high";
  if (worst === "reverse_shell") severity = "critical";
  else if (worst === "untrusted_path" && runAs.uid !== 0 && !indicators.some((i) => i.name === "temp_dir")) {
    severity = "medium";
  }
  return { indicators, worst, severity };
}

/** A short, stable digest of an entry's text, for finding subjects (12 hex characters of SHA-256). */
export function entryDigest(text: string): string {
  return sha256Hex(text.trim()).slice(0, 12);
}

/**
 * A path judged by `LocationJudge` (permissions of the file and every directory above it), with the temporary
 * trees also recognised by name: an offline image has no /dev/shm or /run/user, and a tree copied out of one may
 * have lost its sticky, world-writable modes.
 */
export function judgeLocation(judge: LocationJudge, path: string): Location {
  const loc = judge.judge(path);
  if (loc.kind === "system" && pathLocation(path) === "temp") return { kind: "temp", because: path };
  return loc;
}

/** How many programs the scanner judges by location and owner, per entry and per scan. */
export const PATH_BUDGET = { perEntry: 256, perScan: 20_000 } as const;

/**
 * The programs judged one by one (location, owner, script content): at most PATH_BUDGET.perEntry of one entry —
 * no configuration line runs hundreds of programs — and PATH_BUDGET.perScan in all, since each costs a few system
 * calls and a planted file of decoy paths must not use up the scanner's time. An entry's share is fixed the
 * first time it is asked for (the owner and location passes ask about the same entry); what is left out is
 * recorded, so the scanner says which entries were not judged in full.
 */
export class PathBudget {
  #used = 0;
  readonly #shares = new Map<string, EntryPrograms>();
  /** Entries whose programs were not all judged: where, how many they name, how many were judged. */
  readonly cut: { path: string; line: number; named: number; judged: number }[] = [];

  /**
   * The programs judged for the entry at `path`:`line` with `text`: those it runs or preloads, in the order it
   * names them, within the budget; worked out (the line's shell words parsed) once per entry.
   */
  share(path: string, line: number, text: string): EntryPrograms {
    const key = `${path}\0${line}\0${text}`;
    const known = this.#shares.get(key);
    if (known) return known;
    const executed = executedPaths(text);
    const paths = [...new Set([...executed, ...preloadedPaths(text)])];
    const n = Math.max(0, Math.min(PATH_BUDGET.perEntry, PATH_BUDGET.perScan - this.#used));
    const judged = paths.slice(0, n);
    const ran = new Set(executed);
    const share = { judged, executed: judged.filter((p) => ran.has(p)) };
    this.#used += judged.length;
    this.#shares.set(key, share);
    if (judged.length < paths.length) {
      this.cut.push({ path, line, named: paths.length, judged: judged.length });
    }
    return share;
  }
}

/** An entry's share of the PathBudget. */
export interface EntryPrograms {
  /** The programs it runs or preloads that are judged (`assessEntry`'s `programs`). */
  readonly judged: readonly string[];
  /** Those of them it runs (`unlessProgramsOwned` asks who installed these). */
  readonly executed: readonly string[];
}
