/**
 * containers: every process of a container is judged on its capabilities (not only its first one), and a
 * process in pid and mount namespaces of its own, whose cgroup names no container, is judged like a container.
 */
import assert from "node:assert/strict";
import { containers } from "../../src/scanners/containers/index.ts";
import type { Finding } from "../../src/core/finding.ts";
import { makeTree, runOne } from "../helpers.ts";
import { type FakeProc, procs } from "./network_procfs_fixture.ts";

const A = "a".repeat(64);
const FULL = "000001ffffffffff";
const DEFAULT_DOCKER = "00000000a80425fb";
const WITH_SYS_ADMIN = "00000000a82425fb";
const loud = (fs: Finding[]) =>
  fs.filter((f) => f.severity !== "info").map((f) => `${f.severity} ${f.id}`).sort();

const HOST_NS = {
  pid: "pid:[1]",
  mnt: "mnt:[2]",
  net: "net:[3]",
  ipc: "ipc:[4]",
  uts: "uts:[5]",
  user: "user:[6]",
};
const own = (n: number, extra: Record<string, string> = {}) => ({
  ...HOST_NS,
  pid: `pid:[1${n}]`,
  mnt: `mnt:[2${n}]`,
  net: `net:[3${n}]`,
  ipc: `ipc:[4${n}]`,
  uts: `uts:[5${n}]`,
  ...extra,
});
const caps = (bnd: string) => `CapBnd:\t${bnd}\n`;

/** systemd, containerd's shim, and `extra` processes. */
function host(...extra: FakeProc[]) {
  return makeTree({
    "proc/sys/kernel/cap_last_cap": "40\n",
    ...procs(
      {
        pid: 1,
        exe: "/usr/lib/systemd/systemd",
        ns: HOST_NS,
        cgroup: "0::/init.scope\n",
        statusExtra: caps(FULL),
      },
      {
        pid: 50,
        exe: "/usr/bin/containerd-shim-runc-v2",
        ns: HOST_NS,
        cgroup: "0::/system.slice/containerd.service\n",
        statusExtra: caps(FULL),
      },
      ...extra,
    ),
  });
}

const nginx: FakeProc = {
  pid: 100,
  ppid: 50,
  exe: "/usr/sbin/nginx",
  ns: own(1),
  cgroup: `0::/system.slice/docker-${A}.scope\n`,
  statusExtra: caps(DEFAULT_DOCKER),
};

Deno.test("containers: a `docker exec --privileged` process makes the container privileged, named by pid", async () => {
  // Same cgroup and namespaces as the container's nginx, parent the shim, the whole bounding set.
  using t = host(nginx, { ...nginx, pid: 200, exe: "/bin/sh", statusExtra: caps(FULL) });
  const r = await runOne(containers, t.path, { containers: true });
  assert.deepEqual(loud(r.findings), ["high container.privileged:docker:aaaaaaaaaaaa"]);
  const f = r.findings.find((x) => x.check_id === "container.privileged")!;
  assert.equal(f.location?.pid, 200);
  assert.deepEqual(f.metadata.privileged_pids, ["200"]);
  assert.equal(f.metadata.init_pid, 100);
  assert.match(f.description, /pid 200 \(\/bin\/sh\), not its first process pid 100/);
});

Deno.test("containers: an exec'd process with CAP_SYS_ADMIN only is a dangerous capability of the container", async () => {
  using t = host(nginx, { ...nginx, pid: 200, exe: "/bin/sh", statusExtra: caps(WITH_SYS_ADMIN) });
  const r = await runOne(containers, t.path, { containers: true });
  assert.deepEqual(loud(r.findings), ["medium container.dangerous_caps:docker:aaaaaaaaaaaa"]);
  const f = r.findings.find((x) => x.check_id === "container.dangerous_caps")!;
  assert.deepEqual([f.metadata.capabilities, f.metadata.pids, f.location?.pid], [
    ["CAP_SYS_ADMIN"],
    ["200"],
    200,
  ]);
});

Deno.test("containers: exec'd processes with the container's own capability set change nothing", async () => {
  using t = host(nginx, { ...nginx, pid: 101, ppid: 100 }, { ...nginx, pid: 200, exe: "/bin/sh" });
  const r = await runOne(containers, t.path, { containers: true });
  assert.deepEqual(loud(r.findings), []);
  assert.deepEqual(r.warnings, []);
  assert.ok(r.passed.includes("container.privileged") && r.passed.includes("container.dangerous_caps"));
});

Deno.test("containers: a privileged process in its own namespaces under a service's cgroup is a hidden container", async () => {
  using t = host({
    pid: 300,
    ppid: 1,
    exe: "/usr/sbin/nginx",
    ns: own(3),
    cgroup: "0::/system.slice/cron.service\n",
    statusExtra: caps(FULL),
  }, { pid: 301, ppid: 300, exe: "/bin/sh", ns: own(3), cgroup: "0::/system.slice/cron.service\n" });
  const r = await runOne(containers, t.path, { containers: true });
  assert.deepEqual(loud(r.findings), ["high container.unlisted_namespaces:pidns:13"]);
  const f = r.findings[0];
  assert.equal(f.location?.pid, 300);
  assert.deepEqual(f.metadata.own_namespaces, ["pid", "mnt", "net", "ipc", "uts"]);
  assert.deepEqual(f.metadata.pids, ["300", "301"]);
  assert.match(
    f.description,
    /pid 300 \(\/usr\/sbin\/nginx\) runs in its own pid, mnt, net, ipc, uts namespaces/,
  );
  assert.match(f.description, /cron\.service/);
});

Deno.test("containers: a container's process moved into another cgroup is still reported, with its container", async () => {
  using t = host(nginx, {
    ...nginx,
    pid: 200,
    exe: "/bin/sh",
    cgroup: "0::/system.slice/cron.service\n",
    statusExtra: caps(FULL),
  });
  const r = await runOne(containers, t.path, { containers: true });
  assert.deepEqual(loud(r.findings), ["high container.unlisted_namespaces:pidns:11"]);
  assert.equal(r.findings.find((f) => f.severity === "high")!.metadata.container_id, A);
});

Deno.test("containers: sandboxed services, browser sandboxes and capability-less sandboxes are no hidden container", async () => {
  using t = host(
    // PrivateNetwork=, PrivateTmp=, ProtectSystem=: own mount and network namespaces, the host's pid namespace.
    {
      pid: 400,
      exe: "/usr/sbin/named",
      ns: { ...HOST_NS, mnt: "mnt:[90]", net: "net:[91]" },
      cgroup: "0::/system.slice/named.service\n",
      statusExtra: caps(FULL),
    },
    // Chromium's zygote / bubblewrap: a user namespace of their own comes with the pid namespace; the bounding
    // set is counted in that user namespace, not the host's.
    {
      pid: 500,
      uid: 1000,
      exe: "/usr/lib/chromium/chromium",
      ns: own(5, { user: "user:[96]" }),
      cgroup: "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-chromium.scope\n",
      statusExtra: caps(FULL),
    },
    // firejail: pid and mount namespaces in the host's user namespace, escape-prone capabilities dropped.
    {
      pid: 600,
      uid: 1000,
      exe: "/usr/bin/firefox",
      ns: own(6),
      cgroup: "0::/user.slice/user-1000.slice/session-2.scope\n",
      statusExtra: caps(DEFAULT_DOCKER),
    },
  );
  const r = await runOne(containers, t.path, { containers: true });
  assert.deepEqual(loud(r.findings), []);
  assert.deepEqual(r.warnings, []);
  assert.ok(r.passed.includes("container.unlisted_namespaces"));
});
