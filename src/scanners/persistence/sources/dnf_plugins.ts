/**
 * yum and dnf plugins: Python modules the package manager imports as root at every run (from the plugin
 * directories and any `pluginpath` of dnf.conf / yum.conf), their enabling configs, and the commands of the
 * post-transaction-actions plugins (dnf 4's `.action` files, yum's post-actions, dnf 5's `.actions`).
 */
import { parseIni } from "../../keyfile.ts";
import { ROOT_ACCOUNT } from "../accounts.ts";
import type { Collector, Entry } from "../collect.ts";
import { scriptLines } from "../cron.ts";
import { matchPatterns } from "../patterns.ts";
import { inPackageDir, unlessOwned, unlessProgramsOwned } from "./ownership.ts";
import { trimTrailing } from "../../../host/text_trim.ts";

/** dnf's and yum's main configuration files. */
const MAIN_CONFS = ["/etc/dnf/dnf.conf", "/etc/yum.conf", "/etc/yum/yum.conf"];
/** Plugin configuration directories. */
const PLUGIN_CONF_DIRS = ["/etc/dnf/plugins", "/etc/yum/pluginconf.d", "/etc/dnf/libdnf5-plugins"];
/** Directories of action files: dnf 4 post-transaction-actions, yum post-actions, dnf 5 actions. */
const ACTION_DIRS: [string, string][] = [
  ["/etc/dnf/plugins/post-transaction-actions.d", ".action"],
  ["/etc/yum/post-actions", ".action"],
  ["/etc/dnf/libdnf5-plugins/actions.d", ".actions"],
];

/** The command of an action line: the text after the fields before it (2 for dnf 4 and yum, 4 for dnf 5). */
export function actionCommand(line: string, fields: number): string | undefined {
  let at = 0;
  for (let i = 0; i < fields; i++) {
    const colon = line.indexOf(":", at);
    if (colon < 0) return undefined;
    at = colon + 1;
  }
  const command = line.slice(at).trim();
  return command === "" ? undefined : command;
}

/** Where plugin modules are looked for: the stock directories of every Python, and pluginpath settings. */
function pluginDirs(
  c: Collector,
): { dirs: string[]; configured: { path: string; line: number; dir: string }[] } {
  const dirs = ["/usr/lib/yum-plugins", "/usr/share/yum-plugins"];
  for (const lib of ["/usr/lib", "/usr/lib64", "/usr/local/lib"]) {
    const r = c.ctx.host.readDir(lib, 5000);
    for (const e of r.ok ? r.value : []) {
      if (!/^python3(?:\.\d+)?$/.test(e.name)) continue;
      dirs.push(`${lib}/${e.name}/site-packages/dnf-plugins`, `${lib}/${e.name}/dist-packages/dnf-plugins`);
    }
  }
  const configured: { path: string; line: number; dir: string }[] = [];
  for (const path of MAIN_CONFS) {
    const f = c.read(path, 256 << 10);
    if (!f) continue;
    let section = "";
    f.text.split("\n").forEach((raw, i) => {
      const line = raw.replace(/\r$/, "").trim();
      const sec = line.match(/^\[(.*)\]$/);
      if (sec) section = sec[1].trim();
      const m = line.match(/^pluginpath\s*=(.*)$/);
      if (section !== "main" || !m) return;
      for (const dir of m[1].split(/[\s,]+/).filter((d) => d.startsWith("/"))) {
        configured.push({ path, line: i + 1, dir: trimTrailing(dir, "/") || "/" });
        dirs.push(trimTrailing(dir, "/") || "/");
      }
    });
  }
  return { dirs: [...new Set(dirs)], configured };
}

/** Plugin modules, their directories, and action commands of yum and dnf. */
export function dnfPluginSources(c: Collector): void {
  const { dirs, configured } = pluginDirs(c);
  const byConf = new Map<string, Entry[]>();
  for (const p of configured) {
    byConf.set(p.path, [...(byConf.get(p.path) ?? []), { line: p.line, text: p.dir, runAs: ROOT_ACCOUNT }]);
  }
  for (const [path, entries] of byConf) {
    c.point({ kind: "dnf_plugin", path, entries, meta: { setting: "pluginpath" } });
  }
  const enabled = new Map<string, boolean>();
  for (const dir of PLUGIN_CONF_DIRS) {
    for (const name of c.list(dir).filter((n) => n.endsWith(".conf"))) {
      const f = c.read(`${dir}/${name}`, 64 << 10);
      const main = f ? parseIni(f.text).find((s) => s.section === "main") : undefined;
      const on = main?.keys.get("enabled");
      enabled.set(name.slice(0, -5), on === undefined || /^(?:1|yes|true|on)$/i.test(on));
    }
  }
  for (const dir of dirs) {
    for (const name of c.list(dir).filter((n) => n.endsWith(".py"))) {
      const path = `${dir}/${name}`;
      const f = c.read(path, 512 << 10);
      if (!f) continue;
      const entries: Entry[] = scriptLines(f.text).filter((l) => matchPatterns(l.text).length > 0)
        .map((l) => ({ line: l.line, text: l.text, runAs: ROOT_ACCOUNT }));
      const plugin = name.slice(0, -3);
      c.point({ kind: "dnf_plugin", path, entries, meta: { plugin, enabled: enabled.get(plugin) ?? null } });
      if (inPackageDir(path)) {
        unlessOwned(c, path, {
          check_id: "persistence.dnf_plugin.unowned",
          subject: path,
          description: `${path}: a yum/dnf plugin module that no installed package provides.`,
          metadata: { path, plugin, enabled: enabled.get(plugin) ?? null },
          location: { path },
        });
      }
    }
  }
  for (const [dir, suffix] of ACTION_DIRS) {
    const fields = suffix === ".actions" ? 4 : 2;
    for (const name of c.list(dir).filter((n) => n.endsWith(suffix))) {
      const path = `${dir}/${name}`;
      const f = c.read(path, 256 << 10);
      if (!f) continue;
      const entries: Entry[] = [];
      f.text.split("\n").forEach((raw, i) => {
        const line = raw.replace(/\r$/, "").trim();
        if (line === "" || line.startsWith("#")) return;
        const command = actionCommand(line, fields);
        if (command !== undefined) entries.push({ line: i + 1, text: command, runAs: ROOT_ACCOUNT });
      });
      c.point({ kind: "dnf_plugin", path, entries, meta: { actions: true } });
      for (const e of entries) unlessProgramsOwned(c, e.text, { path, line: e.line, kind: "dnf_plugin" });
    }
  }
}
