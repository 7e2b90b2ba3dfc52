/**
 * Files that change what the scan does are trusted only when root (or the user running sys-scan) owns them and
 * the directories above them, and nobody else can write them or re-point a symlink on their path. A refusal is
 * exit 2 with one line that says why and how to fix it.
 */
import assert from "node:assert/strict";
import { scanCommand } from "../../src/cli/scan.ts";
import { ExitCode } from "../../src/core/result.ts";
import { makeTree, sh } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const NOBODY = "65534";

async function scan(args: string[], env: Record<string, string> = {}) {
  using out = makeTree({});
  using root = makeTree({ "etc/hostname": "t\n" });
  return await scanCommand(
    ["--root", root.path, "--enable", "kernel_params", "--output", `${out.path}/r.json`, ...args],
    { stderr: () => {}, env: (k) => env[k] },
  );
}

function refused(r: Awaited<ReturnType<typeof scan>>, pattern: RegExp): void {
  assert.ok(!r.ok, "refused");
  assert.equal(r.error.exit, ExitCode.Usage);
  assert.match(r.error.message, pattern);
  assert.ok(!r.error.message.includes("\n"), "one line");
}

const FILES = [
  ["--config", "{}\n"],
  ["--ioc-allow-file", "sshd\n"],
  ["--suid-expected-file", "/usr/bin/sudo\n"],
  ["--risk-weights", "{}\n"],
] as const;

Deno.test(needs(["root"], {
  name: "inputs: files owned by another user, or writable by group or others, are refused with exit 2",
  fn: async () => {
    for (const [flag, content] of FILES) {
      using t = makeTree({ "f": content });
      Deno.chmodSync(t.path, 0o755);
      const file = `${t.path}/f`;
      const trusted = await scan([flag, file]);
      assert.ok(
        trusted.ok,
        `${flag}: a root-owned file is accepted: ${trusted.ok ? "" : trusted.error.message}`,
      );
      sh("/usr/bin/chown", NOBODY, file);
      refused(
        await scan([flag, file]),
        new RegExp(`^${flag} .*: refused: it is owned by uid 65534.*chown root`),
      );
      sh("/usr/bin/chown", "0", file);
      Deno.chmodSync(file, 0o664);
      refused(await scan([flag, file]), /refused: it is writable by group \(mode 0664\)/);
      Deno.chmodSync(file, 0o644);
      Deno.chmodSync(t.path, 0o777);
      refused(await scan([flag, file]), /a directory above it\) is writable by group and others/);
    }
  },
}));

Deno.test(needs(["root"], {
  name:
    "inputs: a symlink someone else owns, or in a directory they can write, cannot point the scan elsewhere",
  fn: async () => {
    using t = makeTree({ "etc/trusted.conf": "{}\n", "user/.keep": "" });
    Deno.chmodSync(t.path, 0o755);
    Deno.chmodSync(`${t.path}/etc`, 0o755);
    Deno.symlinkSync(`${t.path}/etc/trusted.conf`, `${t.path}/user/link.conf`);
    sh("/usr/bin/chown", "-h", NOBODY, `${t.path}/user/link.conf`);
    refused(await scan(["--config", `${t.path}/user/link.conf`]), /is a symlink owned by uid 65534/);
    sh("/usr/bin/chown", "-h", "0", `${t.path}/user/link.conf`);
    Deno.chmodSync(`${t.path}/user`, 0o777);
    refused(
      await scan(["--config", `${t.path}/user/link.conf`]),
      /user \(a directory above it\) is writable/,
    );
    Deno.chmodSync(`${t.path}/user`, 0o755);
    assert.ok(
      (await scan(["--config", `${t.path}/user/link.conf`])).ok,
      "a root-owned link in a root-owned dir",
    );
  },
}));

Deno.test("inputs: a FIFO as --config is refused at once, never waited on", async () => {
  using t = makeTree({});
  Deno.chmodSync(t.path, 0o755);
  sh("/usr/bin/mkfifo", `${t.path}/fifo`);
  refused(await scan(["--config", `${t.path}/fifo`]), /--config .*fifo: not a regular file/);
});

Deno.test("inputs: a config file may not accept insecure rules or name a plugin directory", async () => {
  for (const [key, value] of [["rules-insecure-ok", "true"], ["plugin-dir", '"/opt/plugins"']]) {
    using t = makeTree({ "c.jsonc": `{\n  "pretty": true,\n  "${key}": ${value}\n}\n` });
    Deno.chmodSync(t.path, 0o755);
    refused(
      await scan(["--config", `${t.path}/c.jsonc`]),
      new RegExp(`c\\.jsonc:3: "${key}" cannot be set in a config file .* give --${key} on the command line`),
    );
  }
});

Deno.test(needs(["root"], {
  name: "inputs: SYS_SCAN_LIBBPF must name a library only root can replace",
  fn: async () => {
    using t = makeTree({ "libbpf.so.1": "not really a library" });
    Deno.chmodSync(t.path, 0o755);
    sh("/usr/bin/chown", NOBODY, `${t.path}/libbpf.so.1`);
    refused(
      await scan([], { SYS_SCAN_LIBBPF: `${t.path}/libbpf.so.1` }),
      /^SYS_SCAN_LIBBPF=.*refused \(it is loaded into sys-scan as root\)/,
    );
  },
}));
