/**
 * "Never touches the network" is enforced, not only claimed: every scan run by the CLI installs a seccomp filter
 * that refuses socket() for every family but AF_UNIX/AF_NETLINK, and io_uring, on all its threads and in every
 * program it starts. Deno's --deny-net alone stops neither FFI nor child processes.
 */
import assert from "node:assert/strict";
import { buildFilter, evaluateFilter, RET_ALLOW, RET_EPERM } from "../../src/security/seccomp_filter.ts";
import { AUDIT_ARCH, SYSCALLS } from "../../src/security/syscall_table.ts";
import { scanCommand } from "../../src/cli/scan.ts";
import { makeTree, repoPath } from "../helpers.ts";

const MAIN = repoPath("main.ts");

Deno.test("network filter: inet, inet6, packet and vsock sockets and io_uring are EPERM; unix, netlink, mount, bpf are not", () => {
  for (const arch of ["x86_64", "aarch64"] as const) {
    const prog = buildFilter({ arch, allowBpf: true, scope: "network" });
    const t = SYSCALLS[arch];
    const run = (nr: number, arg0 = 0) => evaluateFilter(prog, { nr, arch: AUDIT_ARCH[arch], arg0 });
    for (const family of [2, 10, 17, 40]) {
      assert.equal(run(t.socket, family), RET_EPERM, `${arch} family ${family}`);
    }
    for (const family of [1, 16]) assert.equal(run(t.socket, family), RET_ALLOW, `${arch} family ${family}`);
    for (const call of ["io_uring_setup", "io_uring_enter", "io_uring_register"] as const) {
      assert.equal(run(t[call]), RET_EPERM, `${arch} ${call}`);
    }
    for (const call of ["mount", "bpf", "ptrace", "unshare"] as const) {
      assert.equal(run(t[call]), RET_ALLOW, call);
    }
  }
  const x86 = buildFilter({ arch: "x86_64", allowBpf: true, scope: "network" });
  assert.equal(evaluateFilter(x86, { nr: 359, arch: 0x40000003, arg0: 2 }), RET_EPERM, "i386 socket entry");
  assert.equal(
    evaluateFilter(x86, { nr: 0x40000000 + 41, arch: AUDIT_ARCH.x86_64, arg0: 2 }),
    RET_EPERM,
    "x32",
  );
});

/** A plugin that tries to connect to 127.0.0.1:`port` and reports what happened as a finding. */
function connectingPlugin(port: number): string {
  return `#!/bin/bash
if exec 3<>/dev/tcp/127.0.0.1/${port} 2>/dev/null; then
  echo '{"type":"finding","subject":"connected"}'
else
  echo '{"type":"finding","subject":"refused"}'
fi
`;
}

async function scanWithPlugin(
  inProcess: boolean,
): Promise<{ subjects: string[]; accepted: number; meta: unknown }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  let accepted = 0;
  const accepting = (async () => {
    for await (const conn of listener) {
      accepted++;
      conn.close();
    }
  })();
  using plugins = makeTree({ "netprobe.sh": { content: connectingPlugin(port), mode: 0o755 } });
  Deno.chmodSync(plugins.path, 0o755);
  using root = makeTree({ "etc/hostname": "t\n" });
  using out = makeTree({});
  const args = ["--root", root.path, "--plugin-dir", plugins.path, "--enable", "kernel_params"];
  args.push("--output", `${out.path}/r.json`);
  try {
    if (inProcess) {
      const r = await scanCommand(args, { stderr: () => {} });
      assert.ok(r.ok, r.ok ? "" : r.error.message);
    } else {
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, ...args],
        env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
        stderr: "piped",
      }).output();
      assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    }
    const report = JSON.parse(Deno.readTextFileSync(`${out.path}/r.json`));
    const subjects = report.results.flatMap((x: { findings: { id: string }[] }) => x.findings)
      .map((f: { id: string }) => f.id.split(":").pop());
    return { subjects, accepted, meta: report.meta.security.network };
  } finally {
    listener.close();
    await accepting.catch(() => {});
  }
}

Deno.test("network guard: a scan by the CLI cannot connect, not even from a program it runs", async () => {
  const guarded = await scanWithPlugin(false);
  assert.deepEqual(guarded.subjects, ["refused"]);
  assert.equal(guarded.accepted, 0, "nothing reached the listener");
  assert.equal((guarded.meta as { enforced: boolean }).enforced, true);
  // The same plugin connects when the scan installs no filter (an in-process test scan): the test can fail.
  const open = await scanWithPlugin(true);
  assert.deepEqual(open.subjects, ["connected"]);
  assert.equal(open.accepted, 1);
});
