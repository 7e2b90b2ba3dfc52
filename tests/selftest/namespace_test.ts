import assert from "node:assert/strict";
import {
  isolatedCommand,
  isolationProblem,
  mountNamespace,
  PARENT_NS_ENV,
  sharedMountPoints,
  UNSHARE,
} from "../../src/selftest/namespace.ts";

const SHARED = [
  "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
  "23 22 0:21 / /proc rw,nosuid shared:12 master:3 - proc proc rw",
  "24 22 0:22 / /tmp rw,nosuid - tmpfs tmpfs rw",
].join("\n");
const PRIVATE = [
  "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw",
  "24 22 0:22 / /tmp rw,nosuid master:5 - tmpfs tmpfs rw",
].join("\n");

Deno.test("sharedMountPoints: lists mounts with a shared:N peer group, nothing else", () => {
  assert.deepEqual(sharedMountPoints(SHARED), ["/", "/proc"]);
  assert.deepEqual(sharedMountPoints(PRIVATE), [], "master:N (receive-only) does not propagate out");
});

Deno.test("sharedMountPoints: empty, truncated and garbage input give no mount points", () => {
  assert.deepEqual(sharedMountPoints(""), []);
  assert.deepEqual(sharedMountPoints("22 1 8:1 / / rw shared:1"), [], "no ' - ' separator");
  assert.deepEqual(sharedMountPoints("shared:1 - x"), [], "too few fields");
  assert.deepEqual(sharedMountPoints("\u0000\n\n - - -"), []);
});

Deno.test("isolationProblem: refuses without the parent's namespace, in the same namespace, or with shared mounts", () => {
  assert.match(isolationProblem(undefined, "mnt:[2]", PRIVATE)!, new RegExp(`${PARENT_NS_ENV} is not set`));
  assert.match(isolationProblem("mnt:[1]", null, PRIVATE)!, /cannot read \/proc\/self\/ns\/mnt/);
  assert.match(isolationProblem("mnt:[1]", "mnt:[1]", PRIVATE)!, /still in the parent's mount namespace/);
  assert.match(isolationProblem("mnt:[1]", "mnt:[2]", SHARED)!, /propagate to the host \(\/, \/proc\)/);
  assert.equal(isolationProblem("mnt:[1]", "mnt:[2]", PRIVATE), null);
});

Deno.test("mountNamespace: reads this process's namespace; an absent pid gives null", () => {
  assert.match(mountNamespace() ?? "", /^mnt:\[\d+\]$/);
  assert.equal(mountNamespace(2 ** 30), null);
});

Deno.test("isolatedCommand: unshare by absolute path with a private mount namespace, then this program", () => {
  const c = isolatedCommand(["self-test", "--json"]);
  assert.deepEqual(c.argv.slice(0, 5), [UNSHARE, "--mount", "--propagation", "private", "--"]);
  assert.deepEqual(c.argv.slice(-2), ["self-test", "--json"]);
  assert.equal(c.argv[5], Deno.execPath());
  // Under `deno test` this is not a compiled executable: the main module runs through `deno run -A`.
  assert.deepEqual(c.argv.slice(6, 8), ["run", "-A"]);
  assert.ok(c.cwd);
});

Deno.test("worldWritableSkips: every default world-writable root but the planted directory's tree", async () => {
  const { worldWritableSkips } = await import("../../src/selftest/scan.ts");
  const { DEFAULT_WW_ROOTS } = await import("../../src/scanners/fs_census.ts");
  const opt = worldWritableSkips("/opt");
  assert.ok(!opt.includes("/opt/"));
  assert.ok(opt.includes("/usr/") && opt.includes("/root/"));
  assert.equal(opt.length, DEFAULT_WW_ROOTS.length - 1);
  const local = worldWritableSkips("/usr/local/share");
  assert.ok(!local.includes("/usr/"), "the tree holding /usr/local/share stays walked");
  assert.ok(
    local.every((s: string) => s.endsWith("/")),
    "trailing slash: the roots themselves are still listed",
  );
  assert.equal(worldWritableSkips(null).length, DEFAULT_WW_ROOTS.length);
});
