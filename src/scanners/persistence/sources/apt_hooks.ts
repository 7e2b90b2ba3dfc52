/**
 * Package-manager hooks of Debian and Ubuntu: the commands APT runs around updates and dpkg runs (apt.conf and
 * apt.conf.d, read as apt reads them: one configuration tree, #include and #clear applied), and dpkg's own
 * pre-invoke, post-invoke and status-logger options (dpkg.cfg, dpkg.cfg.d, root's ~/.dpkg.cfg).
 */
import { ROOT_ACCOUNT } from "../accounts.ts";
import { AptConfig, aptReadsName, parseAptConf } from "../apt_conf.ts";
import type { Collector, Entry } from "../collect.ts";
import { DPKG_HOOK_OPTIONS, dpkgReadsName, parseDpkgCfg } from "../dpkg_cfg.ts";
import { unlessProgramsOwned } from "./ownership.ts";
import { trimTrailing } from "../../../host/text_trim.ts";

/**
 * Hook lists: every value under them is a shell command apt runs as root (AptCli::Hooks are the JSON hooks of
 * the apt command, run through the shell too).
 */
export const APT_HOOK_LISTS = [
  "APT::Update::Pre-Invoke",
  "APT::Update::Post-Invoke",
  "APT::Update::Post-Invoke-Success",
  "APT::Install::Pre-Invoke",
  "APT::Install::Post-Invoke",
  "APT::Install::Post-Invoke-Success",
  "DPkg::Pre-Invoke",
  "DPkg::Post-Invoke",
  "DPkg::Pre-Install-Pkgs",
  "DPkg::Post-Invoke-Success",
  "APT::Update::Post-Invoke-Stamps",
  "AptCli::Hooks::Install",
  "AptCli::Hooks::Upgrade",
  "AptCli::Hooks::Search",
] as const;

/** Single settings whose value is a program apt runs. */
export const APT_PROGRAM_KEYS = [
  "Acquire::http::Proxy-Auto-Detect",
  "Acquire::https::Proxy-Auto-Detect",
  "Acquire::http::ProxyAutoDetect",
  "Acquire::https::ProxyAutoDetect",
  "APT::Key::gpgvcommand",
  "APT::Key::gpgcommand",
] as const;

/** The apt configuration files, in the order apt reads them. */
export const APT_PARTS = "/etc/apt/apt.conf.d";
/** apt's main configuration file, read after the parts. */
export const APT_MAIN = "/etc/apt/apt.conf";

const LIMITS = { files: 500, includeDepth: 10, fileBytes: 256 << 10 } as const;

/** Reads apt's configuration into one tree; returns the tree and the files that were read. */
function readAptConfig(c: Collector): { tree: AptConfig; files: string[]; ignored: string[] } {
  const tree = new AptConfig();
  const files: string[] = [];
  const ignored: string[] = [];
  const readFile = (path: string, depth: number): void => {
    if (files.length >= LIMITS.files) {
      if (files.length === LIMITS.files) {
        c.ctx.warn("truncated", `more than ${LIMITS.files} apt configuration files`);
      }
      return;
    }
    const f = c.read(path, LIMITS.fileBytes);
    if (!f) return;
    files.push(path);
    const parsed = parseAptConf(f.text);
    if (parsed.bad > 0) {
      c.ctx.warn(
        "apt_conf_malformed",
        `${path}: ${parsed.bad} statement(s) apt would reject as a syntax error`,
      );
    }
    for (const s of parsed.statements) {
      if (s.kind !== "include") {
        tree.apply(s, path);
        continue;
      }
      if (depth >= LIMITS.includeDepth) {
        c.ctx.warn("truncated", `${path}:${s.line}: #include nested more than ${LIMITS.includeDepth} deep`);
        continue;
      }
      const target = s.target.startsWith("/") ? s.target : `/${s.target}`;
      if (target.endsWith("/")) readDir(trimTrailing(target, "/"), depth + 1);
      else readFile(target, depth + 1);
    }
  };
  const readDir = (dir: string, depth: number): void => {
    for (const name of c.list(dir)) {
      if (aptReadsName(name)) readFile(`${dir}/${name}`, depth);
      else ignored.push(`${dir}/${name}`);
    }
  };
  readDir(APT_PARTS, 0);
  if (c.ctx.host.stat(APT_MAIN).ok) readFile(APT_MAIN, 0);
  return { tree, files, ignored };
}

/** The hook commands of a tree, grouped by the file that set them, each with the key it was set under. */
function aptHooks(tree: AptConfig): Map<string, { line: number; key: string; command: string }[]> {
  const out = new Map<string, { line: number; key: string; command: string }[]>();
  const add = (file: string, line: number, key: string, command: string) => {
    const list = out.get(file) ?? [];
    list.push({ line, key, command });
    out.set(file, list);
  };
  // `binary::<program>::X` sets X for that program only (binary::apt::AptCli::Hooks::Upgrade).
  const scopes = ["", ...(tree.node("binary")?.children ?? []).map((b) => `binary::${b.tag}::`)];
  for (const scope of scopes) {
    for (const key of APT_HOOK_LISTS) {
      for (const item of tree.items(scope + key)) {
        add(item.origin.file, item.origin.line, scope + key, item.value);
      }
    }
  }
  for (const key of APT_PROGRAM_KEYS) {
    const node = tree.node(key);
    if (node?.value && node.origin) add(node.origin.file, node.origin.line, key, node.value);
  }
  for (const bin of tree.node("Dir::Bin")?.children ?? []) {
    if (bin.value?.startsWith("/") && bin.origin) {
      add(bin.origin.file, bin.origin.line, `Dir::Bin::${bin.tag}`, bin.value);
    }
  }
  for (const item of tree.items("DPkg::Options")) {
    const m = item.value.match(/^--(pre-invoke|post-invoke|status-logger)=(.+)$/s);
    if (m) add(item.origin.file, item.origin.line, `DPkg::Options (--${m[1]})`, m[2]);
  }
  return out;
}

function hookPoint(
  c: Collector,
  kind: "apt_hook" | "dpkg_hook",
  path: string,
  hooks: { line: number; key: string; command: string }[],
): void {
  const entries: Entry[] = hooks.map((h) => ({ line: h.line, text: h.command, runAs: ROOT_ACCOUNT }));
  c.point({ kind, path, entries, meta: { hooks: [...new Set(hooks.map((h) => h.key))] } });
  for (const h of hooks) {
    unlessProgramsOwned(c, h.command, { path, line: h.line, kind, meta: { hook: h.key } });
  }
}

/** dpkg's options files, in the order dpkg reads them (names dpkg skips in dpkg.cfg.d are not read). */
function dpkgHooks(c: Collector): void {
  const files = ["/etc/dpkg/dpkg.cfg"];
  for (const name of c.list("/etc/dpkg/dpkg.cfg.d")) {
    if (dpkgReadsName(name)) files.push(`/etc/dpkg/dpkg.cfg.d/${name}`);
  }
  files.push("/root/.dpkg.cfg");
  for (const path of files) {
    const f = c.read(path, LIMITS.fileBytes);
    if (!f) continue;
    const parsed = parseDpkgCfg(f.text);
    if (parsed.bad > 0) {
      c.ctx.warn("dpkg_cfg_malformed", `${path}: ${parsed.bad} line(s) without an option name`);
    }
    const hooks = parsed.options.filter((o) => DPKG_HOOK_OPTIONS.has(o.name) && o.value !== "")
      .map((o) => ({ line: o.line, key: o.name, command: o.value }));
    if (hooks.length > 0) hookPoint(c, "dpkg_hook", path, hooks);
  }
}

/** APT hooks (apt.conf and its parts) and dpkg's hook options. */
export function aptHookSources(c: Collector): void {
  const { tree, ignored } = readAptConfig(c);
  for (const [path, hooks] of aptHooks(tree)) hookPoint(c, "apt_hook", path, hooks);
  for (const path of ignored) {
    const f = c.read(path, LIMITS.fileBytes);
    if (!f) continue;
    const alone = new AptConfig();
    for (const s of parseAptConf(f.text).statements) alone.apply(s, path);
    const hooks = aptHooks(alone).get(path) ?? [];
    if (hooks.length === 0) continue;
    const entries = hooks.map((h) => ({ line: h.line, text: h.command, runAs: ROOT_ACCOUNT }));
    c.point({ kind: "apt_hook", path, entries, inert: true, meta: { inert: true } });
  }
  dpkgHooks(c);
}
