/** Flags: privacy, provenance, signing and self-hardening. */
import { bool, type FlagGroup, str } from "./spec.ts";

/** Privacy, provenance and self-protection options. */
export const securityFlags = {
  title: "Privacy, provenance and self-protection",
  flags: {
    noUserMeta: bool("no-user-meta", "Replace user names, uids and home paths with redaction tokens."),
    noCmdlineMeta: bool(
      "no-cmdline-meta",
      "Replace command lines and environment values with redaction tokens.",
      true,
    ),
    noHostnameMeta: bool("no-hostname-meta", "Replace the host name with a redaction token."),
    redact: bool("redact", "All of --no-user-meta, --no-cmdline-meta and --no-hostname-meta."),
    sign: str("sign", "Sign the written report with this Ed25519 key (detached .sig file).", "KEY"),
    signGpg: str("sign-gpg", "Also sign the written report with gpg (detached .asc file).", "KEYID"),
    slsaLevel: str("slsa-level", "Record this SLSA level in meta.provenance.", "LEVEL"),
    writeEnv: str("write-env", "Write a provenance .env file with real hashes.", "FILE"),
    dropPriv: bool("drop-priv", "Drop capabilities the enabled scanners do not need before scanning."),
    keepCapDac: bool("keep-cap-dac", "Keep CAP_DAC_READ_SEARCH when dropping privileges."),
    seccomp: bool(
      "seccomp",
      "Install a seccomp filter that denies what a scanner never needs (EPERM).",
      true,
    ),
    seccompStrict: bool("seccomp-strict", "Exit 4 when the seccomp filter cannot be installed."),
  },
} as const satisfies FlagGroup;
