/**
 * Signed evidence after the report is written: Ed25519 `.sig`, the provenance env file, gpg `.asc`. The files
 * are written by the output room's atomic writer, passed in as a `SidecarWriter`.
 */
import { sha256HexAsync } from "../host/hash.ts";
import type { Provenance } from "../core/report.ts";
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import { signBytes, type SigningKey } from "./sign.ts";

/** Writes a small file beside the report: atomically, mode 0600, never through a symlink. */
export type SidecarWriter = (path: string, text: string) => Promise<Result<void>>;

/** Writes `<report>.sig` for the bytes written. */
export async function writeSignature(
  key: SigningKey,
  reportPath: string,
  bytes: Uint8Array,
  write: SidecarWriter,
): Promise<Result<string>> {
  const path = `${reportPath}.sig`;
  const w = await write(path, await signBytes(key, bytes));
  return w.ok ? ok(path) : w;
}

/** SHA-256 of the running executable (the deno binary itself under `deno run`). */
export async function executableSha256(): Promise<string> {
  return await sha256HexAsync(await Deno.readFile(Deno.execPath()));
}

/** Lines of the provenance env file (KEY=value, values shell-quoted when needed). */
export async function provenanceEnv(
  reportPath: string | undefined,
  reportBytes: Uint8Array | undefined,
  prov: Provenance,
): Promise<string> {
  const q = (v: string) => /^[A-Za-z0-9_./:@+-]*$/.test(v) ? v : `'${v.replaceAll("'", "'\\''")}'`;
  const exe = Deno.execPath();
  const lines = [
    `# sys-scan provenance. SYS_SCAN_BINARY_SHA256 is the SHA-256 of ${
      prov.compiled
        ? "the compiled sys-scan executable"
        : "the deno runtime running sys-scan from source (deno run)"
    }.`,
    `SYS_SCAN_VERSION=${q(prov.tool_version)}`,
    ...(reportPath !== undefined && reportBytes !== undefined
      ? [`SYS_SCAN_OUTPUT_FILE=${q(reportPath)}`, `SYS_SCAN_SHA256=${await sha256HexAsync(reportBytes)}`]
      : []),
    `SYS_SCAN_BINARY=${q(exe)}`,
    `SYS_SCAN_BINARY_SHA256=${await executableSha256()}`,
    `SYS_SCAN_COMPILED=${prov.compiled}`,
    `SYS_SCAN_BPF_OBJECT_SHA256=${prov.bpf_object_sha256 ?? ""}`,
    "",
  ];
  return lines.join("\n");
}

/** Writes the provenance env file atomically (0600). */
export async function writeProvenanceEnv(
  path: string,
  reportPath: string | undefined,
  reportBytes: Uint8Array | undefined,
  prov: Provenance,
  write: SidecarWriter,
): Promise<Result<void>> {
  try {
    return await write(path, await provenanceEnv(reportPath, reportBytes, prov));
  } catch (e) {
    return fail(ExitCode.Output, `--write-env ${path}: ${e instanceof Error ? e.message : e}`);
  }
}
