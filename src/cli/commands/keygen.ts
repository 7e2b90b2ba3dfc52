/** `sys-scan keygen --out PREFIX`: a new Ed25519 key pair, PREFIX.key (PKCS#8 PEM, 0600) and PREFIX.pub (SPKI PEM). */
import { ExitCode, type ExitCodeValue, fail, ok, type Result } from "../../core/result.ts";
import { generateKeyPair } from "../../security/sign.ts";
import { parseCommandArgs } from "./command_args.ts";

const USAGE = "usage: sys-scan keygen --out PREFIX [--force]";

function writeNew(path: string, text: string, mode: number, force: boolean): Result<void> {
  try {
    Deno.writeTextFileSync(path, text, { mode, createNew: !force });
    Deno.chmodSync(path, mode);
    return ok(undefined);
  } catch (e) {
    const why = e instanceof Deno.errors.AlreadyExists
      ? "already exists (use --force to replace it)"
      : (e as Error).message;
    return fail(ExitCode.Output, `keygen: cannot write ${path}: ${why}`);
  }
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
  const priv = writeNew(`${prefix}.key`, pair.privatePem, 0o600, force);
  if (!priv.ok) return priv;
  const pub = writeNew(`${prefix}.pub`, pair.publicPem, 0o644, force);
  if (!pub.ok) return pub;
  print(`private key: ${prefix}.key\npublic key:  ${prefix}.pub\nfingerprint: ${pair.fingerprint}\n`);
  return ok(ExitCode.Ok);
}
