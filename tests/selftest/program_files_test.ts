/** Which of the program's own paths the self-test binds back over its tmpfs mounts, and how they are found. */
import assert from "node:assert/strict";
import { denoCacheDir, hiddenBy, programPaths, urlPath } from "../../src/selftest/program_files.ts";
import { REPO } from "../host_caps.ts";

Deno.test("hiddenBy: paths at or below the mount target, outermost only; look-alike prefixes are not hidden", () => {
  const paths = [
    "/tmp/x",
    "/tmp/x/.tools/node_modules/deno/deno",
    "/tmpfiles/y",
    "/opt/sys-scan",
    "/root/.cache/deno",
    "/tmp/deno-cache",
  ];
  assert.deepEqual(hiddenBy("/tmp", paths), ["/tmp/deno-cache", "/tmp/x"]);
  assert.deepEqual(hiddenBy("/opt", paths), ["/opt/sys-scan"]);
  assert.deepEqual(hiddenBy("/srv", paths), []);
  assert.deepEqual(hiddenBy("/tmp", ["/tmp"]), ["/tmp"], "the target itself is reported (and refused)");
});

Deno.test("programPaths: under deno run, this checkout, the deno executable and Deno's cache, resolved", () => {
  const paths = programPaths();
  assert.ok(paths.includes(Deno.realPathSync(REPO)), `${REPO} in ${paths}`);
  assert.ok(paths.includes(Deno.realPathSync(Deno.execPath())));
  assert.ok(paths.every((p) => p.startsWith("/") && !p.endsWith("/") && !p.includes("%")), String(paths));
  const none = programPaths((k) => ({ DENO_DIR: "/nonexistent/deno-dir" } as Record<string, string>)[k]);
  assert.ok(!none.includes("/nonexistent/deno-dir"), "paths that do not exist are left out");
});

Deno.test("denoCacheDir: DENO_DIR, else $XDG_CACHE_HOME/deno, else ~/.cache/deno", () => {
  const env = (e: Record<string, string>) => (k: string) => e[k];
  assert.equal(denoCacheDir(env({ DENO_DIR: "/d", XDG_CACHE_HOME: "/x", HOME: "/h" })), "/d");
  assert.equal(denoCacheDir(env({ XDG_CACHE_HOME: "/x", HOME: "/h" })), "/x/deno");
  assert.equal(denoCacheDir(env({ HOME: "/h" })), "/h/.cache/deno");
  assert.equal(denoCacheDir(env({})), null);
});

Deno.test("urlPath: percent-escapes of a file URL are decoded", () => {
  assert.equal(urlPath(new URL("file:///home/u/my%20src/main.ts")), "/home/u/my src/main.ts");
  assert.equal(urlPath(new URL("file:///a/100%25/b")), "/a/100%/b");
});
