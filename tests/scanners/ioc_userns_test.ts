/**
 * ioc against processes in user and mount namespaces this test makes on the live host. Any user can
 * `unshare -Urm`: root inside then maps to that user, so the user's own files must not count as root-owned, and
 * a file bind-mounted inside the namespace is judged where it comes from. A namespace root made (a rootful
 * container with id mapping) keeps its mapped root. Every process is killed and every directory removed in a
 * finally block.
 */
import assert from "node:assert/strict";
import { ioc } from "../../src/scanners/ioc/index.ts";
import type { Finding } from "../../src/core/finding.ts";
import { AS_NOBODY, runOne, stopChild } from "../helpers.ts";
import { needs } from "../host_caps.ts";
import { waitExe } from "./ioc_live_procs.ts";

const NOBODY = 65534;

/** Why nobody cannot make a user and mount namespace here, or undefined. */
function usernsMissing(): string | undefined {
  try {
    const out = new Deno.Command(AS_NOBODY[0], {
      args: [...AS_NOBODY.slice(1), "/usr/bin/unshare", "-Urm", "/bin/true"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return out.success ? undefined : "unprivileged user namespaces are disabled";
  } catch (e) {
    return String(e);
  }
}

const USERNS = usernsMissing();

function userns(def: Deno.TestDefinition): Deno.TestDefinition {
  const d = needs(["root", "setpriv", "unshare"], def);
  if (d.ignore || USERNS === undefined) return d;
  console.log(`[ignored] ${def.name} -- ${USERNS}`);
  return { ...d, ignore: true };
}

/** A directory owned by nobody, with a copy of sleep in it. */
function nobodyDir(parent: string): { dir: string; exe: string } & Disposable {
  const dir = Deno.makeTempDirSync({ dir: parent, prefix: "ioc-userns-" });
  Deno.chmodSync(dir, 0o755);
  const exe = `${dir}/sleeper`;
  Deno.copyFileSync("/bin/sleep", exe);
  Deno.chmodSync(exe, 0o755);
  Deno.chownSync(dir, NOBODY, NOBODY);
  Deno.chownSync(exe, NOBODY, NOBODY);
  return { dir, exe, [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }) };
}

function spawn(args: string[], stdin: "null" | "piped" = "null"): Deno.ChildProcess {
  return new Deno.Command(args[0], { args: args.slice(1), stdin, stdout: "piped", stderr: "null" }).spawn();
}

async function findingsFor(pid: number): Promise<Finding[]> {
  const r = await runOne(ioc, "/");
  assert.equal(r.status, "ok", r.reason);
  return r.findings.filter((f) => Array.isArray(f.metadata.pids) && f.metadata.pids.includes(String(pid)));
}

const ids = (fs: Finding[]) => fs.map((f) => f.check_id).sort();

Deno.test(userns({
  name: "a user's program run through `unshare -Urm` is still in a user-writable place",
  async fn() {
    using d = nobodyDir("/var/lib");
    // nobody's namespace maps its root to uid 65534: the directory nobody owns must not pass as root's.
    const child = spawn([...AS_NOBODY, "/usr/bin/unshare", "-Urm", d.exe, "60"]);
    try {
      await waitExe(child.pid, (t) => t === d.exe);
      const fs = await findingsFor(child.pid);
      assert.deepEqual(ids(fs), ["ioc.process.exe_user_writable"]);
      assert.equal(fs[0].metadata.location_uid, NOBODY);
    } finally {
      await stopChild(child);
    }
  },
}));

Deno.test(userns({
  name: "a /tmp program bind-mounted over /usr/local/bin in a user's namespace is judged where it comes from",
  async fn() {
    using d = nobodyDir("/tmp");
    const script = `mount --bind ${d.dir} /usr/local/bin && exec /usr/local/bin/sleeper 60`;
    const child = spawn([...AS_NOBODY, "/usr/bin/unshare", "-Urm", "/bin/sh", "-c", script]);
    try {
      await waitExe(child.pid, (t) => t === "/usr/local/bin/sleeper");
      const fs = await findingsFor(child.pid);
      assert.deepEqual(ids(fs), ["ioc.process.exe_in_temp"]);
      assert.equal(fs[0].metadata.location_origin, d.exe);
      assert.match(fs[0].description, /bind-mounted from \/tmp\/ioc-userns-/);
    } finally {
      await stopChild(child);
    }
  },
}));

Deno.test(userns({
  name: "a /tmp library bind-mounted on /usr/local/lib in a user's namespace is a library in temp",
  async fn() {
    using d = nobodyDir("/tmp");
    Deno.copyFileSync("/usr/lib/x86_64-linux-gnu/libm.so.6", `${d.dir}/libx.so`);
    Deno.chownSync(`${d.dir}/libx.so`, NOBODY, NOBODY);
    const script =
      `mount --bind ${d.dir} /usr/local/lib && LD_PRELOAD=/usr/local/lib/libx.so exec /bin/sleep 60`;
    const child = spawn([...AS_NOBODY, "/usr/bin/unshare", "-Urm", "/bin/sh", "-c", script]);
    try {
      await waitExe(child.pid, (t) => t === "/usr/bin/sleep");
      const fs = await findingsFor(child.pid);
      const lib = fs.find((f) => f.id === "ioc.process.library_in_temp:/usr/local/lib/libx.so");
      assert.ok(lib, `no library_in_temp in ${ids(fs).join(", ")}`);
      assert.equal(lib.metadata.location_origin, `${d.dir}/libx.so`);
    } finally {
      await stopChild(child);
    }
  },
}));

Deno.test(needs(["root", "unshare"], {
  name: "a namespace root made keeps its mapped root: the container root's files are not user-writable",
  async fn() {
    using d = nobodyDir("/var/lib");
    // A rootful container with id mapping (Docker's userns-remap, LXD): root creates the user namespace and
    // maps its root to an unprivileged uid, here 65534. The shell waits for the map before it runs the program.
    const child = spawn(
      ["/usr/bin/unshare", "-Um", "/bin/sh", "-c", `read go; exec ${d.exe} 60`],
      "piped",
    );
    try {
      for (
        let i = 0;
        i < 100 && Deno.readLinkSync(`/proc/${child.pid}/ns/user`) ===
          Deno.readLinkSync("/proc/self/ns/user");
        i++
      ) await new Promise((r) => setTimeout(r, 20));
      Deno.writeTextFileSync(`/proc/${child.pid}/uid_map`, `0 ${NOBODY} 1\n`);
      Deno.writeTextFileSync(`/proc/${child.pid}/gid_map`, `0 ${NOBODY} 1\n`);
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode("go\n"));
      await w.close();
      await waitExe(child.pid, (t) => t === d.exe);
      assert.deepEqual(ids(await findingsFor(child.pid)), []);
    } finally {
      await stopChild(child);
    }
  },
}));
