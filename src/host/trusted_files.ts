/**
 * Trust checks for directories and files whose content sys-scan loads or runs (rules, YARA rules, plugins): the real path must be
 * owned by root and not writable by group or others, and so must every directory above it (a sticky,
 * root-owned directory such as /tmp is fine above it). No path-name exceptions. Files are checked on the
 * open file descriptor, so what is checked is what is read. A refusal is a message for a person; the caller
 * decides what it means (the rules and plugin loaders make it exit code 3).
 */

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
  const mode = st.mode ?? 0;
  if (st.uid !== 0) return `owned by uid ${st.uid}, not root`;
  if ((mode & 0o022) !== 0 && !(allowSticky && (mode & STICKY) !== 0)) {
    const who = [(mode & 0o020) !== 0 ? "group" : "", (mode & 0o002) !== 0 ? "others" : ""].filter((w) => w)
      .join(" and ");
    return `writable by ${who} (mode ${(mode & 0o7777).toString(8).padStart(4, "0")})`;
  }
  return undefined;
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
 * Reads a file inside a trusted directory with a byte cap, checking ownership and mode on the open
 * descriptor. Returns the text, or a reason it was refused.
 */
export function readTrustedFile(
  path: string,
  maxBytes: number,
  insecureOk: boolean,
): { ok: true; text: string; warning?: string } | { ok: false; reason: string } {
  let file: Deno.FsFile | undefined;
  try {
    const lst = Deno.lstatSync(path);
    if (!lst.isFile) {
      return { ok: false, reason: "not a regular file (symlinks and special files are not read)" };
    }
    file = Deno.openSync(path, { read: true });
    const st = file.statSync();
    if (!st.isFile) return { ok: false, reason: "not a regular file" };
    const why = untrustedReason(st);
    if (why && !insecureOk) return { ok: false, reason: `${why}; fix it or pass --rules-insecure-ok` };
    if (st.size > maxBytes) return { ok: false, reason: `larger than ${maxBytes} bytes` };
    const buf = new Uint8Array(st.size);
    let used = 0;
    while (used < buf.length) {
      const n = file.readSync(buf.subarray(used));
      if (n === null || n === 0) break;
      used += n;
    }
    const text = new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(0, used));
    return why
      ? { ok: true, text, warning: `${path} is ${why}; accepted because of --rules-insecure-ok` }
      : { ok: true, text };
  } catch (e) {
    if (e instanceof TypeError) return { ok: false, reason: "not valid UTF-8" };
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  } finally {
    file?.close();
  }
}
