/**
 * The scan's privilege lifecycle and evidence steps, in the order scanCommand calls them:
 * prepareSecurity (validate, load the signing key, preload self-check) → harden (drop capabilities, install
 * seccomp; after outputs are open) → scan → finishEvidence (signature, provenance env file, gpg).
 */
import type { Config } from "../core/config.ts";
import type { Scanner } from "../core/scanner.ts";
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import { capMask, dropCapabilities } from "./privileges.ts";
import { keptCapabilities } from "./needs.ts";
import { installSeccomp, type SyscallFn } from "./seccomp.ts";
import { checkPreload, type PreloadState, preloadWarnings } from "./preload.ts";
import { loadPrivateKey, type SigningKey } from "./sign.ts";
import { type SidecarWriter, writeProvenanceEnv, writeSignature } from "./evidence.ts";
import { gpgSign, validGpgKeyId } from "./gpg.ts";
import type { Provenance } from "../core/report.ts";

/** Injection points for tests (a failing syscall, a fake /etc/ld.so.preload). */
export interface SecurityDeps {
  syscall?: SyscallFn;
  readPreloadFile?: () => string | null;
  readMaps?: () => string | null;
}

/** What prepareSecurity established. */
export interface SecurityPrep {
  signingKey?: SigningKey;
  preload: PreloadState;
  /** Keys for meta.security known before scanning. */
  meta: Record<string, unknown>;
}

/** Validates the evidence flags, loads the signing key and runs the preload self-check (warnings to stderr). */
export async function prepareSecurity(
  config: Config,
  env: (k: string) => string | undefined,
  stderr: (line: string) => void,
  deps: SecurityDeps = {},
): Promise<Result<SecurityPrep>> {
  const toFile = config.output !== undefined && config.output !== "-";
  if (config.sign !== undefined && !toFile) return fail(ExitCode.Usage, "--sign needs --output FILE");
  if (config.signGpg !== undefined && !toFile) return fail(ExitCode.Usage, "--sign-gpg needs --output FILE");
  if (config.signGpg !== undefined && !validGpgKeyId(config.signGpg)) {
    return fail(ExitCode.Usage, `--sign-gpg ${config.signGpg}: not a key id, fingerprint or e-mail address`);
  }
  let signingKey: SigningKey | undefined;
  if (config.sign !== undefined) {
    const k = await loadPrivateKey(config.sign);
    if (!k.ok) return k;
    signingKey = k.value;
    const mode = Deno.statSync(config.sign).mode ?? 0;
    if ((mode & 0o077) !== 0) {
      stderr(
        `sys-scan: warning: signing key ${config.sign} is readable by other users (mode ${
          (mode & 0o777).toString(8)
        }); chmod 600 it`,
      );
    }
  }
  const preload = checkPreload(env, deps.readPreloadFile, deps.readMaps);
  for (const w of preloadWarnings(preload)) stderr(w);
  return ok({
    ...(signingKey ? { signingKey } : {}),
    preload,
    meta: {
      preload,
      ...(signingKey
        ? {
          signature: {
            algorithm: "ed25519",
            key_fingerprint: signingKey.fingerprint,
            file: `${config.output}.sig`,
          },
        }
        : {}),
    },
  });
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
}

/** True when this uid can create files in `dir` through its mode bits alone (no CAP_DAC_OVERRIDE). */
function writableByModeBits(dir: string): boolean {
  try {
    const st = Deno.statSync(dir);
    const mode = st.mode ?? 0;
    if (st.uid === Deno.uid()) return (mode & 0o300) === 0o300;
    if (st.gid === Deno.gid()) return (mode & 0o030) === 0o030;
    return (mode & 0o003) === 0o003;
  } catch {
    return false;
  }
}

/**
 * Drops capabilities (`--drop-priv`) and installs seccomp (`--seccomp`, `--seccomp-strict`); returns keys for
 * meta.security. Privilege failures are fatal; seccomp failures only with --seccomp-strict.
 */
export function harden(
  config: Config,
  selected: readonly Scanner[],
  stderr: (line: string) => void,
  deps: SecurityDeps = {},
): Result<Record<string, unknown>> {
  const meta: Record<string, unknown> = {};
  if (config.dropPriv) {
    for (const p of [config.output, config.html, config.writeEnv]) {
      if (p !== undefined && p !== "-" && !writableByModeBits(dirOf(p))) {
        return fail(
          ExitCode.Output,
          `--drop-priv: ${
            dirOf(p)
          } is not writable without CAP_DAC_OVERRIDE; write the report to a directory this user owns`,
        );
      }
    }
    const keep = keptCapabilities(selected, config.keepCapDac);
    const mask = capMask(keep);
    if (!mask.ok) return mask;
    const dropped = dropCapabilities(mask.value, deps.syscall);
    if (!dropped.ok) return dropped;
    meta.privileges = dropped.value;
    if (config.verbose) {
      stderr(`sys-scan: capabilities before drop: ${dropped.value.before.join(",") || "none"}`);
      stderr(`sys-scan: capabilities after drop: ${dropped.value.after.join(",") || "none"}`);
      if (dropped.value.threads_still_privileged > 0) {
        stderr(
          `sys-scan: ${dropped.value.threads_still_privileged} runtime thread(s) started before the drop keep their capabilities`,
        );
      }
    }
  }
  if (config.seccomp) {
    const allowBpf = selected.some((s) => (s.needs ?? []).some((n) => n.includes("CAP_BPF")));
    const installed = installSeccomp({ allowBpf }, deps.syscall);
    if (!installed.ok) {
      if (config.seccompStrict) return installed;
      stderr(`sys-scan: warning: ${installed.error.message}; scanning without the filter`);
      meta.seccomp = { installed: false, error: installed.error.message };
    } else {
      meta.seccomp = installed.value;
      if (config.verbose) {
        stderr(`sys-scan: seccomp filter installed (${installed.value.denied.length} calls denied)`);
      }
    }
  }
  return ok(meta);
}

/** The report as it was written: its path (undefined for stdout) and, when they were kept, its bytes. */
export interface WrittenReport {
  path: string | undefined;
  bytes: Uint8Array | undefined;
}

/** After the report is committed: `.sig`, the provenance env file, then gpg (so gpg can sign a final file). */
export async function finishEvidence(
  config: Config,
  prep: SecurityPrep,
  written: WrittenReport,
  env: (k: string) => string | undefined,
  prov: Provenance,
  write: SidecarWriter,
): Promise<Result<void>> {
  const { path, bytes } = written;
  if (prep.signingKey && path !== undefined && bytes !== undefined) {
    const s = await writeSignature(prep.signingKey, path, bytes, write);
    if (!s.ok) return s;
  }
  if (config.writeEnv !== undefined) {
    const w = await writeProvenanceEnv(config.writeEnv, path, bytes, prov, write);
    if (!w.ok) return w;
  }
  if (config.signGpg !== undefined && path !== undefined) {
    const g = await gpgSign(config.signGpg, path, env);
    if (!g.ok) return g;
  }
  return ok(undefined);
}

/** True when `--sign` or `--write-env` needs the written report's bytes kept (to sign and hash them). */
export function keepsReportBytes(config: Config): boolean {
  return config.sign !== undefined || config.writeEnv !== undefined;
}
