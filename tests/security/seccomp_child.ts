/** Child process of seccomp_test.ts: installs the filter, probes denied and allowed calls, then runs a full scan. */
import { syscall } from "../../ffi/libc.ts";
import { installSeccomp } from "../../src/security/seccomp.ts";
import { SYSCALLS } from "../../src/security/syscall_table.ts";
import { scanCommand } from "../../src/cli/scan.ts";

const [root, output, mode] = Deno.args;
const out: Record<string, unknown> = {};
const arch = Deno.build.arch as "x86_64" | "aarch64";
const installed = installSeccomp({ allowBpf: mode === "allow-bpf" });
out.installed = installed.ok;
try {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: 9 });
  conn.close();
  out.connect = "connected";
} catch (e) {
  out.connect = (e as Error).name;
}
out.inet6_socket = syscall(SYSCALLS[arch].socket, 10, 1, 0).errno;
out.packet_socket = syscall(SYSCALLS[arch].socket, 17, 3, 0).errno;
out.ptrace = syscall(SYSCALLS[arch].ptrace, 0x4206, 1, 0, 0).errno;
out.unshare = syscall(SYSCALLS[arch].unshare, 0x20000).errno;
out.bpf = syscall(SYSCALLS[arch].bpf, 0xffff, 0, 0).errno;
const unix = syscall(SYSCALLS[arch].socket, 1, 1, 0);
out.unix_socket = unix.result >= 0n ? "ok" : unix.errno;
const netlink = syscall(SYSCALLS[arch].socket, 16, 3, 0);
out.netlink_socket = netlink.result >= 0n ? "ok" : netlink.errno;
const status = Deno.readTextFileSync("/proc/thread-self/status");
out.seccomp_mode = status.match(/^Seccomp:\s*(\d+)/m)?.[1];
out.threads_filtered = [...Deno.readDirSync("/proc/self/task")].every((t) =>
  /^Seccomp:\s*2$/m.test(Deno.readTextFileSync(`/proc/self/task/${t.name}/status`))
);
const r = await scanCommand(["--root", root, "--output", output, "--parallel"], { stderr: () => {} });
out.scan = r.ok ? r.value : r.error.message;
console.log(JSON.stringify(out));
