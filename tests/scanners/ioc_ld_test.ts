/**
 * Duplicate LD_* variables and LD_AUDIT. glibc's ld.so takes the LAST copy of an LD_* variable, getenv (and
 * musl's loader) the FIRST: measured on this Debian 12 (glibc 2.36) with a marker library, `LD_PRELOAD=` then
 * `LD_PRELOAD=/x.so` runs /x.so's constructor while getenv("LD_PRELOAD") returns "". The live test below shows it
 * again through /proc/<pid>/maps.
 */
import assert from "node:assert/strict";
import { ioc } from "../../src/scanners/ioc/index.ts";
import { ldEntries, ldOccurrences } from "../../src/scanners/ioc/ld_env.ts";
import { environEntries } from "../../src/host/proc_stat.ts";
import { runOne } from "../helpers.ts";
import { host, only, proc, summary } from "./ioc_fixture.ts";

const SYSLIB = "/usr/lib/x86_64-linux-gnu/libfoo.so";
const env = (...items: string[]) => items.map((i) => i + "\0").join("");

Deno.test("ioc: an empty LD_PRELOAD before the real one hides nothing: the loader's copy is judged", async () => {
  using root = host([
    proc(100, "/usr/bin/sleep", {
      environRaw: env("PATH=/usr/bin", "LD_PRELOAD=", "LD_PRELOAD=/tmp/.x/hook.so"),
    }),
  ]);
  const r = await runOne(ioc, root.path);
  assert.deepEqual(summary(r.findings), [
    "critical ioc.process.ld_preload:/usr/bin/sleep",
    "high ioc.process.ld_env_duplicate:/usr/bin/sleep",
  ]);
  const pre = only(r.findings, "ioc.process.ld_preload");
  assert.deepEqual(pre.metadata.values, ["/tmp/.x/hook.so"]);
  assert.deepEqual([pre.metadata.loader_value, pre.metadata.getenv_value, pre.metadata.occurrences], [
    "/tmp/.x/hook.so",
    "",
    2,
  ]);
  assert.deepEqual(pre.metadata.untrusted_entries, ["/tmp/.x/hook.so"]);
  assert.match(pre.description, /set 2 times \(the loader uses "\/tmp\/\.x\/hook\.so", getenv sees ""\)/);
  const dup = only(r.findings, "ioc.process.ld_env_duplicate");
  assert.deepEqual([dup.metadata.variables, dup.metadata.differing_variables], [["LD_PRELOAD"], [
    "LD_PRELOAD",
  ]]);
});

Deno.test("ioc: an LD_PRELOAD behind megabytes of padding in the environment is still read", async () => {
  using root = host([
    proc(100, "/usr/bin/sleep", {
      environRaw: env(`PAD=${"x".repeat(3 << 20)}`, "LD_PRELOAD=/tmp/.x/hook.so"),
    }),
  ]);
  const r = await runOne(ioc, root.path);
  assert.deepEqual(summary(r.findings), ["critical ioc.process.ld_preload:/usr/bin/sleep"]);
  assert.ok(!r.warnings.some((w) => /environment larger/.test(w.detail ?? "")), JSON.stringify(r.warnings));
});

Deno.test("ioc: the other order (musl and getenv take the first copy) is judged the same", async () => {
  using root = host([
    proc(100, "/usr/bin/sleep", { environRaw: env("LD_PRELOAD=/tmp/.x/hook.so", "LD_PRELOAD=") }),
  ]);
  const r = await runOne(ioc, root.path);
  assert.deepEqual(summary(r.findings), [
    "critical ioc.process.ld_preload:/usr/bin/sleep",
    "high ioc.process.ld_env_duplicate:/usr/bin/sleep",
  ]);
  assert.equal(only(r.findings, "ioc.process.ld_preload").metadata.loader_value, "");
});

Deno.test("ioc: identical duplicates are low; a duplicated LD_DEBUG alone is a duplicate; other names are not", async () => {
  using root = host([
    proc(100, "/usr/bin/sleep", { environRaw: env(`LD_PRELOAD=${SYSLIB}`, `LD_PRELOAD=${SYSLIB}`) }),
    proc(101, "/usr/sbin/nginx", { environRaw: env("LD_DEBUG=", "LD_DEBUG=libs", "HOME=/", "HOME=/root") }),
    proc(102, "/usr/bin/python3", { environRaw: env("PATH=/a", "PATH=/b", `LD_PRELOAD=${SYSLIB}`) }),
  ], { "usr/bin/python3": { content: "ELF", mode: 0o755 } });
  const r = await runOne(ioc, root.path);
  assert.deepEqual(summary(r.findings), [
    "high ioc.process.ld_env_duplicate:/usr/sbin/nginx",
    "high ioc.process.ld_preload:/usr/bin/python3",
    "high ioc.process.ld_preload:/usr/bin/sleep",
    "low ioc.process.ld_env_duplicate:/usr/bin/sleep",
  ]);
  const same = r.findings.find((f) => f.id === "ioc.process.ld_preload:/usr/bin/sleep")!;
  assert.match(same.description, /has LD_PRELOAD=\/usr\/lib\/x86_64-linux-gnu\/libfoo\.so:/);
});

Deno.test("ioc: LD_AUDIT loads libraries like LD_PRELOAD: high, critical from /tmp, info when trusted", async () => {
  using root = host([
    proc(100, "/usr/bin/sleep", { environ: { LD_AUDIT: "/tmp/audit.so" } }),
    proc(101, "/usr/sbin/nginx", { environ: { LD_AUDIT: SYSLIB } }),
  ]);
  const r = await runOne(ioc, root.path);
  assert.deepEqual(summary(r.findings), [
    "critical ioc.process.ld_audit:/usr/bin/sleep",
    "high ioc.process.ld_audit:/usr/sbin/nginx",
  ]);
  const trusted = await runOne(ioc, root.path, { iocEnvTrust: true });
  assert.equal(
    trusted.findings.find((f) => f.id === "ioc.process.ld_audit:/usr/sbin/nginx")?.severity,
    "info",
  );
});

Deno.test("environ parsers: every copy in order; LD_* occurrences; LD_AUDIT split on colons only", () => {
  const enc = new TextEncoder();
  const entries = environEntries(enc.encode("A=1\0=bad\0noeq\0LD_X=1\0A=2\0LD_X=\0LD_Y=a=b\0"));
  assert.deepEqual(entries, [["A", "1"], ["LD_X", "1"], ["A", "2"], ["LD_X", ""], ["LD_Y", "a=b"]]);
  assert.deepEqual([...ldOccurrences(entries)], [["LD_X", ["1", ""]], ["LD_Y", ["a=b"]]]);
  assert.deepEqual(environEntries(new Uint8Array()), []);
  assert.deepEqual(ldEntries("LD_AUDIT", "/a.so::/b c.so:"), ["/a.so", "/b c.so"]);
});

/** Starts /bin/sleep with exactly `envp` (duplicates kept) through execve from python's ctypes. */
function execWithEnv(envp: string[]): Deno.ChildProcess {
  const script = [
    "import ctypes, sys",
    "libc = ctypes.CDLL(None)",
    "env = [e.encode() for e in sys.argv[1:]]",
    "envp = (ctypes.c_char_p * (len(env) + 1))(*env, None)",
    "argv = (ctypes.c_char_p * 3)(b'/bin/sleep', b'60', None)",
    "libc.execve(b'/bin/sleep', argv, envp)",
  ].join("\n");
  return new Deno.Command("/usr/bin/python3", {
    args: ["-c", script, ...envp],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

Deno.test("ioc live: LD_PRELOAD= then LD_PRELOAD=<lib in /tmp>: the loader maps the second; both findings name the pid", async () => {
  const dir = Deno.makeTempDirSync({ dir: "/tmp", prefix: "ioc-ld-" });
  const lib = `${dir}/libhook.so`;
  Deno.copyFileSync("/usr/lib/x86_64-linux-gnu/libm.so.6", lib);
  const child = execWithEnv(["LD_PRELOAD=", `LD_PRELOAD=${lib}`]);
  try {
    let maps = "";
    for (let i = 0; i < 250 && !maps.includes(lib); i++) {
      await new Promise((r) => setTimeout(r, 20));
      maps = Deno.readTextFileSync(`/proc/${child.pid}/maps`);
    }
    assert.ok(maps.includes(lib), "ld.so preloaded the LAST copy (the measured glibc behaviour)");
    const r = await runOne(ioc, "/");
    const mine = r.findings.filter((f) =>
      (f.metadata.pids as string[] | undefined)?.includes(String(child.pid))
    );
    assert.deepEqual(mine.map((f) => `${f.severity} ${f.check_id}`).sort(), [
      "critical ioc.process.ld_preload",
      "high ioc.process.ld_env_duplicate",
      "high ioc.process.library_in_temp",
    ]);
    const pre = mine.find((f) => f.check_id === "ioc.process.ld_preload")!;
    assert.deepEqual([pre.metadata.loader_value, pre.metadata.getenv_value], [lib, ""]);
  } finally {
    child.kill("SIGKILL");
    await child.status;
    Deno.removeSync(dir, { recursive: true });
  }
});
