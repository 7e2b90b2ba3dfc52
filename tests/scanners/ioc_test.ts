import assert from "node:assert/strict";
import { ioc, MAX_ENVIRON_BYTES } from "../../src/scanners/ioc/index.ts";
import { allowReason, loadAllowlist, parseAllowFile } from "../../src/scanners/ioc/allow.ts";
import { ldEntries } from "../../src/scanners/ioc/ld_env.ts";
import { parsePreloadFile } from "../../src/host/ld_so_preload.ts";
import { matchKnownNames, stratumUrl } from "../../src/scanners/ioc/names.ts";
import { decodeIpv4Hex, decodeIpv6Hex, hostPort } from "../../src/host/net_address.ts";
import { findInetSocket } from "../../src/host/proc_net.ts";
import type { Finding } from "../../src/core/finding.ts";
import { fixtureRoot, makeTree, runOne } from "../helpers.ts";
import { procTree } from "../host/procfs_fixture.ts";
import { host, only, PASSWD, proc } from "./ioc_fixture.ts";

Deno.test("ioc: stock processes give no findings", async () => {
  using root = host([
    proc(100, "/usr/sbin/nginx", {
      argv: ["nginx: worker process"],
      fds: { 0: "/dev/null", 1: "socket:[5]" },
    }),
    proc(101, "/usr/bin/sleep", { environ: { PATH: "/usr/bin", HOME: "/root", LD_PRELOAD: "" } }),
    { pid: 2, comm: "kthreadd", ppid: 0, flags: 0x208040 },
    { pid: 3, comm: "kworker/0:1", ppid: 2, flags: 0x4208060 },
    proc(102, "/usr/sbin/watchdog", { comm: "watchdog" }),
    proc(103, "/usr/bin/robot", { argv: ["/usr/bin/robot", "--bottle", "systemd-boot"] }),
    proc(104, "/usr/bin/grep", { argv: ["grep", "xmrig", "/var/log/syslog"] }),
  ]);
  const r = await runOne(ioc, root.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings.map((f) => f.id), []);
});

Deno.test("ioc: deleted executable — high in a system dir, low when replaced by root, critical from /tmp", async () => {
  using plain = host([proc(100, "/usr/local/bin/agent (deleted)")]);
  const a = only((await runOne(ioc, plain.path)).findings, "ioc.process.deleted_exe");
  assert.equal(a.severity, "high");
  assert.equal(a.id, "ioc.process.deleted_exe:/usr/local/bin/agent");
  assert.equal(a.metadata.pid, 100);
  using upgraded = host([proc(100, "/usr/bin/sleep (deleted)")]);
  const b = only((await runOne(ioc, upgraded.path)).findings, "ioc.process.deleted_exe");
  assert.equal(b.severity, "low");
  assert.equal(b.metadata.replaced_on_disk, true);
  using dropped = host([proc(100, "/tmp/.x/payload (deleted)")], { "tmp/.x": { dir: true } });
  const c = only((await runOne(ioc, dropped.path)).findings, "ioc.process.deleted_exe");
  assert.equal(c.severity, "critical");
  assert.equal(c.metadata.location, "temp");
});

Deno.test("ioc: memfd executable is fileless, not deleted; runc's self-clone is medium", async () => {
  using root = host([
    proc(100, "/memfd:payload (deleted)"),
    proc(101, "/memfd:runc_cloned:/proc/self/exe (deleted)", { comm: "runc:[1:CHILD]" }),
  ]);
  const r = await runOne(ioc, root.path);
  assert.deepEqual(r.findings.map((f) => [f.id, f.severity]).sort(), [
    ["ioc.process.fileless_exe:/memfd:payload", "high"],
    ["ioc.process.fileless_exe:/memfd:runc_cloned:/proc/self/exe", "medium"],
  ]);
});

Deno.test("ioc: executable location by permission bits — world-writable dir/file, sticky temp, home", async () => {
  using root = host([
    proc(100, "/srv/drop/run"),
    proc(101, "/opt/app/bin"),
    proc(102, "/tmp/miner/x"),
    proc(103, "/home/alice/bin/tool"),
    proc(104, "/usr/bin/sleep"),
  ], {
    "srv/drop/run": { content: "ELF", mode: 0o755 },
    "opt/app/bin": { content: "ELF", mode: 0o777 },
    "tmp/miner/x": { content: "ELF", mode: 0o755 },
  });
  const r = await runOne(ioc, root.path);
  const got = r.findings.map((f) => [f.id, f.severity, f.metadata.location_reason]).sort();
  assert.deepEqual(got, [
    ["ioc.process.exe_in_home:/home/alice/bin/tool", "low", "/home/alice"],
    ["ioc.process.exe_in_temp:/tmp/miner/x", "high", "/tmp"],
    ["ioc.process.exe_world_writable:/opt/app/bin", "high", "/opt/app/bin"],
    ["ioc.process.exe_world_writable:/srv/drop/run", "high", "/srv/drop"],
  ]);
});

Deno.test("ioc: a program a non-root account can replace is user-writable; high when root runs it", async () => {
  using root = host([
    proc(100, "/var/www/app/server", { uid: 0 }),
    proc(101, "/opt/app/bin/worker", { uid: 999, euid: 999 }),
    proc(102, "/srv/devs/tool", { uid: 1000, euid: 1000 }),
    proc(103, "/opt/vendor/bin/agent"),
    proc(104, "/srv/shared/tool"),
    proc(105, "/opt/app/bin/gone (deleted)", { uid: 999, euid: 999 }),
    proc(106, "/usr/sbin/nginx", { environ: { LD_PRELOAD: "/opt/app/lib/hook.so" } }),
  ], {
    "etc/passwd": PASSWD +
      "www-data:x:33:33::/var/www:/usr/sbin/nologin\napp:x:999:999::/opt/app:/bin/false\n",
    "var/www/app/server": { content: "ELF", mode: 0o755 },
    "opt/app/bin/worker": { content: "ELF", mode: 0o755 },
    "opt/app/lib/hook.so": "lib",
    "srv/devs/tool": { content: "ELF", mode: 0o755 },
    "srv/shared/tool": { content: "ELF", mode: 0o755 },
    "opt/vendor/bin/agent": { content: "ELF", mode: 0o755 },
  });
  Deno.chownSync(`${root.path}/var/www`, 33, 33); // a web root owned by www-data
  Deno.chownSync(`${root.path}/opt/app`, 999, 999); // /opt/app owned by a service account
  Deno.chownSync(`${root.path}/srv/devs`, 0, 1001);
  Deno.chmodSync(`${root.path}/srv/devs`, 0o775); // group-writable, non-root group
  Deno.chownSync(`${root.path}/srv/shared`, 0, 1001);
  Deno.chmodSync(`${root.path}/srv/shared`, 0o1775); // the same with the sticky bit: root's file is safe
  const r = await runOne(ioc, root.path);
  const got = r.findings.map((f) => [f.id, f.severity, f.metadata.location, f.metadata.location_reason])
    .sort();
  assert.deepEqual(got, [
    ["ioc.process.deleted_exe:/opt/app/bin/gone", "critical", "user_writable", "/opt/app"],
    ["ioc.process.exe_user_writable:/opt/app/bin/worker", "medium", "user_writable", "/opt/app"],
    ["ioc.process.exe_user_writable:/srv/devs/tool", "medium", "user_writable", "/srv/devs"],
    ["ioc.process.exe_user_writable:/var/www/app/server", "high", "user_writable", "/var/www"],
    ["ioc.process.ld_preload:/usr/sbin/nginx", "critical", undefined, undefined],
  ]);
  const web = r.findings.find((f) => f.id.endsWith("/var/www/app/server"))!;
  assert.equal(web.metadata.location_uid, 33);
  assert.match(web.description, /\/var\/www is owned by uid 33 \(www-data\)/);
  const devs = r.findings.find((f) => f.id.endsWith("/srv/devs/tool"))!;
  assert.equal(devs.metadata.location_gid, 1001);
  assert.deepEqual(
    r.findings.find((f) => f.check_id === "ioc.process.ld_preload")!.metadata.untrusted_entries,
    [
      "/opt/app/lib/hook.so",
    ],
  );
});

Deno.test("ioc: a path named /tmp that is not world-writable is not a temp location", async () => {
  using root = makeTree({
    "etc/passwd": PASSWD,
    "tmp/app": { content: "ELF", mode: 0o755 },
    ...procTree(proc(100, "/tmp/app")),
  });
  Deno.chmodSync(`${root.path}/tmp`, 0o755);
  assert.deepEqual((await runOne(ioc, root.path)).findings, []);
});

Deno.test("ioc: LD_PRELOAD and LD_LIBRARY_PATH severities, env-trust downgrade", async () => {
  const procs = [
    proc(100, "/usr/bin/sleep", { environ: { LD_PRELOAD: "/usr/lib/x86_64-linux-gnu/libfoo.so" } }),
    proc(101, "/usr/sbin/nginx", { environ: { LD_PRELOAD: "/tmp/evil.so" } }),
    proc(102, "/usr/bin/vendor", { environ: { LD_LIBRARY_PATH: "/opt/vendor/lib" } }),
    proc(103, "/usr/bin/other", { environ: { LD_LIBRARY_PATH: "/usr/lib/x86_64-linux-gnu:" } }),
    proc(104, "/usr/bin/trusted", { environ: { LD_LIBRARY_PATH: "/usr/lib/x86_64-linux-gnu" } }),
  ];
  using root = host(procs, { "tmp/evil.so": "x" });
  const r = await runOne(ioc, root.path);
  const sev = (fs: Finding[]) => fs.map((f) => [f.id, f.severity]).sort();
  assert.deepEqual(sev(r.findings), [
    ["ioc.process.ld_library_path:/usr/bin/other", "high"],
    ["ioc.process.ld_library_path:/usr/bin/trusted", "medium"],
    ["ioc.process.ld_library_path:/usr/bin/vendor", "medium"],
    ["ioc.process.ld_preload:/usr/bin/sleep", "high"],
    ["ioc.process.ld_preload:/usr/sbin/nginx", "critical"],
  ]);
  const evil = r.findings.find((f) => f.id.endsWith("nginx"))!;
  assert.deepEqual(evil.metadata.values, ["/tmp/evil.so"]);
  assert.deepEqual(evil.metadata.untrusted_entries, ["/tmp/evil.so"]);
  const trusted = await runOne(ioc, root.path, { iocEnvTrust: true });
  assert.deepEqual(sev(trusted.findings), [
    ["ioc.process.ld_library_path:/usr/bin/other", "high"],
    ["ioc.process.ld_library_path:/usr/bin/trusted", "info"],
    ["ioc.process.ld_library_path:/usr/bin/vendor", "medium"],
    ["ioc.process.ld_preload:/usr/bin/sleep", "info"],
    ["ioc.process.ld_preload:/usr/sbin/nginx", "critical"],
  ]);
});

Deno.test("ioc: env-trust needs root ownership and no group/world write on the library", async () => {
  using root = host([
    proc(100, "/usr/bin/sleep", { environ: { LD_PRELOAD: "/usr/lib/x86_64-linux-gnu/libw.so" } }),
  ], {
    "usr/lib/x86_64-linux-gnu/libw.so": { content: "x", mode: 0o664 },
  });
  const r = await runOne(ioc, root.path, { iocEnvTrust: true });
  assert.equal(only(r.findings, "ioc.process.ld_preload").severity, "high");
});

Deno.test("ioc: /etc/ld.so.preload — absent or comments only is quiet; entries high; /tmp critical", async () => {
  using none = host([], { "etc/ld.so.preload": "# nothing here\n\n" });
  assert.deepEqual((await runOne(ioc, none.path)).findings, []);
  using sys = host([], { "etc/ld.so.preload": "/usr/lib/x86_64-linux-gnu/libfoo.so\n" });
  const a = only((await runOne(ioc, sys.path)).findings, "ioc.ld_so_preload.entries");
  assert.equal(a.severity, "high");
  assert.equal(a.id, "ioc.ld_so_preload.entries:/etc/ld.so.preload");
  assert.equal((await runOne(ioc, sys.path, { iocEnvTrust: true })).findings[0].severity, "medium");
  using bad = host([], { "etc/ld.so.preload": "/usr/lib/x86_64-linux-gnu/libfoo.so /tmp/.rk.so:/gone.so\n" });
  const b = only((await runOne(ioc, bad.path)).findings, "ioc.ld_so_preload.entries");
  assert.equal(b.severity, "critical");
  assert.deepEqual(b.metadata.entries, ["/usr/lib/x86_64-linux-gnu/libfoo.so", "/tmp/.rk.so", "/gone.so"]);
  assert.deepEqual(b.metadata.missing, ["/tmp/.rk.so", "/gone.so"]);
});

Deno.test("ioc: kernel-thread masquerade fires for a user process, never for real kernel threads", async () => {
  using root = host([
    proc(100, "/usr/bin/sleep", { argv: ["[kworker/0:2]"] }),
    proc(101, "/tmp/k", { comm: "kthreadd", argv: ["/tmp/k"] }),
    { pid: 2, comm: "kthreadd", ppid: 0, flags: 0x208040 },
  ], { "tmp/k": { content: "x", mode: 0o755 } });
  const r = await runOne(ioc, root.path);
  const masq = r.findings.filter((f) => f.check_id === "ioc.process.kthread_masquerade");
  assert.deepEqual(masq.map((f) => f.id).sort(), [
    "ioc.process.kthread_masquerade:/tmp/k",
    "ioc.process.kthread_masquerade:/usr/bin/sleep",
  ]);
});

Deno.test("ioc: miner, malware and tool names as whole words; pool URLs", async () => {
  using root = host([
    proc(100, "/opt/xmrig-6.21/xmrig"),
    proc(101, "/usr/bin/kdevtmpfsi"),
    proc(102, "/usr/bin/python3", {
      comm: "python3",
      argv: ["python3", "pool.py", "-o", "stratum+tcp://pool.example:3333"],
    }),
    proc(103, "/opt/t/pspy64"),
    proc(104, "/usr/bin/xmrigger"),
  ]);
  const r = await runOne(ioc, root.path);
  assert.deepEqual(r.findings.map((f) => [f.id, f.severity]).sort(), [
    ["ioc.process.attack_tool:/opt/t/pspy64", "high"],
    ["ioc.process.miner:/opt/xmrig-6.21/xmrig", "high"],
    ["ioc.process.miner:/usr/bin/kdevtmpfsi", "critical"],
    ["ioc.process.miner:/usr/bin/python3", "high"],
  ]);
  assert.equal(
    r.findings.find((f) => f.id.endsWith("python3"))!.metadata.pool,
    "stratum+tcp://pool.example:3333",
  );
});

Deno.test("ioc: reverse shell needs a shell with stdin on an inet socket and stdout/stderr on a socket, or a shell holding a connection anywhere", async () => {
  const tcp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
    "   0: 0100007F:A000 0100007F:115C 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 20 4 30 10 -1\n";
  using root = host([
    proc(100, "/usr/bin/bash", { fds: { 0: "socket:[4242]", 1: "socket:[4242]", 2: "socket:[4242]" } }),
    proc(101, "/usr/bin/dash", { fds: { 0: "socket:[999]", 1: "socket:[999]" } }),
    proc(102, "/usr/sbin/nginx", { fds: { 0: "socket:[4343]", 1: "socket:[4343]" } }),
    proc(103, "/usr/bin/bash", { argv: ["bash", "-i"], fds: { 0: "/dev/pts/0", 1: "socket:[4343]" } }),
    proc(104, "/usr/bin/python3.11", {
      argv: ["python3", "-c", "import pty"],
      fds: { 0: "socket:[4343]", 2: "socket:[4343]" },
    }),
    proc(105, "/usr/bin/python3.11", {
      argv: ["python3", "server.py"],
      fds: { 0: "socket:[4343]", 1: "socket:[4343]" },
    }),
  ], {
    "proc/100/net/tcp": tcp,
    "proc/101/net/tcp": tcp,
    "proc/102/net/tcp": tcp.replace("4242", "4343"),
    "proc/103/net/tcp": tcp.replace("4242", "4343"),
    "proc/104/net/tcp": tcp.replace("4242", "4343"),
    "proc/105/net/tcp": tcp.replace("4242", "4343"),
  });
  const r = await runOne(ioc, root.path);
  const shells = r.findings.filter((f) => f.check_id === "ioc.process.reverse_shell");
  assert.deepEqual(shells.map((f) => [f.id, f.metadata.kind, f.metadata.remote]).sort(), [
    ["ioc.process.reverse_shell:/usr/bin/bash", "shell", "127.0.0.1:4444"],
    ["ioc.process.reverse_shell:/usr/bin/python3.11", "interpreter", "127.0.0.1:4444"],
  ]);
  assert.equal(shells[0].severity, "critical");
  // 101's socket is in no table (not inet); 103 (`bash -i > /dev/tcp/…`) holds a connection on its stdout: a
  // shell holding a connected inet socket on any descriptor is one (see tests/scanners/ioc_shell_evasions_test.ts).
  assert.deepEqual(shells.find((f) => f.metadata.kind === "shell")!.metadata.pids, ["100", "103"]);
});

/** One established TCP connection 127.0.0.1:40960 -> 127.0.0.1:4444, socket inode 4242 (a /proc/net/tcp). */
const TCP_4242 =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
  "   0: 0100007F:A000 0100007F:115C 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 20 4 30 10 -1\n";

Deno.test("ioc: a process that exits before its namespace's socket table is read hides no reverse shell in it", async () => {
  const netns = { net: "net:[4026531840]" };
  using root = host([
    // Asked about first (lowest pid), but its /proc/<pid>/net is gone: it exited while the scan ran.
    proc(100, "/usr/bin/bash", { fds: { 0: "socket:[777]", 1: "socket:[777]" }, ns: netns }),
    proc(101, "/usr/bin/bash", { fds: { 0: "socket:[4242]", 1: "socket:[4242]" }, ns: netns }),
  ], { "proc/101/net/tcp": TCP_4242 });
  const shell = only((await runOne(ioc, root.path)).findings, "ioc.process.reverse_shell");
  assert.deepEqual([shell.metadata.pids, shell.metadata.remote], [["101"], "127.0.0.1:4444"]);
});

Deno.test("ioc: a namespace's sockets are read through any of its members, the shell itself or not", async () => {
  const netns = { net: "net:[4026532001]" };
  using root = host([
    // Only a member that is no shell has its tables readable (the one network scanner reads them through).
    proc(50, "/usr/sbin/nginx", { ns: netns }),
    proc(101, "/usr/bin/bash", { fds: { 0: "socket:[4242]", 1: "socket:[4242]" }, ns: netns }),
  ], { "proc/50/net/tcp": TCP_4242 });
  const shell = only((await runOne(ioc, root.path)).findings, "ioc.process.reverse_shell");
  assert.deepEqual([shell.metadata.pids, shell.metadata.remote], [["101"], "127.0.0.1:4444"]);
});

Deno.test("ioc: a reverse shell over IPv4-mapped IPv6 UDP is rendered like the network scanner renders it", async () => {
  const udp6 =
    "  sl  local_address                         remote_address                        st tx_queue " +
    "rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n" +
    "  1: 0000000000000000FFFF00000100007F:A000 0000000000000000FFFF00000A02000A:115C 01 00000000:00000000 " +
    "00:00000000 00000000     0        0 6161 2 0000000000000000 0\n";
  using root = host([
    proc(100, "/usr/bin/bash", { fds: { 0: "socket:[6161]", 1: "socket:[6161]" } }),
  ], { "proc/100/net/udp6": udp6 });
  const shell = only((await runOne(ioc, root.path)).findings, "ioc.process.reverse_shell");
  assert.deepEqual(
    [shell.metadata.proto, shell.metadata.local, shell.metadata.remote, shell.metadata.state],
    ["udp6", "[::ffff:127.0.0.1]:40960", "[::ffff:10.0.2.10]:4444", "ESTABLISHED"],
  );
});

Deno.test("ioc: the same program in several processes is one finding with every pid", async () => {
  using root = host([
    proc(100, "/memfd:x (deleted)"),
    proc(101, "/memfd:x (deleted)"),
    proc(102, "/memfd:x (deleted)"),
  ]);
  const f = only((await runOne(ioc, root.path)).findings, "ioc.process.fileless_exe");
  assert.deepEqual(f.metadata.pids, ["100", "101", "102"]);
  assert.equal(f.metadata.process_count, 3);
});

Deno.test("ioc: --ioc-allow and --ioc-allow-file downgrade to info and say why", async () => {
  using root = host([proc(100, "/memfd:agent-sandbox (deleted)"), proc(101, "/memfd:other (deleted)")], {
    "allow.txt": "# known good\n\n  other  \n",
  });
  const r = await runOne(ioc, root.path, { iocAllow: ["agent-sandbox"] });
  const byId = new Map(r.findings.map((f) => [f.id, f]));
  const allowed = byId.get("ioc.process.fileless_exe:/memfd:agent-sandbox")!;
  assert.equal(allowed.severity, "info");
  assert.equal(allowed.metadata.allowlisted, true);
  assert.equal(allowed.metadata.severity_before_allowlist, "high");
  assert.match(String(allowed.metadata.allowlist_reason), /"agent-sandbox" found in subject/);
  assert.equal(byId.get("ioc.process.fileless_exe:/memfd:other")!.severity, "high");
  const fromFile = await runOne(ioc, root.path, { iocAllowFile: `${root.path}/allow.txt` });
  assert.equal(fromFile.findings.find((f) => f.id.endsWith("/memfd:other"))!.severity, "info");
  const missing = await runOne(ioc, root.path, { iocAllowFile: `${root.path}/nope.txt` });
  assert.deepEqual(missing.warnings.map((w) => w.code), ["ioc_allow_file_unreadable"]);
  assert.ok(missing.findings.every((f) => f.severity === "high"));
});

Deno.test("ioc: --container-id limits process checks to that container", async () => {
  const cid = "c".repeat(64);
  using root = host([
    proc(100, "/memfd:a (deleted)"),
    proc(101, "/memfd:b (deleted)", { cgroup: `0::/system.slice/docker-${cid}.scope\n` }),
  ]);
  const r = await runOne(ioc, root.path, { containerId: cid.slice(0, 12) });
  assert.deepEqual(r.findings.map((f) => f.id), ["ioc.process.fileless_exe:/memfd:b"]);
});

Deno.test("ioc: without /proc the scanner is skipped but /etc/ld.so.preload is still checked", async () => {
  using root = makeTree({ "etc/ld.so.preload": "/lib/librk.so\n" });
  const r = await runOne(ioc, root.path);
  assert.equal(r.status, "skipped");
  assert.match(r.reason ?? "", /\/proc/);
  assert.deepEqual(r.findings.map((f) => f.check_id), ["ioc.ld_so_preload.entries"]);
});

Deno.test("ioc: garbage /proc files do not break the scan", async () => {
  using root = host([proc(100, "/usr/bin/sleep")], {
    "proc/100/environ": { content: new Uint8Array([0xff, 0xfe, 0, 0x3d, 0, 0x4c, 0x44]) },
    "proc/100/net/tcp": "garbage\n\0\0",
    "proc/100/fd/0": { symlink: "socket:[x]" },
    "proc/101/stat": "101 (bad",
  });
  const r = await runOne(ioc, root.path);
  assert.equal(r.status, "ok");
  assert.deepEqual(r.findings, []);
});

Deno.test("reverse-shell sockets: addresses as /proc/net writes them; v4, v6 compressed, garbage", () => {
  const render = (word: string) => {
    const [ip, port] = word.split(":");
    const addr = ip?.length === 8 ? decodeIpv4Hex(ip) : decodeIpv6Hex(ip ?? "");
    return addr === undefined || !/^[0-9A-Fa-f]{4}$/.test(port ?? "")
      ? undefined
      : hostPort(addr, parseInt(port, 16));
  };
  assert.equal(render("0100007F:1F90"), "127.0.0.1:8080");
  assert.equal(render("00000000000000000000000001000000:0016"), "[::1]:22");
  assert.equal(render("000080FE00000000FF000002FE1234AB:0050"), "[fe80::200:ff:ab34:12fe]:80");
  assert.equal(render("B80D0120000000000000000000000000:0035"), "[2001:db8::]:53");
  assert.equal(render("zz:1"), undefined);
  assert.equal(render(""), undefined);
  assert.equal(render("0100007F"), undefined);
  assert.equal(findInetSocket("", "tcp", 1), undefined);
  assert.equal(findInetSocket("header\n1 2 3", "tcp", 3), undefined);
});

Deno.test("parsers: ld entries, preload file, allow file, known names, stratum", () => {
  assert.deepEqual(ldEntries("LD_PRELOAD", " /a.so:/b.so  libc.so.6 "), ["/a.so", "/b.so", "libc.so.6"]);
  assert.deepEqual(ldEntries("LD_LIBRARY_PATH", "/a::/b;"), ["/a", "", "/b", ""]);
  assert.deepEqual(parsePreloadFile(""), []);
  assert.deepEqual(parsePreloadFile("/a.so # c\n#/b.so\n/c.so:/d.so\t/e.so"), [
    { line: 1, path: "/a.so" },
    { line: 3, path: "/c.so" },
    { line: 3, path: "/d.so" },
    { line: 3, path: "/e.so" },
  ]);
  assert.deepEqual(parseAllowFile("a\n # b\n\n c \n"), ["a", "c"]);
  assert.deepEqual(loadAllowlist([" x ", ""], undefined), { patterns: ["x"] });
  assert.equal(allowReason(["zz"], { exe: "/bin/a", cmdline: null }), undefined);
  assert.equal(allowReason(["bin/a"], { exe: "/bin/a" }), 'allowlisted: "bin/a" found in exe');
  const names = (n: string[]) => matchKnownNames(n).map((k) => k.name);
  assert.deepEqual(names(["robot", "bottle", "systemd-boot", "xmrigger", "kdevtmpfs"]), []);
  assert.deepEqual(names(["xmrig-notls"]), ["xmrig"]);
  assert.deepEqual(names(["XMRig"]), ["xmrig"]);
  assert.deepEqual(names(["linpeas.sh"]), ["linpeas"]);
  assert.deepEqual(names(["t-rex"]), ["t-rex"]);
  assert.equal(stratumUrl(["--url=stratum+ssl://p.example:443"]), "stratum+ssl://p.example:443");
  assert.equal(stratumUrl(["grep", "stratum+tcp"]), undefined);
  assert.equal(stratumUrl([]), undefined);
});

Deno.test("ioc: the committed proc-compromised host gives exactly its planted indicators", async () => {
  const r = await runOne(ioc, fixtureRoot("proc-compromised"));
  assert.equal(r.status, "ok");
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.findings.map((f) => `${f.id} ${f.severity}`).sort(), [
    "ioc.ld_so_preload.entries:/etc/ld.so.preload high",
    "ioc.process.deleted_exe:/usr/local/bin/updater high",
    "ioc.process.fileless_exe:/memfd:3 high",
    "ioc.process.kthread_masquerade:/usr/lib/.cache/kw high",
    "ioc.process.ld_preload:/usr/bin/bash high",
    "ioc.process.miner:/var/lib/redis/kdevtmpfsi critical",
    "ioc.process.reverse_shell:/usr/bin/dash critical",
  ]);
  const shell = r.findings.find((f) => f.check_id === "ioc.process.reverse_shell")!;
  assert.deepEqual([shell.metadata.parent_comm, shell.metadata.parent_exe], ["nginx", "/usr/sbin/nginx"]);
  assert.deepEqual([shell.metadata.local, shell.metadata.remote], ["10.0.0.15:50000", "10.10.10.10:4444"]);
});

Deno.test("ioc: an environment past the cap is a truncation warning; LD_* inside the cap is still seen", async () => {
  // Past the cap no exec could reach (the environment is an attacker's file here, or a process rewrote it).
  const big = "x".repeat(MAX_ENVIRON_BYTES + (64 << 10));
  using root = host([
    proc(100, "/usr/bin/sleep", { environ: { LD_PRELOAD: "/usr/lib/x86_64-linux-gnu/libfoo.so", BIG: big } }),
  ]);
  const r = await runOne(ioc, root.path);
  assert.deepEqual(r.warnings.map((w) => w.code), ["truncated"]);
  assert.equal(only(r.findings, "ioc.process.ld_preload").metadata.environ_truncated, true);
});
