/**
 * Network event hooks: scripts root runs when an interface or a connection changes state — NetworkManager and
 * networkd-dispatcher dispatcher scripts, ifupdown's if-*.d directories and the commands of
 * /etc/network/interfaces, ppp's ip-up/ip-down, dhclient's enter/exit hooks and RHEL's ifup-local.
 */
import type { Metadata } from "../../../core/finding.ts";
import { globMatcher } from "../../../host/glob.ts";
import { ROOT_ACCOUNT } from "../accounts.ts";
import { type Collector, type Entry, normalisePath } from "../collect.ts";
import { distinctDirs, judgeUnpackaged, RUN_PARTS_NAME, selfEntry } from "./hook_files.ts";
import { parseInterfaces } from "./interfaces_parse.ts";
import { isExecutable, RUN_PARTS_SKIPPED, scriptPoint } from "./shared.ts";

const TECHNIQUE = "T1546";

/** Which files of a hook directory its runner runs. */
type Naming = "run-parts" | "dispatcher";

/** A hook directory and the rules its runner applies. */
interface HookDir {
  dir: string;
  naming: Naming;
  /** The runner executes the file (an execute bit is needed) rather than sourcing it. */
  executes: boolean;
  /** The runner refuses files not owned by root or writable by group or others (NetworkManager, networkd). */
  strictOwner: boolean;
}

const NM_SUBDIRS = ["", "/pre-up.d", "/pre-down.d", "/no-wait.d"];
/** NetworkManager dispatcher directories: /etc wins over /usr/lib for a name. */
export const NM_DISPATCHER_DIRS = [
  "/etc/NetworkManager/dispatcher.d",
  "/usr/lib/NetworkManager/dispatcher.d",
];
/** ifupdown, ppp and dhclient hook directories (Debian's run-parts naming). */
export const RUN_PARTS_HOOK_DIRS = [
  "/etc/network/if-up.d",
  "/etc/network/if-down.d",
  "/etc/network/if-pre-up.d",
  "/etc/network/if-post-down.d",
  "/etc/ppp/ip-up.d",
  "/etc/ppp/ip-down.d",
  "/etc/ppp/ipv6-up.d",
  "/etc/ppp/ipv6-down.d",
  "/etc/ppp/ip-pre-up.d",
];
/** dhclient-script sources these (no execute bit needed). */
export const DHCLIENT_HOOK_DIRS = ["/etc/dhcp/dhclient-enter-hooks.d", "/etc/dhcp/dhclient-exit-hooks.d"];
/** Single hook files run (or sourced) as root when they exist: ppp's scripts, dhclient's, RHEL's ifup-local. */
export const SINGLE_HOOK_FILES = [
  "/etc/ppp/ip-up",
  "/etc/ppp/ip-down",
  "/etc/ppp/ipv6-up",
  "/etc/ppp/ipv6-down",
  "/etc/ppp/ip-pre-up",
  "/etc/ppp/auth-up",
  "/etc/ppp/auth-down",
  "/etc/dhcp/dhclient-enter-hooks",
  "/etc/dhcp/dhclient-exit-hooks",
  "/sbin/ifup-local",
  "/sbin/ifdown-local",
  "/sbin/ifup-pre-local",
  "/usr/sbin/ifup-local",
  "/usr/sbin/ifdown-local",
  "/usr/sbin/ifup-pre-local",
];

function hookDirs(c: Collector): HookDir[] {
  const out: HookDir[] = [];
  for (const sub of NM_SUBDIRS) {
    for (const base of NM_DISPATCHER_DIRS) {
      out.push({ dir: base + sub, naming: "dispatcher", executes: true, strictOwner: true });
    }
  }
  for (const base of ["/etc/networkd-dispatcher", "/usr/lib/networkd-dispatcher"]) {
    for (const name of dirNames(c, base)) {
      if (name.endsWith(".d")) {
        out.push({ dir: `${base}/${name}`, naming: "dispatcher", executes: true, strictOwner: true });
      }
    }
  }
  for (const dir of RUN_PARTS_HOOK_DIRS) {
    out.push({ dir, naming: "run-parts", executes: true, strictOwner: false });
  }
  for (const dir of DHCLIENT_HOOK_DIRS) {
    out.push({ dir, naming: "run-parts", executes: false, strictOwner: false });
  }
  out.push({ dir: "/etc/dhcp/dhclient.d", naming: "dispatcher", executes: true, strictOwner: false });
  return out;
}

/** Names of the subdirectories of `dir`, sorted. */
function dirNames(c: Collector, dir: string): string[] {
  const r = c.ctx.host.readDir(dir, 1000);
  if (!r.ok) return [];
  return r.value.filter((e) => e.isDirectory).map((e) => e.name).sort();
}

/** Why the runner would skip this file, or undefined when it runs it. */
function skipReason(c: Collector, d: HookDir, name: string, path: string): string | undefined {
  if (d.naming === "run-parts" && !RUN_PARTS_NAME.test(name)) return "name run-parts skips";
  if (d.naming === "dispatcher" && RUN_PARTS_SKIPPED.test(name)) return "backup name the dispatcher skips";
  const st = c.ctx.host.stat(path);
  if (!st.ok || !st.value.isFile) return "not a regular file";
  if (d.executes && !isExecutable(c, path)) return "not executable";
  if (d.strictOwner && (st.value.uid !== 0 || ((st.value.mode ?? 0) & 0o4022) !== 0)) {
    return "not root-owned, or writable by group or others, or set-id: the dispatcher refuses it";
  }
  return undefined;
}

/** One hook script: its lines (and itself, when others can change it) judged as root's commands. */
function hookScript(c: Collector, path: string, skipped: string | undefined, meta: Metadata): void {
  const entries = scriptPoint(c, "network_hook", path, ROOT_ACCOUNT, skipped !== undefined, {
    ...meta,
    technique: TECHNIQUE,
    ...(skipped ? { skipped } : {}),
  });
  const self = entries && selfEntry(c, path, ROOT_ACCOUNT);
  if (entries && self) entries.unshift(self);
}

/** Dispatcher and hook directories, the single hook files, and /etc/network/interfaces. */
export function networkHookSources(c: Collector): void {
  const byName = new Map<string, string>();
  const hooks: string[] = [];
  for (const d of hookDirs(c)) {
    if (distinctDirs(c, [d.dir]).length === 0) continue;
    // NetworkManager: a name in /etc hides the same name in /usr/lib (a link to /dev/null disables it).
    const family = d.dir.replace(/^\/(?:etc|usr\/lib)\//, "");
    for (const name of c.list(d.dir)) {
      const path = `${d.dir}/${name}`;
      const key = `${family}/${name}`;
      if (byName.has(key)) continue;
      byName.set(key, path);
      const link = c.ctx.host.readLink(path);
      if (link.ok && normalisePath(link.value) === "/dev/null") continue;
      hookScript(c, path, skipReason(c, d, name, path), { runner: d.naming, directory: d.dir });
      hooks.push(path);
    }
  }
  for (const path of SINGLE_HOOK_FILES) {
    const st = c.ctx.host.stat(path);
    if (!st.ok || !st.value.isFile) continue;
    const sourced = path.startsWith("/etc/dhcp/");
    hookScript(c, path, sourced || isExecutable(c, path) ? undefined : "not executable", {
      runner: "single",
    });
  }
  judgeUnpackaged(c, hooks, "network dispatcher script");
  interfacesSources(c);
}

/** /etc/network/interfaces and what it sources (bounded depth): up/down commands run as root. */
function interfacesSources(c: Collector): void {
  const visited = new Set<string>();
  const visit = (path: string, depth: number) => {
    if (visited.has(path) || depth > 4) return;
    visited.add(path);
    const f = c.read(path);
    if (!f) return;
    const parsed = parseInterfaces(f.text);
    const entries: Entry[] = parsed.commands.map((x) => ({
      line: x.line,
      text: x.command,
      runAs: ROOT_ACCOUNT,
    }));
    c.point({
      kind: "network_hook",
      path,
      entries,
      meta: {
        technique: TECHNIQUE,
        runner: "ifupdown",
        hooks: parsed.commands.slice(0, 50).map((x) => `${x.iface || "-"} ${x.hook}`),
      },
    });
    for (const inc of parsed.includes) {
      const target = normalisePath(inc.pattern.startsWith("/") ? inc.pattern : `/etc/network/${inc.pattern}`);
      if (inc.kind === "source-directory") {
        for (const name of c.list(target)) {
          if (RUN_PARTS_NAME.test(name)) visit(`${target}/${name}`, depth + 1);
        }
        continue;
      }
      const slash = target.lastIndexOf("/");
      const dir = target.slice(0, slash) || "/";
      const last = target.slice(slash + 1);
      if (!/[*?[]/.test(last)) visit(target, depth + 1);
      else {for (const name of c.list(dir)) {
          if (globMatcher(last, { path: true })(name)) visit(`${dir}/${name}`, depth + 1);
        }}
    }
  };
  visit("/etc/network/interfaces", 0);
}
