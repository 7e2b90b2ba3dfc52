/**
 * The scan's privilege lifecycle and evidence, in scan order: prepareSecurity while preparing (validate the
 * evidence flags, load the signing key, preload self-check) → the harden stage (drop capabilities, install
 * seccomp; after outputs and the baseline are open) → … → the sign stage (signature, provenance env file,
 * gpg; after the report is committed).
 */
import type { Config } from "../core/config.ts";
import type { Provenance } from "../core/report.ts";
import { ExitCode, fail, ok, type Result } from "../core/result.ts";
import { missingCapabilities, type ScannerInfo } from "../core/scanner.ts";
import { type Capabilities, probeCapabilities } from "../host/capabilities.ts";
import type { Host } from "../host/host.ts";
import { type SidecarWriter, writeProvenanceEnv, writeSignature } from "./evidence.ts";
import { gpgSign, validGpgKeyId } from "./gpg.ts";
import { keptCapabilities } from "./needs.ts";
import { checkPreload, type PreloadState, preloadWarnings } from "./preload.ts";
import { capMask, dropCapabilities } from "./privileges.ts";
import { installSeccomp, type SyscallFn } from "./seccomp.ts";
import { loadPrivateKey, type SigningKey } from "./sign.ts";

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
 * What keeps the scan off the network, for meta.security.network: the seccomp filter refuses socket() for every
 * family but AF_UNIX and AF_NETLINK, and io_uring, on every thread and in every child (dpkg, rpm, gpg, plugins).
 */
const NETWORK_ENFORCED =
  "socket() outside AF_UNIX/AF_NETLINK and io_uring are refused (EPERM) by seccomp on " +
  "every thread of the scan and in every program it runs";

/**
 * Drops capabilities (`--drop-priv`) and installs seccomp (`--seccomp`, `--seccomp-strict`); with `networkGuard`
 * (the CLI's scans), installs at least the network filter. Returns keys for meta.security. Privilege failures
 * are fatal; seccomp failures only with --seccomp-strict (else a warning, and meta says so).
 */
export function harden(
  config: Config,
  selected: readonly ScannerInfo[],
  stderr: (line: string) => void,
  deps: SecurityDeps = {},
  networkGuard = false,
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
    const installed = installSeccomp({ allowBpf, scope: "full" }, deps.syscall);
    if (!installed.ok) {
      if (config.seccompStrict) return installed;
      stderr(`sys-scan: warning: ${installed.error.message}; scanning without the filter`);
      meta.seccomp = { installed: false, error: installed.error.message };
    } else {
      meta.seccomp = installed.value;
      meta.network = { enforced: true, how: NETWORK_ENFORCED };
      if (config.verbose) {
        stderr(`sys-scan: seccomp filter installed (${installed.value.denied.length} calls denied)`);
      }
    }
  }
  if (networkGuard && meta.network === undefined) {
    const installed = installSeccomp({ allowBpf: true, scope: "network" }, deps.syscall);
    if (!installed.ok) {
      if (config.seccompStrict) return installed;
      stderr(`sys-scan: warning: ${installed.error.message}; the scan is not kept off the network`);
      meta.network = { enforced: false, error: installed.error.message };
    } else meta.network = { enforced: true, how: NETWORK_ENFORCED };
  }
  return ok(meta);
}

/** What the harden stage reads and updates. */
export interface HardenInput {
  readonly config: Config;
  readonly host: Host;
  readonly selected: readonly ScannerInfo[];
  /** Probed again after a drop, so the report shows what the scan really ran with. */
  readonly caps: Capabilities;
  /** `meta.security`; the stage adds `privileges` and `seccomp`. */
  readonly security: Record<string, unknown>;
  readonly stderr: (line: string) => void;
  readonly securityDeps: SecurityDeps | undefined;
  /** Keep the scan off the network with a seccomp filter (the CLI's scans; in-process test scans do not). */
  readonly networkGuard: boolean;
}

/**
 * Drops capabilities and installs seccomp as the config asks (see `harden`), then records what was done in
 * `meta.security`; with `--verbose`, says what the scan runs with.
 */
export function hardenStage(scan: HardenInput): Result<void> {
  const { config, caps, selected, stderr } = scan;
  const hardened = harden(config, selected, stderr, scan.securityDeps, scan.networkGuard);
  if (!hardened.ok) return hardened;
  if (config.dropPriv) {
    Object.assign(caps, probeCapabilities(scan.host));
    caps.missing = missingCapabilities(caps, selected);
  }
  Object.assign(scan.security, hardened.value);
  if (config.verbose) {
    stderr(`sys-scan: euid ${caps.euid}, capabilities: ${caps.effective_caps.join(",") || "none"}`);
    for (const m of caps.missing) stderr(`sys-scan: missing ${m.item}: degrades ${m.disables.join(", ")}`);
    stderr(`sys-scan: running ${selected.map((s) => s.name).join(", ") || "no scanners"}`);
  }
  return ok(undefined);
}

/** The report as it was written: its path (undefined for stdout) and, when they were kept, its bytes. */
export interface WrittenReport {
  path: string | undefined;
  bytes: Uint8Array | undefined;
}

/** What the sign stage reads. */
export interface SignInput {
  readonly config: Config;
  readonly securityPrep: SecurityPrep;
  readonly env: (k: string) => string | undefined;
  readonly provenance: Provenance;
  /** The committed report. */
  writtenReport(): WrittenReport;
  /** Writes the `.sig` and env files (the output room's atomic writer). */
  readonly writeSidecar: SidecarWriter;
}

/** After the report is committed: `.sig`, the provenance env file, then gpg (so gpg can sign a final file). */
export async function signStage(scan: SignInput): Promise<Result<void>> {
  const { config, securityPrep: prep, env, writeSidecar: write } = scan;
  const { path, bytes } = scan.writtenReport();
  if (prep.signingKey && path !== undefined && bytes !== undefined) {
    const s = await writeSignature(prep.signingKey, path, bytes, write);
    if (!s.ok) return s;
  }
  if (config.writeEnv !== undefined) {
    const w = await writeProvenanceEnv(config.writeEnv, path, bytes, scan.provenance, write);
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
