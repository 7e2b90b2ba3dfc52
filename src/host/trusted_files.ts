/**
 * Trust checks for directories and files whose content sys-scan loads or runs (rules, YARA rules, plugins): the real path must be
 * owned by root and not writable by group or others, and so must every directory above it (a sticky,
 * root-owned directory such as /tmp is fine above it). No path-name exceptions. Files are checked on the
 * open file descriptor, so what is checked is what is read. A refusal is a message for a person; the caller
 * decides what it means (the rules and plugin loaders make it exit code 3).
 */
import { readAllOf } from "./host.ts";
import { FileOpener, type FileStat, fromFileInfo, type HostFile } from "./open.ts";

/** What a trusted directory check returns: the real path, and warnings when insecure content was accepted. */
export interface TrustedDir {
  real: string;
  warnings: string[];
}

/** A trusted directory, or why it was refused. */
export type TrustedDirOutcome = { ok: true; value: TrustedDir } | { ok: false; message: string };

/** Options for trust checks. */
export interface TrustOptions {
  /** Accept content not owned by root or writable by others (`--rules-insecure-ok`), with a warning. */
  insecureOk: boolean;
  /** What the directory is, for messages ("rules directory", "plugin directory"). */
  what: string;
}

const STICKY = 0o1000;

/** Why a stat result cannot be trusted, or undefined when it is root-owned and not group/world-writable. */
export function untrustedReason(st: Deno.FileInfo, allowSticky = false): string | undefined {
  return untrustedStat(fromFileInfo(st), [0], allowSticky);
}

function ancestors(real: string): string[] {
  const parts = real.split("/").filter((p) => p !== "");
  const out: string[] = [];
  for (let n = parts.length - 1; n >= 0; n--) out.push("/" + parts.slice(0, n).join("/"));
  return out;
}

/**
 * Checks a directory given on the command line. A refusal carries the reason; with `insecureOk` the problems
 * become warnings. A missing or unreadable directory is always refused.
 */
export function checkTrustedDir(path: string, opts: TrustOptions): TrustedDirOutcome {
  let real: string;
  let st: Deno.FileInfo;
  try {
    real = Deno.realPathSync(path);
    st = Deno.statSync(real);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "does not exist"
      : `cannot be read (${e instanceof Error ? e.message : e})`;
    return { ok: false, message: `${opts.what} ${path} ${why}` };
  }
  if (!st.isDirectory) return { ok: false, message: `${opts.what} ${path} is not a directory` };
  const warnings: string[] = [];
  const problems: string[] = [];
  const own = untrustedReason(st);
  if (own) problems.push(`${real} is ${own}`);
  for (const dir of ancestors(real)) {
    try {
      const why = untrustedReason(Deno.statSync(dir), true);
      if (why) problems.push(`${dir} (above it) is ${why}`);
    } catch (e) {
      problems.push(`${dir} (above it) cannot be checked (${e instanceof Error ? e.message : e})`);
    }
  }
  if (problems.length > 0) {
    if (!opts.insecureOk) {
      return {
        ok: false,
        message:
          `refusing ${opts.what} ${path}: ${
            problems.join("; ")
          }. Make it root-owned and not group/world-writable ` +
          `(chown root: and chmod go-w), or pass --rules-insecure-ok to accept it`,
      };
    }
    warnings.push(...problems.map((p) => `${p}; accepted because of --rules-insecure-ok`));
  }
  return { ok: true, value: { real, warnings } };
}

/**
 * Reads a file inside a trusted directory with a byte cap, checking ownership and mode on the descriptor the
 * safe open (./open.ts) gave: a symlink, FIFO, device or socket in its place is never opened. Returns the text,
 * or a reason it was refused.
 */
export function readTrustedFile(
  path: string,
  maxBytes: number,
  insecureOk: boolean,
): { ok: true; text: string; warning?: string } | { ok: false; reason: string } {
  const opened = LIVE.open(absolute(path), { follow: false });
  if (!opened.ok) {
    return {
      ok: false,
      reason: opened.reason === "not_file" || opened.reason === "link"
        ? "not a regular file (symlinks and special files are not read)"
        : opened.message,
    };
  }
  using file = opened.file;
  const why = untrustedStat(file.stat, [0]);
  if (why && !insecureOk) return { ok: false, reason: `${why}; fix it or pass --rules-insecure-ok` };
  const text = readText(file, maxBytes);
  if (!text.ok) return { ok: false, reason: text.reason };
  return why
    ? { ok: true, text: text.text, warning: `${path} is ${why}; accepted because of --rules-insecure-ok` }
    : { ok: true, text: text.text };
}

/** The file opener of the machine sys-scan runs on (inputs are read from it, whatever the scan root). */
const LIVE = new FileOpener("");

/** Who may own an input file: root, and the user running sys-scan. */
function inputOwners(): number[] {
  return [...new Set([0, Deno.uid() ?? 0])];
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}

/** Why a stat cannot be trusted, or undefined: owned by one of `owners`, not writable by group or others. */
function untrustedStat(st: FileStat, owners: readonly number[], allowSticky = false): string | undefined {
  if (!owners.includes(st.uid)) {
    return `owned by uid ${st.uid}, not ${owners.length > 1 ? "root or you" : "root"}`;
  }
  const mode = st.mode;
  if ((mode & 0o022) !== 0 && !(allowSticky && (mode & STICKY) !== 0)) {
    const who = [(mode & 0o020) !== 0 ? "group" : "", (mode & 0o002) !== 0 ? "others" : ""].filter((w) => w)
      .join(" and ");
    return `writable by ${who} (mode ${mode.toString(8).padStart(4, "0")})`;
  }
  return undefined;
}

function readText(
  file: HostFile,
  maxBytes: number,
): { ok: true; text: string } | { ok: false; reason: string } {
  if (file.stat.size > maxBytes) return { ok: false, reason: `larger than ${maxBytes} bytes` };
  try {
    const { bytes, truncated } = readAllOf(file, maxBytes);
    if (truncated) return { ok: false, reason: `larger than ${maxBytes} bytes` };
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch (e) {
    if (e instanceof TypeError) return { ok: false, reason: "not valid UTF-8" };
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Why a file that changes what the scan does (a settings file, an allowlist, expected set-id paths, risk
 * weights, the libbpf to load) cannot be trusted, or undefined when it can: it must be owned by root (or by the
 * user running sys-scan, who could change the scan anyway) and not writable by group or others; so must every
 * directory above it (a sticky one such as /tmp is fine above it); and a symlink on its path must be owned by
 * them and sit in such a directory, so nobody else can point it elsewhere. Checked from the root down with
 * lstat; the file itself on the descriptor it is read from.
 */
export function trustedInputProblem(path: string): string | undefined {
  const owners = inputOwners();
  const todo = absolute(path).split("/").filter((c) => c !== "" && c !== ".");
  const done: string[] = [];
  let hops = 0;
  while (todo.length > 0) {
    const dir = "/" + done.join("/");
    let st: Deno.FileInfo;
    try {
      st = Deno.lstatSync(dir);
    } catch (e) {
      return `${dir} cannot be checked (${e instanceof Error ? e.message : e})`;
    }
    const why = untrustedStat(fromFileInfo(st), owners, true);
    if (why) return `${dir} (a directory above it) is ${why}`;
    const name = todo.shift()!;
    if (name === "..") {
      done.pop();
      continue;
    }
    const here = dir === "/" ? `/${name}` : `${dir}/${name}`;
    let link: Deno.FileInfo;
    try {
      link = Deno.lstatSync(here);
    } catch {
      done.push(name);
      continue;
    }
    if (!link.isSymlink) {
      done.push(name);
      continue;
    }
    if (!owners.includes(link.uid ?? -1)) return `${here} is a symlink owned by uid ${link.uid}`;
    if (++hops > 40) return `${here}: too many levels of symbolic links`;
    const target = Deno.readLinkSync(here);
    if (target.startsWith("/")) done.length = 0;
    todo.unshift(...target.split("/").filter((c) => c !== "" && c !== "."));
  }
  try {
    const why = untrustedStat(fromFileInfo(Deno.lstatSync("/" + done.join("/"))), owners);
    return why ? `it is ${why}` : undefined;
  } catch {
    return undefined; // a missing file is the reader's to report
  }
}

/**
 * Reads a file that changes what the scan does (see `trustedInputProblem`) from the machine sys-scan runs on,
 * with a byte cap, through the safe open. `flag` names it in messages, which say how to fix a refusal.
 */
export function readTrustedInput(
  flag: string,
  path: string,
  maxBytes: number,
): { ok: true; text: string } | { ok: false; message: string } {
  const problem = trustedInputProblem(path);
  const fix = "make it and the directories above it owned by root and not writable by group or others " +
    `(chown root: FILE; chmod go-w FILE)`;
  if (problem) return { ok: false, message: `${flag} ${path}: refused: ${problem}; ${fix}` };
  const opened = LIVE.open(absolute(path));
  if (!opened.ok) {
    return {
      ok: false,
      message: opened.reason === "not_file"
        ? `${flag} ${path}: not a regular file (${opened.message})`
        : `${flag} ${path}: cannot read it (${
          opened.reason === "missing" ? "no such file" : opened.message
        })`,
    };
  }
  using file = opened.file;
  const why = untrustedStat(file.stat, inputOwners());
  if (why) return { ok: false, message: `${flag} ${path}: refused: it is ${why}; ${fix}` };
  const text = readText(file, maxBytes);
  return text.ok ? text : { ok: false, message: `${flag} ${path}: ${text.reason}` };
}
