/**
 * Reading report files for `sys-scan fleet`: regular files only (never a FIFO or device), each under a byte
 * cap. NDJSON is read line by line as it streams (a line has its own cap); a JSON report is read whole (up to
 * the cap) and released before the next file, so memory depends on the largest report, not on how many there
 * are. With a signature check the bytes are read once, verified, then parsed from the same bytes.
 */
import { firstIssue, INPUT_LIMITS, InputRecordSchema, InputReportFrameSchema } from "./input.ts";
import { type ParsedReport, ReportBuilder } from "./parse.ts";

/** The outcome of reading one file. */
export type ReadOutcome =
  | { ok: true; report: ParsedReport; format: "json" | "ndjson"; signer: string | null }
  | { ok: false; reason: string; unverified?: boolean };

/** Checks a report's bytes against its detached signature; `signer` is the key fingerprint. */
export type Verifier = (
  bytes: Uint8Array,
  reportPath: string,
) => Promise<{ ok: true; signer: string } | { ok: false; reason: string }>;

/** Options of readReport. */
export interface ReadOptions {
  maxBytes: number;
  nowSeconds: number;
  verify?: Verifier;
}

const NDJSON_START = /^\s*\{\s*"type"\s*:\s*"meta"/;

/** Opens a regular file for reading; refuses anything else without opening it. */
async function openRegular(
  path: string,
  maxBytes: number,
): Promise<{ file: Deno.FsFile; size: number } | string> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.lstat(path);
  } catch (e) {
    return e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message;
  }
  if (st.isSymlink) return "a symbolic link (give the file it points to)";
  if (!st.isFile) return "not a regular file";
  if (st.size > maxBytes) return `larger than ${maxBytes} bytes (--max-report-mib)`;
  try {
    const file = await Deno.open(path, { read: true });
    const again = await file.stat();
    if (!again.isFile || again.ino !== st.ino || again.dev !== st.dev) {
      file.close();
      return "replaced while it was being opened";
    }
    return { file, size: again.size };
  } catch (e) {
    return (e as Error).message;
  }
}

/** Reads the whole file (its size known from stat) up to `maxBytes`; a file that grows while read is refused. */
async function readAll(file: Deno.FsFile, size: number, maxBytes: number): Promise<Uint8Array | string> {
  if (size > maxBytes) return `larger than ${maxBytes} bytes (--max-report-mib)`;
  const buf = new Uint8Array(size + 1);
  let off = 0;
  for (;;) {
    const n = await file.read(buf.subarray(off));
    if (n === null) return buf.subarray(0, off);
    off += n;
    if (off > size) return "it grew while it was being read";
  }
}

/** Splits a byte stream into lines (without the newline); a line over `maxLine` bytes stops with an error. */
async function* lines(
  chunks: AsyncIterable<Uint8Array>,
  maxLine: number,
  maxTotal: number,
): AsyncGenerator<string | { error: string }> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pending: Uint8Array[] = [];
  let pendingLen = 0;
  let total = 0;
  const flush = (last: Uint8Array): string => {
    const parts = [...pending, last];
    const len = pendingLen + last.length;
    const joined = new Uint8Array(len);
    let off = 0;
    for (const p of parts) {
      joined.set(p, off);
      off += p.length;
    }
    pending = [];
    pendingLen = 0;
    return decoder.decode(joined);
  };
  try {
    for await (const chunk of chunks) {
      total += chunk.length;
      if (total > maxTotal) return yield { error: `larger than ${maxTotal} bytes (--max-report-mib)` };
      let start = 0;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, start)) {
        if (pendingLen + (i - start) > maxLine) return yield { error: `a line longer than ${maxLine} bytes` };
        yield flush(chunk.subarray(start, i));
        start = i + 1;
      }
      const rest = chunk.slice(start);
      pendingLen += rest.length;
      if (pendingLen > maxLine) return yield { error: `a line longer than ${maxLine} bytes` };
      pending.push(rest);
    }
    if (pendingLen > 0) yield flush(new Uint8Array());
  } catch {
    yield { error: "not valid UTF-8" };
  }
}

async function* fileChunks(file: Deno.FsFile): AsyncGenerator<Uint8Array> {
  const buf = new Uint8Array(1 << 16);
  for (;;) {
    const n = await file.read(buf);
    if (n === null) return;
    yield buf.slice(0, n);
  }
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Parses an NDJSON stream: meta, findings, summary_extension and summary records; other records are skipped. */
async function parseNdjson(
  chunks: AsyncIterable<Uint8Array>,
  opts: ReadOptions,
): Promise<{ ok: true; report: ParsedReport } | { ok: false; reason: string }> {
  const b = new ReportBuilder();
  let n = 0;
  for await (const line of lines(chunks, INPUT_LIMITS.lineBytes, opts.maxBytes)) {
    n++;
    if (typeof line !== "string") return { ok: false, reason: line.error };
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      return { ok: false, reason: `line ${n}: not JSON (${(e as Error).message.slice(0, 120)})` };
    }
    const rec = InputRecordSchema.safeParse(value);
    if (!rec.success) return { ok: false, reason: `line ${n}: ${firstIssue(rec.error)}` };
    const { type, ...rest } = rec.data;
    const err = type === "meta"
      ? b.meta(rest)
      : type === "finding"
      ? b.finding(rest)
      : type === "summary"
      ? b.summary(rest)
      : type === "summary_extension"
      ? b.extension(rest)
      : undefined;
    if (err) return { ok: false, reason: `line ${n}: ${err}` };
  }
  const done = b.finish(opts.nowSeconds);
  return done.ok ? { ok: true, report: done.value } : done;
}

/** Parses a whole JSON report. */
function parseJson(bytes: Uint8Array, opts: ReadOptions): { ok: true; report: ParsedReport } | {
  ok: false;
  reason: string;
} {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    return { ok: false, reason: `not JSON (${(e as Error).message.slice(0, 120)})` };
  }
  const frame = InputReportFrameSchema.safeParse(value);
  if (!frame.success) return { ok: false, reason: `not a sys-scan report: ${firstIssue(frame.error)}` };
  const b = new ReportBuilder();
  const err = b.meta(frame.data.meta) ?? b.summary(frame.data.summary) ??
    b.extension(frame.data.summary_extension);
  if (err) return { ok: false, reason: err };
  for (const r of frame.data.results) {
    for (const f of r.findings) {
      const e = b.finding(f);
      if (e) return { ok: false, reason: e };
    }
  }
  const done = b.finish(opts.nowSeconds);
  return done.ok ? { ok: true, report: done.value } : done;
}

function looksNdjson(path: string, head: Uint8Array): boolean {
  if (/\.(ndjson|jsonl)$/i.test(path)) return true;
  if (/\.json$/i.test(path)) return false;
  return NDJSON_START.test(new TextDecoder().decode(head.subarray(0, 256)));
}

/** Reads and parses one report file; never throws. */
export async function readReport(path: string, opts: ReadOptions): Promise<ReadOutcome> {
  const opened = await openRegular(path, opts.maxBytes);
  if (typeof opened === "string") return { ok: false, reason: opened };
  const { file, size } = opened;
  try {
    const head = new Uint8Array(256);
    const n = (await file.read(head)) ?? 0;
    await file.seek(0, Deno.SeekMode.Start);
    const ndjson = looksNdjson(path, head.subarray(0, n));
    let signer: string | null = null;
    let parsed: { ok: true; report: ParsedReport } | { ok: false; reason: string };
    if (opts.verify || !ndjson) {
      const bytes = await readAll(file, size, opts.maxBytes);
      if (typeof bytes === "string") return { ok: false, reason: bytes };
      if (opts.verify) {
        const v = await opts.verify(bytes, path);
        if (!v.ok) return { ok: false, reason: v.reason, unverified: true };
        signer = v.signer;
      }
      parsed = ndjson ? await parseNdjson(oneChunk(bytes), opts) : parseJson(bytes, opts);
    } else {
      parsed = await parseNdjson(fileChunks(file), opts);
    }
    return parsed.ok ? { ...parsed, format: ndjson ? "ndjson" : "json", signer } : parsed;
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  } finally {
    try {
      file.close();
    } catch {
      // already closed
    }
  }
}

/**
 * The report files under `dir`, depth first in name order: `*.json`, `*.ndjson` and `*.jsonl` regular files
 * (signatures, HTML pages and other files are ignored); symbolic links are not followed. `skipped` receives
 * entries that look like reports but are not regular files.
 */
export async function* reportFiles(
  dir: string,
  skipped: (path: string, reason: string) => void,
  maxDepth = 16,
): AsyncGenerator<string> {
  const names: { name: string; isDir: boolean; isFile: boolean }[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      names.push({ name: e.name, isDir: e.isDirectory, isFile: e.isFile });
    }
  } catch (e) {
    skipped(dir, `cannot list: ${(e as Error).message}`);
    return;
  }
  names.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const e of names) {
    const path = `${dir}/${e.name}`;
    if (e.isDir) {
      if (maxDepth > 0) yield* reportFiles(path, skipped, maxDepth - 1);
      else skipped(path, "deeper than 16 directories; not read");
    } else if (/\.(json|ndjson|jsonl)$/i.test(e.name)) {
      if (e.isFile) yield path;
      else skipped(path, "not a regular file (symbolic links, FIFOs and devices are not read)");
    }
  }
}
