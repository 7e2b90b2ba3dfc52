/**
 * /etc/sudo.conf, read as sudo 1.9.13 reads it: the plugins the sudo front end loads as root (policy, I/O,
 * audit, approval), the `sudoers_file=` argument that makes the sudoers policy read another file than
 * /etc/sudoers, and the Path settings that name libraries and programs sudo runs.
 */

/** The plugin directory sudo prefixes to a relative plugin path (Debian and RHEL builds). */
export const DEFAULT_PLUGIN_DIR = "/usr/libexec/sudo/";
/** The sudoers file the sudoers policy reads unless `sudoers_file=` says otherwise. */
export const DEFAULT_SUDOERS = "/etc/sudoers";
/** The symbol of the sudoers policy plugin (the one `sudoers_file=` is given to). */
export const SUDOERS_POLICY = "sudoers_policy";

/** One `Plugin symbol path [args…]` line. */
export interface SudoPlugin {
  line: number;
  symbol: string;
  /** As written. */
  path: string;
  /** The file sudo loads: a relative path is appended to plugin_dir as it is (no `/` added, as sudo does). */
  resolved: string;
  args: string[];
}

/** A parsed sudo.conf. */
export interface SudoConf {
  /** Plugin lines in order, a symbol named twice kept once (sudo ignores the later one). */
  plugins: SudoPlugin[];
  /** `Path name value` settings (the last of each name), with their lines. */
  paths: Map<string, { line: number; value: string }>;
}

/** Path settings that name a library or program sudo runs as root (askpass runs as the invoking user). */
export const ROOT_PATH_SETTINGS = ["noexec", "intercept", "sesh"];

/**
 * Parses sudo.conf: `#` starts a comment anywhere, a trailing `\` continues the line, keywords are matched
 * without regard to case, unknown lines are ignored (as sudo ignores them). Never throws; linear.
 */
export function parseSudoConf(text: string): SudoConf {
  const raw: { line: number; text: string }[] = [];
  let acc = "";
  let start = 0;
  text.split("\n").forEach((l, i) => {
    if (acc === "") start = i + 1;
    const hash = l.indexOf("#");
    const body = hash < 0 ? l : l.slice(0, hash);
    if (hash < 0 && l.endsWith("\\")) {
      acc += l.slice(0, -1) + " ";
      return;
    }
    raw.push({ line: start, text: acc + body });
    acc = "";
  });
  if (acc !== "") raw.push({ line: start, text: acc });
  const conf: SudoConf = { plugins: [], paths: new Map() };
  const pending: Omit<SudoPlugin, "resolved">[] = [];
  const symbols = new Set<string>();
  for (const { line, text: t } of raw) {
    const words = t.split(/[ \t\r\f\v]+/).filter((w) => w !== "");
    const keyword = (words[0] ?? "").toLowerCase();
    if (keyword === "plugin" && words.length >= 3) {
      if (!symbols.has(words[1])) {
        symbols.add(words[1]);
        pending.push({ line, symbol: words[1], path: words[2], args: words.slice(3) });
      }
    } else if (keyword === "path" && words.length >= 2) {
      conf.paths.set(words[1], { line, value: words[2] ?? "" });
    }
  }
  const dir = conf.paths.get("plugin_dir")?.value || DEFAULT_PLUGIN_DIR;
  conf.plugins = pending.map((p) => ({ ...p, resolved: p.path.startsWith("/") ? p.path : dir + p.path }));
  return conf;
}

/**
 * The sudoers file the policy reads: the `sudoers_file=` argument of the sudoers_policy plugin line, else
 * /etc/sudoers (also when no Plugin line names the policy: sudo then loads it with no arguments). A relative
 * value is taken from the root (sudo would open it from the caller's working directory).
 */
export function sudoersFileOf(conf: SudoConf): { path: string; line?: number } {
  const policy = conf.plugins.find((p) => p.symbol === SUDOERS_POLICY);
  const arg = policy?.args.findLast((a) => a.startsWith("sudoers_file="));
  const value = arg?.slice("sudoers_file=".length) ?? "";
  if (!policy || value === "") return { path: DEFAULT_SUDOERS };
  return { path: value.startsWith("/") ? value : `/${value}`, line: policy.line };
}
