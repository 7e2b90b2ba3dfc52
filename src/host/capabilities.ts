/** What this process can do here: privileges and kernel features, probed once per scan and recorded in meta. */
import { trustedInputProblem } from "./trusted_files.ts";
import { Host } from "./host.ts";

/** Linux capability names by bit number. */
export const CAPABILITY_NAMES = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
] as const;

/** Decodes a capability mask (as in /proc/<pid>/status CapEff, hex) into names. */
export function decodeCapMask(hex: string): string[] {
  let mask: bigint;
  try {
    mask = BigInt("0x" + hex.trim());
  } catch {
    return [];
  }
  const out: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if ((mask >> BigInt(bit)) & 1n) out.push(CAPABILITY_NAMES[bit] ?? `CAP_${bit}`);
  }
  return out;
}

/** The capability report recorded in `meta.capabilities` (its schema, CapabilitiesSchema, is in core/report.ts). */
export interface Capabilities {
  euid: number;
  effective_caps: string[];
  kernel: string;
  btf: boolean;
  tracefs: boolean;
  kallsyms_readable: boolean;
  libbpf: string | null;
  lsms: string[];
  containerized: boolean;
  missing: { item: string; disables: string[] }[];
}

const LIBBPF_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/lib64",
  "/lib",
];

/**
 * Finds libbpf.so.1/.so.0 without loading it, or the library SYS_SCAN_LIBBPF names when it can be trusted
 * (`trustedInputProblem`: it is loaded into sys-scan as root); an untrusted one is not used (the CLI refuses it
 * before scanning with exit 2).
 */
export function findLibbpf(env: (k: string) => string | undefined = (k) => Deno.env.get(k)): string | null {
  const override = env("SYS_SCAN_LIBBPF");
  if (override) return trustedInputProblem(override) === undefined ? override : null;
  for (const dir of LIBBPF_DIRS) {
    for (const name of ["libbpf.so.1", "libbpf.so.0"]) {
      try {
        if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
      } catch {
        // not here
      }
    }
  }
  return null;
}

function statusField(status: string, key: string): string | undefined {
  const m = status.match(new RegExp(`^${key}:\\s*(.*)$`, "m"));
  return m?.[1]?.trim();
}

/** Parses kallsyms text: readable means at least one non-zero address in the first lines. */
export function kallsymsHasAddresses(text: string): boolean {
  for (const line of text.split("\n", 200)) {
    const addr = line.split(" ", 1)[0];
    if (addr && /^[0-9a-f]+$/i.test(addr) && /[1-9a-f]/i.test(addr)) return true;
  }
  return false;
}

/**
 * Probes the live process and kernel. `scanRoot` is the scan's Host: container hints are read from it,
 * privileges and kernel features always from the running system. Only strong container evidence counts
 * (/run/.containerenv, `container=` in pid 1's environment, a container cgroup); a lone /.dockerenv does not
 * (the containers scanner reports it as "possible").
 */
export function probeCapabilities(scanRoot: Host): Capabilities {
  const live = new Host("/");
  const status = live.readText("/proc/self/status", 64 << 10);
  const statusText = status.ok ? status.value : "";
  const euid = Number((statusField(statusText, "Uid") ?? "").split(/\s+/)[1] ?? NaN);
  const caps = decodeCapMask(statusField(statusText, "CapEff") ?? "0");
  const kernelText = live.readText("/proc/sys/kernel/osrelease", 256);
  const btf = live.stat("/sys/kernel/btf/vmlinux");
  const tracefs = live.exists("/sys/kernel/tracing/events") ||
    live.exists("/sys/kernel/debug/tracing/events");
  const kallsyms = live.readText("/proc/kallsyms", 16 << 10);
  const lsmText = live.readText("/sys/kernel/security/lsm", 4096);
  const cgroup = scanRoot.readText("/proc/1/cgroup", 64 << 10);
  const environ = scanRoot.readBytes("/proc/1/environ", 64 << 10);
  const containerEnv = environ.ok &&
    new TextDecoder().decode(environ.value).split("\0").some((v) => v.startsWith("container="));
  const containerized = scanRoot.exists("/run/.containerenv") || containerEnv ||
    (cgroup.ok && /(docker|kubepods|containerd|libpod|lxc)/.test(cgroup.value));
  const libbpf = findLibbpf();
  const result: Capabilities = {
    euid: Number.isFinite(euid) ? euid : -1,
    effective_caps: caps,
    kernel: kernelText.ok ? kernelText.value.trim() : "unknown",
    btf: btf.ok && btf.value.size > 0,
    tracefs,
    kallsyms_readable: kallsyms.ok && kallsymsHasAddresses(kallsyms.value),
    libbpf,
    lsms: lsmText.ok ? lsmText.value.trim().split(",").filter((s) => s !== "") : [],
    containerized,
    missing: [],
  };
  return result;
}
