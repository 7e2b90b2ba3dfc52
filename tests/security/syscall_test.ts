import assert from "node:assert/strict";
import { syscall } from "../../ffi/libc.ts";
import { currentArch } from "../../src/security/syscall_table.ts";
import { needs } from "../host_caps.ts";

const GETPID: Record<string, number> = { x86_64: 39, aarch64: 172 };

Deno.test(needs(["syscallArch"], {
  name: "syscall(): results, errno on failure, buffers passed by address, at most six arguments",
  fn: () => {
    const arch = currentArch()!;
    assert.deepEqual(syscall(GETPID[arch]), { result: BigInt(Deno.pid), errno: 0 });
    const bad = syscall(100_000);
    assert.equal(bad.result, -1n);
    assert.equal(bad.errno, 38, "ENOSYS");
    // uname(2) fills a buffer: the kernel name is its first field.
    const uts = new Uint8Array(390);
    const r = syscall(arch === "x86_64" ? 63 : 160, uts);
    assert.equal(r.result, 0n);
    assert.equal(new TextDecoder().decode(uts.subarray(0, 5)), "Linux");
    assert.throws(() => syscall(0, 1, 2, 3, 4, 5, 6, 7), /at most six/);
  },
}));
