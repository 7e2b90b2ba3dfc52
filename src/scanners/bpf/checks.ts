/** The bpf scanner's catalogue: programs in the running kernel that hide, hook or intercept. */
import { type CheckInput, checkMaker } from "../../core/catalogue.ts";

/** The scanner name. */
export const BPF = "bpf";

const mk = checkMaker(BPF, { category: "kernel_module", mitre: ["T1014"] });

/** Every bpf check. */
export const BPF_CHECKS: CheckInput[] = [
  mk({
    id: "bpf.program.rootkit_helper",
    title: "Loaded BPF program calls a helper that rewrites what processes see",
    severity: "high",
    rationale:
      "bpf_probe_write_user writes into a process's memory from inside the kernel, bpf_override_return makes " +
      "a kernel function fail without running it, bpf_send_signal kills the process that triggered it: what " +
      "eBPF rootkits use to hide files and processes from tools like this one, to refuse reads of their own " +
      "files and to kill scanners, and no file on disk shows a loaded program. High: monitoring agents do not " +
      "write into processes or override kernel functions; each such call is code in the kernel changing what " +
      "every process is told.",
    remediation:
      "Note the program and its holder (`bpftool prog show id N`, `bpftool prog dump xlated id N`), " +
      "preserve memory if you can, then kill the holder and detach the program (`bpftool link`, `bpftool net`, " +
      "pins under /sys/fs/bpf); reboot from trusted media if it cannot be removed.",
    mitre: ["T1014", "T1562.001"],
    confidence: "heuristic",
  }),
  mk({
    id: "bpf.program.tracing",
    title: "BPF programs hook kernel events (kprobe, tracepoint, fentry, LSM)",
    severity: "medium",
    rationale:
      "A tracing BPF program runs in the kernel on every system call or function it is attached to: it can " +
      "read, and with the right helpers change, what every process does. Monitoring agents (Falco, Tetragon, " +
      "bpftrace) use them too, so each holder is named for a person to recognise; a program no process holds " +
      "is kept alive by a pinned link, which an agent rarely needs.",
    remediation: "Match each holder to an agent you run (`bpftool prog show`, `bpftool link show`); for an " +
      "unknown one, treat the host as compromised at kernel level.",
    mitre: ["T1014"],
    confidence: "heuristic",
  }),
  mk({
    id: "bpf.program.network",
    title: "BPF programs see packets before the firewall (XDP, tc, socket filters)",
    severity: "medium",
    rationale:
      "XDP, tc and socket programs see every packet before the firewall and the listening sockets do: a " +
      "backdoor waits there for a magic packet, hides its traffic or answers it itself, with no open port to " +
      "find. Load balancers and container networking (Cilium, Calico eBPF) use them too, so each holder is " +
      "named; one that no process holds stayed attached after its loader exited.",
    remediation:
      "Match each program to networking software you run (`bpftool net show`, `bpftool prog show`); " +
      "detach unknown ones (`ip link set dev IF xdp off`, `tc filter del`) after preserving them.",
    mitre: ["T1205.002", "T1014"],
    confidence: "heuristic",
  }),
];
