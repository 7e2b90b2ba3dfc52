import assert from "node:assert/strict";
import { containerFromCgroup } from "../../src/scanners/containers/cgroup.ts";
import { containers } from "../../src/scanners/containers/index.ts";
import { groupMembers } from "../../src/scanners/containers/groups.ts";
import { detectSelfContainer } from "../../src/scanners/containers/self.ts";
import { Host } from "../../src/host/host.ts";
import type { Finding } from "../../src/core/finding.ts";
import { makeTree, runOne } from "../helpers.ts";
import { procs } from "./network_procfs_fixture.ts";

const A = "a".repeat(64);
const B = "0123456789ab".repeat(5) + "cdef";
const C = "c".repeat(64);
const D = "d".repeat(64);
const summary = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.id}`).sort();

Deno.test("cgroup: systemd scopes, cgroupfs paths, kubepods, lxc and nspawn", () => {
  const cases: [string, unknown][] = [
    [`0::/system.slice/docker-${A}.scope\n`, { id: A, runtime: "docker" }],
    [`12:pids:/docker/${A}\n11:cpu:/docker/${A}\n`, { id: A, runtime: "docker" }],
    [
      `0::/system.slice/containerd.service/kubepods-besteffort-pod1b2c3d4e_0000_1111_2222_333344445555.slice:cri-containerd:${A}\n`,
      undefined,
    ],
    [
      `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1b2c3d4e_0000_1111_2222_333344445555.slice/cri-containerd-${A}.scope\n`,
      { id: A, runtime: "containerd", podUid: "1b2c3d4e-0000-1111-2222-333344445555" },
    ],
    [`0::/kubepods/burstable/pod1b2c3d4e-0000-1111-2222-333344445555/${A}\n`, {
      id: A,
      runtime: "kubernetes",
      podUid: "1b2c3d4e-0000-1111-2222-333344445555",
    }],
    [`0::/machine.slice/crio-${A}.scope\n`, { id: A, runtime: "cri-o" }],
    [`0::/machine.slice/libpod-${A}.scope/container\n`, { id: A, runtime: "podman" }],
    [`0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${A}.scope\n`, {
      id: A,
      runtime: "podman",
    }],
    [`0::/machine.slice/libpod-conmon-${A}.scope\n`, undefined],
    [`0::/lxc.payload.web1/init.scope\n`, { id: "web1", runtime: "lxc" }],
    [`0::/lxc.monitor.web1\n`, undefined],
    [`4:memory:/lxc/web2\n`, { id: "web2", runtime: "lxc" }],
    [`0::/machine.slice/machine-build\\x2dbox.scope/payload\n`, { id: "build-box", runtime: "nspawn" }],
    [`0::/machine.slice/machine-qemu\\x2d1\\x2dvm.scope\n`, undefined],
    [`0::/system.slice/sshd.service\n`, undefined],
    [`0::/user.slice/user-0.slice/session-3.scope\n`, undefined],
    ["", undefined],
    ["garbage without colons", undefined],
    [`0::/docker/${A.slice(0, 40)}\n`, undefined],
  ];
  for (const [text, want] of cases) assert.deepEqual(containerFromCgroup(text), want, text);
});

Deno.test("self: strong evidence decides, a lone /.dockerenv only makes it possible", () => {
  {
    using t = makeTree({
      ".dockerenv": "",
      "proc/1/stat": "1 (process_api) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n",
    });
    const r = detectSelfContainer(new Host(t.path));
    assert.equal(r.verdict, "possible");
    assert.deepEqual(r.weak, ["pid 1 is process_api, not a system init", "/.dockerenv exists"]);
  }
  {
    using t = makeTree({
      ".dockerenv": "",
      "proc/1/cgroup": `0::/system.slice/docker-${A}.scope\n`,
      "proc/1/environ": "PATH=/bin\0container=docker\0",
      "proc/1/exe": { symlink: "/usr/bin/tini" },
      "proc/1/mountinfo":
        "1 0 0:1 / / rw - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/X,upperdir=/u\n" +
        "2 1 8:1 /var/lib/docker/containers/x/hostname /etc/hostname rw - ext4 /dev/sda1 rw\n",
    });
    const r = detectSelfContainer(new Host(t.path));
    assert.equal(r.verdict, "container");
    assert.deepEqual(r.strong, [
      "pid 1 runs with container=docker",
      "pid 1's cgroup names a docker container",
      "runtime-managed bind mounts: /etc/hostname",
      "the root filesystem is an overlay from a container image store",
      "pid 1 is tini, a container init",
    ]);
  }
  {
    using t = makeTree({
      "proc/1/exe": { symlink: "/usr/lib/systemd/systemd" },
      "proc/1/cgroup": "0::/init.scope\n",
    });
    assert.deepEqual(detectSelfContainer(new Host(t.path)), { verdict: "host", strong: [], weak: [] });
  }
});

const FULL = "000001ffffffffff";
const DEFAULT_DOCKER = "00000000a80425fb";
const WITH_SYS_ADMIN = "00000000a82425fb";

function hostTree(extra: Record<string, string | { symlink: string }> = {}) {
  const hostNs = { pid: "pid:[1]", net: "net:[2]", ipc: "ipc:[3]", uts: "uts:[4]" };
  const own = (n: number) => ({
    pid: `pid:[1${n}]`,
    net: `net:[2${n}]`,
    ipc: `ipc:[3${n}]`,
    uts: `uts:[4${n}]`,
  });
  return makeTree({
    "proc/sys/kernel/cap_last_cap": "40\n",
    ...procs(
      {
        pid: 1,
        exe: "/usr/lib/systemd/systemd",
        ns: hostNs,
        cgroup: "0::/init.scope\n",
        statusExtra: `CapBnd:\t${FULL}\n`,
      },
      { pid: 10, exe: "/usr/bin/dockerd", ns: hostNs, cgroup: "0::/system.slice/docker.service\n" },
      {
        pid: 100,
        ppid: 90,
        exe: "/usr/sbin/nginx",
        ns: own(1),
        cgroup: `0::/system.slice/docker-${A}.scope\n`,
        statusExtra: `CapBnd:\t${DEFAULT_DOCKER}\n`,
        files: { mountinfo: "1 0 0:1 / / rw - overlay overlay rw\n" },
      },
      {
        pid: 101,
        ppid: 100,
        exe: "/usr/sbin/nginx",
        ns: own(1),
        cgroup: `0::/system.slice/docker-${A}.scope\n`,
        statusExtra: `CapBnd:\t${DEFAULT_DOCKER}\n`,
      },
      {
        pid: 200,
        ppid: 90,
        exe: "/usr/bin/agent",
        ns: { ...own(2), pid: "pid:[1]", net: "net:[2]" },
        cgroup: `0::/system.slice/docker-${B}.scope\n`,
        statusExtra: `CapBnd:\t${FULL}\n`,
        files: {
          mountinfo:
            "1 0 0:1 / / rw - overlay overlay rw\n2 1 0:2 /docker.sock /var/run/docker.sock rw - tmpfs tmpfs rw\n",
        },
      },
      {
        pid: 300,
        ppid: 90,
        exe: "/bin/sh",
        ns: own(3),
        cgroup:
          `0::/kubepods.slice/kubepods-pod1b2c3d4e_0000_1111_2222_333344445555.slice/cri-containerd-${C}.scope\n`,
        statusExtra: `CapBnd:\t${WITH_SYS_ADMIN}\n`,
      },
      {
        pid: 400,
        ppid: 90,
        exe: "/bin/sleep",
        ns: { ...own(4), net: "net:[2]" },
        cgroup: `0::/kubepods/besteffort/pod1b2c3d4e-0000-1111-2222-333344445556/${D}\n`,
        statusExtra: `CapBnd:\t${DEFAULT_DOCKER}\n`,
      },
    ),
    ...extra,
  });
}

Deno.test("containers: inventory, privileged, capabilities, host namespaces and mounted runtime socket", async () => {
  using t = hostTree();
  const r = await runOne(containers, t.path, { containers: true });
  assert.equal(r.status, "ok");
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(summary(r.findings), [
    "high container.host_namespace:docker:0123456789ab",
    "high container.privileged:docker:0123456789ab",
    "high container.runtime_socket.mounted:docker:0123456789ab",
    "info container.inventory.running:containerd:cccccccccccc",
    "info container.inventory.running:docker:0123456789ab",
    "info container.inventory.running:docker:aaaaaaaaaaaa",
    "info container.inventory.running:kubernetes:dddddddddddd",
    "medium container.dangerous_caps:containerd:cccccccccccc",
    "medium container.host_namespace:kubernetes:dddddddddddd",
  ]);
  const web = r.findings.find((f) => f.id === "container.inventory.running:docker:aaaaaaaaaaaa")!;
  assert.deepEqual(web.metadata.pids, ["100", "101"]);
  assert.equal(web.metadata.init_pid, 100);
  assert.equal(web.metadata.container_id, A);
  const ns = r.findings.find((f) => f.id === "container.host_namespace:docker:0123456789ab")!;
  assert.deepEqual(ns.metadata.shared_namespaces, ["pid", "net"]);
  const caps = r.findings.find((f) => f.check_id === "container.dangerous_caps")!;
  assert.deepEqual(caps.metadata.capabilities, ["CAP_SYS_ADMIN"]);
  assert.equal(caps.metadata.pod_uid, "1b2c3d4e-0000-1111-2222-333344445555");
  assert.ok(
    r.passed.includes("container.privileged") && r.passed.includes("container.runtime_socket.mounted"),
  );
});

Deno.test("containers: a host without containers reports nothing; unreadable pid 1 namespaces are a warning", async () => {
  using quiet = makeTree(procs({ pid: 1, exe: "/usr/lib/systemd/systemd", cgroup: "0::/init.scope\n" }));
  const q = await runOne(containers, quiet.path, { containers: true });
  assert.deepEqual([q.status, q.findings, q.warnings], ["ok", [], []]);

  using noNs = makeTree(procs(
    { pid: 1, exe: "/usr/lib/systemd/systemd" },
    { pid: 5, exe: "/bin/sh", cgroup: `0::/docker/${A}\n`, statusExtra: `CapBnd:\t${DEFAULT_DOCKER}\n` },
  ));
  const n = await runOne(containers, noNs.path, { containers: true });
  assert.deepEqual(summary(n.findings), ["info container.inventory.running:docker:aaaaaaaaaaaa"]);
  assert.deepEqual(n.warnings.map((w) => w.code), ["proc_unreadable_ns"]);
});

Deno.test("containers: world-writable runtime sockets (root: critical, rootless: high); members of the socket group (low)", async () => {
  using t = makeTree({
    "run/user/1000/podman/.keep": "",
    "run/containerd/.keep": "",
    "etc/group": "root:x:0:\ndocker:x:999:alice,bob,root\n",
    "etc/passwd": "root:x:0:0::/root:/bin/sh\ncarol:x:1002:999::/home/carol:/bin/sh\n",
  });
  const listeners = [
    Deno.listen({ transport: "unix", path: `${t.path}/run/docker.sock` }),
    Deno.listen({ transport: "unix", path: `${t.path}/run/containerd/containerd.sock` }),
    Deno.listen({ transport: "unix", path: `${t.path}/run/user/1000/podman/podman.sock` }),
  ];
  try {
    Deno.chmodSync(`${t.path}/run/docker.sock`, 0o666);
    Deno.chmodSync(`${t.path}/run/containerd/containerd.sock`, 0o660);
    Deno.chownSync(`${t.path}/run/containerd/containerd.sock`, 0, 999);
    Deno.chmodSync(`${t.path}/run/user/1000/podman/podman.sock`, 0o777);
    Deno.mkdirSync(`${t.path}/var`);
    Deno.symlinkSync("../run", `${t.path}/var/run`);
    const r = await runOne(containers, t.path, { containers: true });
    assert.deepEqual(summary(r.findings), [
      "critical container.runtime_socket.world_writable:/run/docker.sock",
      "high container.runtime_socket.world_writable:/run/user/1000/podman/podman.sock",
      "low container.runtime_socket.group_members:/run/containerd/containerd.sock",
    ]);
    const members = r.findings.find((f) => f.check_id === "container.runtime_socket.group_members")!;
    assert.deepEqual(members.metadata.members, ["alice", "bob", "carol"]);
    assert.equal(members.metadata.group, "docker");
    assert.equal(r.findings.find((f) => f.severity === "critical")!.metadata.mode, "0666");
    assert.deepEqual(r.passed, ["container.runtime_socket.world_writable"]);
  } finally {
    for (const l of listeners) l.close();
  }
});

Deno.test("groups: members from /etc/group and primary groups; bad lines and unknown gids", () => {
  const group = "garbage\nstaff:x:50:\ndocker:x:999:bob, alice,bob\n";
  const passwd = "alice:x:1000:999::/h:/bin/sh\nbad\ncarol:x:1001:999::/h:/bin/sh\n";
  assert.deepEqual(groupMembers(group, passwd, 999), {
    name: "docker",
    gid: 999,
    members: ["alice", "bob", "carol"],
  });
  assert.deepEqual(groupMembers(group, "", 50), { name: "staff", gid: 50, members: [] });
  assert.equal(groupMembers(group, passwd, 7), undefined);
  assert.equal(groupMembers("", "", 0), undefined);
});

Deno.test("containers: off by default, on with --containers; the live host runs cleanly", async () => {
  assert.equal(containers.enabledByDefault({ containers: false } as never), false);
  assert.equal(containers.enabledByDefault({ containers: true } as never), true);
  const r = await runOne(containers, "/", { containers: true });
  assert.equal(r.status, "ok");
  // What it says about this process's own container is what the host shows.
  const self = r.findings.find((f) => f.check_id === "container.self.inside");
  const evidence = [
    ...(self?.metadata.strong_evidence as string[] ?? []),
    ...(self?.metadata.weak_evidence as string[] ?? []),
  ];
  const dockerenv = (() => {
    try {
      Deno.lstatSync("/.dockerenv");
      return true;
    } catch {
      return false;
    }
  })();
  assert.equal(evidence.includes("/.dockerenv exists"), dockerenv, JSON.stringify(evidence));
  const init = Deno.readTextFileSync("/proc/1/comm").trim();
  for (const e of evidence) {
    const m = /^pid 1 is (\S+), not a system init$/.exec(e);
    if (m) assert.equal(m[1], init);
  }
  assert.equal(self === undefined, evidence.length === 0);
});
