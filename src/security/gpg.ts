/** `--sign-gpg KEYID`: a detached, armoured gpg signature (`<report>.asc`) made by /usr/bin/gpg. */
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import { runProgram } from "../host/exec.ts";

/** The gpg binary: an absolute path, never a PATH lookup. */
export const GPG = "/usr/bin/gpg";

/** Accepted key ids: 8–40 hex digits (optionally 0x-prefixed), a fingerprint, or an e-mail address. */
export function validGpgKeyId(id: string): boolean {
  return /^(0x)?[0-9A-Fa-f]{8,40}$/.test(id) || /^<?[^\s<>@]+@[^\s<>@]+>?$/.test(id);
}

/** Runs gpg with an argument array, a timeout and a minimal environment (HOME, GNUPGHOME). */
export async function gpgSign(
  keyId: string,
  reportPath: string,
  env: (k: string) => string | undefined,
  gpg = GPG,
  timeoutMs = 60_000,
): Promise<Result<string>> {
  if (!validGpgKeyId(keyId)) {
    return fail(ExitCode.Usage, `--sign-gpg ${keyId}: not a key id, fingerprint or e-mail address`);
  }
  const out = `${reportPath}.asc`;
  const childEnv: Record<string, string> = {};
  for (const k of ["HOME", "GNUPGHOME"]) {
    const v = env(k);
    if (v) childEnv[k] = v;
  }
  let r;
  try {
    r = await runProgram(
      gpg,
      [
        "--batch",
        "--yes",
        "--no-tty",
        "--armor",
        "--detach-sign",
        "--local-user",
        keyId,
        "--output",
        out,
        "--",
        reportPath,
      ],
      { timeoutMs, env: childEnv },
    );
  } catch (e) {
    return fail(ExitCode.Output, `gpg signing failed: ${e instanceof Error ? e.message : e}`);
  }
  if (r.timedOut) return fail(ExitCode.Output, `gpg signing timed out after ${timeoutMs / 1000}s`);
  if (r.code !== 0) {
    const msg = new TextDecoder().decode(r.stderr).trim().split("\n").pop() ?? "";
    return fail(ExitCode.Output, `gpg signing failed (exit ${r.code}): ${msg.slice(0, 300)}`);
  }
  return ok(out);
}
