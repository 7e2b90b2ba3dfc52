/** `sys-scan keygen --out PREFIX`: a new Ed25519 key pair, PREFIX.key (PKCS#8 PEM, 0600) and PREFIX.pub (SPKI PEM). */
import { ExitCode, type ExitCodeValue, fail, ok, type Result } from "../../core/result.ts";
import { writeFileAtomic } from "../../output/writer.ts";
import { generateKeyPair } from "../../security/sign.ts";
import { parseCommandArgs } from "./command_args.ts";

const USAGE = "usage: sys-scan keygen --out PREFIX [--force]";

/**
 * Writes a key file as a new file with its final mode, moved into place: with --force it replaces the old one
 * (a symlink there is replaced, not followed); without, an existing file (even one that appears meanwhile) is an
 * error. Nothing is chmod'ed by path.
 */
async function writeKey(path: string, text: string, mode: number, force: boolean): Promise<Result<void>> {
  let existing: Deno.FileInfo | undefined;
  try {
    existing = Deno.lstatSync(path);
  } catch {
    // free
  }
  if (existing?.isSymlink) {
    return fail(ExitCode.Output, `keygen: ${path} is a symlink; remove it or choose another --out`);
  }
  if (existing && !force) {
    return fail(ExitCode.Output, `keygen: cannot write ${path}: already exists (use --force to replace it)`);
  }
  const r = await writeFileAtomic(path, text, { mode, exclusive: !force });
  return r.ok ? r : fail(ExitCode.Output, `keygen: ${r.error.message.replace("the report to ", "")}`);
}

/** Runs the keygen subcommand; prints the public key fingerprint. */
export async function keygenCommand(
  args: readonly string[],
  print: (text: string) => void,
): Promise<Result<ExitCodeValue>> {
  const parsed = parseCommandArgs("keygen", USAGE, args, {
    out: { type: "string" },
    force: { type: "boolean" },
  });
  if (!parsed.ok) return parsed;
  const { values } = parsed.value;
  const prefix = values.out;
  if (!prefix) return fail(ExitCode.Usage, `keygen needs --out PREFIX; ${USAGE}`);
  const force = values.force ?? false;
  const pair = await generateKeyPair();
  const priv = await writeKey(`${prefix}.key`, pair.privatePem, 0o600, force);
  if (!priv.ok) return priv;
  const pub = await writeKey(`${prefix}.pub`, pair.publicPem, 0o644, force);
  if (!pub.ok) return pub;
  print(`private key: ${prefix}.key\npublic key:  ${prefix}.pub\nfingerprint: ${pair.fingerprint}\n`);
  return ok(ExitCode.Ok);
}
