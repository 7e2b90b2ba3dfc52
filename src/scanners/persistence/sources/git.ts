/**
 * git: the configuration keys that make git run a command (core.pager, core.fsmonitor, core.sshCommand, aliases
 * with `!`, filters, credential helpers…) in the system, user and repository configurations, the hooks of
 * repositories under the homes (bounded search), and the hooks of every core.hooksPath.
 */
import { walk } from "../../../host/walker.ts";
import { type Account, ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, type Entry, homeAccounts, normalisePath } from "../collect.ts";
import { fullName, type GitConfigEntry, parseGitConfig } from "./gitconfig_parse.ts";
import { selfEntry } from "./hook_files.ts";
import { isExecutable, scriptPoint } from "./shared.ts";

const TECHNIQUE = "T1546";

/** System-wide configuration files (SUSE keeps git's under /usr/etc). */
export const SYSTEM_GIT_CONFIGS = ["/etc/gitconfig", "/usr/etc/gitconfig"];
/** Per-user configuration files, relative to the home directory. */
export const USER_GIT_CONFIGS = [".gitconfig", ".config/git/config"];

/**
 * Keys whose value git runs as a command, as `section.key`, `section.*` (any key of the section) or
 * `section.*.key` (any subsection).
 */
export const COMMAND_KEYS: ReadonlySet<string> = new Set([
  "core.pager",
  "core.editor",
  "core.askpass",
  "core.sshcommand",
  "core.fsmonitor",
  "core.gitproxy",
  "sequence.editor",
  "diff.external",
  "gpg.program",
  "gpg.*.program",
  "credential.helper",
  "credential.*.helper",
  "pager.*",
  "alias.*",
  "filter.*.clean",
  "filter.*.smudge",
  "filter.*.process",
  "diff.*.textconv",
  "diff.*.command",
  "merge.*.driver",
  "uploadpack.packobjectshook",
  "browser.*.cmd",
  "man.*.cmd",
  "difftool.*.cmd",
  "mergetool.*.cmd",
  "sendemail.sendmailcmd",
]);

/** The hooks git runs (the `.sample` files of a new repository never run). */
export const GIT_HOOKS = new Set([
  "applypatch-msg",
  "pre-applypatch",
  "post-applypatch",
  "pre-commit",
  "pre-merge-commit",
  "prepare-commit-msg",
  "commit-msg",
  "post-commit",
  "pre-rebase",
  "post-checkout",
  "post-merge",
  "pre-push",
  "pre-receive",
  "update",
  "proc-receive",
  "post-receive",
  "post-update",
  "reference-transaction",
  "push-to-checkout",
  "pre-auto-gc",
  "post-rewrite",
  "sendemail-validate",
  "fsmonitor-watchman",
  "p4-changelist",
  "p4-prepare-changelist",
  "p4-post-changelist",
  "p4-pre-submit",
  "post-index-change",
]);

/** Directories not searched for repositories (caches, package trees, virtual environments). */
const PRUNE =
  /\/(?:node_modules|\.cache|\.npm|\.cargo|\.rustup|\.local\/share|go\/pkg|snap|\.venv|venv|\.m2|\.gradle|\.git\/[^/]+|\.mozilla|\.config\/google-chrome|\.vscode-server)(?:\/|$)/;
/**
 * Limits of the repository search under the homes: `.git` directories up to `depth` levels below a home
 * (~/src/github.com/org/repo/.git) — a scope, not a cap — then entries, time and repositories, which are warnings.
 */
export const GIT_LIMITS = { depth: 5, entries: 100_000, millis: 5000, repos: 200 } as const;

/** True for paths the repository search does not enter: caches and package trees, and below the depth. */
function pruned(home: string, path: string): boolean {
  const rel = path.slice(home.length);
  if (PRUNE.test(rel)) return true;
  const parts = rel.split("/").filter((x) => x !== "");
  return parts.length > GIT_LIMITS.depth || (parts.length === GIT_LIMITS.depth && parts.at(-1) !== ".git");
}

const BOOLEAN = /^(?:true|false|yes|no|on|off|1|0|)$/i;

/** The command text an entry makes git run, or undefined when the key runs nothing. */
export function commandOf(e: GitConfigEntry): string | undefined {
  const name = fullName(e);
  const keyed = e.subsection === undefined ? [name, `${e.section}.*`] : [`${e.section}.*.${e.key}`];
  if (!keyed.some((k) => COMMAND_KEYS.has(k))) return undefined;
  const v = e.value.trim();
  if (v === "") return undefined;
  if (e.section === "alias") return v.startsWith("!") ? v.slice(1).trim() : undefined;
  if ((e.section === "pager" || name === "core.fsmonitor") && BOOLEAN.test(v)) return undefined;
  if (e.section === "credential") {
    return v.startsWith("!") ? v.slice(1).trim() : v.startsWith("/") ? v : undefined;
  }
  return v;
}

/** Expands `~/` and makes a path from a configuration file absolute (relative to the file's directory). */
function resolvePath(value: string, file: string, home: string | undefined): string | undefined {
  if (value.startsWith("~/")) return home ? normalisePath(`${home}/${value.slice(2)}`) : undefined;
  if (value.startsWith("/")) return normalisePath(value);
  if (value.startsWith("~")) return undefined;
  return normalisePath(`${file.slice(0, file.lastIndexOf("/"))}/${value}`);
}

/** Where the configurations found point hooks to, and whose git runs them. */
type HooksPaths = Map<string, Account>;

/**
 * Reads one configuration file (and what it includes): its command keys are entries run as `runAs`. `workTree`:
 * the repository a repository configuration belongs to (a relative core.hooksPath is relative to it; elsewhere
 * it depends on where git runs and is not followed).
 */
function configPoint(
  c: Collector,
  path: string,
  runAs: Account,
  hooksPaths: HooksPaths,
  seen: Set<string>,
  workTree?: string,
  depth = 0,
): void {
  if (seen.has(path) || depth > 5) return;
  seen.add(path);
  const f = c.read(path);
  if (!f) return;
  const cfg = parseGitConfig(f.text);
  if (cfg.bad > 0) c.ctx.warn("gitconfig_malformed", `${path}: ${cfg.bad} line(s) git would reject`);
  const home = runAs.home.startsWith("/") ? runAs.home : undefined;
  const entries: Entry[] = [];
  const keys: string[] = [];
  for (const e of cfg.entries) {
    const name = fullName(e);
    const cmd = commandOf(e);
    if (cmd !== undefined) {
      entries.push({ line: e.line, text: cmd, runAs });
      keys.push(`${name}=${cmd.slice(0, 200)}`);
    }
    if (name === "core.hookspath") {
      const dir = e.value.startsWith("/") || e.value.startsWith("~")
        ? resolvePath(e.value, path, home)
        : workTree && normalisePath(`${workTree}/${e.value}`);
      if (dir) hooksPaths.set(dir, runAs);
      keys.push(`${name}=${e.value.slice(0, 200)}`);
    }
    if (e.key === "path" && (e.section === "include" || e.section === "includeif")) {
      const target = resolvePath(e.value, path, home);
      if (target) configPoint(c, target, runAs, hooksPaths, seen, workTree, depth + 1);
    }
  }
  if (keys.length > 0) {
    c.point({
      kind: "git_config",
      path,
      entries,
      meta: { technique: TECHNIQUE, run_as: runAs.name, keys: keys.slice(0, 50) },
    });
  }
}

/** The hooks of one hooks directory: executable files git would run, judged as scripts run by `runAs`. */
function hookDir(c: Collector, dir: string, runAs: Account): void {
  for (const name of c.list(dir)) {
    if (!GIT_HOOKS.has(name)) continue;
    const path = `${dir}/${name}`;
    const inert = !isExecutable(c, path);
    const entries = scriptPoint(c, "git_hook", path, runAs, inert, {
      technique: TECHNIQUE,
      run_as: runAs.name,
    });
    const self = entries && !inert ? selfEntry(c, path, runAs) : undefined;
    if (entries && self) entries.unshift(self);
  }
}

/** Repositories (`.git` directories) under one home, bounded; hitting a limit is a warning. */
async function reposUnder(c: Collector, home: string, budget: { repos: number }): Promise<string[]> {
  const out: string[] = [];
  if (!c.ctx.host.stat(home).ok) return out;
  const walker = walk(c.ctx, {
    roots: [home],
    maxEntries: GIT_LIMITS.entries,
    maxMillis: GIT_LIMITS.millis,
    prune: (p) => pruned(home, p),
  });
  for await (const e of walker) {
    if (e.kind !== "dir" || e.name !== ".git") continue;
    if (budget.repos-- <= 0) {
      c.ctx.warn(
        "truncated",
        `more than ${GIT_LIMITS.repos} git repositories under the homes: the rest were not read`,
      );
      break;
    }
    out.push(e.path);
  }
  return out;
}

/** System and user configurations, repositories under the homes, and every hooks directory they name. */
export async function gitSources(c: Collector): Promise<void> {
  const hooksPaths: HooksPaths = new Map();
  const seen = new Set<string>();
  for (const path of SYSTEM_GIT_CONFIGS) configPoint(c, path, ROOT_ACCOUNT, hooksPaths, seen);
  const budget = { repos: GIT_LIMITS.repos };
  for (const a of homeAccounts(c.ctx, c.accounts)) {
    for (const rel of USER_GIT_CONFIGS) configPoint(c, `${a.home}/${rel}`, a, hooksPaths, seen);
    for (const repo of await reposUnder(c, a.home, budget)) {
      configPoint(c, `${repo}/config`, a, hooksPaths, seen, repo.slice(0, repo.lastIndexOf("/")) || "/");
      if (!hooksPaths.has(`${repo}/hooks`)) hookDir(c, `${repo}/hooks`, a);
    }
    await c.ctx.checkpoint();
  }
  for (const [dir, runAs] of hooksPaths) hookDir(c, dir, runAs);
}
