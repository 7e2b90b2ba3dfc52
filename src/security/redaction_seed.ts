/** Builds the scan's Redactor from the flags and the scanned root (passwd, host name, /proc command lines). */
import type { Config } from "../core/config.ts";
import type { Host } from "../host/host.ts";
import type { RedactionSeed, RedactOptions } from "./redact.ts";
import { NO_REDACTION, type ScanRedactor } from "./redaction_stage.ts";

/** Environment variable names whose values are secrets worth hiding everywhere. */
export const SECRET_ENV = /(PASS|SECRET|TOKEN|KEY|AUTH|CRED|COOKIE|SESSION)/i;

/** The redaction switches a config asks for (`--redact` turns on all three). */
export function redactOptions(config: Config): RedactOptions {
  return {
    users: config.redact || config.noUserMeta,
    cmdline: config.redact || config.noCmdlineMeta,
    hostname: config.redact || config.noHostnameMeta,
  };
}

const MAX_PIDS = 4096;
const MAX_CMDLINE = 64 << 10;

function splitNul(bytes: Uint8Array): string[] {
  const text = new TextDecoder().decode(bytes);
  return text.split("\0").filter((s, i, all) => !(s === "" && i === all.length - 1));
}

/**
 * Command lines (with their arguments) and secret-named environment values of the scanned root's processes:
 * whole command lines, and the values of `--option=value` arguments of 8+ characters. Lone words are not
 * taken, so a scanner name or a common word on some command line does not rewrite the report.
 */
export function commandValues(host: Host): string[] {
  const dir = host.readDir("/proc", 1 << 20);
  if (!dir.ok) return [];
  const out = new Set<string>();
  const pids = dir.value.filter((e) => /^[0-9]+$/.test(e.name)).slice(0, MAX_PIDS);
  for (const { name } of pids) {
    const cmd = host.readBytes(`/proc/${name}/cmdline`, MAX_CMDLINE);
    if (cmd.ok) {
      const argv = splitNul(cmd.value);
      if (argv.length > 1) out.add(argv.join(" "));
      for (const a of argv.slice(1)) {
        const eq = a.indexOf("=");
        if (eq > 0 && a.length - eq - 1 >= 8) out.add(a.slice(eq + 1));
      }
    }
    const env = host.readBytes(`/proc/${name}/environ`, MAX_CMDLINE);
    if (env.ok) {
      for (const kv of splitNul(env.value)) {
        const eq = kv.indexOf("=");
        if (eq > 0 && SECRET_ENV.test(kv.slice(0, eq)) && kv.length - eq - 1 >= 6) out.add(kv.slice(eq + 1));
      }
    }
  }
  return [...out];
}

/** Where the HMAC key comes from: SYS_SCAN_REDACT_KEY, else the scanned root's machine-id, else a fixed key. */
function redactionKey(
  host: Host,
  env: (k: string) => string | undefined,
): Pick<RedactionSeed, "key" | "keySource"> {
  const fromEnv = env("SYS_SCAN_REDACT_KEY");
  if (fromEnv) return { key: fromEnv, keySource: "SYS_SCAN_REDACT_KEY" };
  const id = host.readText("/etc/machine-id", 128);
  if (id.ok && /^[0-9a-f]{32}$/.test(id.value.trim())) {
    return { key: id.value.trim(), keySource: "machine-id" };
  }
  return { key: "sys-scan-redaction", keySource: "fixed" };
}

/**
 * Builds the redactor of a scan: NO_REDACTION when no privacy flag is set, without loading the redactor's code
 * (nor node:crypto, whose HMAC makes its tokens: ~30 ms of start-up on the main thread).
 */
export async function buildRedactor(
  config: Config,
  host: Host,
  hostnames: readonly string[],
  env: (k: string) => string | undefined,
): Promise<ScanRedactor> {
  const opts = redactOptions(config);
  if (!opts.users && !opts.cmdline && !opts.hostname) return NO_REDACTION;
  const { passwdUsers, Redactor } = await import("./redact.ts");
  const passwd = host.readText("/etc/passwd", 4 << 20);
  const parsed = passwd.ok ? passwdUsers(passwd.value) : { users: [], system: ["root"] };
  const invoking = env("SUDO_USER");
  const users = invoking && !parsed.users.some((u) => u.name === invoking)
    ? [...parsed.users, { name: invoking, uid: -1, home: `/home/${invoking}` }]
    : parsed.users;
  return new Redactor(opts, {
    ...redactionKey(host, env),
    users,
    systemUsers: parsed.system,
    hostnames: [...new Set(hostnames.filter((h) => h !== "" && h !== "unknown" && h !== "localhost"))],
    commandValues: opts.cmdline ? commandValues(host) : [],
  });
}
