/** Where the report goes: stdout, or a file written atomically (temp file + rename), mode 0600, never via a symlink. */
import { ExitCode, fail, ok, type Result } from "../core/result.ts";

/**
 * An open report destination. write() appends; commit() makes it visible; abort() leaves nothing behind (after
 * a commit it changes nothing, so it can be called on every exit).
 */
export interface ReportOutput {
  /** The final path, or undefined for stdout. */
  readonly path: string | undefined;
  write(text: string): Promise<void>;
  commit(): Promise<Result<void>>;
  abort(): void;
}

const encoder = new TextEncoder();

async function writeAll(w: { write(p: Uint8Array): Promise<number> }, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await w.write(bytes.subarray(off));
}

class StdoutOutput implements ReportOutput {
  readonly path = undefined;
  async write(text: string): Promise<void> {
    await writeAll(Deno.stdout, encoder.encode(text));
  }
  commit(): Promise<Result<void>> {
    return Promise.resolve(ok(undefined));
  }
  abort(): void {}
}

class AtomicFileOutput implements ReportOutput {
  #failed: string | undefined;
  #committed = false;
  constructor(
    readonly path: string,
    readonly tmp: string,
    readonly file: Deno.FsFile,
    readonly exclusive: boolean,
  ) {}

  async write(text: string): Promise<void> {
    if (this.#failed) return;
    try {
      await writeAll(this.file, encoder.encode(text));
    } catch (e) {
      this.#failed = e instanceof Error ? e.message : String(e);
    }
  }

  async commit(): Promise<Result<void>> {
    try {
      if (this.#failed) throw new Error(this.#failed);
      await this.file.sync();
      this.file.close();
      const target = lstatOrNull(this.path);
      if (target?.isSymlink) {
        throw new Error("it became a symlink during the scan; refusing to write through it");
      }
      if (this.exclusive) {
        // link(2) fails when the name exists: never replaces a file created meanwhile.
        Deno.linkSync(this.tmp, this.path);
        Deno.removeSync(this.tmp);
      } else await Deno.rename(this.tmp, this.path);
      this.#committed = true;
      return ok(undefined);
    } catch (e) {
      this.abort();
      return fail(
        ExitCode.Output,
        `cannot write the report to ${this.path}: ${e instanceof Error ? e.message : e}`,
      );
    }
  }

  abort(): void {
    if (this.#committed) return;
    try {
      this.file.close();
    } catch {
      // already closed
    }
    try {
      Deno.removeSync(this.tmp);
    } catch {
      // already gone
    }
  }
}

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch {
    return null;
  }
}

/** How a file is written. */
export interface WriteOptions {
  /** Permission bits of the new file (0600 by default); set when it is created, never changed by path after. */
  mode?: number;
  /** Refuse to replace an existing file, even one created while this one was written. */
  exclusive?: boolean;
}

/**
 * Opens the destination before scanning, so an unwritable path fails fast (exit 5). The data goes to a new
 * temporary file beside it (created exclusively, with its final mode), which commit() renames over the
 * destination: a symlink planted at the destination is replaced, never written through.
 */
export function openOutput(path: string | undefined, opts: WriteOptions = {}): Result<ReportOutput> {
  if (path === undefined || path === "-") return ok(new StdoutOutput());
  const target = lstatOrNull(path);
  if (target?.isSymlink) {
    return fail(ExitCode.Output, `--output ${path} is a symlink; refusing to write through it`);
  }
  if (target && !target.isFile) {
    return fail(ExitCode.Output, `--output ${path} exists and is not a regular file`);
  }
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) || "/" : ".";
  const base = slash >= 0 ? path.slice(slash + 1) : path;
  const tmp = `${dir}/.${base}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    const file = Deno.openSync(tmp, { write: true, createNew: true, mode: opts.mode ?? 0o600 });
    return ok(new AtomicFileOutput(path, tmp, file, opts.exclusive ?? false));
  } catch (e) {
    return fail(ExitCode.Output, `cannot write the report to ${path}: ${e instanceof Error ? e.message : e}`);
  }
}

/** Wraps a report output and keeps a copy of every byte written, so what is signed is exactly what was written. */
export class RecordingOutput implements ReportOutput {
  readonly #chunks: Uint8Array[] = [];
  readonly #enc = new TextEncoder();
  constructor(readonly inner: ReportOutput) {}

  get path(): string | undefined {
    return this.inner.path;
  }

  write(text: string): Promise<void> {
    this.#chunks.push(this.#enc.encode(text));
    return this.inner.write(text);
  }

  commit(): Promise<Result<void>> {
    return this.inner.commit();
  }

  abort(): void {
    this.inner.abort();
  }

  /** Every byte written so far. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#chunks.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of this.#chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** Writes a whole small file (a signature, an env file, a key) the way the report is written: atomically, 0600. */
export async function writeFileAtomic(
  path: string,
  text: string,
  opts: WriteOptions = {},
): Promise<Result<void>> {
  const o = openOutput(path, opts);
  if (!o.ok) return o;
  await o.value.write(text);
  return o.value.commit();
}
