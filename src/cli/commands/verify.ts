/**
 * `sys-scan verify REPORT [--sig FILE] --pub KEY`: checks a report's Ed25519 signature. Exit 0 when valid;
 * 1 when the signature does not match (tampered report, other key, forged signature); 2 for unusable input.
 */
import { ExitCode, type ExitCodeValue, fail, ok, type Result } from "../../core/result.ts";
import { parseCommandArgs } from "./command_args.ts";
import { loadPublicKey, parseSignature, verifyBytes } from "../../security/sign.ts";

const USAGE = "usage: sys-scan verify REPORT [--sig FILE] --pub KEY";
const MAX_REPORT = 1 << 30;

function readBytes(path: string, what: string, max: number): Result<Uint8Array> {
  try {
    const st = Deno.statSync(path);
    if (!st.isFile) return fail(ExitCode.Usage, `${what} ${path}: not a regular file`);
    if (st.size > max) return fail(ExitCode.Usage, `${what} ${path}: too large`);
    return ok(Deno.readFileSync(path));
  } catch (e) {
    return fail(
      ExitCode.Usage,
      `${what} ${path}: ${e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message}`,
    );
  }
}

/** Runs the verify subcommand; prints one line on success. */
export async function verifyCommand(
  args: readonly string[],
  print: (text: string) => void,
): Promise<Result<ExitCodeValue>> {
  const parsed = parseCommandArgs(
    "verify",
    USAGE,
    args,
    { sig: { type: "string" }, pub: { type: "string" } },
    1,
  );
  if (!parsed.ok) return parsed;
  const { values, positionals } = parsed.value;
  if (positionals.length !== 1) return fail(ExitCode.Usage, `verify needs one report; ${USAGE}`);
  const pubPath = values.pub;
  if (!pubPath) return fail(ExitCode.Usage, `verify needs --pub KEY; ${USAGE}`);
  const report = positionals[0];
  const sigPath = values.sig ?? `${report}.sig`;
  const bytes = readBytes(report, "report", MAX_REPORT);
  if (!bytes.ok) return bytes;
  const sigBytes = readBytes(sigPath, "signature", 64 << 10);
  if (!sigBytes.ok) return sigBytes;
  const sig = parseSignature(new TextDecoder().decode(sigBytes.value));
  if (!sig.ok) return fail(ExitCode.Usage, `signature ${sigPath}: ${sig.error.message}`);
  const pub = await loadPublicKey(pubPath);
  if (!pub.ok) return pub;
  const v = await verifyBytes(bytes.value, sig.value, pub.value);
  if (!v.ok) return fail(v.error.exit, `verify: ${report}: ${v.error.message}`);
  print(`${report}: valid Ed25519 signature by ${pub.value.fingerprint}\n`);
  return ok(ExitCode.Ok);
}
