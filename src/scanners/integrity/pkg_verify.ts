/**
 * `dpkg -V` / `rpm -Va` output parsing, and running them. Both print one line per problem file:
 * nine attribute characters, a space, an attribute marker (`c` for a conffile), a space, the path —
 * e.g. `??5??????  c /etc/foo`, `S.5....T.    /usr/bin/x`, `missing     /usr/share/doc/x`.
 * "Package is not installed" messages are not mismatches.
 */
import { runProgram } from "../../host/exec.ts";

/** What a verify line says about a file. */
export type VerifyProblem = "content" | "attributes" | "missing" | "unverifiable";

/** One parsed verify line. */
export interface VerifyLine {
  path: string;
  problem: VerifyProblem;
  conffile: boolean;
  /** The attribute characters as printed (e.g. `S.5....T.` or `missing`). */
  flags: string;
  raw: string;
}

/** Everything parsed from one verify run. */
export interface VerifyParse {
  lines: VerifyLine[];
  /** Packages the tool said are not installed. */
  notInstalled: string[];
  /** Lines with only mtime/device differences (rpm `T`, `D`), counted but not reported. */
  ignored: number;
  /** Lines that matched no known form. */
  unparsed: string[];
}

const LINE_RE = /^(missing|[.?SM5DLUGTP]{8,9})\s+(?:([cdglra])\s+)?(\/.*)$/;
const NOT_INSTALLED_RE = [
  /^dpkg(?:-query)?: package '([^']+)' is not installed/,
  /^package (\S+) is not installed$/,
];

function notInstalled(line: string): string | undefined {
  for (const re of NOT_INSTALLED_RE) {
    const m = line.match(re);
    if (m) return m[1];
  }
  return undefined;
}

/** Classifies an attribute string. Content: digest (5), size (S) or link target (L); attributes: M U G P. */
function classifyFlags(flags: string): VerifyProblem | undefined {
  if (flags === "missing") return "missing";
  if (/[5SL]/.test(flags)) return "content";
  if (/[MUGP]/.test(flags)) return "attributes";
  if (flags[2] === "?") return "unverifiable";
  return undefined;
}

/** Parses the combined verify output (stdout and stderr given separately; both may hold "not installed"). */
export function parseVerifyOutput(stdout: string, stderr: string): VerifyParse {
  const out: VerifyParse = { lines: [], notInstalled: [], ignored: 0, unparsed: [] };
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    const pkg = notInstalled(line);
    if (pkg !== undefined) {
      out.notInstalled.push(pkg);
      continue;
    }
    const m = line.match(LINE_RE);
    if (!m) {
      out.unparsed.push(line);
      continue;
    }
    const problem = classifyFlags(m[1]);
    if (problem === undefined) {
      out.ignored++;
      continue;
    }
    out.lines.push({ path: m[3], problem, conffile: m[2] === "c", flags: m[1], raw: line });
  }
  for (const line of stderr.split("\n")) {
    const pkg = notInstalled(line);
    if (pkg !== undefined) out.notInstalled.push(pkg);
  }
  out.notInstalled = [...new Set(out.notInstalled)].sort();
  return out;
}

/** Stderr lines that are real problems (not "not installed" notes), for warnings. */
export function stderrProblems(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.trim() !== "" && notInstalled(l) === undefined);
}

/** The package tool programs, by absolute path on the scanning machine. */
export const TOOL_PATHS = { dpkg: "/usr/bin/dpkg", rpm: "/usr/bin/rpm" } as const;

/**
 * The argument vector for a verify run; `root` is passed on when scanning a mounted image. rpm gets
 * `--noscripts`: `rpm -V` otherwise runs each package's %verifyscript, and a crafted rpm database in a
 * `--root` image would run its code as root on the analyst's machine. `dpkg --verify` runs no package code.
 */
export function verifyArgs(
  tool: "dpkg" | "rpm",
  packages: readonly string[] | "all",
  root: string,
  rpmDbPath?: string,
): string[] {
  if (tool === "dpkg") {
    const rootArgs = root === "/" ? [] : [`--root=${root}`];
    return [...rootArgs, "--verify", ...(packages === "all" ? [] : ["--", ...packages])];
  }
  return [
    ...rpmBase(root, rpmDbPath),
    "--noscripts",
    ...(packages === "all" ? ["-Va"] : ["-V", "--", ...packages]),
  ];
}

/**
 * `--root` and `--dbpath` for rpm. The database directory found in the scanned root is passed explicitly: the
 * scanning machine's rpm macros may point elsewhere (Debian's rpm uses ~/.rpmdb), which would verify nothing.
 */
function rpmBase(root: string, dbPath: string | undefined): string[] {
  return [...(root === "/" ? [] : ["--root", root]), ...(dbPath ? ["--dbpath", dbPath] : [])];
}

/** Where the scanned root keeps its rpm database (a host path), or undefined when it has none. */
export function rpmDbDir(exists: (path: string) => boolean): string | undefined {
  return ["/usr/lib/sysimage/rpm", "/var/lib/rpm"].find((d) => exists(d));
}

/** The outcome of running a verify command. */
export interface VerifyRun {
  parse: VerifyParse;
  exitCode: number | null;
  timedOut: boolean;
  truncated: boolean;
  stderrProblems: string[];
}

/** Runs the verify command with a timeout and output cap, stderr kept apart from stdout. */
export async function runVerify(
  tool: "dpkg" | "rpm",
  packages: readonly string[] | "all",
  root: string,
  timeoutMs: number,
  rpmDbPath?: string,
): Promise<VerifyRun> {
  const r = await runProgram(TOOL_PATHS[tool], verifyArgs(tool, packages, root, rpmDbPath), {
    timeoutMs,
    maxOutputBytes: 16 << 20,
  });
  const dec = new TextDecoder();
  const stderr = dec.decode(r.stderr);
  return {
    parse: parseVerifyOutput(dec.decode(r.stdout), stderr),
    exitCode: r.code,
    timedOut: r.timedOut,
    truncated: r.truncated,
    stderrProblems: stderrProblems(stderr),
  };
}

/** Lists installed rpm package names (`rpm -qa --qf '%{NAME}\n'`). */
export async function rpmPackageNames(root: string, timeoutMs: number, dbPath?: string): Promise<string[]> {
  const r = await runProgram(TOOL_PATHS.rpm, [...rpmBase(root, dbPath), "-qa", "--qf", "%{NAME}\\n"], {
    timeoutMs,
    maxOutputBytes: 8 << 20,
  });
  return new TextDecoder().decode(r.stdout).split("\n").map((l) => l.trim()).filter((l) => l !== "");
}
