/** The containers scanner's checks (catalogue entries). */
import type { CheckInput } from "../../core/catalogue.ts";

/** The scanner name. */
export const NAME = "containers";

const check = (c: Omit<CheckInput, "scanner" | "category">): CheckInput => ({
  ...c,
  scanner: NAME,
  category: "privilege_escalation_surface",
});

/** Every check the containers scanner can emit. */
export const checks: CheckInput[] = [
  check({
    id: "container.self.inside",
    title: "The scanned system is a container",
    severity: "info",
    rationale:
      "Inside a container, host-level checks (kernel, MAC, other processes) describe the container's " +
      "view, not the host's; findings must be read with that in mind.",
    remediation: "Scan the host itself for host-level conclusions.",
  }),
  check({
    id: "container.inventory.running",
    title: "Container running",
    severity: "info",
    rationale: "Inventory of containers seen in the cgroups of running processes, with runtime and pids.",
    remediation: "None needed; compare with the containers you expect on this host.",
  }),
  check({
    id: "container.privileged",
    title: "Privileged container (full capability bounding set)",
    severity: "high",
    rationale: "A container with every capability (docker --privileged, privileged: true) can load kernel " +
      "modules, mount the host's disks and escape to the host. High: it is root on the host for whoever controls the " +
      "container.",
    remediation: "Run it without --privileged; grant only the capabilities it needs (--cap-add).",
    mitre: ["T1611"],
  }),
  check({
    id: "container.dangerous_caps",
    title: "Container with escape-prone capabilities",
    severity: "medium",
    rationale:
      "CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_PTRACE, CAP_SYS_RAWIO, CAP_DAC_READ_SEARCH and CAP_BPF " +
      "are known container-escape primitives.",
    remediation: "Drop these capabilities (--cap-drop) unless the workload truly needs them.",
    mitre: ["T1611"],
  }),
  check({
    id: "container.host_namespace",
    title: "Container shares a host namespace",
    severity: "medium",
    rationale:
      "Sharing the host's pid namespace lets a container see and signal (or ptrace) host processes; " +
      "sharing the network namespace exposes host-only services and lets it sniff host traffic.",
    remediation:
      "Remove --pid=host / --network=host / --ipc=host (hostPID, hostNetwork, hostIPC in Kubernetes).",
    mitre: ["T1611"],
  }),
  check({
    id: "container.unlisted_namespaces",
    title: "Privileged process in namespaces of its own outside any known container",
    severity: "high",
    rationale:
      "A process in its own pid and mount namespaces, in the host's user namespace, is a container whatever " +
      "its cgroup says; with CAP_SYS_ADMIN or the full bounding set it can escape to the host, and a cgroup " +
      "that names no runtime keeps it out of the container inventory. Services that only get a private mount " +
      "or network namespace (PrivateNetwork=, ProtectSystem=) and sandboxes in their own user namespace are " +
      "not counted. High: it is root on the host for whoever controls the process, and it was hidden from " +
      "the inventory.",
    remediation:
      "Find who started it (its parent, the unit of its cgroup); stop it unless it is a known workload, and " +
      "run containers through a runtime with a reduced capability set.",
    mitre: ["T1611", "T1564"],
  }),
  check({
    id: "container.runtime_socket.mounted",
    title: "Container runtime socket mounted into a container",
    severity: "high",
    rationale:
      "Whoever can talk to the runtime socket can start a privileged container: mounting it into a " +
      "container hands that container root on the host. High: it is root on the host for whoever controls the " +
      "container.",
    remediation: "Remove the socket mount; use a restricted proxy if the workload must talk to the runtime.",
    mitre: ["T1611", "T1610"],
  }),
  check({
    id: "container.runtime_socket.group_members",
    title: "Users who can control a root container runtime",
    severity: "low",
    rationale:
      "Members of the group that owns a root runtime socket (usually `docker`) can start a privileged " +
      "container and become root without a password: the group is root-equivalent.",
    remediation:
      "Keep the group empty or limited to administrators; use rootless containers for other users.",
    mitre: ["T1068"],
  }),
  check({
    id: "container.runtime_socket.world_writable",
    title: "World-writable container runtime socket",
    severity: "critical",
    rationale: "Any local user who can write to the runtime socket can start a privileged container and " +
      "become root on the host (or take over the owner's rootless containers). Critical: root on the host for every " +
      "local account; runtimes create their socket for root (and one group) only.",
    remediation:
      "Restore the socket's permissions (0660, owned by root and the runtime's group) and find out " +
      "who changed them.",
    mitre: ["T1611", "T1068"],
  }),
];
