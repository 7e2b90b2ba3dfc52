import assert from "node:assert/strict";
import { run } from "../../src/cli/run.ts";
import { scanCommand } from "../../src/cli/scan.ts";
import { fixtureRoot, makeTree, repoPath, webSha256Hex } from "../helpers.ts";
import { parseSignature } from "../../src/security/sign.ts";
import { checkPreload, foreignLibraries, preloadWarnings } from "../../src/security/preload.ts";
import { bpfObjectSha256 } from "../../src/cli/provenance.ts";
import { needs } from "../host_caps.ts";

const quiet = { stderr: () => {} };

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = Deno.makeTempDirSync();
  try {
    await fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("keygen → scan --sign → verify: valid, then tampered, wrong key, missing files, bad key each fail with a reason", async () => {
  await withDir(async (dir) => {
    assert.equal(await run(["keygen", "--out", `${dir}/k`]), 0);
    assert.equal(Deno.statSync(`${dir}/k.key`).mode! & 0o777, 0o600);
    assert.match(Deno.readTextFileSync(`${dir}/k.pub`), /^-----BEGIN PUBLIC KEY-----/);
    assert.notEqual(await run(["keygen", "--out", `${dir}/k`]), 0, "keygen refuses to overwrite");
    assert.equal(await run(["keygen", "--out", `${dir}/other`]), 0);
    const out = `${dir}/r.json`;
    const r = await scanCommand(
      [
        "--root",
        fixtureRoot("basic"),
        "--enable",
        "kernel_params",
        "--sign",
        `${dir}/k.key`,
        "--output",
        out,
      ],
      quiet,
    );
    assert.ok(r.ok);
    const report = JSON.parse(Deno.readTextFileSync(out));
    const sig = parseSignature(Deno.readTextFileSync(`${out}.sig`));
    assert.ok(sig.ok);
    if (sig.ok) {
      assert.equal(report.meta.security.signature.key_fingerprint, sig.value.fingerprint);
      assert.equal(sig.value.reportSha256, await webSha256Hex(Deno.readFileSync(out)));
    }
    assert.equal(await run(["verify", out, "--pub", `${dir}/k.pub`]), 0);
    assert.equal(await run(["verify", out, "--sig", `${out}.sig`, "--pub", `${dir}/k.pub`]), 0);
    assert.equal(await run(["verify", out, "--pub", `${dir}/other.pub`]), 1, "other key");
    assert.equal(await run(["verify", out, "--pub", `${dir}/missing.pub`]), 2, "missing key");
    assert.equal(await run(["verify", out, "--pub", `${dir}/k.key`]), 2, "a private key is not a public key");
    assert.equal(await run(["verify", `${dir}/nope.json`, "--pub", `${dir}/k.pub`]), 2, "missing report");
    assert.equal(
      await run(["verify", out, "--sig", `${dir}/k.pub`, "--pub", `${dir}/k.pub`]),
      2,
      "not a signature file",
    );
    assert.equal(await run(["verify", out]), 2, "no --pub");
    const bytes = Deno.readFileSync(out);
    bytes[10] ^= 1;
    Deno.writeFileSync(out, bytes);
    assert.equal(await run(["verify", out, "--pub", `${dir}/k.pub`]), 1, "tampered");
    const sigText = Deno.readTextFileSync(`${out}.sig`).replace(
      /signature: (.)/,
      (_, c) => `signature: ${c === "A" ? "B" : "A"}`,
    );
    bytes[10] ^= 1;
    Deno.writeFileSync(out, bytes);
    Deno.writeTextFileSync(`${out}.sig`, sigText);
    assert.equal(await run(["verify", out, "--pub", `${dir}/k.pub`]), 1, "forged signature");
  });
});

Deno.test("--sign signs the exact streamed NDJSON bytes; --sign without --output and a bad key are usage errors", async () => {
  await withDir(async (dir) => {
    await run(["keygen", "--out", `${dir}/k`]);
    const out = `${dir}/r.ndjson`;
    const r = await scanCommand(
      [
        "--root",
        fixtureRoot("basic"),
        "--enable",
        "kernel_params",
        "--ndjson",
        "--sign",
        `${dir}/k.key`,
        "--output",
        out,
      ],
      quiet,
    );
    assert.ok(r.ok);
    assert.equal(await run(["verify", out, "--pub", `${dir}/k.pub`]), 0);
    const noOut = await scanCommand(["--root", fixtureRoot("basic"), "--sign", `${dir}/k.key`], quiet);
    assert.equal(!noOut.ok && noOut.error.exit, 2);
    Deno.writeTextFileSync(
      `${dir}/bad.key`,
      "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    );
    const bad = await scanCommand([
      "--root",
      fixtureRoot("basic"),
      "--sign",
      `${dir}/bad.key`,
      "--output",
      `${dir}/x.json`,
    ], quiet);
    assert.equal(!bad.ok && bad.error.exit, 2);
    assert.throws(() => Deno.statSync(`${dir}/x.json`), "nothing written when the key is bad");
    Deno.chmodSync(`${dir}/k.key`, 0o644);
    const lines: string[] = [];
    const loose = await scanCommand(
      [
        "--root",
        fixtureRoot("basic"),
        "--enable",
        "kernel_params",
        "--sign",
        `${dir}/k.key`,
        "--output",
        `${dir}/y.json`,
      ],
      { stderr: (l) => lines.push(l) },
    );
    assert.ok(loose.ok);
    assert.ok(lines.some((l) => /signing key .* is readable by other users \(mode 644\)/.test(l)));
  });
});

Deno.test("--write-env: real report, executable and BPF object hashes", async () => {
  await withDir(async (dir) => {
    const out = `${dir}/r.json`;
    const r = await scanCommand(
      [
        "--root",
        fixtureRoot("basic"),
        "--enable",
        "kernel_params",
        "--write-env",
        `${dir}/p.env`,
        "--output",
        out,
      ],
      quiet,
    );
    assert.ok(r.ok);
    const env = Object.fromEntries(
      Deno.readTextFileSync(`${dir}/p.env`).split("\n").filter((l) => l.includes("=") && !l.startsWith("#"))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    assert.equal(env.SYS_SCAN_SHA256, await webSha256Hex(Deno.readFileSync(out)));
    assert.equal(env.SYS_SCAN_BINARY_SHA256, await webSha256Hex(Deno.readFileSync(Deno.execPath())));
    assert.equal(env.SYS_SCAN_BPF_OBJECT_SHA256, (await bpfObjectSha256()) ?? "");
    assert.equal(env.SYS_SCAN_OUTPUT_FILE, out);
    assert.match(Deno.readTextFileSync(`${dir}/p.env`), /deno runtime|compiled sys-scan/);
  });
});

Deno.test(needs(["gpg"], {
  name:
    "--sign-gpg with a throwaway GNUPGHOME: gpg --verify accepts the .asc; a bad key id fails with a reason",
  fn: async () => {
    await withDir(async (dir) => {
      const home = `${dir}/gnupg`;
      Deno.mkdirSync(home, { mode: 0o700 });
      const gen = await new Deno.Command("/usr/bin/gpg", {
        args: [
          "--batch",
          "--passphrase",
          "",
          "--quick-gen-key",
          "test@example.invalid",
          "ed25519",
          "sign",
          "never",
        ],
        env: { GNUPGHOME: home },
        stdout: "null",
        stderr: "null",
      }).output();
      assert.equal(gen.code, 0);
      const env = (k: string) => (k === "GNUPGHOME" ? home : Deno.env.get(k));
      const out = `${dir}/r.json`;
      const args = ["--root", fixtureRoot("basic"), "--enable", "kernel_params", "--output", out];
      const r = await scanCommand([...args, "--sign-gpg", "test@example.invalid"], { ...quiet, env });
      assert.ok(r.ok, r.ok ? "" : r.error.message);
      const v = await new Deno.Command("/usr/bin/gpg", {
        args: ["--batch", "--verify", `${out}.asc`, out],
        env: { GNUPGHOME: home },
        stdout: "null",
        stderr: "null",
      }).output();
      assert.equal(v.code, 0);
      const missing = await scanCommand([...args, "--sign-gpg", "0xDEADBEEFDEADBEEF"], { ...quiet, env });
      assert.equal(!missing.ok && missing.error.exit, 5);
      if (!missing.ok) assert.match(missing.error.message, /gpg signing failed/);
      const bad = await scanCommand([...args, "--sign-gpg", "not a key; rm -rf /"], { ...quiet, env });
      assert.equal(!bad.ok && bad.error.exit, 2);
    });
  },
}));

Deno.test("preload self-check: LD_PRELOAD and /etc/ld.so.preload are warned about and recorded in meta", async () => {
  const clean = checkPreload(() => undefined, () => null, () => null);
  assert.deepEqual(clean, { ld_preload_env: null, ld_so_preload: null, foreign_libraries: [] });
  assert.deepEqual(preloadWarnings(clean), []);
  const dirty = checkPreload(
    (k) => (k === "LD_PRELOAD" ? "/tmp/hook.so" : undefined),
    () => "# c\n/lib/a.so /lib/b.so\n",
    () =>
      "7f00-7f01 r-xp 00000000 fd:01 1 /tmp/hook.so\n7f02-7f03 r-xp 00000000 fd:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6\n",
  );
  assert.deepEqual(dirty.foreign_libraries, ["/tmp/hook.so"]);
  assert.deepEqual(dirty.ld_so_preload, ["/lib/a.so", "/lib/b.so"]);
  assert.equal(preloadWarnings(dirty).length, 3);
  await withDir(async (dir) => {
    const lines: string[] = [];
    const r = await scanCommand([
      "--root",
      fixtureRoot("basic"),
      "--enable",
      "kernel_params",
      "--output",
      `${dir}/r.json`,
    ], {
      stderr: (l) => lines.push(l),
      env: (k) => (k === "LD_PRELOAD" ? "/tmp/hook.so" : undefined),
      security: { readPreloadFile: () => "/lib/evil.so\n", readMaps: () => "" },
    });
    assert.ok(r.ok);
    assert.ok(lines.some((l) => /WARNING: LD_PRELOAD is set/.test(l)));
    assert.ok(lines.some((l) => /WARNING: \/etc\/ld\.so\.preload exists/.test(l)));
    const meta = JSON.parse(Deno.readTextFileSync(`${dir}/r.json`)).meta;
    assert.deepEqual(meta.security.preload, {
      foreign_libraries: [],
      ld_preload_env: "/tmp/hook.so",
      ld_so_preload: ["/lib/evil.so"],
    });
  });
});

Deno.test(needs(["root"], {
  name: "the whole lifecycle in one CLI run: --drop-priv --seccomp --redact --sign --sign-gpg --write-env",
  fn: async () => {
    await withDir(async (dir) => {
      const home = `${dir}/gnupg`;
      Deno.mkdirSync(home, { mode: 0o700 });
      const gen = await new Deno.Command("/usr/bin/gpg", {
        args: [
          "--batch",
          "--passphrase",
          "",
          "--quick-gen-key",
          "test@example.invalid",
          "ed25519",
          "sign",
          "never",
        ],
        env: { GNUPGHOME: home },
        stdout: "null",
        stderr: "null",
      }).output();
      assert.equal(gen.code, 0);
      assert.equal(await run(["keygen", "--out", `${dir}/k`]), 0);
      const out = `${dir}/r.json`;
      const main = repoPath("main.ts");
      const r = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          main,
          "--root",
          fixtureRoot("proc-compromised"),
          "--drop-priv",
          "--seccomp",
          "--seccomp-strict",
          "--redact",
          "--sign",
          `${dir}/k.key`,
          "--sign-gpg",
          "test@example.invalid",
          "--write-env",
          `${dir}/p.env`,
          "--output",
          out,
        ],
        env: { GNUPGHOME: home },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(r.code === 0 || r.code === 1, new TextDecoder().decode(r.stderr));
      assert.equal(await run(["verify", out, "--pub", `${dir}/k.pub`]), 0);
      const v = await new Deno.Command("/usr/bin/gpg", {
        args: ["--batch", "--verify", `${out}.asc`, out],
        env: { GNUPGHOME: home },
        stdout: "null",
        stderr: "null",
      }).output();
      assert.equal(v.code, 0, "gpg ran (fork/exec, AF_UNIX agent socket) under seccomp and the drop");
      assert.match(
        Deno.readTextFileSync(`${dir}/p.env`),
        new RegExp(`SYS_SCAN_SHA256=${await webSha256Hex(Deno.readFileSync(out))}`),
      );
      const meta = JSON.parse(Deno.readTextFileSync(out)).meta;
      assert.equal(meta.security.seccomp.installed, true);
      assert.ok(Array.isArray(meta.security.privileges.after));
      assert.match(meta.hostname, /^host-/);
    });
  },
}));

Deno.test("foreignLibraries: system library directories are trusted, anything else (and odd names) is listed", () => {
  const maps = [
    "55d0-55d1 r--p 00000000 fd:01 1 /work/deno",
    "7f00-7f01 r-xp 00000000 fd:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6",
    "7f02-7f03 r-xp 00000000 fd:01 3 /lib64/ld-linux-x86-64.so.2",
    "7f04-7f05 r-xp 00000000 fd:01 4 /usr/local/lib/libhook.so.1",
    "7f06-7f07 r-xp 00000000 fd:01 5 /dev/shm/.x/lib evil.so (deleted)",
    "7f08-7f09 rw-p 00000000 00:00 0 [heap]",
    "garbage",
    "",
  ].join("\n");
  assert.deepEqual(foreignLibraries(maps), [
    "/dev/shm/.x/lib evil.so (deleted)",
    "/usr/local/lib/libhook.so.1",
  ]);
});

Deno.test(needs(["clang"], {
  name: "a library really preloaded into sys-scan is found in its own maps and warned about",
  fn: async () => {
    await withDir(async (dir) => {
      Deno.writeTextFileSync(`${dir}/hook.c`, "int sys_scan_test_hook(void) { return 42; }\n");
      const cc = await new Deno.Command("/usr/bin/clang", {
        args: ["-shared", "-fPIC", "-o", `${dir}/libhook.so`, `${dir}/hook.c`],
      }).output();
      assert.equal(cc.code, 0, new TextDecoder().decode(cc.stderr));
      const main = repoPath("main.ts");
      const r = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          main,
          "--root",
          fixtureRoot("basic"),
          "--enable",
          "kernel_params",
          "--output",
          `${dir}/r.json`,
        ],
        env: { LD_PRELOAD: `${dir}/libhook.so` },
        stdout: "null",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(r.stderr);
      assert.match(err, /WARNING: LD_PRELOAD is set for sys-scan itself/);
      assert.match(
        err,
        /WARNING: libraries from outside the system library directories are loaded into sys-scan: .*libhook\.so/,
      );
      const meta = JSON.parse(Deno.readTextFileSync(`${dir}/r.json`)).meta;
      assert.deepEqual(meta.security.preload.foreign_libraries, [`${Deno.realPathSync(dir)}/libhook.so`]);
    });
  },
}));

Deno.test("keygen --force writes new files and moves them into place: a hard link or symlink planted there is not written through", async () => {
  using t = makeTree({ "precious": "precious data\n" });
  Deno.linkSync(`${t.path}/precious`, `${t.path}/k.key`);
  assert.equal(await run(["keygen", "--out", `${t.path}/k`, "--force"]), 0);
  assert.equal(
    Deno.readTextFileSync(`${t.path}/precious`),
    "precious data\n",
    "the other name's data is intact",
  );
  assert.match(Deno.readTextFileSync(`${t.path}/k.key`), /BEGIN PRIVATE KEY/);
  assert.equal(Deno.statSync(`${t.path}/k.key`).mode! & 0o777, 0o600);
  assert.equal(Deno.statSync(`${t.path}/k.pub`).mode! & 0o777, 0o644);
  Deno.removeSync(`${t.path}/k.key`);
  Deno.symlinkSync(`${t.path}/precious`, `${t.path}/k.key`);
  assert.notEqual(await run(["keygen", "--out", `${t.path}/k`, "--force"]), 0, "a symlink is refused");
  assert.equal(Deno.readTextFileSync(`${t.path}/precious`), "precious data\n");
});
