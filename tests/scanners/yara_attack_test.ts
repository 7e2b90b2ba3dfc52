/**
 * The yara scanner against a hostile tree: special files planted or swapped in, symlinks and directories
 * swapped after the walk, files that grow, shrink or are enormous and sparse, runaway rules. None may hang,
 * crash or make the scanner report one file's content under another's name.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { YaraScanner } from "../../ffi/libyara.ts";
import { Host } from "../../src/host/host.ts";
import { walk, type WalkEntry } from "../../src/host/walker.ts";
import { loadLibyara } from "../../src/scanners/yara/engine.ts";
import { type FileScan, scanWalkedFile } from "../../src/scanners/yara/file_scan.ts";
import { yara } from "../../src/scanners/yara/scanner.ts";
import { makeTree, runOne } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const LIB = loadLibyara();
const NEEDLE = 'rule hit { strings: $a = "needle" condition: $a }';

/** A scanner over `source` (kept for the whole test file: the process exits after). */
function scannerFor(source: string): YaraScanner {
  if (!LIB.ok) throw new Error(LIB.reason);
  const c = LIB.lib.compile([{ name: "test.yar", text: source }]);
  if (!c.ok) throw new Error(JSON.stringify(c.errors));
  return c.rules.scanner();
}

function sh(script: string, cwd: string): void {
  const r = new Deno.Command("sh", { args: ["-c", script], cwd, stderr: "piped" }).outputSync();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
}

/** The walk entries of a tree, by path relative to it. */
async function entries(root: string): Promise<Map<string, WalkEntry>> {
  const ctx = { host: new Host("/"), warn() {}, async checkpoint() {} };
  const out = new Map<string, WalkEntry>();
  for await (const e of walk(ctx, { roots: [root] })) out.set(e.path.slice(root.length + 1), e);
  return out;
}

let needleScanner: YaraScanner | undefined;
function scan(e: WalkEntry, maxBytes = 1 << 20): FileScan {
  needleScanner ??= scannerFor(NEEDLE);
  return scanWalkedFile(
    { host: new Host("/") },
    e,
    needleScanner,
    maxBytes,
    10,
    new Uint8Array(maxBytes + 1),
  );
}

Deno.test(needs(["libyara"], {
  name:
    "yara: FIFOs, sockets and devices planted in the tree are never opened; the scan ends and finds the rest",
  fn: async () => {
    using rules = makeTree({ "r.yar": NEEDLE });
    using t = makeTree({ "tmp/a/needle.txt": "a needle\n" });
    sh(
      `mkfifo tmp/fifo tmp/a/x.yar${
        Deno.uid() === 0 ? " && mknod tmp/zero c 1 5 && mknod tmp/disk b 7 0" : ""
      }`,
      t.path,
    );
    const listener = Deno.listen({ transport: "unix", path: `${t.path}/tmp/sock` });
    try {
      const t0 = performance.now();
      const r = await runOne(yara, "/", { yaraRules: `${rules.path}/r.yar`, yaraRoots: [`${t.path}/tmp`] });
      assert.ok(performance.now() - t0 < 10_000);
      assert.equal(r.status, "ok");
      assert.deepEqual(r.findings.map((f) => f.metadata.path), [`${t.path}/tmp/a/needle.txt`]);
      assert.deepEqual(r.warnings, [], "special files are not files to scan: nothing to report");
    } finally {
      listener.close();
    }
  },
}));

Deno.test(needs(["libyara"], {
  name: "scanWalkedFile: a file swapped for a FIFO after the walk is refused without opening it",
  fn: async () => {
    using t = makeTree({ "f": "needle\n" });
    const e = (await entries(t.path)).get("f")!;
    sh("rm f && mkfifo f", t.path);
    const t0 = performance.now();
    const r = await scan(e);
    assert.ok(performance.now() - t0 < 2000, "opening a FIFO for reading would block");
    assert.equal(r.kind, "changed");
  },
}));

Deno.test(needs(["libyara", "root"], {
  name: "scanWalkedFile: a file swapped for a device node after the walk is refused (needs root for mknod)",
  fn: async () => {
    using t = makeTree({ "f": "needle\n" });
    const e = (await entries(t.path)).get("f")!;
    sh("rm f && mknod f c 1 5", t.path);
    assert.equal((await scan(e)).kind, "changed");
  },
}));

Deno.test(needs(["libyara"], {
  name: "scanWalkedFile: a file swapped for a symlink (to a secret, or to /dev/zero) is refused",
  fn: async () => {
    using outside = makeTree({ "secret": "needle from elsewhere\n" });
    using t = makeTree({ "f": "harmless\n", "g": "harmless\n" });
    const walked = await entries(t.path);
    sh(`rm f g && ln -s ${outside.path}/secret f && ln -s /dev/zero g`, t.path);
    for (const name of ["f", "g"]) assert.equal((await scan(walked.get(name)!)).kind, "changed", name);
  },
}));

Deno.test(needs(["libyara"], {
  name:
    "scanWalkedFile: a file replaced by another, or reached through a directory swapped for a symlink, is refused",
  fn: async () => {
    using other = makeTree({ "d/f": "needle: another file's content\n" });
    using t = makeTree({ "d/f": "harmless\n", "g": "harmless\n", "h": "needle\n" });
    const walked = await entries(t.path);
    sh(`mv h g && mv d d.old && ln -s ${other.path}/d d`, t.path);
    for (const name of ["g", "d/f"]) assert.equal((await scan(walked.get(name)!)).kind, "changed", name);
  },
}));

Deno.test(needs(["libyara"], {
  name:
    "scanWalkedFile: a file grown past the cap, or to a terabyte of holes, since the walk is too large and not read",
  fn: async () => {
    using t = makeTree({ "grows": "small\n", "sparse": "small\n", "shrinks": "needle ".repeat(1000) });
    const walked = await entries(t.path);
    sh("head -c 2000000 /dev/zero >> grows && truncate -s 1T sparse && truncate -s 7 shrinks", t.path);
    assert.deepEqual(await scan(walked.get("grows")!), { kind: "too_large", size: 2_000_006 });
    const t0 = performance.now();
    assert.deepEqual(await scan(walked.get("sparse")!), { kind: "too_large", size: 2 ** 40 });
    assert.ok(
      performance.now() - t0 < 1000,
      "nothing is read when the size on the descriptor is over the cap",
    );
    const shrunk = await scan(walked.get("shrinks")!);
    assert.equal(shrunk.kind, "scanned", "the same file, smaller: what is there now is scanned");
    if (shrunk.kind !== "scanned") return;
    assert.equal(shrunk.size, 7);
    assert.deepEqual(shrunk.result.matches.map((m) => m.rule.name), ["hit"]);
    assert.equal(shrunk.sha256, createHash("sha256").update("needle ").digest("hex"));
  },
}));

Deno.test(needs(["libyara"], {
  name:
    "scanWalkedFile: a file cut while libyara scans it changes nothing (the bytes read are scanned); cut while read, it says so",
  fn: async () => {
    using t = makeTree({});
    sh("head -c 33554432 /dev/zero > big && printf needle >> big", t.path);
    const e = (await entries(t.path)).get("big")!;
    // About a second of work per scan: the truncation lands in the middle of it.
    const slow = scannerFor(
      'rule slow { strings: $n = "needle" condition: $n and for all i in (0..filesize - 7) : (uint8(i) == 0) }',
    );
    const cut = new Deno.Command("sh", { args: ["-c", "sleep 0.5; truncate -s 0 big"], cwd: t.path }).spawn();
    const r = await scanWalkedFile(
      { host: new Host("/") },
      e,
      slow,
      64 << 20,
      60,
      new Uint8Array((64 << 20) + 1),
    );
    await cut.status;
    assert.equal(Deno.statSync(`${t.path}/big`).size, 0, "the file was cut");
    assert.equal(r.kind, "scanned", JSON.stringify(r));
    if (r.kind !== "scanned") return;
    if (!r.shrank) {
      // The usual case: read in a few tens of ms, cut during the scan.
      assert.equal(r.size, (32 << 20) + 6);
      assert.deepEqual(r.result.matches.map((m) => m.rule.name), ["slow"]);
    } else {
      // A loaded machine: cut during the read.
      assert.ok(r.size < (32 << 20) + 6);
      console.log(`the cut came during the read, after ${r.size} bytes`);
    }
  },
}));

Deno.test(needs(["libyara"], {
  name: "yara: a terabyte sparse file is skipped as too large, quickly, with a warning",
  fn: async () => {
    using rules = makeTree({ "r.yar": NEEDLE });
    using t = makeTree({ "tmp/needle": "needle\n" });
    sh("truncate -s 1T tmp/huge", t.path);
    const t0 = performance.now();
    const r = await runOne(yara, "/", { yaraRules: `${rules.path}/r.yar`, yaraRoots: [`${t.path}/tmp`] });
    assert.ok(performance.now() - t0 < 10_000);
    assert.deepEqual(r.findings.map((f) => f.metadata.path), [`${t.path}/tmp/needle`]);
    assert.ok(
      r.warnings.some((w) => w.code === "truncated" && /huge \(1099511627776 bytes\)/.test(w.detail ?? "")),
    );
  },
}));

Deno.test(needs(["libyara"], {
  name: "yara: files rewritten, grown and truncated while the scanner reads them never crash or hang it",
  fn: async () => {
    using rules = makeTree({ "r.yar": NEEDLE });
    using t = makeTree({});
    Deno.mkdirSync(`${t.path}/tmp`);
    // Four files cycle between empty, 3 MiB and 6 MiB with the needle at the end, as fast as a shell can.
    const churn = new Deno.Command("sh", {
      args: [
        "-c",
        "while :; do for f in a b c d; do head -c 3000000 /dev/zero > $f; printf needle >> $f; " +
        ": > $f; head -c 6000000 /dev/zero >> $f; printf needle >> $f; done; done",
      ],
      cwd: `${t.path}/tmp`,
      stdout: "null",
      stderr: "null",
    }).spawn();
    let found = 0;
    try {
      for (let i = 0; i < 15; i++) {
        const r = await runOne(yara, "/", { yaraRules: `${rules.path}/r.yar`, yaraRoots: [`${t.path}/tmp`] });
        assert.equal(r.status, "ok", r.reason);
        for (const f of r.findings) assert.match(String(f.metadata.path), /\/tmp\/[abcd]$/);
        for (const w of r.warnings) assert.match(w.code, /^(truncated|file_changed)$/, w.detail);
        found += r.findings.length;
      }
    } finally {
      churn.kill("SIGKILL");
      await churn.status;
    }
    assert.ok(found > 0, "the files were read while they changed (the needle was seen at least once)");
    console.log(`needle seen ${found} times in 15 scans of 4 churning files`);
  },
}));

Deno.test(needs(["libyara"], {
  name: "yara: a runaway rule is stopped by libyara's timeout within the scanner budget, with a warning",
  fn: async () => {
    using rules = makeTree({
      "r.yar": "rule slow { condition: for all i in (0..filesize - 1) : " +
        "(for all j in (0..filesize - 1) : (uint8(j) == uint8(i))) }",
    });
    using t = makeTree({ "tmp/a": "x".repeat(1 << 16), "tmp/b": "y".repeat(1 << 16) });
    const t0 = performance.now();
    const r = await runOne(yara, "/", {
      yaraRules: `${rules.path}/r.yar`,
      yaraRoots: [`${t.path}/tmp`],
      scannerTimeout: 3,
    });
    const took = performance.now() - t0;
    assert.ok(took < 6000, `took ${took} ms`);
    assert.equal(r.status, "ok", r.reason);
    assert.ok(
      r.warnings.some((w) =>
        w.code === "truncated" && /libyara's timeout passed while scanning/.test(w.detail ?? "")
      ),
      JSON.stringify(r.warnings),
    );
  },
}));
