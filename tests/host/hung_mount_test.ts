/**
 * A FUSE mount whose server never answers (any stat under it blocks in the kernel): the census, the Deno-API
 * walker and a whole scan step around it and say so in a warning, instead of hanging.
 */
import assert from "node:assert/strict";
import { runCensus } from "../../src/host/census.ts";
import { Host } from "../../src/host/host.ts";
import { walk } from "../../src/host/walker.ts";
import { scanCommand } from "../../src/cli/scan.ts";
import { makeTree, mountHungFuse } from "../helpers.ts";
import { needs } from "../host_caps.ts";

function tree() {
  return makeTree({
    "srv/suid": { content: "x", mode: 0o4755 },
    "srv/mnt/.keep": "",
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
    "tmp/.keep": "",
  });
}

for (const threads of [0, 2]) {
  Deno.test(needs(["fuse"], {
    name: `hung mount: the census (${
      threads ? "with a census worker" : "this thread"
    }) steps around it with a warning`,
    fn: async () => {
      using t = tree();
      using _m = mountHungFuse(`${t.path}/srv/mnt`);
      const started = performance.now();
      const c = await runCensus(new Host(t.path), {
        scopes: [{ name: "all", roots: ["/"], pruneDirs: [], pruneSubstrings: [] }],
        xattr: false,
        skipFsTypes: [],
        threads,
      });
      assert.deepEqual(c.entries.map((e) => e.path), ["/srv/suid"]);
      const skipped = c.warnings.filter((w) => w.code === "walk_skipped_fs");
      assert.equal(skipped.length, 1, JSON.stringify(c.warnings));
      assert.match(skipped[0].detail, /srv\/mnt: a remote or FUSE filesystem, not walked/);
      assert.ok(performance.now() - started < 30_000, "finished (a hung server would block for ever)");
      const below = await runCensus(new Host(t.path), {
        scopes: [{ name: "mnt", roots: ["/srv/mnt"], pruneDirs: [], pruneSubstrings: [] }],
        xattr: false,
        skipFsTypes: [],
        threads,
      });
      assert.deepEqual(below.warnings.map((w) => w.code), ["walk_skipped_fs"], "a root on it is not walked");
    },
  }));
}

Deno.test(needs(["fuse"], {
  name: "hung mount: the Deno-API walker steps around it with a warning",
  fn: async () => {
    using t = tree();
    using _m = mountHungFuse(`${t.path}/srv/mnt`);
    const warnings: string[] = [];
    const ctx = {
      host: new Host(t.path),
      warn: (c: string, d?: string) => warnings.push(`${c}: ${d}`),
      checkpoint: () => Promise.resolve(),
    };
    const seen: string[] = [];
    for await (const e of walk(ctx, { roots: ["/srv"] })) seen.push(e.path);
    assert.deepEqual(seen, ["/srv", "/srv/suid"]);
    assert.deepEqual(warnings, ["walk_skipped_fs: /srv/mnt: a remote or FUSE filesystem, not walked"]);
  },
}));

Deno.test(needs(["fuse"], {
  name: "hung mount: a whole default scan of a root holding one finishes, every scanner ok, and warns",
  fn: async () => {
    using t = tree();
    using _m = mountHungFuse(`${t.path}/srv/mnt`);
    using out = makeTree({});
    const started = performance.now();
    const r = await scanCommand(
      [
        "--root",
        t.path,
        "--output",
        `${out.path}/r.json`,
        "--max-duration",
        "60",
        "--hardening",
        "--containers",
      ],
      { stderr: () => {} },
    );
    assert.ok(r.ok, r.ok ? "" : r.error.message);
    const report = JSON.parse(Deno.readTextFileSync(`${out.path}/r.json`));
    assert.deepEqual(
      report.results.filter((x: { status: string }) => x.status === "timeout" || x.status === "error"),
      [],
    );
    assert.ok(
      report.collection_warnings.some((w: { code: string; detail?: string }) =>
        w.code === "walk_skipped_fs" && /srv\/mnt/.test(w.detail ?? "")
      ),
      JSON.stringify(report.collection_warnings),
    );
    assert.ok(performance.now() - started < 30_000);
  },
}));
