/**
 * End to end, for real on this host: `sys-scan self-test` as root (every check seen, nothing left behind),
 * its refusals (not isolated, not root), and `bpf-selftest` as root, as nobody, without and with tracefs.
 */
import assert from "node:assert/strict";
import { PARENT_NS_ENV } from "../../src/selftest/namespace.ts";
import { WORK_DIR } from "../../src/selftest/evidence.ts";
import { exists, runCli } from "./run_cli.ts";
import { needs } from "../host_caps.ts";
import { NobodyCopy, parentPids, repoPath, WITH_TRACEFS, WITHOUT_TRACEFS, withoutBtf } from "../helpers.ts";

Deno.test(needs(["root", "unshare", "btf"], {
  name: "self-test: as root every planted piece is seen, exit 0, and nothing remains on the host",
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
}));

Deno.test(needs(["root", "unshare"], {
  name: "self-test: the text screen has one line per check and a summary",
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
}));

Deno.test(needs(["root"], {
  name: "self-test: the inner run refuses to mount anything outside a fresh private mount namespace",
  fn: async () => {
    const own = Deno.readLinkSync("/proc/self/ns/mnt");
    const r = await runCli(["self-test", "--no-trace"], { env: { [PARENT_NS_ENV]: own } });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /still in the parent's mount namespace \(mnt:\[\d+\]\); refusing to mount anything/,
    );
    assert.equal(r.stdout, "");
    assert.equal(exists(WORK_DIR), false);
  },
}));

Deno.test(needs(["root", "setpriv"], {
  name: "self-test: as nobody it says it needs root (exit 2) and plants nothing",
  fn: async () => {
    using nobody = new NobodyCopy({ npm: true });
    const r = await runCli(["self-test"], { nobody });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /self-test needs root .* this process runs as uid 65534/);
  },
}));

Deno.test(needs(["root", "btf"], {
  name: "bpf-selftest: as root the BTF hooks attach, the trace can run, exit 0",
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
}));

Deno.test(needs(["root", "setpriv"], {
  name: "bpf-selftest: as nobody nothing is loaded, the sections are still listed, exit 1 with the reason",
  fn: async () => {
    using nobody = new NobodyCopy({ npm: true });
    const r = await runCli(["bpf-selftest"], { nobody });
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
}));

Deno.test(needs(["root", "unshare", "btf"], {
  name:
    "bpf-selftest: without tracefs the classic tracepoints fail with their reason and the BTF hooks carry the trace",
  fn: async () => {
    const r = await runCli(["bpf-selftest", "--json"], { wrap: WITHOUT_TRACEFS });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const p = JSON.parse(r.stdout);
    assert.equal(p.tracefsPath, null);
    const tp = p.hooks.find((h: { program: string }) => h.program === "exec_tp");
    assert.equal(tp.load, "ok");
    assert.match(tp.attach, /No such file or directory/);
    assert.equal(p.tracer.exec, "tp_btf/sched_process_exec");
  },
}));

Deno.test(needs(["root", "unshare", "btf"], {
  name: "bpf-selftest: with tracefs mounted (private namespace) the classic tracepoints attach too",
  fn: async () => {
    const r = await runCli(["bpf-selftest", "--json"], { wrap: WITH_TRACEFS });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const p = JSON.parse(r.stdout);
    assert.equal(p.tracefsPath, "/sys/kernel/tracing");
    const tp = p.hooks.find((h: { program: string }) => h.program === "exec_tp");
    assert.deepEqual([tp.load, tp.attach], ["ok", "ok"]);
  },
}));

/** True when process `pid` is one the self-test plants (by command line or memfd name). */
function isPlanted(pid: number): boolean {
  try {
    const cmd = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
    let exe = "";
    try {
      exe = Deno.readLinkSync(`/proc/${pid}/exe`);
    } catch {
      // kernel thread or gone
    }
    return cmd.includes("sys-scan-self-test/deleted-sleep") || exe.includes("memfd:sys-scan-self-test");
  } catch {
    return false;
  }
}

/**
 * Pids of the processes planted by the self-test started as process `root` (its descendants only, so other
 * self-tests running on this machine at the same time do not count).
 */
function plantedBy(root: number): number[] {
  const ppid = parentPids();
  const under = (pid: number) => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = ppid.get(p) ?? 0, hops++) if (p === root) return true;
    return false;
  };
  return [...ppid.keys()].filter((pid) => pid !== root && under(pid) && isPlanted(pid));
}

Deno.test(needs(["root", "unshare"], {
  name: "self-test: SIGTERM during the scan stops every planted process and exits 2",
  fn: async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--cached-only", repoPath("main.ts"), "self-test", "--full-walk", "--no-trace"],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const end = Date.now() + 30_000;
    let planted: number[] = [];
    while ((planted = plantedBy(child.pid)).length < 2 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(planted.length, 2, "the deleted-file and memfd processes run during the scan");
    child.kill("SIGTERM");
    const out = await child.output();
    assert.equal(out.code, 2);
    assert.match(new TextDecoder().decode(out.stderr), /self-test interrupted; its processes were stopped/);
    assert.deepEqual(planted.filter(isPlanted), [], "its planted processes are gone");
  },
}));

Deno.test(needs(["root", "unshare", "netns"], {
  name: "self-test: in a network namespace without IPv6 the IPv6 lines are n/a and the rest passes (exit 0)",
  fn: async () => {
    const wrap = [
      "/usr/bin/unshare",
      "--net",
      "/bin/sh",
      "-c",
      '/usr/sbin/ip link set lo up && /usr/sbin/sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=1 && exec "$@"',
      "sh",
    ];
    const r = await runCli(["self-test", "--json"], { wrap });
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
}));

Deno.test(needs(["root", "unshare", "btf"], {
  name: "self-test and bpf-selftest without kernel BTF: the trace lines say no_btf, exit 1; the rest is seen",
  fn: async () => {
    const empty = Deno.makeTempFileSync({ prefix: "sys-scan-nobtf-" });
    try {
      const r = await runCli(["self-test", "--json"], { wrap: withoutBtf(empty) });
      assert.equal(r.code, 1, r.stderr);
      const out = JSON.parse(r.stdout);
      const unseen = out.verdicts.filter((v: { seen: boolean }) => !v.seen);
      assert.deepEqual(unseen.map((v: { scanner: string }) => v.scanner), Array(3).fill("ebpf_exec_trace"));
      for (const v of unseen) {
        assert.match(v.reason, /^eBPF unavailable \(no_btf\): .*CONFIG_DEBUG_INFO_BTF=y/);
      }
      const text = await runCli(["self-test", "--no-trace"], { wrap: withoutBtf(empty) });
      assert.equal(text.code, 0, "without the trace everything else still works");

      const b = await runCli(["bpf-selftest"], { wrap: withoutBtf(empty) });
      assert.equal(b.code, 1);
      assert.match(b.stdout, /BTF {9}no/);
      assert.match(b.stdout, /trace CANNOT run here \(no_btf\)/);
    } finally {
      Deno.removeSync(empty);
    }
  },
}));
