import assert from "node:assert/strict";
import { CLOCK_MONOTONIC, CLOCK_REALTIME, clockGettimeNs, errno, getppid, strerror } from "../../ffi/libc.ts";

Deno.test("libc: clock_gettime monotonic advances and realtime matches Date.now", () => {
  const a = clockGettimeNs(CLOCK_MONOTONIC);
  const b = clockGettimeNs(CLOCK_MONOTONIC);
  assert.ok(b >= a);
  const wall = Number(clockGettimeNs(CLOCK_REALTIME) / 1_000_000n);
  assert.ok(Math.abs(wall - Date.now()) < 1000);
});

Deno.test("libc: an invalid clock id fails with errno EINVAL and its message", () => {
  assert.throws(() => clockGettimeNs(12345), /clock_gettime\(12345\): Invalid argument/);
  assert.equal(errno(), 22);
});

Deno.test("libc: strerror and getppid", () => {
  assert.equal(strerror(2), "No such file or directory");
  assert.equal(getppid(), Deno.ppid);
});
