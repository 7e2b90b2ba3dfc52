/**
 * How serious a changed or missing package file is. A replaced program or library runs attacker code for
 * everyone who uses it; a changed conffile is usually the administrator's own edit; changed documentation
 * is noise.
 */
import type { Severity } from "../../core/severity.ts";

/** The kind of file a package path is, for rating. */
export type FileKind = "executable" | "library" | "documentation" | "data";

const EXEC_DIRS = ["/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/libexec/", "/usr/lib/openssh/"];
const DOC_DIRS = [
  "/usr/share/doc/",
  "/usr/share/man/",
  "/usr/share/info/",
  "/usr/share/locale/",
  "/usr/share/help/",
  "/usr/share/gtk-doc/",
  "/usr/share/lintian/",
];
const LIB_RE = /\.so(\.[0-9][0-9.]*)?$|\.ko(\.(xz|zst|gz))?$/;
const SECURITY_LIB_RE = /^\/(usr\/)?lib(64|32)?\/([^/]+\/)?security\//;

/** Classifies a path; `mode` (when known) marks files with an execute bit as executables. */
export function fileKind(path: string, mode?: number): FileKind {
  if (EXEC_DIRS.some((d) => path.startsWith(d)) || (mode !== undefined && (mode & 0o111) !== 0)) {
    return LIB_RE.test(path) ? "library" : "executable";
  }
  if (LIB_RE.test(path) || SECURITY_LIB_RE.test(path)) return "library";
  if (DOC_DIRS.some((d) => path.startsWith(d))) return "documentation";
  return "data";
}

/** Severity of a package file whose content no longer matches the package (`critical`: from a critical package). */
export function modifiedSeverity(kind: FileKind, critical: boolean): Severity {
  if (kind === "executable" || kind === "library") return critical ? "critical" : "high";
  if (kind === "documentation") return "low";
  return "medium";
}

/** Severity of a package file that is gone (`critical`: from a critical package). */
export function missingSeverity(kind: FileKind, critical: boolean): Severity {
  if (kind === "documentation") return "info";
  if ((kind === "executable" || kind === "library") && critical) return "medium";
  return "low";
}

const SENSITIVE_CONF = [
  /^\/etc\/pam\.d\//,
  /^\/etc\/security\//,
  /^\/etc\/sudoers(\.d\/|$)/,
  /^\/etc\/ssh\/sshd_config(\.d\/|$)/,
  /^\/etc\/ld\.so\.(conf|preload)/,
  /^\/etc\/login\.defs$/,
  /^\/etc\/nsswitch\.conf$/,
  /^\/etc\/(crontab|cron\.[a-z]+\/)/,
  /^\/etc\/profile(\.d\/|$)/,
  /^\/etc\/(bash\.bashrc|environment)$/,
];

/** Severity of a changed conffile: expected admin work (info), low when it controls authentication or startup. */
export function conffileSeverity(path: string): Severity {
  return SENSITIVE_CONF.some((re) => re.test(path)) ? "low" : "info";
}
