import assert from "node:assert/strict";
import { needs } from "../host_caps.ts";
import {
  buildFilter,
  deniedSyscalls,
  encodeFilter,
  evaluateFilter,
  RET_ALLOW,
  RET_EPERM,
} from "../../src/security/seccomp_filter.ts";
import { installSeccomp } from "../../src/security/seccomp.ts";
import { AUDIT_ARCH, SYSCALLS } from "../../src/security/syscall_table.ts";
import { scanCommand } from "../../src/cli/scan.ts";
import { fixtureRoot, repoPath } from "../helpers.ts";
import { ExitCode } from "../../src/core/result.ts";

const X86 = AUDIT_ARCH.x86_64;

Deno.test("seccomp filter: denied calls get EPERM, others are allowed, per architecture", () => {
  for (const arch of ["x86_64", "aarch64"] as const) {
    const prog = buildFilter({ arch, allowBpf: false });
    const table = SYSCALLS[arch];
    const run = (nr: number, arg0 = 0) => evaluateFilter(prog, { nr, arch: AUDIT_ARCH[arch], arg0 });
    for (
      const name of [
        "ptrace",
        "mount",
        "kexec_load",
        "init_module",
        "bpf",
        "perf_event_open",
        "setns",
      ] as const
    ) {
      assert.equal(run(table[name]), RET_EPERM, `${arch} ${name}`);
    }
    // read/write/openat/futex/clone3/statx are never in the list
    const allowed = arch === "x86_64"
      ? [0, 1, 257, 202, 435, 332, 191, 89, 217, 63]
      : [63, 64, 56, 98, 435, 291, 8, 78, 61, 160];
    for (const nr of allowed) assert.equal(run(nr), RET_ALLOW, `${arch} nr ${nr}`);
    assert.equal(run(table.socket, 1), RET_ALLOW, "AF_UNIX");
    assert.equal(run(table.socket, 16), RET_ALLOW, "AF_NETLINK");
    for (const family of [2, 10, 17, 40]) {
      assert.equal(run(table.socket, family), RET_EPERM, `family ${family}`);
    }
  }
});

Deno.test("seccomp filter: foreign architectures and x32 numbers are denied; bpf kept when tracing", () => {
  const prog = buildFilter({ arch: "x86_64", allowBpf: false });
  assert.equal(evaluateFilter(prog, { nr: 0, arch: 0x40000003, arg0: 0 }), RET_EPERM, "i386 entry");
  assert.equal(evaluateFilter(prog, { nr: 0x40000000 + 101, arch: X86, arg0: 0 }), RET_EPERM, "x32 ptrace");
  const tracing = buildFilter({ arch: "x86_64", allowBpf: true });
  assert.equal(evaluateFilter(tracing, { nr: 321, arch: X86, arg0: 0 }), RET_ALLOW);
  assert.equal(evaluateFilter(tracing, { nr: 298, arch: X86, arg0: 0 }), RET_ALLOW);
  assert.equal(evaluateFilter(tracing, { nr: 101, arch: X86, arg0: 0 }), RET_EPERM);
  assert.ok(!deniedSyscalls({ arch: "x86_64", allowBpf: true }).some((d) => d.name === "bpf"));
  assert.equal(encodeFilter(prog).length, prog.length * 8);
});

Deno.test(needs(["kernelHeaders"], {
  name: "syscall table matches the kernel headers",
  fn: () => {
    const x86 = Deno.readTextFileSync("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
    const generic = Deno.readTextFileSync("/usr/include/asm-generic/unistd.h");
    for (const [name, nr] of Object.entries(SYSCALLS.x86_64)) {
      assert.match(x86, new RegExp(`#define __NR_${name}\\s+${nr}\\b`), `x86_64 ${name}`);
    }
    for (const [name, nr] of Object.entries(SYSCALLS.aarch64)) {
      assert.match(generic, new RegExp(`#define __NR(3264)?_${name}\\s+${nr}\\b`), `aarch64 ${name}`);
    }
  },
}));

Deno.test("seccomp installed in a child: inet sockets, ptrace, unshare, bpf fail with EPERM; a full scan still writes its report", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const out = `${dir}/report.json`;
    const child = repoPath("tests/security/seccomp_child.ts");
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", child, fixtureRoot("proc-compromised"), out],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(r.stdout);
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    const res = JSON.parse(text);
    assert.equal(res.installed, true);
    assert.equal(res.connect, "PermissionDenied");
    assert.equal(res.inet6_socket, 1);
    assert.equal(res.packet_socket, 1);
    assert.equal(res.ptrace, 1);
    assert.equal(res.unshare, 1);
    assert.equal(res.bpf, 1);
    assert.equal(res.unix_socket, "ok");
    assert.equal(res.netlink_socket, "ok");
    assert.equal(res.seccomp_mode, "2");
    assert.equal(res.threads_filtered, true);
    assert.equal(res.scan, 0);
    const report = JSON.parse(Deno.readTextFileSync(out));
    assert.deepEqual(report.scanner_errors, []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("installSeccomp reports failures instead of throwing", () => {
  const failing = () => ({ result: -1n, errno: 22 });
  const r = installSeccomp({ allowBpf: false }, failing, "x86_64");
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error.message, /EINVAL/);
  const unsupported = installSeccomp({ allowBpf: false }, failing, null);
  assert.equal(unsupported.ok, false);
});

Deno.test("--seccomp-strict exits 4 when the filter cannot be installed; --seccomp warns and scans", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const failing = () => ({ result: -1n, errno: 1 });
    const args = ["--root", fixtureRoot("basic"), "--output", `${dir}/r.json`, "--enable", "kernel_params"];
    const strict = await scanCommand([...args, "--seccomp", "--seccomp-strict"], {
      security: { syscall: failing },
      stderr: () => {},
    });
    assert.equal(strict.ok, false);
    if (!strict.ok) {
      assert.equal(strict.error.exit, ExitCode.Hardening);
      assert.match(strict.error.message, /seccomp/);
    }
    assert.throws(() => Deno.statSync(`${dir}/r.json`));
    const lines: string[] = [];
    const soft = await scanCommand([...args, "--seccomp"], {
      security: { syscall: failing },
      stderr: (l) => lines.push(l),
    });
    assert.equal(soft.ok && soft.value, 0);
    assert.ok(lines.some((l) => /warning: seccomp/.test(l)));
    const report = JSON.parse(Deno.readTextFileSync(`${dir}/r.json`));
    assert.equal(report.meta.security.seccomp.installed, false);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
