/**
 * SysV init and its heirs: /etc/init.d scripts (what systemd-sysv-generator turns into units), the rc?.d and
 * OpenRC runlevel links that start them, OpenRC's /etc/local.d, and upstart jobs in /etc/init.
 */
import { ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, type Entry, normalisePath } from "../collect.ts";
import { scriptLines } from "../cron.ts";
import { parseUpstartJob } from "../upstart.ts";
import { unlessOwned } from "./ownership.ts";
import { isExecutable, RUN_PARTS_SKIPPED } from "./shared.ts";

/** Directories of init scripts. */
const INIT_DIRS = ["/etc/init.d", "/etc/rc.d/init.d"];
/** Runlevel link directories: SysV (Debian, RHEL) and OpenRC. */
const RC_DIRS = [
  ..."0123456S".split("").map((l) => `/etc/rc${l}.d`),
  ..."0123456".split("").map((l) => `/etc/rc.d/rc${l}.d`),
];
/** Names in init.d that are documentation or libraries, not services. */
const NOT_SERVICES = new Set(["README", "skeleton", "functions", "rc", "rcS", "rc.local", ".depend.boot"]);

function resolveLink(dir: string, target: string): string {
  return normalisePath(target.startsWith("/") ? target : `${dir}/${target}`);
}

/** Runlevel directories: the SysV ones, and each of OpenRC's /etc/runlevels/<level>. */
function runlevelDirs(c: Collector): string[] {
  const openrc = c.ctx.host.readDir("/etc/runlevels", 64);
  const levels = openrc.ok
    ? openrc.value.filter((e) => e.isDirectory).map((e) => `/etc/runlevels/${e.name}`)
    : [];
  return [...RC_DIRS, ...levels.sort()];
}

/** Init scripts, runlevel links, OpenRC's local.d and upstart jobs. */
export function sysvSources(c: Collector): void {
  const initDirs: string[] = [];
  const seen = new Set<string>();
  for (const d of INIT_DIRS) {
    const st = c.ctx.host.stat(d);
    if (!st.ok || !st.value.isDirectory || seen.has(`${st.value.dev}:${st.value.ino}`)) continue;
    seen.add(`${st.value.dev}:${st.value.ino}`);
    initDirs.push(d);
  }
  const enabledIn = new Map<string, string[]>();
  for (const dir of runlevelDirs(c)) {
    const openrc = dir.startsWith("/etc/runlevels/");
    for (const name of c.list(dir)) {
      if (!openrc && !/^[SK]\d\d/.test(name)) continue;
      const path = `${dir}/${name}`;
      const link = c.ctx.host.readLink(path);
      const target = link.ok ? resolveLink(dir, link.value) : undefined;
      const canonical = target === undefined ? undefined : INIT_DIRS.map((d) => [d, `${d}/`] as const)
        .find(([, prefix]) => target.startsWith(prefix));
      if (target !== undefined && canonical) {
        const script = target.slice(canonical[0].length + 1);
        enabledIn.set(script, [...(enabledIn.get(script) ?? []), dir]);
        continue;
      }
      const entries: Entry[] = target !== undefined
        ? [{ line: 0, text: target, runAs: ROOT_ACCOUNT }]
        : scriptLines(c.read(path)?.text ?? "").map((l) => ({
          line: l.line,
          text: l.text,
          runAs: ROOT_ACCOUNT,
        }));
      c.point({ kind: "sysv_init", path, entries, meta: { runlevel_dir: dir, target: target ?? null } });
      c.finding({
        check_id: "persistence.sysv_init.link_outside",
        subject: path,
        description: target !== undefined
          ? `${path} links to ${target}, outside /etc/init.d.`
          : `${path} is a regular file, not a link to an init script: it runs as it is.`,
        metadata: { path, target: target ?? null, runlevel_dir: dir },
        location: { path },
      });
    }
  }
  for (const dir of initDirs) {
    for (const name of c.list(dir)) {
      if (NOT_SERVICES.has(name) || RUN_PARTS_SKIPPED.test(name)) continue;
      const path = `${dir}/${name}`;
      const f = c.read(path);
      if (!f) continue;
      const inert = !isExecutable(c, path);
      const entries = scriptLines(f.text).map((l) => ({ line: l.line, text: l.text, runAs: ROOT_ACCOUNT }));
      const enabled = enabledIn.get(name) ?? [];
      c.point({
        kind: "sysv_init",
        path,
        entries,
        meta: { enabled_in: enabled, ...(inert ? { inert } : {}) },
        inert,
      });
      if (inert) continue;
      unlessOwned(c, path, {
        check_id: "persistence.sysv_init.unowned",
        subject: path,
        description: `${path}: an init script that no installed package provides` +
          (enabled.length > 0 ? `, enabled in ${enabled.join(", ")}.` : " (not linked in any runlevel)."),
        metadata: { path, enabled_in: enabled },
        location: { path },
      });
    }
  }
  for (const name of c.list("/etc/local.d")) {
    if (!/\.(?:start|stop)$/.test(name)) continue;
    const path = `/etc/local.d/${name}`;
    const f = c.read(path);
    if (!f) continue;
    const executable = isExecutable(c, path);
    const entries = scriptLines(f.text).map((l) => ({ line: l.line, text: l.text, runAs: ROOT_ACCOUNT }));
    c.point({
      kind: "openrc_local",
      path,
      entries,
      inert: !executable,
      ...(executable ? {} : { meta: { inert: true } }),
    });
    if (executable && entries.length > 0) {
      c.finding({
        check_id: "persistence.rc_local.active",
        subject: path,
        description:
          `${path} is executable and OpenRC's local service runs its ${entries.length} command(s) as root.`,
        metadata: { path, commands: entries.slice(0, 20).map((e) => e.text.slice(0, 300)) },
        location: { path },
      });
    }
  }
  for (const name of c.list("/etc/init")) {
    if (!/\.(?:conf|override)$/.test(name)) continue;
    const path = `/etc/init/${name}`;
    const f = c.read(path);
    if (!f) continue;
    const job = parseUpstartJob(f.text);
    if (job.bad > 0) {
      c.ctx.warn("upstart_malformed", `${path}: a script block is not closed with 'end script'`);
    }
    const entries = job.commands.map((j) => ({ line: j.line, text: j.command, runAs: ROOT_ACCOUNT }));
    c.point({
      kind: "upstart_job",
      path,
      entries,
      meta: { stanzas: [...new Set(job.commands.map((j) => j.stanza))] },
    });
  }
}
