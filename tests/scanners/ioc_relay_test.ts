/**
 * Reverse shells behind a relay (a pty or pipes whose other end holds a network connection), as fixture /proc
 * trees: what fires, and what an ssh login, tmux, `curl | sh` and a shell piping into curl look like instead.
 */
import assert from "node:assert/strict";
import { ioc } from "../../src/scanners/ioc/index.ts";
import { readsCommandsFromStdin } from "../../src/scanners/ioc/relay.ts";
import type { Finding } from "../../src/core/finding.ts";
import { runOne, sh } from "../helpers.ts";
import type { FakeProc } from "../host/procfs_fixture.ts";
import { inetLine, TCP_HEADER } from "./network_procfs_fixture.ts";
import { host, proc } from "./ioc_fixture.ts";

const PEER = "0A0A0A0A:115C"; // 10.10.10.10:4444
const LOCAL = "0F00000A:C350"; // 10.0.0.15:50000

/** A process holding the given TCP sockets (inode → state "01" established or "0A" listening). */
function netProc(pid: number, exe: string, sockets: Record<number, string>, more: Partial<FakeProc> = {}) {
  const fds: Record<number, string> = { ...more.fds };
  Object.keys(sockets).forEach((inode, i) => (fds[10 + i] = `socket:[${inode}]`));
  return {
    p: proc(pid, exe, { ...more, fds }),
    tcp: {
      [`proc/${pid}/net/tcp`]: [
        TCP_HEADER,
        ...Object.entries(sockets).map(([inode, st], i) =>
          inetLine(i, LOCAL, st === "0A" ? "00000000:0000" : PEER, st, Number(inode))
        ),
      ].join("\n") + "\n",
    },
  };
}

const pts = (n: number) => ({ 0: `/dev/pts/${n}`, 1: `/dev/pts/${n}`, 2: `/dev/pts/${n}` });
const master = (fd: number, index: number) => ({
  fds: { [fd]: "/dev/ptmx" },
  fdinfo: { [fd]: `pos:\t0\nflags:\t02\nmnt_id:\t23\nino:\t89\ntty-index:\t${index}\n` },
});

const relays = (fs: Finding[]) =>
  Object.fromEntries(
    fs.filter((f) => f.check_id === "ioc.process.reverse_shell_relay").map((f) => [f.id, f]),
  );

Deno.test("ioc relay: socat/python/fifo/pipe relays fire; ssh, tmux, curl | sh, a listener and a look-alike sshd do as they should", async () => {
  const socat = netProc(200, "/usr/bin/socat", { 5001: "01" }, master(5, 3));
  const sshd = netProc(300, "/usr/sbin/sshd", { 5002: "01" }, master(7, 0));
  const fakeSshd = netProc(400, "/tmp/sshd", { 5003: "01" }, master(7, 1));
  const nc = netProc(600, "/usr/bin/nc.openbsd", { 5004: "01" }, { fds: { 0: "pipe:[9001]", 1: "/tmp/f" } });
  const curl = netProc(700, "/usr/bin/curl", { 5005: "01" }, { fds: { 1: "pipe:[9101]" } });
  const curlIn = netProc(800, "/usr/bin/curl", { 5006: "01" }, { fds: { 0: "pipe:[9201]" } });
  const outer = netProc(900, "/usr/bin/socat", { 5007: "01" }, { fds: { 6: "socket:[9301]" } });
  const listener = netProc(1000, "/usr/bin/socat", { 5008: "0A" }, master(5, 6));
  const ncIn = netProc(1100, "/usr/bin/nc.openbsd", { 5009: "01" }, { fds: { 1: "pipe:[9401]" } });
  const ncOut = netProc(1102, "/usr/bin/nc.openbsd", { 5010: "01" }, { fds: { 0: "pipe:[9402]" } });
  const all = [socat, sshd, fakeSshd, nc, curl, curlIn, outer, listener, ncIn, ncOut];
  using root = host([
    ...all.map((x) => x.p),
    proc(201, "/usr/bin/dash", { ppid: 200, argv: ["sh"], fds: pts(3) }),
    proc(301, "/usr/bin/bash", { ppid: 300, argv: ["-bash"], fds: pts(0) }),
    proc(401, "/usr/bin/bash", { ppid: 400, argv: ["bash"], fds: pts(1) }),
    proc(500, "/usr/bin/tmux", { argv: ["tmux"], ...master(4, 2) }),
    proc(501, "/usr/bin/mksh", { ppid: 500, fds: pts(2) }),
    proc(601, "/usr/bin/sh", {
      argv: ["sh", "-i"],
      fds: { 0: "/tmp/f", 1: "pipe:[9001]", 2: "pipe:[9001]" },
    }),
    proc(701, "/usr/bin/yash", { fds: { 0: "pipe:[9101]", 1: "/dev/pts/0", 2: "/dev/pts/0" } }),
    proc(801, "/usr/bin/fish", { fds: { 0: "/dev/pts/0", 1: "pipe:[9201]", 2: "/dev/pts/0" } }),
    proc(901, "/usr/bin/python3.11", {
      ppid: 900,
      argv: ["python3", "-c", "import pty; pty.spawn('/bin/zsh')"],
      fds: { 0: "socket:[9302]", 1: "socket:[9302]", 4: "/dev/ptmx" },
      fdinfo: { 4: "tty-index:\t5\n" },
    }),
    proc(902, "/usr/bin/zsh", { ppid: 901, fds: pts(5) }),
    proc(1001, "/usr/bin/tcsh", { ppid: 1000, fds: pts(6) }),
    proc(1101, "/usr/bin/ksh", { fds: { 0: "pipe:[9401]", 1: "pipe:[9402]", 2: "pipe:[9402]" } }),
  ], Object.assign({}, ...all.map((x) => x.tcp), { "tmp/sshd": { content: "ELF", mode: 0o755 } }));
  sh("/usr/bin/mkfifo", `${root.path}/tmp/f`);
  const r = await runOne(ioc, root.path);
  assert.equal(r.status, "ok");
  const found = relays(r.findings);
  assert.deepEqual(Object.keys(found).sort(), [
    "ioc.process.reverse_shell_relay:/usr/bin/bash",
    "ioc.process.reverse_shell_relay:/usr/bin/dash",
    "ioc.process.reverse_shell_relay:/usr/bin/ksh",
    "ioc.process.reverse_shell_relay:/usr/bin/sh",
    "ioc.process.reverse_shell_relay:/usr/bin/zsh",
  ]);
  const get = (exe: string) => found[`ioc.process.reverse_shell_relay:${exe}`].metadata;
  const pick = (
    m: Record<string, unknown>,
  ) => [
    m.pid,
    m.channel,
    m.pairing,
    m.relay_pid,
    m.relay_exe,
    m.relay_via_parent,
    m.output_relay_pid,
    m.remote,
  ];
  assert.deepEqual(pick(get("/usr/bin/dash")), [
    201,
    "pty",
    "tty-index",
    200,
    "/usr/bin/socat",
    false,
    200,
    "10.10.10.10:4444",
  ]);
  assert.deepEqual(pick(get("/usr/bin/bash")), [
    401,
    "pty",
    "tty-index",
    400,
    "/tmp/sshd",
    false,
    400,
    "10.10.10.10:4444",
  ]);
  assert.deepEqual(pick(get("/usr/bin/sh")), [
    601,
    "pipe",
    "fifo",
    600,
    "/usr/bin/nc.openbsd",
    false,
    600,
    "10.10.10.10:4444",
  ]);
  assert.deepEqual(pick(get("/usr/bin/zsh")), [
    902,
    "pty",
    "tty-index",
    900,
    "/usr/bin/socat",
    true,
    900,
    "10.10.10.10:4444",
  ]);
  assert.deepEqual(pick(get("/usr/bin/ksh")), [
    1101,
    "pipe",
    "pipe",
    1100,
    "/usr/bin/nc.openbsd",
    false,
    1102,
    "10.10.10.10:4444",
  ]);
  assert.deepEqual(get("/usr/bin/bash").pids, ["401"], "the ssh login's bash (pid 301) is not among them");
  assert.deepEqual(get("/usr/bin/dash").relay_argv, ["/usr/bin/socat"]);
  assert.equal(found["ioc.process.reverse_shell_relay:/usr/bin/dash"].severity, "critical");
});

Deno.test("ioc relay: without tty-index in fdinfo (older kernels) the pty holder is the nearest ancestor with /dev/ptmx", async () => {
  const tcp = `${TCP_HEADER}\n${inetLine(0, LOCAL, PEER, "01", 5001)}\n`;
  using root = host([
    proc(200, "/usr/bin/socat", {
      fds: { 3: "socket:[5001]", 5: "/dev/ptmx" },
      fdinfo: { 5: "pos:\t0\nflags:\t02\n" },
    }),
    proc(201, "/usr/bin/dash", { ppid: 200, fds: pts(9) }),
  ], { "proc/200/net/tcp": tcp });
  const r = await runOne(ioc, root.path);
  const m = relays(r.findings)["ioc.process.reverse_shell_relay:/usr/bin/dash"].metadata;
  assert.deepEqual([m.pairing, m.relay_pid], ["parent-chain", 200]);
});

Deno.test("ioc relay: a FIFO path is only a channel when it is a FIFO; garbage fd links and fdinfo are quiet", async () => {
  const tcp = `${TCP_HEADER}\n${inetLine(0, LOCAL, PEER, "01", 5004)}\n`;
  using root = host([
    proc(600, "/usr/bin/nc.openbsd", {
      fds: { 0: "/tmp/plain", 1: "/tmp/plain", 3: "socket:[5004]", 5: "/dev/ptmx" },
      fdinfo: { 5: "tty-index:\tx\n" },
    }),
    proc(601, "/usr/bin/sh", { fds: { 0: "/tmp/plain", 1: "/tmp/plain" } }),
    proc(602, "/usr/bin/sh", { fds: { 0: "pipe:[]", 1: "/dev/pts/x", 2: "pipe:[-1]" } }),
  ], { "proc/600/net/tcp": tcp, "tmp/plain": "a regular file" });
  const r = await runOne(ioc, root.path);
  assert.deepEqual(Object.keys(relays(r.findings)), []);
});

Deno.test("ioc relay: socat EXEC:sh without pty (a socketpair to its parent) fires; sh -c, scripts and ssh without a tty do not", async () => {
  const socat = netProc(200, "/usr/bin/socat", { 5001: "01" }, { fds: { 5: "socket:[7001]" } });
  const node = netProc(300, "/usr/bin/node", { 5002: "01" }, { fds: { 5: "socket:[7002]" } });
  const agent = netProc(400, "/usr/bin/java", { 5003: "01" }, {
    fds: { 5: "pipe:[7101]", 6: "pipe:[7102]" },
  });
  const sshd = netProc(500, "/usr/sbin/sshd", { 5004: "01" }, { fds: { 5: "socket:[7004]" } });
  const pair = (inode: number) => ({
    0: `socket:[${inode}]`,
    1: `socket:[${inode}]`,
    2: `socket:[${inode}]`,
  });
  using root = host([
    ...[socat, node, agent, sshd].map((x) => x.p),
    proc(201, "/usr/bin/bash", { ppid: 200, argv: ["bash", "-li"], fds: pair(7011) }),
    proc(301, "/usr/bin/dash", { ppid: 300, argv: ["/bin/sh", "-c", "git pull"], fds: pair(7012) }),
    proc(401, "/usr/bin/sh", {
      ppid: 400,
      argv: ["sh", "-xe", "/tmp/jenkins123.sh"],
      fds: { 0: "pipe:[7101]", 1: "pipe:[7102]", 2: "pipe:[7102]" },
    }),
    proc(501, "/usr/bin/zsh", { ppid: 500, argv: ["zsh"], fds: pair(7014) }),
  ], Object.assign({}, ...[socat, node, agent, sshd].map((x) => x.tcp)));
  const r = await runOne(ioc, root.path);
  const found = relays(r.findings);
  assert.deepEqual(Object.keys(found), ["ioc.process.reverse_shell_relay:/usr/bin/bash"]);
  const m = found["ioc.process.reverse_shell_relay:/usr/bin/bash"].metadata;
  assert.deepEqual([m.channel, m.pairing, m.relay_pid], ["socketpair", "socketpair", 200]);
});

Deno.test("readsCommandsFromStdin: sh, sh -i, bash -li, sh -s args read stdin; -c, -ec and a script do not", () => {
  const yes = [
    ["sh"],
    ["sh", "-i"],
    ["bash", "-li"],
    ["bash", "--login"],
    ["sh", "-s", "a", "b"],
    [
      "bash",
      "-o",
      "vi",
    ],
    [
      "bash",
      "--rcfile",
      "/x",
      "-i",
    ],
    ["sh", "--"],
    ["bash", "-euo", "pipefail"],
  ];
  const no = [["sh", "-c", "x"], ["sh", "-ec", "x"], ["sh", "/tmp/s.sh"], ["bash", "-x", "script"], [
    "sh",
    "--",
    "s",
  ]];
  for (const argv of yes) assert.equal(readsCommandsFromStdin(argv), true, argv.join(" "));
  for (const argv of no) assert.equal(readsCommandsFromStdin(argv), false, argv.join(" "));
});
