/**
 * The compile step: a clear message without denort; packaging (with /bin/true standing in for the runtime, so
 * it runs everywhere); and, where a real denort exists, the shipped executable itself.
 */
import assert from "node:assert/strict";
import {
  cachedDenort,
  INCLUDES,
  missingDenortMessage,
  V8_FLAGS,
  V8_FLAGS_OPTION,
} from "../../scripts/compile.ts";
import { LAZY_MODULES } from "../../src/cli/run.ts";
import { TOOL_VERSION } from "../../src/core/version.ts";
import { needs } from "../host_caps.ts";
import { repoPath } from "../helpers.ts";

const ROOT = repoPath("");

Deno.test("without denort the compile step explains how to provide it on an air-gapped machine", async () => {
  const empty = await Deno.makeTempDir();
  try {
    const env = (k: string) => ({ HOME: empty, DENO_DIR: `${empty}/deno` } as Record<string, string>)[k];
    assert.equal(cachedDenort("x86_64-unknown-linux-gnu", env), undefined);
    const msg = missingDenortMessage("x86_64-unknown-linux-gnu");
    assert.match(msg, /DENORT_BIN/);
    assert.match(msg, /dl\/release\/v\d+\.\d+\.\d+\/denort-x86_64-unknown-linux-gnu\.zip/);
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}scripts/compile.ts`],
      env: { HOME: empty, XDG_CACHE_HOME: `${empty}/xdg`, DENORT_BIN: "" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(r.code, 1);
    assert.match(new TextDecoder().decode(r.stderr), /denort.*is not available here/);
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("packaging, with /bin/true standing in for the runtime: the BPF object and rules are embedded, SHA256SUMS matches", async () => {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/compile.ts`],
    env: { DENORT_BIN: "/bin/true" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  const sums = Deno.readTextFileSync(`${ROOT}dist/SHA256SUMS`).trim().split(/\s+/);
  const exe = await Deno.readFile(`${ROOT}dist/${sums[1]}`);
  const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", exe))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(digest, sums[0]);
  const haystack = new TextDecoder("latin1").decode(exe);
  const object = await Deno.readFile(`${ROOT}generated/process_exec.bpf.o`);
  assert.ok(
    haystack.includes(new TextDecoder("latin1").decode(object.subarray(0, 256))),
    "BPF object embedded",
  );
  for (const e of Deno.readDirSync(`${ROOT}rules`)) {
    if (!e.isFile) continue;
    const text = Deno.readTextFileSync(`${ROOT}rules/${e.name}`);
    assert.ok(haystack.includes(text.slice(0, 200)), `rules/${e.name} embedded`);
  }
});

/** The executable built with the real denort, in a temporary directory under /tmp; built once per run. */
let built: Promise<{ exe: string; dir: string }> | undefined;

function compiled(): Promise<{ exe: string; dir: string }> {
  built ??= (async () => {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}scripts/compile.ts`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    const name = Deno.readTextFileSync(`${ROOT}dist/SHA256SUMS`).trim().split(/\s+/)[1];
    // Run from /tmp, as responders often do: the self-test then hides the executable's own directory.
    const dir = Deno.makeTempDirSync({ dir: "/tmp", prefix: "sys-scan-compiled-" });
    Deno.copyFileSync(`${ROOT}dist/${name}`, `${dir}/sys-scan`);
    Deno.chmodSync(`${dir}/sys-scan`, 0o755);
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    return { exe: `${dir}/sys-scan`, dir };
  })();
  return built;
}

async function runExe(
  exe: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await new Deno.Command(exe, { args, cwd: "/", stdin: "null" }).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

Deno.test(needs(["denort"], {
  name: "the compiled executable: --version, then a --fast-scan report",
  fn: async () => {
    const { exe, dir } = await compiled();
    const v = await runExe(exe, ["--version"]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`sys-scan ${TOOL_VERSION.replaceAll(".", "\\.")}`));
    const scan = await runExe(exe, ["--fast-scan", "--output", `${dir}/fast.json`]);
    assert.ok(scan.code === 0 || scan.code === 1, scan.stderr);
    const report = JSON.parse(Deno.readTextFileSync(`${dir}/fast.json`));
    assert.ok(report.results.length > 5, "the fast scan ran its scanners");
    assert.deepEqual(report.scanner_errors, []);
  },
}));

Deno.test(needs(["denort", "root", "unshare", "btf", "libbpf"], {
  name:
    "the compiled executable: self-test --no-trace from /tmp, and a 2 s eBPF trace with its embedded object",
  fn: async () => {
    const { exe, dir } = await compiled();
    const st = await runExe(exe, ["self-test", "--no-trace", "--json"]);
    assert.equal(st.code, 0, st.stdout + st.stderr);
    assert.deepEqual(JSON.parse(st.stdout).evidence.programKept, [Deno.realPathSync(exe)]);
    const tr = await runExe(exe, [
      "--enable",
      "ebpf_exec_trace",
      "--ioc-exec-trace",
      "2",
      "--output",
      `${dir}/t.json`,
    ]);
    assert.ok(tr.code === 0 || tr.code === 1, tr.stderr);
    const report = JSON.parse(Deno.readTextFileSync(`${dir}/t.json`));
    assert.equal(report.results[0].status, "ok");
    assert.equal(report.meta.trace.mode, "ebpf", JSON.stringify(report.meta.trace));
    assert.equal(report.meta.trace.canary.seen, true);
  },
}));

Deno.test("every asset read relative to import.meta.url is embedded with --include", () => {
  const sources: string[] = [];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(`${ROOT}${dir}`)) {
      if (e.isDirectory) walk(`${dir}/${e.name}`);
      else if (e.name.endsWith(".ts")) sources.push(`${dir}/${e.name}`);
    }
  };
  walk("src");
  walk("ffi");
  const assets: string[] = [];
  for (const file of sources) {
    const text = Deno.readTextFileSync(`${ROOT}${file}`);
    for (const m of text.matchAll(/new URL\(\s*[`"']([^`"'$]+)[^)]*import\.meta\.url/g)) {
      // A directory (e.g. the source tree the self-test keeps visible) is not a file read at run time.
      if (m[1].endsWith("/")) continue;
      const resolved = decodeURIComponent(new URL(m[1], new URL(file, "file:///r/")).pathname).slice(3);
      if (resolved.startsWith(".git/")) continue;
      assert.ok(
        resolved !== "",
        `${file}: an asset URL built from a variable cannot be checked; name the file`,
      );
      assets.push(resolved);
    }
  }
  assert.ok(assets.length > 0);
  for (const a of assets) {
    const covered = INCLUDES.some((inc) => a === inc || a.startsWith(`${inc}/`));
    assert.ok(covered, `${a} is read at run time but not embedded (scripts/compile.ts INCLUDES)`);
  }
});

Deno.test("compile: every module src/cli/run.ts loads on demand is embedded (it is outside the static graph)", () => {
  const modules = Object.values(LAZY_MODULES).map((p) =>
    decodeURIComponent(new URL(p, "file:///r/src/cli/run.ts").pathname).slice(3)
  );
  assert.ok(modules.includes("src/cli/scan.ts"));
  for (const m of modules) {
    assert.ok((INCLUDES as readonly string[]).includes(m), `${m}: add it to scripts/compile.ts INCLUDES`);
  }
});

Deno.test("compile: scripts/scan.sh and the scan task pass the executable's V8 options to deno run", () => {
  assert.equal(V8_FLAGS_OPTION, `--v8-flags=${V8_FLAGS.join(",")}`);
  assert.ok(Deno.readTextFileSync(`${ROOT}scripts/scan.sh`).includes(` ${V8_FLAGS_OPTION} `));
  assert.ok(
    JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks.scan.includes(` ${V8_FLAGS_OPTION} `),
  );
});
