import assert from "node:assert/strict";
import { capMask, capNames, dropCapabilities } from "../../src/security/privileges.ts";
import { capabilitiesFor, keptCapabilities } from "../../src/security/needs.ts";
import { SCANNERS } from "../../src/scanners/index.ts";
import type { Scanner } from "../../src/core/scanner.ts";
import { scanCommand } from "../../src/cli/scan.ts";
import { fixtureRoot, repoPath } from "../helpers.ts";
import { needs } from "../host_caps.ts";

async function runChild(file: string, keep: string[]) {
  const child = repoPath("tests/security/privileges_child.ts");
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", child, file, ...keep],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  return JSON.parse(new TextDecoder().decode(r.stdout));
}

Deno.test(needs(["root"], {
  name:
    "drop: without CAP_DAC_READ_SEARCH a nobody-owned 0600 file is unreadable; children inherit the bounding set",
  fn: async () => {
    const dir = Deno.makeTempDirSync();
    try {
      const file = `${dir}/secret`;
      Deno.writeTextFileSync(file, "x", { mode: 0o600 });
      Deno.chownSync(file, 65534, 65534);
      const none = await runChild(file, []);
      assert.equal(none.dropped.ok, true);
      assert.deepEqual(none.dropped.value.after, []);
      assert.ok(none.dropped.value.before.includes("CAP_SYS_ADMIN"));
      assert.equal(none.read, "PermissionDenied");
      assert.match(none.child, /CapEff:\s*0+\n/);
      assert.match(none.child, /CapBnd:\s*0+\n/);
      const dac = await runChild(file, ["CAP_DAC_READ_SEARCH"]);
      assert.deepEqual(dac.dropped.value.after, ["CAP_DAC_READ_SEARCH"]);
      assert.equal(dac.read, "ok");
      assert.match(dac.child, /CapBnd:\s*0+4\n/);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
}));

Deno.test("capMask/capNames round-trip; unknown names are errors", () => {
  const m = capMask(["CAP_SYS_PTRACE", "CAP_DAC_READ_SEARCH"]);
  assert.ok(m.ok);
  if (m.ok) assert.deepEqual(capNames(m.value), ["CAP_DAC_READ_SEARCH", "CAP_SYS_PTRACE"]);
  assert.equal(capMask(["CAP_NOPE"]).ok, false);
});

Deno.test("dropCapabilities reports a failing capset instead of throwing", () => {
  let calls = 0;
  const sys = (nr: number) => {
    calls++;
    return nr === 126 ? { result: -1n, errno: 1 } : { result: 0n, errno: 0 };
  };
  const r = dropCapabilities(0n, sys, "x86_64");
  assert.equal(r.ok, false);
  assert.ok(calls > 1);
});

Deno.test("kept capabilities follow the selected scanners; --keep-cap-dac adds CAP_DAC_READ_SEARCH", () => {
  const by = (n: string) => SCANNERS.find((s) => s.name === n)!;
  assert.deepEqual(keptCapabilities([by("kernel_params")], false), []);
  assert.deepEqual(keptCapabilities([by("kernel_params")], true), ["CAP_DAC_READ_SEARCH"]);
  assert.deepEqual(keptCapabilities([by("processes")], false), ["CAP_DAC_READ_SEARCH", "CAP_SYS_PTRACE"]);
  assert.ok(keptCapabilities([by("ebpf_exec_trace")], false).includes("CAP_BPF"));
  const plugin = { name: "new_one", needs: ["root", "CAP_NET_ADMIN"] } as unknown as Scanner;
  assert.deepEqual(capabilitiesFor(plugin), ["CAP_DAC_READ_SEARCH", "CAP_NET_ADMIN"]);
  for (const s of SCANNERS) assert.ok(capMask(capabilitiesFor(s)).ok, s.name);
});

Deno.test(needs(["root"], {
  name: "live: --drop-priv --seccomp scan of / records the capability sets and writes the report",
  fn: async () => {
    const dir = Deno.makeTempDirSync();
    try {
      const out = `${dir}/r.json`;
      const main = repoPath("main.ts");
      const r = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          main,
          "--drop-priv",
          "--seccomp",
          "--seccomp-strict",
          "--verbose",
          "--enable",
          "processes,network,kernel_params,modules,mounts,ioc",
          "--output",
          out,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(r.stderr);
      assert.ok(r.code === 0 || r.code === 1, err);
      assert.match(err, /capabilities before drop: .*CAP_SYS_ADMIN/);
      assert.match(err, /capabilities after drop: CAP_DAC_READ_SEARCH,CAP_SYS_PTRACE\n/);
      const report = JSON.parse(Deno.readTextFileSync(out));
      assert.deepEqual(report.scanner_errors, []);
      assert.deepEqual(report.meta.security.privileges.after, ["CAP_DAC_READ_SEARCH", "CAP_SYS_PTRACE"]);
      assert.equal(report.meta.security.seccomp.installed, true);
      assert.deepEqual(report.meta.capabilities.effective_caps, ["CAP_DAC_READ_SEARCH", "CAP_SYS_PTRACE"]);
      assert.ok(report.results.every((x: { status: string }) => x.status !== "error"));
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
}));

/** A fake syscall entry that keeps capability sets in memory (no real effect on the test process). */
function fakeCaps() {
  let sets = [0xffffffffn, 0xffffffffn, 0n];
  const calls: number[] = [];
  const sys = (nr: number, ...args: (number | bigint | Uint8Array)[]) => {
    calls.push(nr);
    const data = args[1];
    if (nr === 125 && data instanceof Uint8Array) {
      const v = new DataView(data.buffer);
      sets.forEach((m, i) => v.setUint32(i * 4, Number(m & 0xffffffffn), true));
    }
    if (nr === 126 && data instanceof Uint8Array) {
      const v = new DataView(data.buffer);
      sets = [0, 1, 2].map((i) => BigInt(v.getUint32(i * 4, true)));
    }
    return { result: 0n, errno: 0 };
  };
  return { sys, calls };
}

Deno.test(needs(["root"], {
  name:
    "--drop-priv refuses an output directory it could not write without CAP_DAC_OVERRIDE, before dropping",
  fn: async () => {
    const dir = Deno.makeTempDirSync();
    try {
      Deno.mkdirSync(`${dir}/theirs`, { mode: 0o755 });
      Deno.chownSync(`${dir}/theirs`, 65534, 65534);
      const fake = fakeCaps();
      const r = await scanCommand(
        ["--root", fixtureRoot("basic"), "--drop-priv", "--output", `${dir}/theirs/r.json`],
        { stderr: () => {}, security: { syscall: fake.sys } },
      );
      assert.equal(!r.ok && r.error.exit, 5);
      if (!r.ok) assert.match(r.error.message, /theirs is not writable without CAP_DAC_OVERRIDE/);
      assert.ok(!fake.calls.includes(126), "capset never called");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
}));

Deno.test("--drop-priv --keep-cap-dac: kept set recorded in meta and printed with --verbose", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (const [extra, kept] of [[[], []], [["--keep-cap-dac"], ["CAP_DAC_READ_SEARCH"]]] as const) {
      const fake = fakeCaps();
      const lines: string[] = [];
      const r = await scanCommand(
        [
          "--root",
          fixtureRoot("basic"),
          "--enable",
          "kernel_params",
          "--drop-priv",
          "--verbose",
          ...extra,
          "--output",
          `${dir}/r.json`,
        ],
        { stderr: (l) => lines.push(l), security: { syscall: fake.sys } },
      );
      assert.ok(r.ok);
      const meta = JSON.parse(Deno.readTextFileSync(`${dir}/r.json`)).meta;
      assert.deepEqual(meta.security.privileges.kept, kept);
      assert.deepEqual(meta.security.privileges.after, kept);
      assert.equal(meta.security.privileges.before.length, 32);
      assert.ok(
        lines.some((l) => l.startsWith("sys-scan: capabilities after drop: " + (kept.join(",") || "none"))),
      );
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test(needs(["root"], {
  name:
    "live: a scan under --drop-priv --seccomp finds what a plain scan finds; what needs CAP_SYS_ADMIN is a warning",
  fn: async () => {
    const dir = Deno.makeTempDirSync();
    try {
      const main = repoPath("main.ts");
      const scanners = "auditd,mac,kernel_hardening,persistence,systemd_units,mounts,kernel_params";
      const exact = (id: string) => !id.startsWith("kernel.sysctl.");
      const scan = async (extra: string[], out: string) => {
        const r = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", main, "--enable", scanners, ...extra, "--output", out],
          stdout: "null",
          stderr: "piped",
        }).output();
        assert.ok(r.code === 0 || r.code === 1, new TextDecoder().decode(r.stderr));
        return JSON.parse(Deno.readTextFileSync(out));
      };
      const plain = await scan([], `${dir}/a.json`);
      const hardened = await scan(["--drop-priv", "--seccomp", "--seccomp-strict"], `${dir}/b.json`);
      type F = { id: string; metadata: Record<string, unknown> };
      type R = { results: { scanner: string; status: string; findings: F[] }[] };
      const all = (r: R) => r.results.flatMap((x) => x.findings);
      const ids = (r: R) => all(r).map((f) => f.id).filter(exact).sort();
      const statuses = (r: R) => r.results.map((x) => `${x.scanner}:${x.status}`);
      const codes = (r: { collection_warnings: { scanner: string; code: string }[] }) =>
        [...new Set(r.collection_warnings.map((w) => `${w.scanner}:${w.code}`))].sort();
      assert.deepEqual(ids(hardened), ids(plain));
      assert.deepEqual(statuses(hardened), statuses(plain));
      const hardenedIds = new Set(all(hardened).map((f) => f.id));
      const warned = JSON.stringify(hardened.collection_warnings);
      for (const f of all(plain).filter((f) => !exact(f.id))) {
        // Some sysctls (bpf_jit_harden, …) can only be read with CAP_SYS_ADMIN, which --drop-priv does not keep.
        assert.ok(
          hardenedIds.has(f.id) || warned.includes(String(f.metadata.path)),
          `${f.id} judged or warned`,
        );
      }
      assert.deepEqual(codes(hardened).filter((c) => c !== "kernel_params:param_unreadable"), codes(plain));
      assert.ok(
        hardened.meta.security.privileges.after.length < hardened.meta.security.privileges.before.length,
      );
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
}));
