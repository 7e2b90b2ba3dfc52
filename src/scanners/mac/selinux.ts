/** SELinux: /etc/selinux/config and process contexts. */

/** The settings of /etc/selinux/config that matter. */
export interface SelinuxConfig {
  /** SELINUX= (enforcing, permissive, disabled), lower-cased; undefined when not set. */
  mode?: string;
  /** SELINUXTYPE= (targeted, mls, minimum…). */
  policyType?: string;
}

/**
 * Parses /etc/selinux/config: comment and blank lines skipped, surrounding quotes removed, the last assignment
 * wins (the file is shell-sourced). The stock comment `# SELINUX= can take one of…` is not an assignment.
 */
export function parseSelinuxConfig(text: string): SelinuxConfig {
  const out: SelinuxConfig = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(SELINUX|SELINUXTYPE)\s*=\s*("?)([A-Za-z0-9_-]*)\2\s*(?:#.*)?$/.exec(line);
    if (!m) continue;
    if (m[1] === "SELINUX") out.mode = m[3].toLowerCase();
    else out.policyType = m[3];
  }
  return out;
}

/** Parses the SELinux enforce file ("1" enforcing, "0" permissive); undefined for anything else. */
export function parseEnforce(text: string): boolean | undefined {
  const t = text.replace(/\0/g, "").trim();
  return t === "1" ? true : t === "0" ? false : undefined;
}

/** True for an SELinux context whose type is an unconfined domain (`…:unconfined_t:…`, `unconfined_service_t`). */
export function selinuxUnconfined(context: string): boolean {
  const type = context.replace(/\0/g, "").trim().split(":")[2];
  return type === "unconfined_t" || type === "unconfined_service_t";
}
