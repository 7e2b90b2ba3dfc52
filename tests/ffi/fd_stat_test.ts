import assert from "node:assert/strict";
import { AT, fileInfoAt } from "../../ffi/fd.ts";
import { cString } from "../../ffi/libc.ts";
import { Host } from "../../src/host/host.ts";

/** What Deno's own lstat/stat say of `path`: its FileInfo, or the errno it failed with. */
function denoSays(path: string, follow: boolean): Deno.FileInfo | number {
  try {
    return follow ? Deno.statSync(path) : Deno.lstatSync(path);
  } catch (e) {
    const m = /\(os error (\d+)\)/.exec((e as Error).message);
    return -Number(m?.[1] ?? 0);
  }
}

Deno.test("fileInfoAt: gives what Deno.lstatSync and Deno.statSync give, for every kind of file", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/file`, "x".repeat(5000));
    Deno.mkdirSync(`${dir}/dir`);
    Deno.symlinkSync("file", `${dir}/link`);
    Deno.symlinkSync("gone", `${dir}/dangling`);
    new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).outputSync();
    const paths = [
      `${dir}/file`,
      `${dir}/dir`,
      `${dir}/link`,
      `${dir}/dangling`,
      `${dir}/fifo`,
      `${dir}/missing`,
      `${dir}/file/below`, // ENOTDIR
      "/dev/null", // a character device
      "/proc/self", // a symlink on procfs, which keeps no birth time
    ];
    for (const path of paths) {
      for (const follow of [false, true]) {
        assert.deepEqual(
          fileInfoAt(AT.FDCWD, cString(path), follow),
          denoSays(path, follow),
          `${path} ${follow}`,
        );
      }
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("Host.lstat and Host.stat: a missing path is a value worded as Deno words it", () => {
  const h = new Host("/");
  assert.deepEqual(h.lstat("/nonexistent-sys-scan-path"), {
    ok: false,
    reason: "missing",
    message: "No such file or directory (os error 2): lstat '/nonexistent-sys-scan-path'",
  });
  const below = h.stat("/etc/passwd/below");
  assert.equal(below.ok, false);
  assert.equal(!below.ok && below.reason, "missing");
  assert.match(
    !below.ok ? below.message : "",
    /^Not a directory \(os error 20\): stat '\/etc\/passwd\/below'$/,
  );
  const passwd = h.stat("/etc/passwd");
  assert.ok(passwd.ok && passwd.value.isFile && passwd.value.size === Deno.statSync("/etc/passwd").size);
});
