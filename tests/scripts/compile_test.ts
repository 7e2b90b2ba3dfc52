/** The compile step: packaging with an embedded BPF object and rules, and a clear message without denort. */
import assert from "node:assert/strict";
import { cachedDenort, INCLUDES, missingDenortMessage } from "../../scripts/compile.ts";
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

Deno.test("with DENORT_BIN set, packaging embeds the BPF object and the rules and writes SHA256SUMS", async () => {
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
