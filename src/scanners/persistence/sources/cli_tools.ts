/**
 * Programs administrators' command-line tools run on their own: a kubeconfig's credential plugins (kubectl runs
 * the `exec` command, or a legacy auth provider's `cmd-path`, for every request; the kubelet does the same with
 * its kubeconfig, as root, at start), a Docker client's credential helpers (`docker-credential-<name>`, run on
 * login, pull and push) and Docker CLI plugins (`docker-<name>` in the plugin directories, each run by the
 * client to describe itself whenever `docker` lists its commands). A planted one runs as whoever uses the tool —
 * on a cluster node, root.
 */
import { ANY_USER, ROOT_ACCOUNT } from "../accounts.ts";
import type { Account } from "../accounts.ts";
import { type Collector, type Entry, homeAccounts, normalisePath } from "../collect.ts";
import { dockerCredentialHelpers, kubeconfigPrograms } from "./cli_tools_parse.ts";
import { judgeUnpackaged } from "./hook_files.ts";
import { programPoint } from "./shared.ts";

/** Kubeconfigs root's tools and the node's services read (kubeadm, k3s, RKE2, the kubelet). */
export const SYSTEM_KUBECONFIGS = [
  "/etc/kubernetes/admin.conf",
  "/etc/kubernetes/super-admin.conf",
  "/etc/kubernetes/kubelet.conf",
  "/etc/kubernetes/controller-manager.conf",
  "/etc/kubernetes/scheduler.conf",
  "/etc/rancher/k3s/k3s.yaml",
  "/etc/rancher/rke2/rke2.yaml",
  "/var/lib/kubelet/kubeconfig",
];
/** Where the Docker client looks for CLI plugins besides ~/.docker/cli-plugins. */
export const DOCKER_PLUGIN_DIRS = [
  "/usr/local/lib/docker/cli-plugins",
  "/usr/local/libexec/docker/cli-plugins",
  "/usr/lib/docker/cli-plugins",
  "/usr/libexec/docker/cli-plugins",
];
/** The PATH a credential helper is looked up in (root's, as sudo and su set it). */
const PATH_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** One kubeconfig's programs as a point, run as `runAs`. */
function kubeconfig(c: Collector, path: string, runAs: Account): void {
  const f = c.read(path);
  if (!f) return;
  const programs = kubeconfigPrograms(f.text);
  const dir = path.slice(0, path.lastIndexOf("/"));
  const entries: Entry[] = programs.map((p) => {
    // kubectl resolves a relative command against the kubeconfig's directory.
    const command = p.command.includes("/") && !p.command.startsWith("/")
      ? normalisePath(`${dir}/${p.command}`)
      : p.command;
    return { line: p.line, text: [command, ...p.args].join(" "), runAs };
  });
  c.point({ kind: "cli_tool_hook", path, entries, meta: { technique: "T1546", tool: "kubernetes" } });
}

/** A Docker client's config.json: its credential helpers, found on the PATH, as programs the user runs. */
function dockerConfig(c: Collector, path: string, runAs: Account): void {
  const f = c.read(path);
  if (!f) return;
  const helpers = dockerCredentialHelpers(f.text);
  if (helpers === undefined) {
    c.ctx.warn("persistence_unreadable", `${path}: not a JSON object (docker ignores it)`);
    return;
  }
  const entries: Entry[] = [];
  for (const name of helpers) {
    const program = `docker-credential-${name}`;
    const found = PATH_DIRS.map((d) => `${d}/${program}`).find((p) => c.ctx.host.stat(p).ok);
    entries.push({ line: 0, text: found ?? program, runAs });
    if (found) programPoint(c, "cli_tool_hook", found, runAs, { tool: "docker", credential_helper: name });
  }
  c.point({ kind: "cli_tool_hook", path, entries, meta: { technique: "T1546", tool: "docker", helpers } });
}

/** Each account's kubeconfig and Docker configuration, the system kubeconfigs, and the Docker CLI plugins. */
export function cliToolSources(c: Collector): void {
  for (const path of SYSTEM_KUBECONFIGS) kubeconfig(c, path, ROOT_ACCOUNT);
  const plugins: string[] = [];
  const pluginDir = (dir: string, runAs: Account) => {
    for (const name of c.list(dir).filter((n) => n.startsWith("docker-"))) {
      const point = programPoint(c, "cli_tool_hook", `${dir}/${name}`, runAs, {
        tool: "docker",
        plugin: name,
      });
      if (point && !point.inert) plugins.push(`${dir}/${name}`);
    }
  };
  for (const a of homeAccounts(c.ctx, c.accounts)) {
    const home = normalisePath(a.home);
    kubeconfig(c, `${home}/.kube/config`, a);
    dockerConfig(c, `${home}/.docker/config.json`, a);
    pluginDir(`${home}/.docker/cli-plugins`, a);
  }
  for (const dir of DOCKER_PLUGIN_DIRS) pluginDir(dir, ANY_USER);
  judgeUnpackaged(c, plugins, "Docker CLI plugin");
}
