/**
 * ioc against real processes this test starts on the live host: a deleted binary, a binary whose name only
 * ends in " (deleted)", a memfd exec, LD_PRELOAD, a kernel-thread disguise, a miner name, and a shell whose
 * stdio is a TCP socket (or, quiet, a socketpair).
 * Every process is killed in a finally block.
 */
import assert from "node:assert/strict";
import { ioc } from "../../src/scanners/ioc/index.ts";
import type { Finding } from "../../src/core/finding.ts";
import type { Config } from "../../src/core/config.ts";
import { childPids, descendantsOf, firstLine, killPid, runOne, stopChild as stop } from "../helpers.ts";
import { needs } from "../host_caps.ts";
import { waitExe } from "./ioc_live_procs.ts";

const PYTHON = "/usr/bin/python3";
const LIB = "/usr/lib/x86_64-linux-gnu/libm.so.6";

function spawn(cmd: string, args: string[], env?: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command(cmd, { args, env, stdin: "null", stdout: "piped", stderr: "null" }).spawn();
}

async function findingsFor(pid: number, overrides: Partial<Config> = {}): Promise<Finding[]> {
  const r = await runOne(ioc, "/", overrides);
  assert.equal(r.status, "ok", r.reason);
  return r.findings.filter((f) => Array.isArray(f.metadata.pids) && f.metadata.pids.includes(String(pid)));
}

const ids = (fs: Finding[]) => fs.map((f) => `${f.check_id} ${f.severity}`).sort();

Deno.test("ioc live: a copied binary deleted while running is critical (it ran from /tmp)", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "ioc-del-" });
  const exe = `${dir}/sleeper`;
  Deno.copyFileSync("/bin/sleep", exe);
  Deno.chmodSync(exe, 0o755);
  const child = spawn(exe, ["60"]);
  try {
    await waitExe(child.pid, (t) => t === exe);
    Deno.removeSync(exe);
    await waitExe(child.pid, (t) => t.endsWith(" (deleted)"));
    const fs = await findingsFor(child.pid);
    assert.deepEqual(ids(fs), ["ioc.process.deleted_exe critical"]);
    assert.equal(fs[0].id, `ioc.process.deleted_exe:${exe}`);
    assert.equal(fs[0].metadata.location, "temp");
  } finally {
    await stop(child);
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("ioc live: a file named 'prog (deleted)' that still exists is not a deleted executable", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "ioc-spoof-" });
  const exe = `${dir}/prog (deleted)`;
  Deno.copyFileSync("/bin/sleep", exe);
  Deno.chmodSync(exe, 0o755);
  const child = spawn(exe, ["60"]);
  try {
    await waitExe(child.pid, (t) => t === exe);
    const fs = await findingsFor(child.pid);
    assert.deepEqual(ids(fs), ["ioc.process.exe_in_temp high"], "in /tmp, but not deleted");
    assert.equal(fs[0].id, `ioc.process.exe_in_temp:${exe}`);
    Deno.removeSync(exe);
    await waitExe(child.pid, (t) => t === `${exe} (deleted)`);
    const gone = await findingsFor(child.pid);
    assert.deepEqual(ids(gone), ["ioc.process.deleted_exe critical"]);
    assert.equal(gone[0].id, `ioc.process.deleted_exe:${exe}`);
  } finally {
    await stop(child);
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("ioc live: a memfd exec is fileless, not deleted", async () => {
  const script = [
    "import os",
    "fd = os.memfd_create('ioc-test', 0)",
    "os.write(fd, open('/bin/sleep', 'rb').read())",
    "os.execv(f'/proc/self/fd/{fd}', ['ioc-test', '60'])",
  ].join("\n");
  const child = spawn(PYTHON, ["-c", script]);
  try {
    await waitExe(child.pid, (t) => t.startsWith("/memfd:ioc-test"));
    const fs = await findingsFor(child.pid);
    assert.deepEqual(ids(fs), ["ioc.process.fileless_exe high"]);
    assert.equal(fs[0].id, "ioc.process.fileless_exe:/memfd:ioc-test");
  } finally {
    await stop(child);
  }
});

Deno.test("ioc live: LD_PRELOAD of a system library is high, info with --ioc-env-trust", async () => {
  const child = spawn("/bin/sleep", ["60"], { LD_PRELOAD: LIB });
  try {
    await waitExe(child.pid, (t) => t.endsWith("/sleep"));
    const fs = await findingsFor(child.pid);
    assert.deepEqual(ids(fs), ["ioc.process.ld_preload high"]);
    assert.deepEqual(fs[0].metadata.values, [LIB]);
    assert.equal(fs[0].metadata.env_trusted, true);
    assert.deepEqual(ids(await findingsFor(child.pid, { iocEnvTrust: true })), [
      "ioc.process.ld_preload info",
    ]);
  } finally {
    await stop(child);
  }
});

Deno.test("ioc live: a process disguised as [kworker] and a process named xmrig", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "ioc-name-" });
  Deno.chmodSync(dir, 0o755);
  const miner = `${dir}/xmrig`;
  Deno.copyFileSync("/bin/sleep", miner);
  const disguised = spawn("/bin/bash", ["-c", 'exec -a "[kworker/0:7-events]" /bin/sleep 60']);
  const named = spawn(miner, ["60"]);
  try {
    await waitExe(disguised.pid, (t) => t === "/usr/bin/sleep");
    await waitExe(named.pid, (t) => t === miner);
    assert.deepEqual(ids(await findingsFor(disguised.pid)), ["ioc.process.kthread_masquerade high"]);
    assert.deepEqual(ids(await findingsFor(named.pid)), [
      "ioc.process.exe_in_temp high",
      "ioc.process.miner high",
    ]);
  } finally {
    await stop(disguised);
    await stop(named);
    Deno.removeSync(dir, { recursive: true });
  }
});

/** Python: leave the network namespace for a new one with loopback up, remembering the one left in `home`. */
const ENTER_NEW_NETNS = [
  "import ctypes, os",
  "libc = ctypes.CDLL('libc.so.6', use_errno=True)",
  "home = os.open('/proc/self/ns/net', os.O_RDONLY)",
  "assert libc.unshare(0x40000000) == 0, 'unshare(CLONE_NEWNET)'",
  "subprocess.run(['/usr/sbin/ip', 'link', 'set', 'lo', 'up'], check=True)",
].join("\n");
/** Python: back to the namespace in `home`; the new one is then held only by the sockets made in it. */
const BACK_HOME = "assert libc.setns(home, 0x40000000) == 0, 'setns'";

/**
 * A python helper that starts `/bin/sh -c 'sleep 60; exit 0'` with stdio on a TCP connection or a socketpair;
 * for "orphan-tcp" the connection is made in a new network namespace that the helper then leaves, so no
 * process is in the namespace whose tables hold the socket.
 */
function shellOn(kind: "tcp" | "socketpair" | "orphan-tcp" | "orphan-socketpair"): Deno.ChildProcess {
  const orphan = kind.startsWith("orphan-");
  const script = [
    "import socket, subprocess, sys, time",
    orphan ? ENTER_NEW_NETNS : "",
    kind.endsWith("tcp")
      ? "srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)\n" +
        "cli = socket.create_connection(srv.getsockname()); peer, _ = srv.accept(); end = cli"
      : "end, peer = socket.socketpair()",
    orphan ? BACK_HOME : "",
    "p = subprocess.Popen(['/bin/sh', '-c', 'sleep 60; exit 0'], stdin=end, stdout=end, stderr=end)",
    "print(p.pid, flush=True)",
    "time.sleep(60)",
  ].join("\n");
  return spawn(PYTHON, ["-c", script]);
}

/**
 * Starts a shell with stdio on a TCP connection and one on a socketpair (`orphan`: both made in a network
 * namespace their helper then left), scans once, and gives the TCP shell's findings and the socketpair shell's
 * reverse-shell findings.
 */
async function shellPair(orphan: boolean): Promise<{ tcpShell: number; tcp: Finding[]; pair: Finding[] }> {
  const tcp = shellOn(orphan ? "orphan-tcp" : "tcp");
  const pair = shellOn(orphan ? "orphan-socketpair" : "socketpair");
  const shells: number[] = [];
  try {
    const tcpShell = Number(await firstLine(tcp));
    const pairShell = Number(await firstLine(pair));
    assert.ok(tcpShell > 0 && pairShell > 0, "each helper printed its shell's pid");
    shells.push(tcpShell, pairShell);
    await waitExe(tcpShell, (t) => t === "/usr/bin/dash");
    await waitExe(pairShell, (t) => t === "/usr/bin/dash");
    const r = await runOne(ioc, "/");
    assert.equal(r.status, "ok", r.reason);
    const of = (pid: number) =>
      r.findings.filter((f) => Array.isArray(f.metadata.pids) && f.metadata.pids.includes(String(pid)));
    return {
      tcpShell,
      tcp: of(tcpShell),
      pair: of(pairShell).filter((f) => f.check_id === "ioc.process.reverse_shell"),
    };
  } finally {
    // The shells' `sleep` holds their sockets too: it goes first, or it outlives the test with them.
    for (const pid of shells) for (const child of childPids(pid)) killPid(child);
    for (const pid of shells) killPid(pid);
    await stop(tcp);
    await stop(pair);
  }
}

Deno.test(needs(["inetSockets"], {
  name: "ioc live: a shell with stdio on a TCP socket is a reverse shell; on a socketpair it is not",
  async fn() {
    const { tcp, pair } = await shellPair(false);
    assert.deepEqual(ids(tcp), ["ioc.process.reverse_shell critical"]);
    assert.match(String(tcp[0].metadata.remote), /^127\.0\.0\.1:\d+$/);
    assert.equal(tcp[0].metadata.state, "ESTABLISHED");
    assert.equal(tcp[0].metadata.socket_namespace, undefined, "found in the tables");
    assert.deepEqual(pair, []);
  },
}));

Deno.test("ioc live: the host's own processes raise none of the strong indicators", async () => {
  const r = await runOne(ioc, "/");
  assert.equal(r.status, "ok");
  // This VM's session machinery runs from a sealed memfd (reported as fileless, correctly), and other
  // developers' tests may run concurrently; the checks below must stay quiet for stock Debian processes.
  // What this test run started (other modules plant such processes meanwhile) is not the host's own.
  const ours = descendantsOf(Deno.pid);
  const strong = r.findings.filter((f) =>
    [
      "ioc.process.hidden",
      "ioc.ld_so_preload.entries",
      "ioc.process.kthread_masquerade",
      "ioc.process.socket_unlisted_netns",
    ].includes(f.check_id) &&
    !(Array.isArray(f.metadata.pids) && f.metadata.pids.every((pid) => ours.has(Number(pid))))
  );
  assert.deepEqual(strong.map((f) => f.id), []);
});

Deno.test(needs(["root", "netns", "python3"], {
  name:
    "ioc live: a shell on a TCP socket made in a network namespace no process is in is still a reverse shell",
  async fn() {
    const { tcpShell, tcp, pair } = await shellPair(true);
    // Two facts: a shell on a network socket, and a socket in a namespace no process is in.
    assert.deepEqual(ids(tcp), [
      "ioc.process.reverse_shell critical",
      "ioc.process.socket_unlisted_netns high",
    ]);
    const shell = tcp.find((f) => f.check_id === "ioc.process.reverse_shell")!;
    assert.match(String(shell.metadata.remote), /^127\.0\.0\.1:\d+$/);
    assert.equal(shell.metadata.state, "ESTABLISHED");
    assert.equal(shell.metadata.socket_namespace, "unlisted");
    assert.match(shell.description, /no process is in any more/);
    assert.match(shell.description, new RegExp(`^pid ${tcpShell} `));
    assert.deepEqual(pair, [], "a socketpair there is still no reverse shell");
  },
}));

/** Python: a connection to a listener of its own on 127.0.0.1 (`cli`, `peer`, `srv`). */
const CONNECTION = "srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)\n" +
  "cli = socket.create_connection(srv.getsockname()); peer, _ = srv.accept()";

/** A python helper that makes `body`'s sockets in a new network namespace, goes back, prints its pid, waits. */
function orphanSockets(body: string): Deno.ChildProcess {
  const script = [
    "import socket, subprocess, sys, time",
    ENTER_NEW_NETNS,
    body,
    BACK_HOME,
    "print(1, flush=True)",
  ]
    .concat("time.sleep(60)").join("\n");
  return spawn(PYTHON, ["-c", script]);
}

Deno.test(needs(["root", "netns", "python3"], {
  name:
    "ioc live: a connection held in a network namespace no process is in is reported; one in this one is not",
  async fn() {
    const hidden = orphanSockets(CONNECTION);
    const plain = spawn(PYTHON, [
      "-c",
      `import socket, time\n${CONNECTION}\nprint(1, flush=True); time.sleep(60)`,
    ]);
    try {
      await firstLine(hidden);
      await firstLine(plain);
      const r = await runOne(ioc, "/");
      assert.equal(r.status, "ok", r.reason);
      const of = (pid: number) =>
        r.findings.filter((f) =>
          f.check_id === "ioc.process.socket_unlisted_netns" &&
          (f.metadata.pids as string[]).includes(String(pid))
        );
      const found = of(hidden.pid);
      assert.equal(found.length, 1, JSON.stringify(r.findings.map((f) => f.id)));
      assert.equal(found[0].severity, "high");
      assert.equal(found[0].metadata.proto, "tcp");
      assert.match(String(found[0].metadata.remote), /^127\.0\.0\.1:\d+$|^0\.0\.0\.0:0$/);
      assert.match(found[0].description, /no process is in any more/);
      assert.match(String(found[0].metadata.netns), /^net:\[\d+\]$/);
      assert.notEqual(found[0].metadata.netns, Deno.readLinkSync("/proc/self/ns/net"));
      assert.deepEqual(of(plain.pid), [], "the same sockets in this namespace are listed: nothing to say");
    } finally {
      await stop(hidden);
      await stop(plain);
    }
  },
}));

Deno.test(needs(["root", "netns", "python3"], {
  name:
    "ioc live: past 64 sockets of one process in no table, the rest are not read, and the warning names it",
  async fn() {
    // A decoy first (an unbound UDP socket, lowest descriptor), the connection after it, then 300 more.
    const many = orphanSockets(
      "decoy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" + CONNECTION + "\n" +
        "socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(300)]",
    );
    try {
      await firstLine(many);
      const r = await runOne(ioc, "/");
      assert.equal(r.status, "ok", r.reason);
      assert.ok(
        r.warnings.some((w) =>
          w.code === "truncated" && /at most 64 per process/.test(w.detail ?? "") &&
          (w.detail ?? "").includes(String(many.pid))
        ),
        JSON.stringify(r.warnings),
      );
      const found = r.findings.filter((f) =>
        f.check_id === "ioc.process.socket_unlisted_netns" &&
        (f.metadata.pids as string[]).includes(String(many.pid))
      );
      assert.equal(found.length, 1, "the process is reported once, its sockets named in it");
      const sockets = found[0].metadata.sockets as string[];
      assert.equal(sockets.length, 64, "the 64 read");
      assert.match(
        sockets[0],
        /^tcp 127\.0\.0\.1:\d+ ↔ 127\.0\.0\.1:\d+ \(ESTABLISHED\)$/,
        "connections first",
      );
      assert.equal(found[0].metadata.state, "ESTABLISHED", "the decoy does not stand for the process");
      assert.match(found[0].description, /holds 64 sockets tcp 127\.0\.0\.1:\d+ ↔ .* and 56 more\./);
    } finally {
      await stop(many);
    }
  },
}));

Deno.test(needs(["root", "python3"], {
  name: "ioc live: unbound, fresh and closed sockets in this namespace (in no table either) are not reported",
  async fn() {
    const plain = spawn(PYTHON, [
      "-c",
      [
        "import socket, time",
        "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        "t = socket.socket()",
        "b = socket.socket(); b.bind(('127.0.0.1', 0))",
        "print(1, flush=True)",
        "time.sleep(60)",
      ].join("\n"),
    ]);
    try {
      await firstLine(plain);
      const r = await runOne(ioc, "/");
      assert.equal(r.status, "ok", r.reason);
      const about = r.findings.filter((f) =>
        (f.metadata.pids as string[] | undefined)?.includes(String(plain.pid))
      );
      assert.deepEqual(about.map((f) => f.id), []);
    } finally {
      await stop(plain);
    }
  },
}));

Deno.test(needs(["root", "netns", "python3"], {
  name:
    "ioc live: a socket in a named namespace (ip netns) no process is in is low, with the name; not merged with a hidden one",
  async fn() {
    const name = `sys-scan-test-${Deno.pid}`;
    const ip = (...args: string[]) => new Deno.Command("/usr/sbin/ip", { args, stderr: "null" }).outputSync();
    assert.ok(ip("netns", "add", name).success, "ip netns add");
    const holder = spawn(PYTHON, [
      "-c",
      [
        "import ctypes, os, socket, subprocess, time",
        "libc = ctypes.CDLL('libc.so.6', use_errno=True)",
        "home = os.open('/proc/self/ns/net', os.O_RDONLY)",
        `there = os.open('/run/netns/${name}', os.O_RDONLY)`,
        "assert libc.setns(there, 0x40000000) == 0",
        "srv = socket.socket(); srv.bind(('0.0.0.0', 0)); srv.listen(1)",
        "assert libc.setns(home, 0x40000000) == 0",
        "print(1, flush=True)",
        "time.sleep(60)",
      ].join("\n"),
    ]);
    // The same program holding a socket in an anonymous such namespace: high, and a finding of its own.
    const hidden = orphanSockets("srv = socket.socket(); srv.bind(('0.0.0.0', 0)); srv.listen(1)");
    try {
      await firstLine(holder);
      await firstLine(hidden);
      const r = await runOne(ioc, "/");
      const found = r.findings.filter((f) =>
        f.check_id === "ioc.process.socket_unlisted_netns" &&
        (f.metadata.pids as string[]).includes(String(holder.pid))
      );
      assert.equal(found.length, 1, JSON.stringify(r.findings.map((f) => f.id)));
      assert.equal(found[0].severity, "low", JSON.stringify(found[0].metadata));
      assert.equal(found[0].metadata.netns_name, name);
      assert.equal(found[0].metadata.state, "LISTEN");
      assert.match(found[0].description, new RegExp(`ip netns exec ${name} ss -anp`));
      assert.ok(found[0].id.endsWith(`@${name}`), found[0].id);
      const other = r.findings.filter((f) =>
        f.check_id === "ioc.process.socket_unlisted_netns" &&
        (f.metadata.pids as string[]).includes(String(hidden.pid))
      );
      assert.deepEqual(
        other.map((f) => [f.severity, (f.metadata.pids as string[]).includes(String(holder.pid))]),
        [
          ["high", false],
        ],
      );
    } finally {
      await stop(hidden);
      await stop(holder);
      ip("netns", "del", name);
    }
  },
}));
