/**
 * What this host can do for the tests, probed once (lazily, per test module) and in one place: root, kernel
 * BTF, libbpf, private mount namespaces, setpriv, IPv6, 32-bit executables, tools (clang, python3, chromium,
 * gpg, rpm, dpkg, lz4), kernel headers, FUSE, the upstream schemas beside the clone, a denort runtime.
 *
 * A test whose precondition is missing is declared with `needs`, which sets `ignore` and prints one line,
 * `[ignored] <test name> -- <reason>`; `scripts/test.sh` lists those lines and fails when a test was ignored
 * without one. Never `return` early from a test: that counts as a pass.
 *
 * ```ts
 * Deno.test(needs(["root", "btf", "libbpf"], {
 *   name: "e2e: ...",
 *   fn: async () => { ... },
 * }));
 * ```
 */
import { digester } from "../ffi/libcrypto.ts";
import { findLibbpf } from "../src/host/capabilities.ts";
import { hasIpv6Loopback } from "../src/selftest/evidence.ts";
import { passwdUsers } from "../src/security/redact.ts";
import { currentArch } from "../src/security/syscall_table.ts";
import { cachedDenort, denortTarget } from "../scripts/compile.ts";
import { findYaraCli } from "../scripts/bench_yara.ts";
import { loadLibyara } from "../src/scanners/yara/engine.ts";
import { missingTrapTools } from "./security/trap_root.ts";

/** The checkout this module belongs to, as a plain path with a trailing slash (spaces and all, not %20). */
export const REPO = decodeURIComponent(new URL("../", import.meta.url).pathname);

/** The upstream schemas, kept outside the repository: `../shared/upstream-data` beside the clone. */
export const UPSTREAM_DATA = `${REPO.replace(/\/[^/]+\/$/, "")}/shared/upstream-data`;

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function firstFile(paths: readonly string[]): string | undefined {
  return paths.find(isFile);
}

function runs(cmd: string, args: string[]): string | undefined {
  try {
    const r = new Deno.Command(cmd, { args, stdin: "null", stdout: "null", stderr: "piped" }).outputSync();
    if (r.success) return undefined;
    return new TextDecoder().decode(r.stderr).trim().split("\n").at(-1) || `exit code ${r.code}`;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * A minimal static i386 ELF executable that calls exit(42) through `int 0x80`: whether the kernel runs 32-bit
 * programs at all (CONFIG_IA32_EMULATION, `ia32_emulation=`), without a compiler.
 */
export function elf32Exit42(): Uint8Array {
  const code = [0xb8, 1, 0, 0, 0, 0xbb, 42, 0, 0, 0, 0xcd, 0x80]; // mov eax,1; mov ebx,42; int 0x80
  const base = 0x08048000;
  const size = 52 + 32 + code.length;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]); // ELF, 32-bit, little-endian, version 1, System V
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 3, true); // EM_386
  v.setUint32(20, 1, true);
  v.setUint32(24, base + 84, true); // entry
  v.setUint32(28, 52, true); // program headers right after the ELF header
  v.setUint16(40, 52, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, 1, true);
  v.setUint32(52, 1, true); // PT_LOAD of the whole file, read + execute
  v.setUint32(56, 0, true);
  v.setUint32(60, base, true);
  v.setUint32(64, base, true);
  v.setUint32(68, size, true);
  v.setUint32(72, size, true);
  v.setUint32(76, 5, true);
  v.setUint32(80, 0x1000, true);
  b.set(code, 84);
  return b;
}

function exec32Problem(): string | undefined {
  if (Deno.build.arch !== "x86_64") {
    return `32-bit x86 programs need an x86_64 host (this is ${Deno.build.arch})`;
  }
  const dir = Deno.makeTempDirSync({ prefix: "sys-scan-elf32-" });
  try {
    Deno.writeFileSync(`${dir}/exit42`, elf32Exit42(), { mode: 0o755 });
    // Through sh, whose message names the exec error (Deno reports a failed exec as exit code 127).
    const r = new Deno.Command("/bin/sh", { args: ["-c", '"$0"', `${dir}/exit42`], stderr: "piped" })
      .outputSync();
    if (r.code === 42) return undefined;
    const why = new TextDecoder().decode(r.stderr).trim().split(": ").at(-1) || `exit code ${r.code}`;
    return `this kernel does not run 32-bit (i386) executables: ${why}`;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/**
 * Why this test process cannot open an inet socket, or undefined when it can. A scan run in-process through the
 * CLI's run() installs the network seccomp filter on every thread of the process, and every program started
 * afterwards inherits it, so tests that need TCP check first (and say why they are ignored).
 */
export function inetSocketsRefused(): string | undefined {
  try {
    Deno.listen({ hostname: "127.0.0.1", port: 0 }).close();
    return undefined;
  } catch (e) {
    return `this test process may not open inet sockets (${e instanceof Error ? e.message : String(e)}): ` +
      "a seccomp filter from an in-process CLI scan is likely installed";
  }
}

/** The dynamic loader of this host, run as a program (glibc x86-64 or aarch64, musl), if there is one. */
export const LOADER = [
  "/lib64/ld-linux-x86-64.so.2",
  "/lib/ld-linux-aarch64.so.1",
  "/lib/ld-musl-x86_64.so.1",
]
  .find(isFile);

/** Every precondition a test may name, each returning why it is missing (undefined: present). */
const PROBES = {
  inetSockets: inetSocketsRefused,
  loader: () => LOADER === undefined ? "no dynamic loader at a known path to run as a program" : undefined,
  socat: () => isFile("/usr/bin/socat") ? undefined : "no /usr/bin/socat (Debian package socat)",
  nc: () => isFile("/usr/bin/nc") ? undefined : "no /usr/bin/nc (Debian package netcat-openbsd)",
  tmux: () => isFile("/usr/bin/tmux") ? undefined : "no /usr/bin/tmux (Debian package tmux)",
  root: () => Deno.uid() === 0 ? undefined : `needs root (this runs as uid ${Deno.uid()})`,
  btf: () => {
    try {
      return Deno.statSync("/sys/kernel/btf/vmlinux").size > 0
        ? undefined
        : "/sys/kernel/btf/vmlinux is empty";
    } catch {
      return "no kernel BTF (/sys/kernel/btf/vmlinux): the kernel lacks CONFIG_DEBUG_INFO_BTF";
    }
  },
  libbpf: () => findLibbpf() === null ? "no libbpf.so.1 (Debian package libbpf1)" : undefined,
  unshare: () => {
    if (!isFile("/usr/bin/unshare")) return "no /usr/bin/unshare (util-linux)";
    const why = runs("/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/true"]);
    return why && `cannot create a private mount namespace: ${why}`;
  },
  netns: () => {
    if (!isFile("/usr/bin/unshare")) return "no /usr/bin/unshare (util-linux)";
    if (!isFile("/usr/sbin/ip") || !isFile("/usr/sbin/sysctl")) {
      return "needs /usr/sbin/ip and /usr/sbin/sysctl";
    }
    const why = runs("/usr/bin/unshare", ["--net", "/bin/true"]);
    return why && `cannot create a network namespace: ${why}`;
  },
  cronDir: () => {
    try {
      return Deno.statSync("/etc/cron.d").isDirectory ? undefined : "/etc/cron.d is not a directory";
    } catch {
      return "no /etc/cron.d on this host";
    }
  },
  libyara: () => {
    const lib = loadLibyara();
    return lib.ok ? undefined : lib.reason;
  },
  libcrypto: () =>
    digester("md5") === null ? "no libcrypto.so.3 with MD5 (Debian package libssl3)" : undefined,
  yaraCli: () =>
    findYaraCli() === null ? "the yara command is not installed (apt-get install yara)" : undefined,
  yaraHeader: () =>
    isFile("/usr/include/yara.h") && isFile("/usr/bin/clang")
      ? undefined
      : "needs /usr/include/yara.h (libyara-dev) and /usr/bin/clang for the layout check",
  setpriv: () => isFile("/usr/bin/setpriv") ? undefined : "no /usr/bin/setpriv (util-linux)",
  ipv6: () => {
    try {
      return hasIpv6Loopback(Deno.readTextFileSync("/proc/net/if_inet6"))
        ? undefined
        : "IPv6 has no ::1 here (turned off)";
    } catch {
      return "IPv6 is turned off (no /proc/net/if_inet6)";
    }
  },
  exec32: exec32Problem,
  clang: () => firstFile(["/usr/bin/clang"]) ? undefined : "no /usr/bin/clang (Debian package clang)",
  python3: () => firstFile(["/usr/bin/python3"]) ? undefined : "no /usr/bin/python3",
  chromium: () =>
    firstFile(["/usr/bin/chromium"]) ? undefined : "no /usr/bin/chromium (Debian package chromium)",
  gpg: () => firstFile(["/usr/bin/gpg"]) ? undefined : "no /usr/bin/gpg (Debian package gnupg)",
  rpm: () => {
    const missing = ["/usr/bin/rpm", "/usr/bin/rpmbuild", "/usr/bin/cc"].find((p) => !isFile(p));
    return missing && `${missing} is not installed (Debian packages rpm, gcc)`;
  },
  dpkg: () => isFile("/usr/bin/dpkg") ? undefined : "no /usr/bin/dpkg (not a Debian host)",
  lz4: () => isFile("/usr/bin/lz4") ? undefined : "no /usr/bin/lz4 (Debian package lz4)",
  dpkgDb: () =>
    isFile("/var/lib/dpkg/info/passwd.list") ? undefined : "no dpkg database with the passwd package here",
  syscallArch: () =>
    currentArch() === null
      ? `no system call table for ${Deno.build.arch} (x86_64 and aarch64 only)`
      : undefined,
  liveUser: () => {
    try {
      const hit = passwdUsers(Deno.readTextFileSync("/etc/passwd")).users.some((u) => u.uid >= 1000);
      return hit ? undefined : "no user with uid >= 1000 in /etc/passwd";
    } catch (e) {
      return `cannot read /etc/passwd: ${(e as Error).message}`;
    }
  },
  kernelHeaders: () => {
    const missing = ["/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "/usr/include/asm-generic/unistd.h"]
      .find((p) => !isFile(p));
    return missing && `no ${missing} (Debian package linux-libc-dev)`;
  },
  fuse: () => {
    if (Deno.uid() !== 0) return "mounting FUSE needs root";
    try {
      return Deno.statSync("/dev/fuse").isCharDevice ? undefined : "/dev/fuse is not a character device";
    } catch {
      return "no /dev/fuse (FUSE not in this kernel)";
    }
  },
  upstreamData: () =>
    isFile(`${UPSTREAM_DATA}/v2.json`) && isFile(`${UPSTREAM_DATA}/v3.json`)
      ? undefined
      : `no upstream schemas at ${UPSTREAM_DATA} (../shared beside the clone; CI has them)`,
  upstreamFleet: () =>
    isFile(`${UPSTREAM_DATA}/fleet_report.schema.json`)
      ? undefined
      : `no upstream fleet schema at ${UPSTREAM_DATA} (../shared beside the clone; CI has it)`,
  ansible: () =>
    isFile("/usr/bin/ansible-playbook")
      ? undefined
      : "ansible-playbook is not installed (scripts/bootstrap.sh --test installs Debian's ansible-core)",
  sshHost: () => {
    const missing = [
      "/usr/sbin/sshd",
      "/usr/bin/ssh",
      "/usr/bin/ssh-keygen",
      "/usr/bin/nsenter",
      "/usr/bin/unshare",
    ]
      .filter((p) => !isFile(p));
    return missing.length ? `a second host over ssh needs ${missing.join(", ")}` : undefined;
  },
  gnuTime: () => isFile("/usr/bin/time") ? undefined : "no GNU time (apt-get install time)",
  trapTools: () => {
    const missing = missingTrapTools();
    return missing.length ? `the trap root needs ${missing.join(", ")}` : undefined;
  },
  denort: () => {
    const target = denortTarget();
    if (target === undefined) return `deno compile has no target for ${Deno.build.arch}`;
    const bin = Deno.env.get("DENORT_BIN");
    if (bin) return isFile(bin) ? undefined : `DENORT_BIN=${bin} is not a file`;
    return cachedDenort(target, (k) => Deno.env.get(k)) === undefined
      ? `no denort runtime (set DENORT_BIN, or put denort-${target}.zip in Deno's cache; see scripts/compile.ts)`
      : undefined;
  },
} satisfies Record<string, () => string | undefined>;

/** A precondition a test can name. */
export type Need = keyof typeof PROBES;

const probed = new Map<Need, string | undefined>();

/** Why `need` is missing on this host, or undefined when it is there. Each probe runs once per module. */
export function missing(need: Need): string | undefined {
  if (!probed.has(need)) probed.set(need, PROBES[need]());
  return probed.get(need);
}

/** True when every one of `list` is there. */
export function has(...list: Need[]): boolean {
  return list.every((n) => missing(n) === undefined);
}

/**
 * The test definition `def`, ignored when one of `list` is missing on this host, in which case one line
 * `[ignored] <name> -- <reason>` is printed (scripts/test.sh collects them).
 */
export function needs(list: readonly Need[], def: Deno.TestDefinition): Deno.TestDefinition {
  const reasons = list.map(missing).filter((r): r is string => r !== undefined);
  if (reasons.length === 0 || def.ignore === true) return def;
  console.log(`[ignored] ${def.name} -- ${reasons.join("; ")}`);
  return { ...def, ignore: true };
}
