/** Signed evidence after the report is written: Ed25519 `.sig`, the provenance env file, gpg `.asc`. */
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import type { ReportOutput } from "../output/writer.ts";
import { openOutput } from "../output/writer.ts";
import { bpfObjectSha256, isCompiled, TOOL_VERSION } from "../version.ts";
import { sha256Hex } from "../core/hash.ts";
import { signBytes, type SigningKey } from "./sign.ts";

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

async function writeSidecar(path: string, text: string): Promise<Result<void>> {
  const o = openOutput(path);
  if (!o.ok) return o;
  await o.value.write(text);
  return o.value.commit();
}

/** Writes `<report>.sig` for the bytes written. */
export async function writeSignature(
  key: SigningKey,
  reportPath: string,
  bytes: Uint8Array,
): Promise<Result<string>> {
  const path = `${reportPath}.sig`;
  const w = await writeSidecar(path, await signBytes(key, bytes));
  return w.ok ? ok(path) : w;
}

/** SHA-256 of the running executable (the deno binary itself under `deno run`). */
export async function executableSha256(): Promise<string> {
  return sha256Hex(await Deno.readFile(Deno.execPath()));
}

/** Lines of the provenance env file (KEY=value, values shell-quoted when needed). */
export async function provenanceEnv(
  reportPath: string | undefined,
  reportBytes: Uint8Array | undefined,
): Promise<string> {
  const q = (v: string) => /^[A-Za-z0-9_./:@+-]*$/.test(v) ? v : `'${v.replaceAll("'", "'\\''")}'`;
  const exe = Deno.execPath();
  const lines = [
    `# sys-scan provenance. SYS_SCAN_BINARY_SHA256 is the SHA-256 of ${
      isCompiled()
        ? "the compiled sys-scan executable"
        : "the deno runtime running sys-scan from source (deno run)"
    }.`,
    `SYS_SCAN_VERSION=${q(TOOL_VERSION)}`,
    ...(reportPath !== undefined && reportBytes !== undefined
      ? [`SYS_SCAN_OUTPUT_FILE=${q(reportPath)}`, `SYS_SCAN_SHA256=${await sha256Hex(reportBytes)}`]
      : []),
    `SYS_SCAN_BINARY=${q(exe)}`,
    `SYS_SCAN_BINARY_SHA256=${await executableSha256()}`,
    `SYS_SCAN_COMPILED=${isCompiled()}`,
    `SYS_SCAN_BPF_OBJECT_SHA256=${(await bpfObjectSha256()) ?? ""}`,
    "",
  ];
  return lines.join("\n");
}

/** Writes the provenance env file atomically (0600). */
export async function writeProvenanceEnv(
  path: string,
  reportPath: string | undefined,
  reportBytes: Uint8Array | undefined,
): Promise<Result<void>> {
  try {
    return await writeSidecar(path, await provenanceEnv(reportPath, reportBytes));
  } catch (e) {
    return fail(ExitCode.Output, `--write-env ${path}: ${e instanceof Error ? e.message : e}`);
  }
}
