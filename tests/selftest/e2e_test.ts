/**
 * End to end, for real on this host: `sys-scan self-test` as root (every check seen, nothing left behind),
 * its refusals (not isolated, not root), and `bpf-selftest` as root, as nobody, without and with tracefs.
 */
import assert from "node:assert/strict";
import { PARENT_NS_ENV } from "../../src/selftest/namespace.ts";
import { WORK_DIR } from "../../src/selftest/evidence.ts";
import { exists, NobodyEnv, ROOT, runCli } from "./run_cli.ts";

const UNSHARE = exists("/usr/bin/unshare");
const SETPRIV = exists("/usr/bin/setpriv");
const BTF = exists("/sys/kernel/btf/vmlinux");

Deno.test({
  name: "self-test: as root every planted piece is seen, exit 0, and nothing remains on the host",
  ignore: !ROOT || !UNSHARE || !BTF,
  fn: async () => {
    const r = await runCli(["self-test", "--json"]);
    const out = JSON.parse(r.stdout);
    const unseen = out.verdicts.filter((v: { seen: boolean }) => !v.seen);
    assert.deepEqual(unseen, [], r.stderr);
    assert.equal(r.code, 0);
    assert.equal(out.ok, true);
    assert.equal(out.verdicts.length, 9);
    const ev = out.evidence;
    assert.equal(
      exists(ev.worldWritable.value.path),
      false,
      "the world-writable file was on a private tmpfs",
    );
    assert.equal(exists(WORK_DIR), false, "the temp evidence was on a private tmpfs");
    for (const pid of [ev.deletedExe.value.pid, ev.memfdExe.value.pid]) {
      let exe = "";
      try {
        exe = Deno.readLinkSync(`/proc/${pid}/exe`);
      } catch {
        // gone, as it should be
      }
      assert.ok(!exe.includes("sys-scan-self-test"), `evidence process ${pid} still runs (${exe})`);
    }
  },
});

Deno.test({
  name: "self-test: the text screen has one line per check and a summary",
  ignore: !ROOT || !UNSHARE,
  fn: async () => {
    const r = await runCli(["self-test", "--no-trace"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^sys-scan self-test: kernel /);
    assert.match(r.stdout, /\n {2}world_writable +fs\.world_writable\.file +mode 0666 file \S+ +seen\n/);
    assert.match(
      r.stdout,
      /\n {2}ioc +ioc\.process\.fileless_exe +pid \d+ executed from memfd:sys-scan-self-test +seen\n/,
    );
    assert.match(r.stdout, /6 of 6 seen in [\d.]+ s\. Everything was created in a private mount namespace/);
  },
});

Deno.test({
  name: "self-test: the inner run refuses to mount anything outside a fresh private mount namespace",
  ignore: !ROOT,
  fn: async () => {
    const own = Deno.readLinkSync("/proc/self/ns/mnt");
    const r = await runCli(["self-test", "--no-trace"], [], { [PARENT_NS_ENV]: own });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /still in the parent's mount namespace \(mnt:\[\d+\]\); refusing to mount anything/,
    );
    assert.equal(r.stdout, "");
    assert.equal(exists(WORK_DIR), false);
  },
});

Deno.test({
  name: "self-test: as nobody it says it needs root (exit 2) and plants nothing",
  ignore: !ROOT || !SETPRIV,
  fn: async () => {
    using nobody = new NobodyEnv();
    const r = await runCli(["self-test"], nobody.wrap, nobody.env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /self-test needs root .* this process runs as uid 65534/);
  },
});

Deno.test({
  name: "bpf-selftest: as root the BTF hooks attach, the trace can run, exit 0",
  ignore: !ROOT || !BTF,
  fn: async () => {
    const r = await runCli(["bpf-selftest", "--json"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const p = JSON.parse(r.stdout);
    assert.equal(p.privileged, true);
    assert.equal(p.tracer.ok, true);
    assert.equal(p.tracer.exec, "tp_btf/sched_process_exec");
    assert.ok(p.tracer.timeToAttachMs > 0);
    const execBtf = p.hooks.find((h: { program: string }) => h.program === "exec_btf");
    assert.deepEqual([execBtf.load, execBtf.attach], ["ok", "ok"]);
    assert.equal(p.hooks.length, 5);
    assert.match(p.object.sha256, /^[0-9a-f]{64}$/);
    assert.match(p.libbpf.version, /^\d+\.\d+$/);
    const text = await runCli(["bpf-selftest"]);
    assert.equal(text.code, 0);
    assert.match(
      text.stdout,
      /\ntrace can run here: exec via tp_btf\/sched_process_exec, connect via \S+; time to attach/,
    );
  },
});

Deno.test({
  name: "bpf-selftest: as nobody nothing is loaded, the sections are still listed, exit 1 with the reason",
  ignore: !ROOT || !SETPRIV,
  fn: async () => {
    using nobody = new NobodyEnv();
    const r = await runCli(["bpf-selftest"], nobody.wrap, nobody.env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stdout,
      /privileges {2}euid 65534; CAP_SYS_ADMIN no, CAP_BPF no, CAP_PERFMON no → NOT enough to trace/,
    );
    assert.match(
      r.stdout,
      /exec_btf +tp_btf\/sched_process_exec +load: not tried \(needs root or CAP_BPF\+CAP_PERFMON; uid 65534\)/,
    );
    assert.match(r.stdout, /trace CANNOT run here \(not_root\): .*run sys-scan as root\./);
  },
});

Deno.test({
  name:
    "bpf-selftest: without tracefs the classic tracepoints fail with their reason and the BTF hooks carry the trace",
  ignore: !ROOT || !UNSHARE || !BTF,
  fn: async () => {
    const wrap = [
      "/usr/bin/unshare",
      "--mount",
      "--propagation",
      "private",
      "/bin/sh",
      "-c",
      'umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug 2>/dev/null; exec "$@"',
      "sh",
    ];
    const r = await runCli(["bpf-selftest", "--json"], wrap);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const p = JSON.parse(r.stdout);
    assert.equal(p.tracefsPath, null);
    const tp = p.hooks.find((h: { program: string }) => h.program === "exec_tp");
    assert.equal(tp.load, "ok");
    assert.match(tp.attach, /No such file or directory/);
    assert.equal(p.tracer.exec, "tp_btf/sched_process_exec");
  },
});

Deno.test({
  name: "bpf-selftest: with tracefs mounted (private namespace) the classic tracepoints attach too",
  ignore: !ROOT || !UNSHARE || !BTF,
  fn: async () => {
    const wrap = [
      "/usr/bin/unshare",
      "--mount",
      "--propagation",
      "private",
      "/bin/sh",
      "-c",
      'mount -t tracefs nodev /sys/kernel/tracing && exec "$@"',
      "sh",
    ];
    const r = await runCli(["bpf-selftest", "--json"], wrap);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const p = JSON.parse(r.stdout);
    assert.equal(p.tracefsPath, "/sys/kernel/tracing");
    const tp = p.hooks.find((h: { program: string }) => h.program === "exec_tp");
    assert.deepEqual([tp.load, tp.attach], ["ok", "ok"]);
  },
});

/** Pids of processes the self-test planted (found by command line or memfd name, from outside its namespace). */
function plantedPids(): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
      let exe = "";
      try {
        exe = Deno.readLinkSync(`/proc/${e.name}/exe`);
      } catch {
        // kernel thread or gone
      }
      if (cmd.includes("sys-scan-self-test/deleted-sleep") || exe.includes("memfd:sys-scan-self-test")) {
        out.push(Number(e.name));
      }
    } catch {
      // gone
    }
  }
  return out;
}

Deno.test({
  name: "self-test: SIGTERM during the scan stops every planted process and exits 2",
  ignore: !ROOT || !UNSHARE,
  fn: async () => {
    assert.deepEqual(plantedPids(), [], "no planted process before the test");
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--cached-only",
        `${new URL("../../main.ts", import.meta.url).pathname}`,
        "self-test",
        "--full-walk",
        "--no-trace",
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const end = Date.now() + 20_000;
    while (plantedPids().length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.equal(plantedPids().length, 2, "the deleted-file and memfd processes run during the scan");
    child.kill("SIGTERM");
    const out = await child.output();
    assert.equal(out.code, 2);
    assert.match(new TextDecoder().decode(out.stderr), /self-test interrupted; its processes were stopped/);
    assert.deepEqual(plantedPids(), []);
  },
});

Deno.test({
  name: "self-test: in a network namespace without IPv6 the IPv6 lines are n/a and the rest passes (exit 0)",
  ignore: !ROOT || !UNSHARE || !exists("/usr/sbin/ip") || !exists("/usr/sbin/sysctl"),
  fn: async () => {
    const wrap = [
      "/usr/bin/unshare",
      "--net",
      "/bin/sh",
      "-c",
      '/usr/sbin/ip link set lo up && /usr/sbin/sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=1 && exec "$@"',
      "sh",
    ];
    const r = await runCli(["self-test", "--json"], wrap);
    const out = JSON.parse(r.stdout);
    const na = out.verdicts.filter((v: { applicable: boolean }) => !v.applicable);
    assert.equal(na.length, 2, r.stdout);
    for (const v of na) assert.match(v.reason, /not applicable here: IPv6 is turned off/);
    assert.deepEqual(
      out.verdicts.filter((v: { seen: boolean; applicable: boolean }) => v.applicable && !v.seen),
      [],
    );
    assert.equal(r.code, 0, r.stderr);
  },
});

/** unshare wrapper that hides kernel BTF (an empty file bound over /sys/kernel/btf/vmlinux) in a private namespace. */
function withoutBtf(empty: string): string[] {
  return [
    "/usr/bin/unshare",
    "--mount",
    "--propagation",
    "private",
    "/bin/sh",
    "-c",
    `mount --bind ${empty} /sys/kernel/btf/vmlinux && exec "$@"`,
    "sh",
  ];
}

Deno.test({
  name: "self-test and bpf-selftest without kernel BTF: the trace lines say no_btf, exit 1; the rest is seen",
  ignore: !ROOT || !UNSHARE || !BTF,
  fn: async () => {
    const empty = Deno.makeTempFileSync({ prefix: "sys-scan-nobtf-" });
    try {
      const r = await runCli(["self-test", "--json"], withoutBtf(empty));
      assert.equal(r.code, 1, r.stderr);
      const out = JSON.parse(r.stdout);
      const unseen = out.verdicts.filter((v: { seen: boolean }) => !v.seen);
      assert.deepEqual(unseen.map((v: { scanner: string }) => v.scanner), Array(3).fill("ebpf_exec_trace"));
      for (const v of unseen) {
        assert.match(v.reason, /^eBPF unavailable \(no_btf\): .*CONFIG_DEBUG_INFO_BTF=y/);
      }
      const text = await runCli(["self-test", "--no-trace"], withoutBtf(empty));
      assert.equal(text.code, 0, "without the trace everything else still works");

      const b = await runCli(["bpf-selftest"], withoutBtf(empty));
      assert.equal(b.code, 1);
      assert.match(b.stdout, /BTF {9}no/);
      assert.match(b.stdout, /trace CANNOT run here \(no_btf\)/);
    } finally {
      Deno.removeSync(empty);
    }
  },
});
