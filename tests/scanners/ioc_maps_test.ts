/**
 * Injected code in /proc/<pid>/maps: libraries from temp, world-writable, user-writable and home locations,
 * deleted libraries, memfd code, and what stays quiet (system libraries, data mappings, anonymous JIT code, a
 * program's own libraries beside it). Fixture maps under --root, then real processes.
 */
import assert from "node:assert/strict";
import { ioc } from "../../src/scanners/ioc/index.ts";
import { MAX_MAPS_BYTES } from "../../src/scanners/ioc/maps.ts";
import { Host } from "../../src/host/host.ts";
import { isFileBacked, parseMaps, readMaps } from "../../src/host/proc_maps.ts";
import { firstLine, makeTree, runOne, stopChild } from "../helpers.ts";
import { host, only, proc, summary } from "./ioc_fixture.ts";

let next = 0x7f0000000000;
/** One maps line (the kernel pads the path to column 74). */
function line(perms: string, path = "", inode = path === "" ? 0 : 1000 + next % 997, dev = "fd:01"): string {
  const start = next.toString(16);
  next += 0x1000;
  const head = `${start}-${next.toString(16)} ${perms} 00000000 ${dev} ${inode}`;
  return path === "" ? head : `${head.padEnd(73)}${path}`;
}
const maps = (...lines: string[]) => lines.join("\n") + "\n";

const LIBC = "/usr/lib/x86_64-linux-gnu/libc.so.6";
const STOCK = [
  line("r--p", "/usr/bin/sleep"),
  line("r-xp", "/usr/bin/sleep"),
  line("r--p", LIBC),
  line("r-xp", LIBC),
  line("r--p", "/usr/lib/locale/locale-archive"),
  line("rw-s", "/dev/shm/.org.chromium.Chromium.aBcDeF (deleted)"),
  line("rw-s", "/memfd:shared-memory-region (deleted)"),
  line("r--s", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
  line("r-xs", "/dev/zero (deleted)", 4242, "00:01"),
  line("rwxp"),
  line("rw-p", "[heap]"),
  line("r-xp", "[vdso]"),
];

Deno.test("ioc maps: each injected-code case fires, with the process's identity", async () => {
  using root = host([
    proc(100, "/usr/bin/sleep", {
      uid: 33,
      argv: ["sleep", "600"],
      maps: maps(
        ...STOCK,
        line("r-xp", "/tmp/.x/libhide.so"),
        line("r-xp", "/srv/drop/libww.so"),
        line("r-xp", "/opt/app/lib/libapp.so"),
        line("r-xp", "/usr/lib/x86_64-linux-gnu/libssl.so.3 (deleted)"),
        line("r-xp", "/tmp/gone.so (deleted)"),
        line("r-xp", "/memfd:payload (deleted)", 77, "00:01"),
      ),
    }),
    proc(101, "/usr/sbin/nginx", {
      maps: maps(line("r-xp", "/usr/sbin/nginx"), line("r-xp", "/home/alice/lib/libdev.so")),
    }),
    proc(102, "/home/alice/bin/tool", {
      uid: 1000,
      maps: maps(line("r-xp", "/home/alice/bin/tool"), line("r-xp", "/home/alice/lib/libdev.so")),
    }),
  ], {
    "tmp/.x/libhide.so": "lib",
    "srv/drop/libww.so": "lib",
    "opt/app/lib/libapp.so": "lib",
    "usr/lib/x86_64-linux-gnu/libssl.so.3": "lib",
    "home/alice/lib/libdev.so": "lib",
    "usr/lib/locale/locale-archive": "data",
  });
  Deno.chownSync(`${root.path}/opt/app`, 33, 33);
  Deno.chownSync(`${root.path}/home/alice`, 1000, 1000);
  const r = await runOne(ioc, root.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(summary(r.findings), [
    "critical ioc.process.library_deleted:/tmp/gone.so",
    "high ioc.process.library_in_home:/home/alice/lib/libdev.so",
    "high ioc.process.library_in_temp:/tmp/.x/libhide.so",
    "high ioc.process.library_world_writable:/srv/drop/libww.so",
    "high ioc.process.memfd_code:/memfd:payload",
    "low ioc.process.exe_in_home:/home/alice/bin/tool",
    "low ioc.process.library_deleted:/usr/lib/x86_64-linux-gnu/libssl.so.3",
    "medium ioc.process.library_user_writable:/opt/app/lib/libapp.so",
  ]);
  const temp = only(r.findings, "ioc.process.library_in_temp");
  assert.deepEqual(
    [temp.metadata.pid, temp.metadata.comm, temp.metadata.exe, temp.metadata.argv, temp.metadata.uid],
    [100, "sleep", "/usr/bin/sleep", ["sleep", "600"], 33],
  );
  assert.deepEqual([temp.metadata.library, temp.metadata.mapping_perms], ["/tmp/.x/libhide.so", "r-xp"]);
  assert.deepEqual(temp.location, { path: "/usr/bin/sleep", pid: 100 });
  const home = only(r.findings, "ioc.process.library_in_home");
  assert.deepEqual(
    home.metadata.pids,
    ["101"],
    "alice's own tool maps it beside its executable: judged with it",
  );
  assert.match(String(home.metadata.severity_reason), /root process runs code from a user's home/);
  assert.equal(only(r.findings, "ioc.process.library_user_writable").metadata.location_uid, 33);
});

Deno.test("ioc maps: stock processes and data mappings are quiet; .NET's double mapping is low", async () => {
  using root = host([
    proc(100, "/usr/bin/sleep", { maps: maps(...STOCK) }),
    proc(101, "/usr/bin/dotnet", {
      maps: maps(
        line("r-xp", "/usr/bin/dotnet"),
        line("r-xp", "/usr/lib/dotnet/shared/Microsoft.NETCore.App/8.0.0/libcoreclr.so"),
        line("r-xp", "/memfd:doublemapper (deleted)", 91, "00:01"),
      ),
    }),
    proc(102, "/memfd:loader (deleted)", { maps: maps(line("r-xp", "/memfd:loader (deleted)", 5, "00:01")) }),
  ], {
    "usr/bin/dotnet": { content: "ELF", mode: 0o755 },
    "usr/lib/dotnet/shared/Microsoft.NETCore.App/8.0.0/libcoreclr.so": "lib",
  });
  const r = await runOne(ioc, root.path);
  assert.deepEqual(summary(r.findings), [
    "high ioc.process.fileless_exe:/memfd:loader",
    "low ioc.process.memfd_code:/memfd:doublemapper",
  ]);
});

Deno.test("ioc maps: malformed lines are a warning and the rest is judged; a huge maps file is cut and says so", async () => {
  using root = host([
    proc(100, "/usr/bin/sleep", {
      maps: "garbage\n" + line("r-xp", "/tmp/a.so") + "\n7f00-7f01 r-xp 0 fd:01\n\u0000\u001b[31m\n",
    }),
    proc(101, "/usr/bin/sleep", {
      maps: maps(line("r-xp", "/tmp/b.so")) +
        `${line("r-xp", "/usr/lib/x.so")}\n`.repeat(MAX_MAPS_BYTES / 80),
    }),
  ]);
  const r = await runOne(ioc, root.path);
  assert.deepEqual(summary(r.findings), [
    "high ioc.process.library_in_temp:/tmp/a.so",
    "high ioc.process.library_in_temp:/tmp/b.so",
  ]);
  assert.deepEqual(r.warnings.map((w) => w.code).sort(), ["proc_maps_malformed", "truncated"]);
  assert.match(
    r.warnings.find((w) => w.code === "proc_maps_malformed")!.detail!,
    /^3 malformed maps line\(s\) in pid\(s\) 100$/,
  );
  assert.match(r.warnings.find((w) => w.code === "truncated")!.detail!, /pid\(s\) 101/);
});

Deno.test("parseMaps: fields, padded addresses, paths with spaces, anonymous lines; readMaps drops a cut line", () => {
  const text =
    "00400000-0040b000 r-xp 00000000 103:02 1234                               /opt/my app/bin (deleted)\n" +
    "7ffd1000-7ffd2000 rw-p 00000000 00:00 0 \n" +
    "7ffd2000-7ffd3000 r-xp 00000000 00:00 0                                  [vdso]\n" +
    "zzzz\n";
  const p = parseMaps(text);
  assert.equal(p.bad, 1);
  assert.deepEqual(p.entries[0], {
    start: "400000",
    end: "40b000",
    perms: "r-xp",
    major: 0x103,
    minor: 2,
    inode: 1234,
    path: "/opt/my app/bin (deleted)",
  });
  assert.deepEqual(p.entries.map(isFileBacked), [true, false, false]);
  assert.deepEqual(parseMaps(""), { entries: [], bad: 0 });
  using root = makeTree({ "proc/5/maps": text });
  const cut = readMaps(new Host(root.path), 5, 120);
  assert.ok(cut.ok && cut.truncated && cut.maps.entries.length === 1 && cut.maps.bad === 0);
  const missing = readMaps(new Host(root.path), 6, 120);
  assert.ok(!missing.ok && missing.reason === "missing");
});

/** A python child that dlopens `lib` and prints its pid once the library is mapped. */
function dlopener(lib: string): Deno.ChildProcess {
  return new Deno.Command("/usr/bin/python3", {
    args: [
      "-c",
      "import ctypes, sys, time; ctypes.CDLL(sys.argv[1]); print('ok', flush=True); time.sleep(60)",
      lib,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
}

const about = (fs: { metadata: Record<string, unknown>; severity: string; id: string }[], pid: number) =>
  fs.filter((f) => (f.metadata.pids as string[] | undefined)?.includes(String(pid))).map((f) =>
    `${f.severity} ${f.id}`
  ).sort();

Deno.test("ioc maps live: a library dlopen'ed from /tmp is named; deleted it is critical; a live 'x.so (deleted)' is not deleted", async () => {
  const dir = Deno.makeTempDirSync({ dir: "/tmp", prefix: "ioc-maps-" });
  const lib = `${dir}/libinject.so`;
  const spoof = `${dir}/libspoof.so (deleted)`;
  Deno.copyFileSync("/usr/lib/x86_64-linux-gnu/libm.so.6", lib);
  Deno.copyFileSync("/usr/lib/x86_64-linux-gnu/libm.so.6", spoof);
  const a = dlopener(lib);
  const b = dlopener(spoof);
  try {
    assert.equal(await firstLine(a), "ok");
    assert.equal(await firstLine(b), "ok");
    const first = (await runOne(ioc, "/")).findings;
    assert.deepEqual(about(first, a.pid), [`high ioc.process.library_in_temp:${lib}`]);
    assert.deepEqual(
      about(first, b.pid),
      [`high ioc.process.library_in_temp:${spoof}`],
      "not deleted: it exists",
    );
    Deno.removeSync(lib);
    const second = (await runOne(ioc, "/")).findings;
    assert.deepEqual(about(second, a.pid), [`critical ioc.process.library_deleted:${lib}`]);
  } finally {
    await stopChild(a);
    await stopChild(b);
    Deno.removeSync(dir, { recursive: true });
  }
});
